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
//!
//! A turn counts for [`TURN_MS`] at most: a read that takes longer is waiting on GitHub.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

/// File reads that run at once in an isolate.
pub const READS_AT_ONCE: usize = 4;

/// How long a turn counts, in milliseconds. A read that holds its turn longer is waiting on
/// GitHub, not holding a file, and the others should not wait behind it: four reads stuck on
/// a slow upstream (whose clients may have left, which does not stop the download) once
/// held every read in the isolate for the 20 s of the upstream timeout.
pub const TURN_MS: i64 = 5_000;

#[derive(Default)]
struct Gate {
    /// The turns held: their tickets and when they began.
    running: Vec<(u64, i64)>,
    /// The tickets of the reads waiting, in order.
    waiting: VecDeque<u64>,
    next_ticket: u64,
}

impl Gate {
    /// Whether a turn is free at `now`.
    fn has_room(&self, now: i64) -> bool {
        let counted = self
            .running
            .iter()
            .filter(|(_, began)| now - began < TURN_MS);
        counted.count() < READS_AT_ONCE
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }
}

thread_local! {
    static GATE: RefCell<Gate> = RefCell::default();
}

/// A read's turn: while it is held the read runs; dropping it frees the turn.
#[must_use = "the turn ends when it is dropped"]
pub struct Turn(u64);

impl Drop for Turn {
    fn drop(&mut self) {
        GATE.with(|gate| {
            gate.borrow_mut()
                .running
                .retain(|(ticket, _)| *ticket != self.0)
        });
    }
}

/// Waits for a turn to read.
pub async fn turn() -> Turn {
    take_turn(worker::Delay::from, clock_ms).await
}

/// The Workers clock; on the host (unit tests of the tools that read), the system's.
#[cfg(target_arch = "wasm32")]
fn clock_ms() -> i64 {
    crate::now_ms()
}

#[cfg(not(target_arch = "wasm32"))]
fn clock_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since_epoch.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How long a read `place`s from the front waits before it looks again.
fn wait_at(place: usize) -> Duration {
    let millis = 5u64.saturating_mul(1 + place as u64).min(250);
    Duration::from_millis(millis)
}

/// [`turn`], sleeping with `sleep` and reading the time from `now`.
async fn take_turn<S: Future<Output = ()>>(
    sleep: impl Fn(Duration) -> S,
    now: impl Fn() -> i64,
) -> Turn {
    let (ticket, waits) = GATE.with(|gate| {
        let mut gate = gate.borrow_mut();
        let ticket = gate.ticket();
        if gate.waiting.is_empty() && gate.has_room(now()) {
            gate.running.push((ticket, now()));
            return (ticket, false);
        }
        gate.waiting.push_back(ticket);
        (ticket, true)
    });
    if !waits {
        return Turn(ticket);
    }
    // Leaves the line if the read is given up (its request cancelled) while it waits.
    let _in_line = InLine(ticket);
    loop {
        let place = GATE.with(|gate| {
            let mut gate = gate.borrow_mut();
            if gate.waiting.front() == Some(&ticket) && gate.has_room(now()) {
                gate.waiting.pop_front();
                gate.running.push((ticket, now()));
                return None;
            }
            Some(gate.waiting.iter().position(|t| *t == ticket).unwrap_or(0))
        });
        match place {
            None => return Turn(ticket),
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
        GATE.with(|gate| gate.borrow().running.len())
    }

    thread_local! {
        static NOW: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }

    fn clock() -> i64 {
        NOW.with(std::cell::Cell::get)
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
            .map(|_| take_turn(until_tick, clock).now_or_never().unwrap())
            .collect();
        assert_eq!(running(), READS_AT_ONCE);

        // The first in line gives up while it waits; two more wait behind it.
        let mut given_up = Box::pin(take_turn(until_tick, clock));
        assert!((&mut given_up).now_or_never().is_none());
        let order = Rc::new(RefCell::new(Vec::new()));
        let held = Rc::new(RefCell::new(Vec::new()));
        for n in [1, 2] {
            let (order, held) = (order.clone(), held.clone());
            pool.spawner()
                .spawn_local(async move {
                    let turn = take_turn(until_tick, clock).await;
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
    fn a_turn_held_past_its_time_no_longer_holds_up_the_line() {
        let mut pool = LocalPool::new();
        let stuck: Vec<Turn> = (0..READS_AT_ONCE)
            .map(|_| take_turn(until_tick, clock).now_or_never().unwrap())
            .collect();
        let got = Rc::new(RefCell::new(None));
        let slot = got.clone();
        pool.spawner()
            .spawn_local(async move {
                *slot.borrow_mut() = Some(take_turn(until_tick, clock).await);
            })
            .unwrap();
        pool.run_until_stalled();
        NOW.with(|now| now.set(TURN_MS - 1));
        tick(&mut pool);
        assert!(got.borrow().is_none(), "the stuck reads still count");
        NOW.with(|now| now.set(TURN_MS));
        tick(&mut pool);
        assert!(got.borrow().is_some(), "past their time, they do not");
        drop((stuck, got.take()));
        assert_eq!(running(), 0);
    }

    #[test]
    fn a_read_far_back_looks_again_less_often() {
        assert_eq!(wait_at(0), Duration::from_millis(5));
        assert_eq!(wait_at(3), Duration::from_millis(20));
        assert_eq!(wait_at(10_000), Duration::from_millis(250));
    }
}
