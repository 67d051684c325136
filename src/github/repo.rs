//! Strict parsing of what a user calls a repository: `owner/repo` or a GitHub web URL.
//!
//! Only GitHub's own character rules get through, so a repository reference can never
//! smuggle a path (`..`, `/`), a query, another host or an encoded character into the
//! upstream URL we build from it. An error repeats what it refuses in part, on one line
//! ([`echoed_line`]): a 300,000-character owner was once repeated whole (review 29, F4).

use mcp_core::jsonrpc::echoed_line;

/// A validated `owner/repo` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    pub owner: String,
    pub repo: String,
}

impl std::fmt::Display for RepoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.repo)
    }
}

impl RepoRef {
    /// Parses `owner/repo`, or `https://<host>/owner/repo` (optionally ending in `/` or
    /// `.git`) where `<host>` is `github.com` or the host of `web_url`.
    pub fn parse(input: &str, web_url: &str) -> Result<RepoRef, String> {
        let input = input.trim();
        if input.is_empty() {
            return Err("is empty; give `owner/repo` or `https://github.com/owner/repo`".into());
        }
        let path = if input.contains("://") {
            strip_allowed_origin(input, web_url)?
        } else {
            input
        };
        let path = path.strip_suffix('/').unwrap_or(path);
        let path = path.strip_suffix(".git").unwrap_or(path);
        let mut parts = path.split('/');
        let (Some(owner), Some(repo), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "'{}' is not a repository: give `owner/repo` or `https://github.com/owner/repo`",
                echoed_line(input)
            ));
        };
        validate_owner(owner)?;
        validate_repo(repo)?;
        Ok(RepoRef {
            owner: owner.to_string(),
            repo: repo.to_string(),
        })
    }
}

/// Returns the path after the origin when the URL is on GitHub, or explains the refusal.
fn strip_allowed_origin<'a>(input: &'a str, web_url: &str) -> Result<&'a str, String> {
    let configured = web_url.trim_end_matches('/');
    for origin in ["https://github.com", "https://www.github.com", configured] {
        if let Some(rest) = input.strip_prefix(origin) {
            if let Some(path) = rest.strip_prefix('/') {
                return Ok(path);
            }
        }
    }
    Err(format!(
        "'{}' is not a GitHub repository URL: only https://github.com/owner/repo is accepted",
        echoed_line(input)
    ))
}

/// GitHub logins and organisation names: 1–39 letters, digits and single inner hyphens.
pub fn validate_owner(owner: &str) -> Result<(), String> {
    let well_formed = (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
        && !owner.contains("--");
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "owner '{}' is not a valid GitHub user or organisation name (letters, digits and single hyphens, at most 39)",
            echoed_line(owner)
        ))
    }
}

/// Repository names: 1–100 letters, digits, `.`, `-` and `_`, but not `.` or `..`, and not
/// ending in `.git`: GitHub drops that suffix from a new repository's name, and
/// [`RepoRef::parse`] drops it from a URL, so such a name could not be read back.
pub fn validate_repo(repo: &str) -> Result<(), String> {
    let well_formed = (1..=100).contains(&repo.len())
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && repo != "."
        && repo != ".."
        && !repo.ends_with(".git");
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "repository name '{}' is not valid (letters, digits, '.', '-' and '_', at most 100, not ending in .git)",
            echoed_line(repo)
        ))
    }
}

/// Validates a git ref (branch, tag or commit SHA) by git's own rules, so it is safe to
/// pass as a query value.
pub fn validate_ref(git_ref: &str) -> Result<(), String> {
    let forbidden = |c: char| c.is_control() || " ~^:?*[\\".contains(c);
    let well_formed = (1..=255).contains(&git_ref.len())
        && !git_ref.chars().any(forbidden)
        && !git_ref.contains("..")
        && !git_ref.contains("@{")
        && !git_ref.contains("//")
        && !git_ref.starts_with(['/', '-', '.'])
        && !git_ref.ends_with(['/', '.'])
        && !git_ref.ends_with(".lock");
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "'{}' is not a valid git ref (a branch, tag or commit SHA)",
            echoed_line(git_ref)
        ))
    }
}

/// Validates a path inside a repository and returns it percent-encoded segment by segment,
/// ready to follow `/contents/`. Refused: a leading or trailing `/`, empty, `.` or `..`
/// segments, backslashes and control characters. The empty path is the root.
pub fn encode_repo_path(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let bad = path.len() > 1000
        || path.starts_with('/')
        || path.ends_with('/')
        || path.chars().any(|c| c.is_control() || c == '\\')
        || path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(format!(
            "'{}' is not a valid path in a repository (relative, like `src/main.rs`: no leading or trailing `/`, no `.` or `..` parts, no control characters, at most 1000 bytes)",
            echoed_line(path)
        ));
    }
    Ok(path
        .split('/')
        .map(super::http::percent_encode)
        .collect::<Vec<_>>()
        .join("/"))
}

/// Validates free text sent as one query value (a search query, an author): bounded, and
/// without control characters. The value is percent-encoded when it is sent.
pub fn validate_text(text: &str, max: usize) -> Result<(), String> {
    if text.trim().is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        Err(format!(
            "must be 1 to {max} characters, without control characters"
        ))
    } else {
        Ok(())
    }
}

/// Validates an ISO 8601 timestamp such as `2024-01-31` or `2024-01-31T12:00:00Z`.
pub fn validate_timestamp(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let well_formed = (10..=30).contains(&b.len())
        && b.get(..4)
            .is_some_and(|year| year.iter().all(u8::is_ascii_digit))
        && b.get(4) == Some(&b'-')
        && b.iter()
            .all(|c| c.is_ascii_digit() || b"-:TZ+.".contains(c));
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "'{}' is not an ISO 8601 timestamp (e.g. 2024-01-31 or 2024-01-31T12:00:00Z)",
            echoed_line(text)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEB: &str = "https://github.com";

    fn ok(input: &str) -> String {
        RepoRef::parse(input, WEB).unwrap().to_string()
    }

    #[test]
    fn accepts_the_usual_spellings() {
        assert_eq!(ok("rust-lang/rust"), "rust-lang/rust");
        assert_eq!(ok("https://github.com/rust-lang/rust"), "rust-lang/rust");
        assert_eq!(ok("https://github.com/rust-lang/rust/"), "rust-lang/rust");
        assert_eq!(
            ok("https://github.com/rust-lang/rust.git"),
            "rust-lang/rust"
        );
        assert_eq!(ok(" octo-org/my_repo.js "), "octo-org/my_repo.js");
    }

    #[test]
    fn accepts_the_configured_web_host() {
        let r = RepoRef::parse("http://127.0.0.1:9999/o/r", "http://127.0.0.1:9999").unwrap();
        assert_eq!(r.to_string(), "o/r");
    }

    #[test]
    fn refuses_host_and_path_tricks() {
        for bad in [
            "",
            "rust",
            "a/b/c",
            "../etc/passwd",
            "owner/..",
            "owner/.",
            "http://github.com/a/b",
            "https://github.com.evil.com/a/b",
            "https://evil.com/github.com/a/b",
            "https://user@github.com/a/b",
            "https://github.com:443/a/b",
            "https://github.com/a/b?x=1",
            "https://github.com/a/b#frag",
            "https://github.com/a/b/tree/main",
            "a%2Fb/c",
            "-owner/repo",
            "own--er/repo",
            "owner-/repo",
            "own er/repo",
            "owner/re po",
            "owner/repo\\x",
            "https://github.com//a/b",
            // Found by the fuzzer: `.git.git` lost one suffix and kept `.git`, a name that
            // `owner/.git` could not read back.
            "https://github.com/rust-lang/.git.git",
            "owner/.git",
            "owner/name.git.git",
        ] {
            assert!(RepoRef::parse(bad, WEB).is_err(), "accepted {bad:?}");
        }
        let long_owner = format!("{}/r", "a".repeat(40));
        assert!(RepoRef::parse(&long_owner, WEB).is_err());
    }

    #[test]
    fn refs_follow_git_rules() {
        for good in ["main", "v1.2.3", "feature/x", "a1b2c3d4", "release-2024_01"] {
            assert!(validate_ref(good).is_ok(), "refused {good:?}");
        }
        for bad in [
            "", "a..b", "-x", "/x", "x/", "x.lock", "a b", "a~1", "a^", "a:b", "a\\b", "x@{1}",
            ".hidden", "a//b",
        ] {
            assert!(validate_ref(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn repository_paths_are_relative_and_encoded_by_segment() {
        assert_eq!(encode_repo_path("").unwrap(), "");
        assert_eq!(encode_repo_path("src/main.rs").unwrap(), "src/main.rs");
        assert_eq!(
            encode_repo_path("docs/a b/é?.md").unwrap(),
            "docs/a%20b/%C3%A9%3F.md"
        );
        assert_eq!(encode_repo_path(".github/x").unwrap(), ".github/x");
        for bad in [
            "/etc/passwd",
            "a/",
            "a//b",
            "../x",
            "a/../b",
            "./a",
            "a/.",
            "a\\b",
            "a\nb",
            "a\u{0}b",
        ] {
            assert!(encode_repo_path(bad).is_err(), "accepted {bad:?}");
        }
        assert!(encode_repo_path(&"a".repeat(1001)).is_err());
    }

    #[test]
    fn free_text_and_timestamps_are_bounded() {
        assert!(validate_text("repo:a/b is:open", 256).is_ok());
        for bad in ["", "  ", "a\nb", "a\u{7f}"] {
            assert!(validate_text(bad, 256).is_err(), "accepted {bad:?}");
        }
        assert!(validate_text(&"x".repeat(257), 256).is_err());
        for good in [
            "2024-01-31",
            "2024-01-31T12:00:00Z",
            "2024-01-31T12:00:00+02:00",
        ] {
            assert!(validate_timestamp(good).is_ok(), "refused {good:?}");
        }
        for bad in ["yesterday", "2024", "2024-01-31 12:00", "2024-01-31&x=1"] {
            assert!(validate_timestamp(bad).is_err(), "accepted {bad:?}");
        }
    }
}
