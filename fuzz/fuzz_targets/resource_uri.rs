//! `github://` resource URIs (tools::github_uri), which any client can send to
//! `resources/read`: `GithubUri::parse`, and the URIs `contents_uri` and `readme_uri` write.
//!
//! Input: the whole text as a URI, and again after `github://`; lines 1 to 4 as an owner,
//! a repository, a path and a ref to write a URI from.
//!
//! Asserts: no panic; a parsed URI names an owner and a repository that are each one plain
//! path segment of the API URL, a path (never empty) that `encode_repo_path` accepts and
//! that follows `/contents/` unnormalised, and a ref that `validate_ref` accepts and that
//! comes back whole from a query; and a URI written from valid parts reads back as the
//! same parts, whatever characters the path and ref hold.
#![no_main]

use github_mcp_worker::github::repo::{
    encode_repo_path, validate_owner, validate_ref, validate_repo, RepoRef,
};
use github_mcp_worker::tools::github_uri::{contents_uri, readme_uri, GithubUri};
use github_mcp_worker_fuzz::{
    assert_contents_path, assert_path_segment, assert_query_value, check_oracles, fields,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let text = String::from_utf8_lossy(data);
    check_parsed(&text);
    check_parsed(&format!("github://{text}"));

    let parts = fields(data, 4);
    let part = |i: usize| parts.get(i).map(String::as_str).unwrap_or_default();
    let (owner, repo, path, git_ref) = (part(0), part(1), part(2), part(3));
    if validate_owner(owner).is_err() || validate_repo(repo).is_err() {
        return;
    }
    let repo = RepoRef {
        owner: owner.to_string(),
        repo: repo.to_string(),
    };
    let git_ref = (validate_ref(git_ref).is_ok()).then_some(git_ref);
    let readme =
        GithubUri::parse(&readme_uri(&repo, git_ref)).expect("a written README URI reads back");
    assert_eq!(
        (readme.repo.clone(), readme.path, readme.git_ref.as_deref()),
        (repo.clone(), None, git_ref)
    );
    if path.is_empty() || encode_repo_path(path).is_err() {
        return;
    }
    let uri = contents_uri(&repo, path, git_ref);
    let back = GithubUri::parse(&uri).unwrap_or_else(|e| panic!("{uri:?} does not read back: {e}"));
    assert_eq!(
        (back.repo, back.path.as_deref(), back.git_ref.as_deref()),
        (repo, Some(path), git_ref),
        "{uri:?}"
    );
});

/// Whatever `GithubUri::parse` accepts is safe to send upstream.
fn check_parsed(uri: &str) {
    let Ok(parsed) = GithubUri::parse(uri) else {
        return;
    };
    assert!(uri.starts_with("github://"), "{uri:?}");
    assert_path_segment(&parsed.repo.owner);
    assert_path_segment(&parsed.repo.repo);
    if let Some(path) = &parsed.path {
        assert!(!path.is_empty(), "{uri:?}");
        let encoded = encode_repo_path(path).expect("a parsed path is valid");
        assert_contents_path(path, &encoded);
    }
    if let Some(git_ref) = &parsed.git_ref {
        assert!(validate_ref(git_ref).is_ok(), "{uri:?}");
        assert_query_value(git_ref);
    }
}
