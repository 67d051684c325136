//! The read gate: at most [`READS_AT_ONCE`] file reads (`getGithubFileContents`,
//! `getGithubReadme`, `getGithubPullRequestDiff`, a `github://` resource) run at a time in
//! one isolate; the others wait their turn, first come, first served.
//!
//! A read holds its file from the download until its answer is built: up to 2 MiB, and that
//! again as base64 and as JSON. Sixty at once (a client's parallel reads, or one 2025-03-26
//! batch) held all of it together, in wasm memory, which never shrinks and which every
//! session object in the isolate shares; a Worker's isolate has 128 MB. Waiting costs a
//! read little: its turn comes as soon as an earlier read's answer is built.
//!
//! A waiting read is not woken by the read that finishes: that read may belong to another
//! session's Durable Object (or, in the Worker, to another request), and the runtime refuses
//! I/O that a task woken from another object's context then does ("Cannot perform I/O on
//! behalf of a different Durable Object"). Each waiting read checks on a timer of its own
//! instead, more often the nearer it is to the front.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

/// File reads that run at once in an isolate.
pub const READS_AT_ONCE: usize = 4;

#[derive(Default)]
struct Gate {
    running: usize,
    /// The tickets of the reads waiting, in order.
    waiting: VecDeque<u64>,
    next_ticket: u64,
}

thread_local! {
    static GATE: RefCell<Gate> = RefCell::default();
}

/// A read's turn: while it is held the read runs; dropping it frees the turn.
#[must_use = "the turn ends when it is dropped"]
pub struct Turn(());

impl Drop for Turn {
    fn drop(&mut self) {
        GATE.with(|gate| {
            let mut gate = gate.borrow_mut();
            gate.running = gate.running.saturating_sub(1);
        });
    }
}

/// Waits for a turn to read.
pub async fn turn() -> Turn {
    take_turn(worker::Delay::from).await
}

/// How long a read `place`s from the front waits before it looks again.
fn wait_at(place: usize) -> Duration {
    let millis = 5u64.saturating_mul(1 + place as u64).min(250);
    Duration::from_millis(millis)
}

/// [`turn`], sleeping with `sleep`.
async fn take_turn<S: Future<Output = ()>>(sleep: impl Fn(Duration) -> S) -> Turn {
    let ticket = GATE.with(|gate| {
        let mut gate = gate.borrow_mut();
        if gate.waiting.is_empty() && gate.running < READS_AT_ONCE {
            gate.running += 1;
            return None;
        }
        let ticket = gate.next_ticket;
        gate.next_ticket += 1;
        gate.waiting.push_back(ticket);
        Some(ticket)
    });
    let Some(ticket) = ticket else {
        return Turn(());
    };
    // Leaves the line if the read is given up (its request cancelled) while it waits.
    let _in_line = InLine(ticket);
    loop {
        let place = GATE.with(|gate| {
            let mut gate = gate.borrow_mut();
            if gate.running < READS_AT_ONCE && gate.waiting.front() == Some(&ticket) {
                gate.waiting.pop_front();
                gate.running += 1;
                return None;
            }
            Some(gate.waiting.iter().position(|t| *t == ticket).unwrap_or(0))
        });
        match place {
            None => return Turn(()),
            Some(place) => sleep(wait_at(place)).await,
        }
    }
}

struct InLine(u64);

impl Drop for InLine {
    fn drop(&mut self) {
        GATE.with(|gate| gate.borrow_mut().waiting.retain(|t| *t != self.0));
    }
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

    thread_local! {
        /// The test's clock: sleeps end when it ticks.
        static SLEEPERS: RefCell<Vec<std::task::Waker>> = const { RefCell::new(Vec::new()) };
    }

    /// A sleep that ends at the test clock's next [`tick`].
    fn until_tick(_: Duration) -> impl Future<Output = ()> {
        let mut slept = false;
        std::future::poll_fn(move |cx| {
            if slept {
                return std::task::Poll::Ready(());
            }
            slept = true;
            SLEEPERS.with(|s| s.borrow_mut().push(cx.waker().clone()));
            std::task::Poll::Pending
        })
    }

    fn tick(pool: &mut LocalPool) {
        for waker in SLEEPERS.with(|s| std::mem::take(&mut *s.borrow_mut())) {
            waker.wake();
        }
        pool.run_until_stalled();
    }

    #[test]
    fn reads_past_the_limit_wait_in_order_and_a_given_up_wait_loses_no_turn() {
        let mut pool = LocalPool::new();
        let first: Vec<Turn> = (0..READS_AT_ONCE)
            .map(|_| take_turn(until_tick).now_or_never().unwrap())
            .collect();
        assert_eq!(running(), READS_AT_ONCE);

        // The first in line gives up while it waits; two more wait behind it.
        let mut given_up = Box::pin(take_turn(until_tick));
        assert!((&mut given_up).now_or_never().is_none());
        let order = Rc::new(RefCell::new(Vec::new()));
        let held = Rc::new(RefCell::new(Vec::new()));
        for n in [1, 2] {
            let (order, held) = (order.clone(), held.clone());
            pool.spawner()
                .spawn_local(async move {
                    let turn = take_turn(until_tick).await;
                    order.borrow_mut().push(n);
                    held.borrow_mut().push(turn);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        for _ in 0..3 {
            tick(&mut pool);
        }
        assert!(order.borrow().is_empty(), "nobody passes the limit");

        let mut first = first.into_iter();
        drop(first.next());
        drop(given_up);
        tick(&mut pool);
        assert_eq!(*order.borrow(), vec![1]);
        drop(first.next());
        tick(&mut pool);
        assert_eq!(*order.borrow(), vec![1, 2]);
        assert_eq!(
            running(),
            READS_AT_ONCE,
            "both waiting reads now hold turns"
        );

        held.borrow_mut().clear();
        drop(first);
        assert_eq!(running(), 0);
        assert!(GATE.with(|gate| gate.borrow().waiting.is_empty()));
    }

    #[test]
    fn a_read_far_back_looks_again_less_often() {
        assert_eq!(wait_at(0), Duration::from_millis(5));
        assert_eq!(wait_at(3), Duration::from_millis(20));
        assert_eq!(wait_at(10_000), Duration::from_millis(250));
    }
}
