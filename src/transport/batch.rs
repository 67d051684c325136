//! A 2025-03-26 batch's answers, and what the batches of an isolate may hold of them.
//!
//! A batch is answered once all its answers are in, so it holds the first while the last
//! are made: one batch of sixty 1.5 MB file reads once held 900 MB of an isolate whose
//! Worker has 128 MB. Every unfinished batch in the isolate shares [`BATCH_HELD_BYTES`];
//! an answer that would pass it is replaced by an error that says so. The array is then
//! written out answer by answer, never copied into one string.

use std::cell::Cell;

use futures_util::StreamExt;

use mcp_core::jsonrpc::{self, RpcError};

use super::sse;

/// Bytes of finished answers that all unfinished batches in an isolate may hold while they
/// wait for their other answers.
pub const BATCH_HELD_BYTES: usize = 16 * 1024 * 1024;

thread_local! {
    /// Bytes of answers held by unfinished batches in this isolate.
    static BATCHES_HOLD: Cell<usize> = const { Cell::new(0) };
}

/// A batch's answers so far, each as JSON text.
#[derive(Default)]
pub struct BatchAnswers {
    answers: Vec<String>,
    /// Given back when the answers have been written out (or the stream of them dropped).
    pub held: Held,
}

impl BatchAnswers {
    pub fn count(&self) -> usize {
        self.answers.len()
    }

    /// Adds `response`, or an error in its place if holding it would pass
    /// [`BATCH_HELD_BYTES`]; then the size of the answer left out.
    pub fn add(&mut self, response: &jsonrpc::Response) -> Option<usize> {
        let mut answer = response.to_text();
        let mut left_out = None;
        if !self.held.take(answer.len()) {
            left_out = Some(answer.len());
            answer = jsonrpc::Response::error(
                response.id.clone(),
                RpcError::internal(format!(
                    "This answer ({} bytes) was not sent: with it, the answers held for unfinished batches would pass {} MiB. Send this request on its own, or fewer large reads in one batch.",
                    answer.len(),
                    BATCH_HELD_BYTES >> 20
                )),
            )
            .to_text();
            // A short error is always kept, or the batch could not be answered.
            self.held.hold(answer.len());
        }
        answer.shrink_to_fit();
        self.answers.push(answer);
        left_out
    }

    /// The JSON array of the answers, as pieces a response body hands on one at a time:
    /// they are never copied into one string, and what they hold is given back as the
    /// body ends.
    pub fn into_array(self) -> impl futures_util::Stream<Item = String> + 'static {
        let BatchAnswers { answers, held } = self;
        let mut pieces = Vec::with_capacity(answers.len() * 2 + 1);
        for answer in answers {
            pieces.push(if pieces.is_empty() { "[" } else { "," }.to_string());
            pieces.push(answer);
        }
        if pieces.is_empty() {
            pieces.push("[".to_string());
        }
        let end = futures_util::stream::once(async move {
            drop(held);
            "]".to_string()
        });
        futures_util::stream::iter(pieces).chain(end)
    }

    /// The answers so far as SSE frames.
    pub fn frames(&self) -> Vec<String> {
        self.answers
            .iter()
            .map(|answer| sse::message(answer))
            .collect()
    }
}

/// Bytes a batch holds toward [`BATCH_HELD_BYTES`], given back when it is dropped.
#[derive(Default)]
pub struct Held(usize);

impl Held {
    /// Holds `bytes` more, unless that would pass the isolate's budget.
    fn take(&mut self, bytes: usize) -> bool {
        let fits = BATCHES_HOLD.with(|held| held.get().saturating_add(bytes) <= BATCH_HELD_BYTES);
        if fits {
            self.hold(bytes);
        }
        fits
    }

    fn hold(&mut self, bytes: usize) {
        BATCHES_HOLD.with(|held| held.set(held.get().saturating_add(bytes)));
        self.0 = self.0.saturating_add(bytes);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        BATCHES_HOLD.with(|held| held.set(held.get().saturating_sub(self.0)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_core::jsonrpc::RequestId;
    use serde_json::{json, Value};

    fn answer(id: i64, bytes: usize) -> jsonrpc::Response {
        jsonrpc::Response::result(RequestId::Number(id), json!({ "blob": "a".repeat(bytes) }))
    }

    fn array_of(answers: BatchAnswers) -> Value {
        let pieces: Vec<String> = futures_executor::block_on(answers.into_array().collect());
        serde_json::from_str(&pieces.concat()).unwrap()
    }

    fn held() -> usize {
        BATCHES_HOLD.with(Cell::get)
    }

    #[test]
    fn a_batch_is_written_as_one_array_or_as_frames() {
        let mut answers = BatchAnswers::default();
        assert_eq!(answers.add(&answer(1, 3)), None);
        assert_eq!(
            answers.add(&jsonrpc::Response::error(None, RpcError::internal("x"))),
            None
        );
        assert_eq!(
            answers.frames(),
            vec![
                sse::message(&answer(1, 3).to_text()),
                sse::message(&jsonrpc::Response::error(None, RpcError::internal("x")).to_text())
            ]
        );
        let array = array_of(answers);
        assert_eq!(
            array,
            json!([answer(1, 3).to_json(), {"jsonrpc": "2.0", "error": {"code": -32603, "message": "x"}}])
        );
        assert_eq!(held(), 0, "a batch answered gives its bytes back");
    }

    #[test]
    fn answers_past_what_batches_may_hold_become_errors_that_name_the_limit() {
        let mut first = BatchAnswers::default();
        let mut second = BatchAnswers::default();
        // Four such answers pass the budget by their JSON around the blob.
        let big = BATCH_HELD_BYTES / 4;
        assert_eq!(first.add(&answer(1, big)), None);
        assert_eq!(first.add(&answer(2, big)), None);
        assert_eq!(second.add(&answer(3, big)), None);
        assert_eq!(
            second.add(&answer(4, big)),
            Some(answer(4, big).to_text().len())
        );
        let array = array_of(second);
        assert!(array[0]["result"]["blob"].is_string());
        assert_eq!(array[1]["id"], 4);
        assert_eq!(array[1]["error"]["code"], -32603);
        let message = array[1]["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("16 MiB") && message.contains("on its own"),
            "{message}"
        );
        // The second batch is answered: what it held is free again, and a new batch fits.
        let mut third = BatchAnswers::default();
        assert_eq!(third.add(&answer(5, big)), None);
        assert!(array_of(third)[0]["result"].is_object());
        drop(first);
        assert_eq!(held(), 0);
    }
}
