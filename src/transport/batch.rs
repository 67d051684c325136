//! A 2025-03-26 batch's answers, and what the batches of an isolate may hold of them.
//!
//! A batch is answered once all its answers are in, so it holds the first while the last
//! are made: one batch of sixty 1.5 MB file reads once took the isolate's wasm memory to
//! 491 MiB, where a production isolate has 128 MB. Every unfinished batch in the isolate
//! shares [`BATCH_HELD_BYTES`]; an answer that would pass it is replaced by an error that
//! says so. The array is then written out answer by answer, never copied into one string.

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

/// One answer of a batch, written as JSON text and counted toward [`BATCH_HELD_BYTES`]
/// until it is dropped. The request's task makes it, so an answer is counted from the
/// moment it is finished, also while it waits in a channel for a client that does not read.
#[derive(Debug)]
pub struct Answer {
    text: String,
    held: Held,
}

impl Answer {
    /// `response` as a batch's answer, or an error in its place if holding it would pass
    /// [`BATCH_HELD_BYTES`]; and then the size of the answer left out.
    pub fn of(response: &jsonrpc::Response) -> (Answer, Option<usize>) {
        let mut text = response.to_text();
        let mut held = Held::default();
        let mut left_out = None;
        if !held.take(text.len()) {
            left_out = Some(text.len());
            text = jsonrpc::Response::error(
                response.id.clone(),
                RpcError::internal(format!(
                    "This answer ({} bytes) was not sent: with it, the answers held for unfinished batches would pass {} MiB. Send this request on its own, or fewer large reads in one batch.",
                    text.len(),
                    BATCH_HELD_BYTES >> 20
                )),
            )
            .to_text();
            // A short error is always kept, or the batch could not be answered.
            held.hold(text.len());
        }
        text.shrink_to_fit();
        (Answer { text, held }, left_out)
    }

    /// [`Answer::of`], with a warn line when the answer was left out.
    pub fn logged(response: &jsonrpc::Response) -> Answer {
        let (answer, left_out) = Answer::of(response);
        if let Some(bytes) = left_out {
            crate::observe::event(crate::observe::record::Level::Warn, &|| {
                format!("a batch's answer of {bytes} bytes was replaced by an error: the answers held for unfinished batches would have passed {BATCH_HELD_BYTES} bytes")
            });
        }
        answer
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A batch's answers so far.
#[derive(Default)]
pub struct BatchAnswers {
    answers: Vec<Answer>,
}

impl BatchAnswers {
    pub fn count(&self) -> usize {
        self.answers.len()
    }

    pub fn add(&mut self, answer: Answer) {
        self.answers.push(answer);
    }

    /// The JSON array of the answers, as pieces a response body hands on one at a time:
    /// they are never copied into one string, and what they hold is given back as the
    /// body ends.
    pub fn into_array(self) -> impl futures_util::Stream<Item = String> + 'static {
        let mut pieces = Vec::with_capacity(self.answers.len() * 2 + 1);
        let mut held = Vec::with_capacity(self.answers.len());
        for answer in self.answers {
            pieces.push(if pieces.is_empty() { "[" } else { "," }.to_string());
            pieces.push(answer.text);
            held.push(answer.held);
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

    /// The answers so far as SSE frames; what they held is given back.
    pub fn into_frames(self) -> Vec<String> {
        self.answers
            .iter()
            .map(|answer| sse::message(answer.text()))
            .collect()
    }
}

/// Bytes an answer holds toward [`BATCH_HELD_BYTES`], given back when it is dropped.
#[derive(Debug, Default)]
struct Held(usize);

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

    fn response(id: i64, bytes: usize) -> jsonrpc::Response {
        jsonrpc::Response::result(RequestId::Number(id), json!({ "blob": "a".repeat(bytes) }))
    }

    /// Adds `response` to `answers`; the size of the answer if it was left out.
    fn add(answers: &mut BatchAnswers, response: &jsonrpc::Response) -> Option<usize> {
        let (answer, left_out) = Answer::of(response);
        answers.add(answer);
        left_out
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
        let error = jsonrpc::Response::error(None, RpcError::internal("x"));
        let mut answers = BatchAnswers::default();
        assert_eq!(add(&mut answers, &response(1, 3)), None);
        assert_eq!(add(&mut answers, &error), None);
        assert!(held() > 0);
        assert_eq!(
            array_of(answers),
            json!([response(1, 3).to_json(), {"jsonrpc": "2.0", "error": {"code": -32603, "message": "x"}}])
        );
        assert_eq!(held(), 0, "a batch written out gives its bytes back");

        let mut answers = BatchAnswers::default();
        add(&mut answers, &response(1, 3));
        add(&mut answers, &error);
        let frames = answers.into_frames();
        assert_eq!(
            frames,
            vec![
                sse::message(&response(1, 3).to_text()),
                sse::message(&error.to_text())
            ]
        );
        assert_eq!(held(), 0);
    }

    #[test]
    fn answers_past_what_batches_may_hold_become_errors_that_name_the_limit() {
        let mut first = BatchAnswers::default();
        let mut second = BatchAnswers::default();
        // Four such answers pass the budget by their JSON around the blob.
        let big = BATCH_HELD_BYTES / 4;
        assert_eq!(add(&mut first, &response(1, big)), None);
        assert_eq!(add(&mut first, &response(2, big)), None);
        assert_eq!(add(&mut second, &response(3, big)), None);
        // An answer waiting to be sent (on its way to a batch) counts as well.
        let (waiting, _) = Answer::of(&response(4, 10));
        let left_out = add(&mut second, &response(5, big));
        assert_eq!(left_out, Some(response(5, big).to_text().len()));
        let array = array_of(second);
        assert!(array[0]["result"]["blob"].is_string());
        assert_eq!(array[1]["id"], 5);
        assert_eq!(array[1]["error"]["code"], -32603);
        let message = array[1]["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("16 MiB") && message.contains("on its own"),
            "{message}"
        );
        // The second batch is written out: what it held is free again, and a new one fits.
        let mut third = BatchAnswers::default();
        assert_eq!(add(&mut third, &response(6, big)), None);
        assert!(array_of(third)[0]["result"].is_object());
        drop((first, waiting));
        assert_eq!(held(), 0);
    }
}
