//! The `github://` resource URIs: their templates, reading a URI a client expanded from one
//! (RFC 6570), and writing the URI of a file or README at a ref.
//!
//! `github://{owner}/{repo}/readme{?ref}` and `github://{owner}/{repo}/contents/{+path}{?ref}`.
//! The ref is an optional query parameter, so a URI without one means the default branch.
//! In a query a ref's `/` (`feature/x`) is unambiguous, whether the client percent-encodes
//! it as RFC 6570's `{?ref}` does (`?ref=feature%2Fx`) or not. The path and the ref are
//! percent-decoded; a `?` in a path must be sent as `%3F` (RFC 6570's `{+path}` leaves it
//! bare, and then it starts the query). Whatever is read is checked by the same rules as
//! tool arguments (`github::repo`) before it goes anywhere.

use crate::github::http::{percent_decode_bytes, percent_encode, percent_encode_keeping};
use crate::github::repo::{encode_repo_path, validate_owner, validate_ref, validate_repo, RepoRef};
use mcp_core::jsonrpc::echoed;

pub const SCHEME: &str = "github://";
pub const README_TEMPLATE: &str = "github://{owner}/{repo}/readme{?ref}";
pub const CONTENTS_TEMPLATE: &str = "github://{owner}/{repo}/contents/{+path}{?ref}";

/// A parsed `github://` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubUri {
    pub repo: RepoRef,
    /// The file or directory (decoded, valid for `encode_repo_path`, never empty); `None`
    /// for the README.
    pub path: Option<String>,
    /// The branch, tag or commit (decoded, valid for `validate_ref`); `None` for the
    /// default branch.
    pub git_ref: Option<String>,
}

impl GithubUri {
    /// Reads a `github://` URI, or says what is wrong with it.
    pub fn parse(uri: &str) -> Result<GithubUri, String> {
        let shape = || {
            format!("'{}' is not a github:// resource: use github://owner/repo/readme or github://owner/repo/contents/path, optionally ending in ?ref=branch-tag-or-sha", echoed(uri))
        };
        let rest = uri.strip_prefix(SCHEME).ok_or_else(shape)?;
        let (location, query) = match rest.split_once('?') {
            Some((location, query)) => (location, Some(query)),
            None => (rest, None),
        };
        let mut parts = location.splitn(4, '/');
        let (owner, repo, kind) = match (parts.next(), parts.next(), parts.next()) {
            (Some(owner), Some(repo), Some(kind)) => (owner, repo, kind),
            _ => return Err(shape()),
        };
        validate_owner(owner)?;
        validate_repo(repo)?;
        let path = match (kind, parts.next()) {
            ("readme", None) => None,
            ("contents", Some(path)) => {
                let path = percent_decode(path)?;
                // A directory may end in `/`, as path completion writes it.
                let path = path.strip_suffix('/').unwrap_or(&path).to_string();
                if path.is_empty() {
                    return Err(shape());
                }
                encode_repo_path(&path)?;
                Some(path)
            }
            _ => return Err(shape()),
        };
        Ok(GithubUri {
            repo: RepoRef {
                owner: owner.to_string(),
                repo: repo.to_string(),
            },
            path,
            git_ref: query.map(parse_query).transpose()?.flatten(),
        })
    }
}

/// The query of a `github://` URI: nothing but `ref` (given once; empty means the default
/// branch, as RFC 6570 expands an empty value).
fn parse_query(query: &str) -> Result<Option<String>, String> {
    let mut git_ref = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name != "ref" {
            return Err(format!(
                "'{name}' is not a parameter of a github:// resource: the only one is ref (a branch, tag or commit SHA)"
            ));
        }
        if git_ref.is_some() {
            return Err("a github:// resource takes one ref".into());
        }
        git_ref = Some(percent_decode(value)?);
    }
    let git_ref = git_ref.filter(|r| !r.is_empty());
    if let Some(git_ref) = &git_ref {
        validate_ref(git_ref)?;
    }
    Ok(git_ref)
}

/// Decodes `%XX` escapes; anything else stays as it is. Every escape must be well formed,
/// and the result UTF-8.
fn percent_decode(text: &str) -> Result<String, String> {
    let malformed = || {
        format!(
            "'{}' has a malformed percent-escape or is not UTF-8",
            echoed(text)
        )
    };
    let well_formed = text.split('%').skip(1).all(|part| {
        part.get(..2)
            .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if !well_formed {
        return Err(malformed());
    }
    String::from_utf8(percent_decode_bytes(text)).map_err(|_| malformed())
}

/// `?ref=<ref>` as RFC 6570's `{?ref}` expands it, or nothing for the default branch.
fn ref_query(git_ref: Option<&str>) -> String {
    git_ref
        .filter(|r| !r.is_empty())
        .map(|r| format!("?ref={}", percent_encode(r)))
        .unwrap_or_default()
}

/// The URI of a file or directory at a ref (`path` as GitHub names it). The path is written
/// as RFC 6570's `{+path}` would, except that `?`, `#`, `[`, `]` and `%` are escaped too, so
/// that the URI reads back as the same path.
pub fn contents_uri(repo: &RepoRef, path: &str, git_ref: Option<&str>) -> String {
    let path = percent_encode_keeping(path, "/!$&'()*+,;=:@");
    format!("{SCHEME}{repo}/contents/{path}{}", ref_query(git_ref))
}

/// The URI of a repository's README at a ref.
pub fn readme_uri(repo: &RepoRef, git_ref: Option<&str>) -> String {
    format!("{SCHEME}{repo}/readme{}", ref_query(git_ref))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> RepoRef {
        RepoRef {
            owner: "octocat".into(),
            repo: "Hello-World".into(),
        }
    }

    fn parsed(uri: &str) -> (Option<String>, Option<String>) {
        let parsed = GithubUri::parse(uri).unwrap();
        assert_eq!(parsed.repo, repo());
        (parsed.path, parsed.git_ref)
    }

    fn some(a: &str) -> Option<String> {
        Some(a.to_string())
    }

    #[test]
    fn reads_what_clients_expand_from_the_templates() {
        let base = "github://octocat/Hello-World";
        assert_eq!(parsed(&format!("{base}/readme")), (None, None));
        assert_eq!(parsed(&format!("{base}/readme?ref=v1")), (None, some("v1")));
        assert_eq!(
            parsed(&format!("{base}/contents/src/main.rs")),
            (some("src/main.rs"), None)
        );
        // {?ref} percent-encodes the `/` of a branch; a bare one reads the same.
        for query in ["?ref=feature%2Fx", "?ref=feature/x", "?ref=feature%2fx"] {
            assert_eq!(
                parsed(&format!("{base}/contents/docs/a b.md{query}")),
                (some("docs/a b.md"), some("feature/x"))
            );
        }
        // {+path} percent-encodes what is neither reserved nor unreserved.
        assert_eq!(
            parsed(&format!("{base}/contents/docs/%C3%A9t%C3%A9%20x.md")),
            (some("docs/été x.md"), None)
        );
        // An empty {?ref} is the default branch; a directory may end in `/`.
        assert_eq!(
            parsed(&format!("{base}/contents/docs/?ref=")),
            (some("docs"), None)
        );
        let sha = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
        assert_eq!(
            parsed(&format!("{base}/contents/a+b&c=d.txt?ref={sha}")),
            (some("a+b&c=d.txt"), some(sha))
        );
    }

    #[test]
    fn refuses_what_could_reach_another_path() {
        for bad in [
            "github://octocat/Hello-World",
            "github://octocat/Hello-World/readme/x",
            "github://octocat/Hello-World/contents/",
            "github://octocat/Hello-World/contents//",
            "github://octocat/Hello-World/tree/main",
            "github://o--x/r/readme",
            "github://o/../readme",
            "github://o/r/contents/../x",
            "github://o/r/contents/%2E%2E/x",
            "github://o/r/contents/a%2F..%2Fb",
            "github://o/r/contents/a%5Cb",
            "github://o/r/contents/a%00b",
            "github://o/r/contents/a%zz",
            "github://o/r/contents/a%4",
            "github://o/r/contents/%FF",
            "github://o/r/readme?ref=a..b",
            "github://o/r/readme?ref=a%20b",
            "github://o/r/readme?ref=-x",
            "github://o/r/readme?ref=v1&ref=v2",
            "github://o/r/readme?sha=v1",
            "https://github.com/o/r/readme",
        ] {
            assert!(GithubUri::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn writes_uris_that_read_back_the_same() {
        let cases = [
            ("src/main.rs", None, "github://octocat/Hello-World/contents/src/main.rs"),
            (
                "docs/a b?#[%].md",
                Some("feature/x"),
                "github://octocat/Hello-World/contents/docs/a%20b%3F%23%5B%25%5D.md?ref=feature%2Fx",
            ),
            ("é+&=.txt", Some("v1.0"), "github://octocat/Hello-World/contents/%C3%A9+&=.txt?ref=v1.0"),
        ];
        for (path, git_ref, uri) in cases {
            assert_eq!(contents_uri(&repo(), path, git_ref), uri);
            let back = GithubUri::parse(uri).unwrap();
            assert_eq!(
                (back.path.as_deref(), back.git_ref.as_deref()),
                (Some(path), git_ref)
            );
        }
        assert_eq!(
            readme_uri(&repo(), Some("a&b")),
            "github://octocat/Hello-World/readme?ref=a%26b"
        );
        assert_eq!(
            GithubUri::parse(&readme_uri(&repo(), Some("a&b")))
                .unwrap()
                .git_ref,
            some("a&b")
        );
        assert_eq!(
            readme_uri(&repo(), None),
            "github://octocat/Hello-World/readme"
        );
    }
}
