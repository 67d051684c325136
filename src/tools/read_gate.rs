//! The read gate: at most [`READS_AT_ONCE`] file reads (`getGithubFileContents`, a
//! `github://` resource) run at a time in one isolate; the others wait their turn, first
//! come, first served.
//!
//! A read holds its file from the download until its answer is built: up to 2 MiB, and that
//! again as base64 and as JSON. Sixty at once (a client's parallel reads, or one 2025-03-26
//! batch) held all of it together, in wasm memory, which never shrinks and which every
//! session object in the isolate shares; a Worker's isolate has 128 MB. Waiting costs a
//! read little: its turn comes as soon as an earlier read's answer is built.

use std::cell::RefCell;
use std::collections::VecDeque;

use futures_channel::oneshot;

/// File reads that run at once in an isolate.
pub const READS_AT_ONCE: usize = 4;

#[derive(Default)]
struct Gate {
    running: usize,
    waiting: VecDeque<oneshot::Sender<()>>,
}

thread_local! {
    static GATE: RefCell<Gate> = RefCell::default();
}

/// A read's turn: while it is held the read runs; dropping it gives the turn to the next.
#[must_use = "the turn ends when it is dropped"]
pub struct Turn(());

/// Waits for a turn to read.
pub async fn turn() -> Turn {
    let waiting = GATE.with(|gate| {
        let mut gate = gate.borrow_mut();
        if gate.running < READS_AT_ONCE {
            gate.running += 1;
            return None;
        }
        let (sender, receiver) = oneshot::channel();
        gate.waiting.push_back(sender);
        Some(receiver)
    });
    if let Some(receiver) = waiting {
        let mut waiting = Waiting {
            receiver,
            done: false,
        };
        // A finished read hands its turn over; the gate never drops a sender otherwise.
        let _ = (&mut waiting.receiver).await;
        waiting.done = true;
    }
    Turn(())
}

/// A read waiting in line. If it is given up (its request cancelled) just as its turn was
/// handed to it, the turn goes on to the next instead of being lost.
struct Waiting {
    receiver: oneshot::Receiver<()>,
    done: bool,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if !self.done && matches!(self.receiver.try_recv(), Ok(Some(()))) {
            pass_on();
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        pass_on();
    }
}

/// Gives a finished turn to the first read still waiting, or frees it.
fn pass_on() {
    GATE.with(|gate| {
        let mut gate = gate.borrow_mut();
        while let Some(next) = gate.waiting.pop_front() {
            if next.send(()).is_ok() {
                return;
            }
        }
        gate.running = gate.running.saturating_sub(1);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::LocalPool;
    use futures_util::task::LocalSpawnExt;
    use futures_util::FutureExt;
    use std::rc::Rc;

    fn running() -> usize {
        GATE.with(|gate| gate.borrow().running)
    }

    #[test]
    fn reads_past_the_limit_wait_in_order_and_a_given_up_wait_loses_no_turn() {
        let mut pool = LocalPool::new();
        let first: Vec<Turn> = (0..READS_AT_ONCE)
            .map(|_| turn().now_or_never().unwrap())
            .collect();
        assert_eq!(running(), READS_AT_ONCE);

        // The first in line is given up just as a turn is handed to it; two more wait.
        let mut given_up = Box::pin(turn());
        assert!((&mut given_up).now_or_never().is_none());
        let order = Rc::new(RefCell::new(Vec::new()));
        let held = Rc::new(RefCell::new(Vec::new()));
        for n in [1, 2] {
            let (order, held) = (order.clone(), held.clone());
            pool.spawner()
                .spawn_local(async move {
                    let turn = turn().await;
                    order.borrow_mut().push(n);
                    held.borrow_mut().push(turn);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        assert!(order.borrow().is_empty(), "nobody passes the limit");

        let mut first = first.into_iter();
        drop(first.next());
        drop(given_up);
        pool.run_until_stalled();
        assert_eq!(*order.borrow(), vec![1]);
        drop(first.next());
        pool.run_until_stalled();
        assert_eq!(*order.borrow(), vec![1, 2]);
        assert_eq!(
            running(),
            READS_AT_ONCE,
            "both waiting reads now hold turns"
        );

        held.borrow_mut().clear();
        drop(first);
        assert_eq!(running(), 0);
        let again: Vec<Turn> = (0..READS_AT_ONCE)
            .map(|_| turn().now_or_never().unwrap())
            .collect();
        assert_eq!(running(), READS_AT_ONCE);
        drop(again);
        assert_eq!(running(), 0);
    }
}
