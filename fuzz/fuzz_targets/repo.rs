//! Repository references and the values that go into upstream URLs (github::repo):
//! `RepoRef::parse` (`owner/repo` or a GitHub URL), `validate_owner`, `validate_repo`,
//! `validate_ref`, `validate_text`, `validate_timestamp` and `encode_repo_path`.
//!
//! Input: the whole text is tried as each of those; line 1 is also a repository URL, read
//! with github.com, an Enterprise host and a loopback test host as the web URL.
//!
//! Asserts: no panic; a parsed reference has a valid owner and repository that are each
//! one plain path segment of the API URL, and parses back from its own `owner/repo`; a
//! repository given as a URL was on github.com, www.github.com or the configured host; an
//! accepted owner is 1 to 39 letters, digits and hyphens; an accepted ref has no `..` and
//! comes back whole from the query; an accepted path, encoded, is not normalised by the URL
//! parser and decodes to the same segments; accepted text is bounded and control-free; an
//! accepted timestamp is 10 to 30 characters of digits and `-:TZ+.`.
#![no_main]

use github_mcp_worker::github::repo::{
    encode_repo_path, validate_owner, validate_ref, validate_repo, validate_text,
    validate_timestamp, RepoRef,
};
use github_mcp_worker_fuzz::{
    assert_contents_path, assert_path_segment, assert_query_value, check_oracles, fields,
};
use libfuzzer_sys::fuzz_target;

const WEB_URLS: [&str; 3] = [
    "https://github.com",
    "https://ghe.example.com/",
    "http://127.0.0.1:9999",
];

fuzz_target!(|data: &[u8]| {
    check_oracles();
    let text = String::from_utf8_lossy(data);
    let first = fields(data, 2).into_iter().next().unwrap_or_default();
    for input in [text.as_ref(), first.as_str()] {
        for web in WEB_URLS {
            check_repo_ref(input, web);
        }
    }

    if validate_owner(&text).is_ok() {
        assert!((1..=39).contains(&text.len()), "{text:?}");
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        assert_path_segment(&text);
    }
    if validate_repo(&text).is_ok() {
        assert!((1..=100).contains(&text.len()), "{text:?}");
        assert_path_segment(&text);
    }
    if validate_ref(&text).is_ok() {
        assert!((1..=255).contains(&text.len()), "{text:?}");
        assert!(
            !text.contains("..") && !text.chars().any(char::is_control),
            "{text:?}"
        );
        assert_query_value(&text);
    }
    if let Ok(encoded) = encode_repo_path(&text) {
        assert!(text.len() <= 1000);
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\\'),
            "{text:?}"
        );
        assert_contents_path(&text, &encoded);
    }
    for max in [1, 50, 256] {
        if validate_text(&text, max).is_ok() {
            assert!(text.chars().count() <= max && !text.trim().is_empty());
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert_query_value(&text);
        }
    }
    if validate_timestamp(&text).is_ok() {
        assert!((10..=30).contains(&text.len()), "{text:?}");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_digit() || b"-:TZ+.".contains(&b)),
            "{text:?}"
        );
        assert!(text
            .get(..4)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit())));
    }
});

fn check_repo_ref(input: &str, web: &str) {
    let Ok(repo) = RepoRef::parse(input, web) else {
        return;
    };
    assert!(validate_owner(&repo.owner).is_ok() && validate_repo(&repo.repo).is_ok());
    assert_path_segment(&repo.owner);
    assert_path_segment(&repo.repo);
    assert_eq!(RepoRef::parse(&repo.to_string(), web).as_ref(), Ok(&repo));
    let input = input.trim();
    if input.contains("://") {
        let configured = web.trim_end_matches('/');
        let on_github = ["https://github.com/", "https://www.github.com/"]
            .iter()
            .any(|origin| input.starts_with(origin))
            || input.starts_with(&format!("{configured}/"));
        assert!(on_github, "{input:?} read as {repo} with web URL {web}");
    }
}
