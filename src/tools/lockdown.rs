//! Lockdown: on a public repository, issues, pull requests, comments and reviews are shown
//! only when their author has push access, so that text from strangers never reaches the
//! model. `LOCKDOWN=true` turns it on for the deployment; a connection can turn it on for
//! itself (`X-MCP-Lockdown: true`, or a URL ending in `/lockdown`), never off.
//!
//! Who counts, cheapest signal first:
//! - shown: private repositories; logins in `LOCKDOWN_TRUSTED_BOTS`; the caller's own
//!   content (`oauth` mode, where we know the caller's login); the repository's owner;
//!   `author_association` OWNER;
//! - withheld at once: `author_association` NONE, CONTRIBUTOR, FIRST_TIMER,
//!   FIRST_TIME_CONTRIBUTOR and MANNEQUIN, which GitHub gives only to people who are
//!   neither collaborators nor members, and content with no author;
//! - otherwise (MEMBER and COLLABORATOR, who may have read access only, or no
//!   association given): GitHub's collaborator permission, cached ([`super::access`]).
//!   When GitHub will not say (the token cannot read permissions), the content is withheld
//!   and the note says why.
//!
//! One call makes at most [`LOOKUPS_PER_CALL`] of these look-ups (a repository's privacy,
//! an author's permission): a search of ten pages of a hundred issues from as many
//! repositories could otherwise make two thousand GitHub requests, one after another.
//! Past them, an item that needs a look-up is withheld, and the note says why.

use std::cell::Cell;

use serde_json::{Map, Value};

use super::access::{can_push, is_private, known_private, known_push, Push};
use super::labels::Withheld;
use crate::app::CallContext;
use crate::auth::caller::AuthMode;
use crate::github::repo::RepoRef;

/// Whether one item is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Shown,
    /// Withheld; with the reason push access could not be checked, when it could not.
    Withheld(Option<String>),
}

/// GitHub look-ups one call may make for its lockdown verdicts.
pub const LOOKUPS_PER_CALL: u32 = 30;

/// The look-ups a call has left.
pub struct Lookups(Cell<u32>);

impl Default for Lookups {
    fn default() -> Self {
        Lookups(Cell::new(LOOKUPS_PER_CALL))
    }
}

impl Lookups {
    fn take(&self) -> bool {
        let left = self.0.get();
        self.0.set(left.saturating_sub(1));
        left > 0
    }
}

/// Whether lockdown withholds anything on `repo` for this call: it is on, and the
/// repository is not known to be private.
pub async fn applies(context: &CallContext<'_>, repo: &RepoRef) -> bool {
    applies_within(context, repo, &Lookups::default()).await
}

/// [`applies`], asking GitHub only while `lookups` last (a repository whose privacy is not
/// known counts as public).
async fn applies_within(context: &CallContext<'_>, repo: &RepoRef, lookups: &Lookups) -> bool {
    if !context.app.policy.lockdown {
        return false;
    }
    let private = match known_private(context, repo) {
        Some(known) => known,
        None if lookups.take() => is_private(context, repo).await,
        None => None,
    };
    private != Some(true)
}

/// The verdict on one GitHub object (an issue, pull request, comment or review) of `repo`,
/// asking GitHub only while the call's `lookups` last.
pub async fn verdict(
    context: &CallContext<'_>,
    repo: &RepoRef,
    item: &Value,
    lookups: &Lookups,
) -> Verdict {
    if !applies_within(context, repo, lookups).await {
        return Verdict::Shown;
    }
    let Some(login) = item.pointer("/user/login").and_then(Value::as_str) else {
        return Verdict::Withheld(None);
    };
    let is = |other: &str| other.eq_ignore_ascii_case(login);
    let caller = context.app.caller;
    let trusted = context.app.policy.trusted_bots.iter().any(|bot| is(bot))
        || (caller.auth_mode == AuthMode::Oauth && is(&caller.display_name))
        || (is(&repo.owner) && in_repository(item, repo));
    if trusted {
        return Verdict::Shown;
    }
    match item.get("author_association").and_then(Value::as_str) {
        Some("OWNER") => Verdict::Shown,
        Some("MEMBER" | "COLLABORATOR") | None => {
            let push = match known_push(context, repo, login) {
                Some(known) => known,
                None if lookups.take() => can_push(context, repo, login).await,
                None => Push::Unknown(format!(
                    "this call already made the {LOOKUPS_PER_CALL} permission look-ups one call may make; narrow the search, or read the item on its own"
                )),
            };
            match push {
                Push::Yes => Verdict::Shown,
                Push::No => Verdict::Withheld(None),
                Push::Unknown(why) => Verdict::Withheld(Some(why)),
            }
        }
        Some(_) => Verdict::Withheld(None),
    }
}

/// Whether `item` says it is in `repo` as named (its `html_url`): GitHub answers for a
/// transferred repository under its old name too, and its old owner owns it no more.
fn in_repository(item: &Value, repo: &RepoRef) -> bool {
    let Some(url) = item.get("html_url").and_then(Value::as_str) else {
        return false;
    };
    let named = format!("/{}/{}/", repo.owner, repo.repo).to_ascii_lowercase();
    url.to_ascii_lowercase().contains(&named)
}

/// The items of `repo` that lockdown shows, and what it withheld.
pub async fn filter<'v>(
    context: &CallContext<'_>,
    repo: &RepoRef,
    items: &'v [Value],
) -> (Vec<&'v Value>, Withheld) {
    let mut shown = Vec::with_capacity(items.len());
    let mut withheld = Withheld::default();
    let lookups = Lookups::default();
    for item in items {
        match verdict(context, repo, item, &lookups).await {
            Verdict::Shown => shown.push(item),
            Verdict::Withheld(unchecked) => withheld.add(Withheld {
                count: 1,
                unchecked,
            }),
        }
    }
    (shown, withheld)
}

/// Lockdown on one issue or pull request already shaped into `out`: when it is withheld,
/// its title is emptied, and its body and author are null (a login is any words: review
/// 28, #2); the rest (number, state, labels, dates) is GitHub's or a maintainer's.
pub async fn check_item(
    context: &CallContext<'_>,
    repo: &RepoRef,
    item: &Value,
    out: &mut Map<String, Value>,
) -> Withheld {
    match verdict(context, repo, item, &Lookups::default()).await {
        Verdict::Shown => Withheld::default(),
        Verdict::Withheld(unchecked) => {
            out.insert("title".into(), "".into());
            out.insert("body".into(), Value::Null);
            out.insert("author".into(), Value::Null);
            Withheld {
                count: 1,
                unchecked,
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures_executor::block_on;
    use serde_json::json;

    use super::*;
    use crate::app::{ContentPolicy, Services};
    use crate::auth::caller::{Caller, Secret};
    use crate::github::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
    use crate::github::GitHub;
    use mcp_core::exchange::{BoxFuture, Exchange, SilentPeer};
    use mcp_core::request_state::StateSigner;
    use mcp_core::version::ProtocolVersion;

    /// A fake GitHub API: `answer` gives each path's status and body; the paths asked for
    /// are recorded.
    pub(crate) struct Recorded<F> {
        pub paths: RefCell<Vec<String>>,
        answer: F,
    }

    impl<F: Fn(&str) -> (u16, Value)> Recorded<F> {
        pub(crate) fn new(answer: F) -> Self {
            Recorded {
                paths: RefCell::new(Vec::new()),
                answer,
            }
        }
    }

    impl<F: Fn(&str) -> (u16, Value)> HttpClient for Recorded<F> {
        fn send(
            &self,
            request: HttpRequest,
        ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
            let path = request.url.trim_start_matches("https://api.github.com");
            self.paths.borrow_mut().push(path.to_string());
            let (status, body) = (self.answer)(path);
            Box::pin(async move {
                Ok(HttpResponse {
                    status,
                    headers: vec![],
                    body: body.to_string().into_bytes(),
                })
            })
        }
    }

    /// A public repository, `writer` with write access and `reader` with read.
    fn permissions() -> Recorded<impl Fn(&str) -> (u16, Value)> {
        Recorded::new(|path| {
            let body = match path {
                "/repos/o/r" => json!({ "private": false }),
                "/repos/o/r/collaborators/writer/permission" => {
                    json!({ "permission": "write", "role_name": "write" })
                }
                _ => json!({ "permission": "read", "role_name": "read" }),
            };
            (200, body)
        })
    }

    fn item(login: &str, association: &str) -> Value {
        json!({
            "user": { "login": login },
            "author_association": association,
            "html_url": "https://github.com/o/r/issues/1",
        })
    }

    /// Runs `f` with a call context of caller `me` (oauth) against `http`, under `policy`.
    pub(crate) fn with_context<R>(
        http: &dyn HttpClient,
        policy: ContentPolicy,
        f: impl FnOnce(&CallContext<'_>) -> R,
    ) -> R {
        let token = Secret::new("ghp_test");
        let github = GitHub::new(
            "https://api.github.com",
            "https://github.com",
            Some(&token),
            http,
        );
        let caller = Caller {
            auth_mode: AuthMode::Oauth,
            subject: format!("github:{}", TEST_CALLERS.fetch_add(1, Ordering::Relaxed)),
            display_name: "me".into(),
            github_token: None,
            client_id: None,
        };
        let exchange = Exchange::new(
            &SilentPeer,
            ProtocolVersion::V2025_11_25,
            None,
            None,
            json!({}),
        );
        let params = serde_json::Map::new();
        let signer = StateSigner::new(b"test");
        let services = Services {
            caller: &caller,
            policy: &policy,
            github: &github,
        };
        f(&CallContext {
            app: &services,
            exchange: &exchange,
            request_params: &params,
            state_signer: &signer,
            subject: &caller.subject,
            now: 1_000,
        })
    }

    /// Each test is a caller of its own, so the isolate's cache of answers is not shared.
    static TEST_CALLERS: AtomicU32 = AtomicU32::new(1);

    pub(crate) fn lockdown() -> ContentPolicy {
        ContentPolicy {
            lockdown: true,
            trusted_bots: vec!["dependabot[bot]".into()],
        }
    }

    pub(crate) fn repo() -> RepoRef {
        RepoRef {
            owner: "o".into(),
            repo: "r".into(),
        }
    }

    #[test]
    fn cheap_signals_first_then_one_lookup_per_person() {
        let http = permissions();
        with_context(&http, lockdown(), |context| {
            let shown = |login: &str, association: &str| {
                let lookups = Lookups::default();
                let item = item(login, association);
                block_on(verdict(context, &repo(), &item, &lookups)) == Verdict::Shown
            };
            assert!(shown("o", "NONE"), "the owner");
            // A repository transferred away from `o` is still answered for under its old
            // name: its items say where they are, and `o` owns them no more.
            let moved = json!({
                "user": { "login": "o" },
                "author_association": "NONE",
                "html_url": "https://github.com/new-owner/r/issues/1",
            });
            let lookups = Lookups::default();
            let verdict_moved = block_on(verdict(context, &repo(), &moved, &lookups));
            assert_eq!(verdict_moved, Verdict::Withheld(None));
            assert!(shown("me", "NONE"), "the caller's own content");
            assert!(shown("Dependabot[bot]", "NONE"), "a trusted bot");
            assert!(shown("someone", "OWNER"));
            assert!(!shown("stranger", "NONE") && !shown("drive-by", "FIRST_TIME_CONTRIBUTOR"));
            assert!(!shown("past", "CONTRIBUTOR"));
            assert!(shown("writer", "COLLABORATOR") && shown("writer", "MEMBER"));
            assert!(!shown("reader", "MEMBER"));
            let no_author = json!({ "user": null });
            let lookups = Lookups::default();
            let verdict = block_on(verdict(context, &repo(), &no_author, &lookups));
            assert_eq!(verdict, Verdict::Withheld(None));
        });
        let lookups: Vec<String> = http.paths.borrow().clone();
        assert_eq!(
            lookups,
            [
                "/repos/o/r",
                "/repos/o/r/collaborators/writer/permission",
                "/repos/o/r/collaborators/reader/permission"
            ],
            "the repository once, each collaborator once, nobody else"
        );
        with_context(&http, ContentPolicy::default(), |open| {
            let stranger = item("stranger", "NONE");
            let verdict = block_on(verdict(open, &repo(), &stranger, &Lookups::default()));
            assert_eq!(verdict, Verdict::Shown);
        });
    }

    #[test]
    fn one_call_makes_at_most_its_lookups_and_withholds_the_rest_saying_why() {
        let http = permissions();
        let items: Vec<Value> = (0..40)
            .map(|n| item(&format!("member{n}"), "MEMBER"))
            .chain([item("writer", "MEMBER")])
            .collect();
        let (shown, withheld) = with_context(&http, lockdown(), |context| {
            block_on(filter(context, &repo(), &items))
        });
        let asked = http.paths.borrow().len();
        assert_eq!(
            asked, LOOKUPS_PER_CALL as usize,
            "the repository and 29 authors"
        );
        assert!(
            shown.is_empty(),
            "members with read access, then the writer past the look-ups"
        );
        assert_eq!(withheld.count, 41);
        let why = withheld.unchecked.unwrap_or_default();
        assert!(why.contains("30 permission look-ups"), "{why}");
    }
}
