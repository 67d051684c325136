//! `OAuthGrant`: the Durable Object behind one grant (a person's authorization of one
//! client), the strongly consistent home of what must be single-use or rotated atomically:
//! the authorization code, the current refresh token, the answer of the latest rotation for
//! the retry window, and the hashes of the grant's live access tokens, which it alone
//! vouches for: an MCP request's token is checked here (no KV is involved).
//!
//! Each request is decided by [`grant_state::apply`] between one storage read and one
//! storage write, with no other I/O in between, so the object's input gate runs racing
//! requests strictly one after another. The alarm forgets the grant when it lapses, or once
//! a revoked grant's sign-in is over (`docs/storage.md`).

use worker::{durable_object, DurableObject, Env, Request, Response, State, Storage};

use super::grant_protocol::GrantRequest;
use super::grant_state::{self, AlarmAction, Change, Stored};
use crate::now_ms;

/// The storage key of the [`Stored`] record.
const STATE_KEY: &str = "grant";

#[durable_object(alarm)]
pub struct OAuthGrant {
    state: State,
}

impl DurableObject for OAuthGrant {
    fn new(state: State, _env: Env) -> Self {
        OAuthGrant { state }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let body = req.text().await?;
        let Ok(request) = serde_json::from_str::<GrantRequest>(&body) else {
            return Response::error("not a grant request", 400);
        };
        let storage = self.state.storage();
        let stored = load(&storage).await?;
        let (change, answer) = grant_state::apply(stored, request, now_ms() / 1000);
        match change {
            Change::Keep => {}
            Change::Save(stored) => {
                storage
                    .put(STATE_KEY, serde_json::to_string(&stored)?)
                    .await?;
                set_alarm(&storage, grant_state::deadline(&stored)).await?;
            }
            Change::Forget => forget(&storage).await?,
        }
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        let storage = self.state.storage();
        let stored = load(&storage).await?;
        match grant_state::on_alarm(stored, now_ms() / 1000) {
            AlarmAction::Reschedule(at) => {
                set_alarm(&storage, at).await?;
                Response::ok("kept")
            }
            AlarmAction::Forget => {
                forget(&storage).await?;
                Response::ok("forgotten")
            }
        }
    }
}

async fn load(storage: &Storage) -> worker::Result<Option<Stored>> {
    match storage.get::<String>(STATE_KEY).await? {
        Some(json) => Ok(Some(serde_json::from_str(&json)?)),
        None => Ok(None),
    }
}

/// Sets the alarm for `at` (seconds since the epoch). worker's `set_alarm` takes an `i64` as
/// an offset from now, not as a time.
async fn set_alarm(storage: &Storage, at: i64) -> worker::Result<()> {
    let offset_ms = at.saturating_mul(1000).saturating_sub(now_ms()).max(0);
    storage.set_alarm(offset_ms).await
}

async fn forget(storage: &Storage) -> worker::Result<()> {
    storage.delete_alarm().await?;
    storage.delete_all().await
}
