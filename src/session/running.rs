//! The requests a session is running, by JSON-RPC id, so that the client's
//! `notifications/cancelled` can stop one: from 2024-11-05 to 2025-11-25 the receiver of a
//! cancellation SHOULD stop processing the request, free its resources and not answer it.
//! A stopped request's future is dropped, and with it its GitHub fetches and its turn
//! ([`crate::github::turns`]). Cancellations of unknown or finished requests are ignored, as
//! the specification allows.

use std::cell::{Cell, RefCell};

use futures_util::future::{AbortHandle, AbortRegistration};
use mcp_core::jsonrpc::RequestId;

#[derive(Default)]
pub struct Running {
    next_ticket: Cell<u64>,
    requests: RefCell<Vec<(u64, RequestId, AbortHandle)>>,
}

impl Running {
    /// Notes a request as running; the registration makes its future abortable
    /// (`futures_util::future::Abortable`), and the ticket ends the note ([`Running::finish`]).
    pub fn start(&self, id: &RequestId) -> (u64, AbortRegistration) {
        let ticket = self.next_ticket.get();
        self.next_ticket.set(ticket.wrapping_add(1));
        let (handle, registration) = AbortHandle::new_pair();
        self.requests
            .borrow_mut()
            .push((ticket, id.clone(), handle));
        (ticket, registration)
    }

    /// The request of `ticket` ended, answered or stopped.
    pub fn finish(&self, ticket: u64) {
        self.requests.borrow_mut().retain(|(t, _, _)| *t != ticket);
    }

    /// Stops every running request (the session ended).
    pub fn cancel_all(&self) {
        for (_, _, handle) in self.requests.borrow().iter() {
            handle.abort();
        }
    }

    /// Stops the running requests with this id; false if none was running.
    pub fn cancel(&self, id: &RequestId) -> bool {
        let requests = self.requests.borrow();
        let mut found = false;
        for (_, _, handle) in requests.iter().filter(|(_, running, _)| running == id) {
            handle.abort();
            found = true;
        }
        found
    }
}

/// The id a `notifications/cancelled` names (`params.requestId`), if it names one.
pub fn cancelled_id(params: Option<&serde_json::Value>) -> Option<RequestId> {
    RequestId::from_value(params?.get("requestId")?)
}

#[cfg(test)]
mod tests {
    use futures_executor::block_on;
    use futures_util::future::{pending, Abortable, Aborted};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_cancelled_request_stops_and_others_run_on() {
        let running = Running::default();
        let (one, first) = running.start(&RequestId::Number(1));
        let (_, second) = running.start(&RequestId::String("1".into()));
        assert!(running.cancel(&RequestId::Number(1)));
        assert_eq!(
            block_on(Abortable::new(pending::<()>(), first)),
            Err(Aborted)
        );
        running.finish(one);
        // The string id "1" is another request than the number 1.
        let other = Abortable::new(async { 7 }, second);
        assert_eq!(block_on(other), Ok(7));
    }

    #[test]
    fn cancelling_a_finished_or_unknown_request_changes_nothing() {
        let running = Running::default();
        let (ticket, _) = running.start(&RequestId::Number(3));
        running.finish(ticket);
        assert!(!running.cancel(&RequestId::Number(3)));
        assert!(!running.cancel(&RequestId::Number(4)));
    }

    #[test]
    fn the_id_is_read_from_params() {
        let params = json!({ "requestId": "abc", "reason": "the user pressed stop" });
        assert_eq!(
            cancelled_id(Some(&params)),
            Some(RequestId::String("abc".into()))
        );
        assert_eq!(
            cancelled_id(Some(&json!({ "requestId": 5 }))),
            Some(RequestId::Number(5))
        );
        assert_eq!(cancelled_id(Some(&json!({ "requestId": null }))), None);
        assert_eq!(cancelled_id(Some(&json!({}))), None);
        assert_eq!(cancelled_id(None), None);
    }
}
