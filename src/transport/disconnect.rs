//! A client that goes away: in 2026-07-28, closing a request's response stream is how a
//! client cancels it.
//!
//! The runtime aborts the request's `signal` when it finds the client gone (compatibility flag
//! `enable_request_signal` in `wrangler.toml`): at the latest when the Worker next writes into
//! the response stream, which the keep-alive does every 15 s. [`Disconnect::watch`] then marks
//! the request's observation cancelled and aborts its work: the handler's future is dropped,
//! which aborts its GitHub requests, and the request's log line is written with
//! `outcome: cancelled`. Without it the runtime ended the request's work at that write and no
//! line was written at all.

use futures_util::future::AbortHandle;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use worker::{web_sys, Request};

use crate::observe::Observation;

/// Watches one request's `signal` for as long as it lives; dropping it stops watching.
pub struct Disconnect {
    signal: web_sys::AbortSignal,
    _on_abort: Closure<dyn FnMut()>,
}

impl Disconnect {
    /// Aborts `work` and marks `obs` cancelled when the client of `req` goes away. The
    /// observation is kept until `self` is dropped, which the request's task does when its
    /// work ends, as the work's own copies of it go.
    pub fn watch(req: &Request, obs: &Observation, work: AbortHandle) -> Disconnect {
        let signal = req.inner().signal();
        let obs = obs.clone();
        let on_abort = Closure::<dyn FnMut()>::new(move || {
            obs.set_cancelled();
            work.abort();
        });
        signal.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
        Disconnect {
            signal,
            _on_abort: on_abort,
        }
    }
}

impl Drop for Disconnect {
    fn drop(&mut self) {
        // The closure goes with `self`: the signal must not call it afterwards.
        self.signal.set_onabort(None);
    }
}
