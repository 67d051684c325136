//! Large GitHub answers take turns: in one isolate, at most [`LARGE_AT_ONCE`] requests hold
//! one at a time, and the others wait their turn. An answer is large once its
//! body passes [`LARGE_BYTES`], whether it comes from GitHub or from the ETag cache: file
//! reads (up to 2 MiB, and that again as base64 and as JSON), diffs, and pages of issues or
//! files whose long bodies the tools never show.
//!
//! Wasm memory never shrinks, every session object in the isolate shares it, and a Worker's
//! isolate has 128 MB. Sixty file reads at once once held all of their files together; forty
//! calls listing 100 issues with long bodies took the isolate to 175 MiB. Waiting costs a
//! request little: its download pauses (the rest stays in the socket) until an earlier
//! request ends.
//!
//! A request takes at most one turn ([`Turns`]), the first time one of its answers is large,
//! and holds it until the request ends, since what it read lives on in its answer. It never
//! waits while it holds one, so requests cannot wait on each other in a circle.
//!
//! The line is fair between callers: it takes them in rounds. A free turn goes to the
//! waiting request whose caller holds the fewest turns counting its requests ahead in line,
//! and among those to the first. A caller with two hundred large reads waiting once kept
//! another caller's one read waiting 4.9 s behind them. Counting only the turns held, a
//! read that came while nobody held one stood behind all the other caller's reads, and
//! looked again only as often as a request that far back does.
//!
//! A waiting request is not woken by the request that finishes: that one may belong to
//! another session's Durable Object (or, in the Worker, to another request), and the runtime
//! refuses I/O that a task woken from another object's context then does ("Cannot perform
//! I/O on behalf of a different Durable Object"). Each waiting request checks on a timer of
//! its own instead, more often the nearer it is to the front.
//!
//! A turn counts for [`TURN_MS`] at most: a request that takes longer is waiting on GitHub.
//! But at most [`MOST_AT_ONCE`] are held in all, since it may still hold its answer.
//!
//! Small answers are bounded too: requests without a turn share [`SMALL_BYTES_AT_ONCE`] of
//! room for what they read ([`Turns::room`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

/// Requests that hold a large answer at once in an isolate.
pub const LARGE_AT_ONCE: usize = 4;

/// An answer whose body passes this many bytes is large.
pub const LARGE_BYTES: usize = 256 * 1024;

/// What requests without a turn may have read together in an isolate: their small answers,
/// counted until they end, since what they read lives on in their answers. A request sets
/// [`LARGE_BYTES`] aside before it sends for an answer ([`Turns::room`]) and counts what it
/// read once it has the answer. Without this bound, 590 requests waiting for a turn held 256
/// KiB each (155 MiB), and 1600 answers just under 256 KiB at once 167 MiB.
pub const SMALL_BYTES_AT_ONCE: usize = 16 * 1024 * 1024;

/// How long a turn counts fully, in milliseconds. A request that holds its turn longer is
/// most likely waiting on GitHub, and the others should not all wait behind it: four reads
/// stuck on a slow upstream (whose clients may have left, which does not stop the download)
/// once held every read in the isolate for the 20 s of the upstream timeout.
pub const TURN_MS: i64 = 5_000;

/// Turns held at once, counting those past [`TURN_MS`]: such a request may still hold its
/// large answer. Without this, four new large answers came in every 5 s while the old ones
/// waited on slow lookups: 80 pull requests at once took the isolate to 194 MiB.
pub const MOST_AT_ONCE: usize = 2 * LARGE_AT_ONCE;

/// A waiting request that has not looked for this long is gone: it looks every 250 ms at
/// most, and one the runtime set aside without ending it must not hold up the line.
const GONE_MS: i64 = 2_000;

/// Whose request: a hash of the caller's subject.
type Owner = u64;

#[derive(Default)]
struct Gate {
    /// The turns held: their tickets, owners and when they began.
    running: Vec<(u64, Owner, i64)>,
    /// The requests waiting, in order of arrival: their tickets, owners and when they last
    /// looked.
    waiting: VecDeque<(u64, Owner, i64)>,
    next_ticket: u64,
}

impl Gate {
    /// The turns that count at `now`: their owners.
    fn counted(&self, now: i64) -> impl Iterator<Item = Owner> + '_ {
        let counts = move |(_, _, began): &&(u64, Owner, i64)| now - began < TURN_MS;
        self.running
            .iter()
            .filter(counts)
            .map(|(_, owner, _)| *owner)
    }

    /// Where `ticket` stands in line at `now`: how many waiting requests a free turn would go
    /// to first. The line takes callers in rounds: a request's rank is the turns its caller
    /// holds plus its caller's requests ahead of it in line; the lower rank goes first, and
    /// among equals the request that came first.
    fn place(&self, ticket: u64, now: i64) -> usize {
        let mut next_rank: Vec<(Owner, usize)> = Vec::new();
        let mut rank_of = |owner: Owner| {
            if let Some((_, next)) = next_rank.iter_mut().find(|(o, _)| *o == owner) {
                *next += 1;
                return *next - 1;
            }
            let held = self.counted(now).filter(|o| *o == owner).count();
            next_rank.push((owner, held + 1));
            held
        };
        let ranked: Vec<(usize, u64)> = self
            .waiting
            .iter()
            .map(|(t, o, _)| (rank_of(*o), *t))
            .collect();
        let Some(mine) = ranked.iter().find(|(_, t)| *t == ticket) else {
            return 0;
        };
        ranked.iter().filter(|ranked| *ranked < mine).count()
    }

    /// `ticket` looks at `now`; the requests that stopped looking leave the line.
    fn look(&mut self, ticket: u64, now: i64) {
        self.waiting.retain_mut(|(t, _, seen)| {
            if *t == ticket {
                *seen = now;
            }
            now - *seen <= GONE_MS
        });
    }

    /// Whether a turn is free at `now`.
    fn has_room(&self, now: i64) -> bool {
        self.counted(now).count() < LARGE_AT_ONCE && self.running.len() < MOST_AT_ONCE
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }
}

thread_local! {
    static GATE: RefCell<Gate> = RefCell::default();
    /// Bytes counted against [`SMALL_BYTES_AT_ONCE`].
    static SMALL: Cell<usize> = const { Cell::new(0) };
}

/// A turn: while it is held the request may hold a large answer; dropping it frees the turn.
#[must_use = "the turn ends when it is dropped"]
struct Turn(u64);

impl Drop for Turn {
    fn drop(&mut self) {
        GATE.with(|gate| {
            gate.borrow_mut()
                .running
                .retain(|(ticket, _, _)| *ticket != self.0)
        });
    }
}

/// A request's turn, taken the first time one of its answers is large ([`Turns::hold`]) and
/// held until the request ends (when this is dropped). One per request, made where the
/// request is run and shared by everything that reads GitHub for it.
pub struct Turns {
    owner: Owner,
    held: RefCell<Option<Turn>>,
    /// What this request counts against [`SMALL_BYTES_AT_ONCE`] while it holds no turn:
    /// the answers it has read, and room set aside for the one it waits for.
    small: Cell<usize>,
    /// The answers it has read, of those.
    read: Cell<usize>,
    /// Whether room is set aside for an answer not read yet.
    set_aside: Cell<bool>,
    /// Milliseconds it waited for room or a turn, in all (the log line's `githubWaitMs`).
    waited_ms: Cell<i64>,
}

impl Turns {
    /// The turn of a request by the caller `subject`.
    pub fn of(subject: &str) -> Turns {
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(subject, &mut hasher);
        Turns {
            owner: std::hash::Hasher::finish(&hasher),
            held: RefCell::default(),
            small: Cell::new(0),
            read: Cell::new(0),
            set_aside: Cell::new(false),
            waited_ms: Cell::new(0),
        }
    }

    /// Milliseconds the request waited for room or a turn, in all: part of the time its
    /// GitHub calls took, but not GitHub's.
    pub fn waited_ms(&self) -> i64 {
        self.waited_ms.get()
    }

    /// Adds the time since `started` to [`Turns::waited_ms`].
    fn waited_since(&self, started: i64) {
        let waited = clock_ms().saturating_sub(started).max(0);
        self.waited_ms
            .set(self.waited_ms.get().saturating_add(waited));
    }

    /// Whether the request holds its turn.
    pub fn holds(&self) -> bool {
        self.held.borrow().is_some()
    }

    /// Returns once the request may send for an answer: at once in its turn; else once
    /// [`LARGE_BYTES`] are set aside for the answer ([`SMALL_BYTES_AT_ONCE`]), which it may
    /// then read without a turn. A request that has read answers already takes its turn
    /// instead of waiting for room, or requests could hold room while they wait for more.
    /// This wait and the turn's are not GitHub's time. Without it, small answers at once
    /// past the room each waited for a turn: 1600 took 155 s in place of 13.
    pub async fn room(&self) {
        let started = clock_ms();
        self.room_sleeping(worker::Delay::from).await;
        self.waited_since(started);
    }

    /// [`Turns::room`], sleeping with `sleep` while it waits.
    async fn room_sleeping<S: Future<Output = ()>>(&self, sleep: impl Fn(Duration) -> S) {
        let mut looks = 0u64;
        loop {
            if self.holds() || self.set_aside.get() {
                return;
            }
            let set_aside = SMALL.with(|small| {
                let then = small.get().saturating_add(LARGE_BYTES);
                (then <= SMALL_BYTES_AT_ONCE).then(|| small.set(then))
            });
            if set_aside.is_some() {
                self.small.set(self.read.get().saturating_add(LARGE_BYTES));
                self.set_aside.set(true);
                return;
            }
            if self.read.get() > 0 {
                return self.hold_unmeasured().await;
            }
            looks += 1;
            sleep(Duration::from_millis((10 * looks).min(100))).await;
        }
    }

    /// The answer sent for was `bytes` long: counted in place of the room set aside.
    pub fn read_answer(&self, bytes: usize) {
        if self.holds() || !self.set_aside.replace(false) {
            return;
        }
        self.read.set(self.read.get().saturating_add(bytes));
        self.count_small(self.read.get());
    }

    /// Counts `bytes` for this request against [`SMALL_BYTES_AT_ONCE`], in place of what it
    /// counted so far.
    fn count_small(&self, bytes: usize) {
        SMALL.with(|small| {
            let others = small.get().saturating_sub(self.small.get());
            small.set(others.saturating_add(bytes));
        });
        self.small.set(bytes);
    }

    /// Returns once the request holds a turn: at once if it holds one already, or else when
    /// the line reaches it.
    pub async fn hold(&self) {
        let started = clock_ms();
        self.hold_unmeasured().await;
        self.waited_since(started);
    }

    /// [`Turns::hold`], not counted as waiting (its caller counts).
    async fn hold_unmeasured(&self) {
        if self.held.borrow().is_some() {
            return;
        }
        let turn = take_turn(self.owner, worker::Delay::from, clock_ms).await;
        // Another read of the same request may have been given one meanwhile.
        self.held.borrow_mut().get_or_insert(turn);
        // What it read so far is held in its turn now.
        self.count_small(0);
        self.read.set(0);
        self.set_aside.set(false);
    }
}

impl Drop for Turns {
    fn drop(&mut self) {
        self.count_small(0);
    }
}

/// The Workers clock; on the host (unit tests of the tools), the system's.
#[cfg(target_arch = "wasm32")]
fn clock_ms() -> i64 {
    crate::now_ms()
}

#[cfg(not(target_arch = "wasm32"))]
fn clock_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since_epoch.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How long a request `place`s from the front waits before it looks again.
fn wait_at(place: usize) -> Duration {
    let millis = 5u64.saturating_mul(1 + place as u64).min(250);
    Duration::from_millis(millis)
}

/// Waits for a turn of `owner`'s, sleeping with `sleep` and reading the time from `now`.
async fn take_turn<S: Future<Output = ()>>(
    owner: Owner,
    sleep: impl Fn(Duration) -> S,
    now: impl Fn() -> i64,
) -> Turn {
    let ticket = GATE.with(|gate| {
        let mut gate = gate.borrow_mut();
        let ticket = gate.ticket();
        gate.waiting.push_back((ticket, owner, now()));
        ticket
    });
    // Leaves the line if the request is given up (cancelled) while it waits.
    let _in_line = InLine(ticket);
    loop {
        let place = GATE.with(|gate| {
            let mut gate = gate.borrow_mut();
            let now = now();
            gate.look(ticket, now);
            let place = gate.place(ticket, now);
            if place == 0 && gate.has_room(now) {
                gate.waiting.retain(|(t, _, _)| *t != ticket);
                gate.running.push((ticket, owner, now));
                return None;
            }
            Some(place)
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
        GATE.with(|gate| gate.borrow_mut().waiting.retain(|(t, _, _)| *t != self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::LocalPool;
    use futures_util::task::LocalSpawnExt;
    use futures_util::FutureExt;
    use std::rc::Rc;

    const A: Owner = 1;
    const B: Owner = 2;

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

    /// Every turn, held by caller A.
    fn every_turn() -> Vec<Turn> {
        let take = || take_turn(A, until_tick, clock).now_or_never().unwrap();
        (0..LARGE_AT_ONCE).map(|_| take()).collect()
    }

    /// A request of caller A's waiting in `pool`: its turn, once it has one.
    fn wait_for_a_turn(pool: &mut LocalPool) -> Rc<RefCell<Option<Turn>>> {
        let got = Rc::new(RefCell::new(None));
        let slot = got.clone();
        pool.spawner()
            .spawn_local(async move {
                *slot.borrow_mut() = Some(take_turn(A, until_tick, clock).await);
            })
            .unwrap();
        pool.run_until_stalled();
        got
    }

    fn tick(pool: &mut LocalPool) {
        for waker in SLEEPERS.with(|s| std::mem::take(&mut *s.borrow_mut())) {
            waker.wake();
        }
        pool.run_until_stalled();
    }

    #[test]
    fn requests_past_the_limit_wait_in_order_and_a_given_up_wait_loses_no_turn() {
        let mut pool = LocalPool::new();
        let first = every_turn();
        assert_eq!(running(), LARGE_AT_ONCE);

        // The first in line gives up while it waits; two more wait behind it.
        let mut given_up = Box::pin(take_turn(A, until_tick, clock));
        assert!((&mut given_up).now_or_never().is_none());
        let order = Rc::new(RefCell::new(Vec::new()));
        let held = Rc::new(RefCell::new(Vec::new()));
        for n in [1, 2] {
            let (order, held) = (order.clone(), held.clone());
            pool.spawner()
                .spawn_local(async move {
                    let turn = take_turn(A, until_tick, clock).await;
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
            LARGE_AT_ONCE,
            "both waiting requests now hold turns"
        );

        held.borrow_mut().clear();
        drop(first);
        assert_eq!(running(), 0);
        assert!(GATE.with(|gate| gate.borrow().waiting.is_empty()));
    }

    #[test]
    fn a_turn_held_past_its_time_no_longer_holds_up_the_line() {
        let mut pool = LocalPool::new();
        let stuck = every_turn();
        let got = wait_for_a_turn(&mut pool);
        NOW.with(|now| now.set(TURN_MS - 1));
        tick(&mut pool);
        assert!(got.borrow().is_none(), "the stuck requests still count");
        NOW.with(|now| now.set(TURN_MS));
        tick(&mut pool);
        assert!(got.borrow().is_some(), "past their time, they do not");
        // But they are still held, and at most MOST_AT_ONCE are held in all.
        let more: Vec<_> = (0..MOST_AT_ONCE)
            .map(|_| wait_for_a_turn(&mut pool))
            .collect();
        tick(&mut pool);
        let given = more.iter().filter(|got| got.borrow().is_some()).count();
        assert_eq!(given, MOST_AT_ONCE - LARGE_AT_ONCE - 1);
        drop((stuck, got.take(), more));
        NOW.with(|now| now.set(0));
        assert_eq!(running(), 0);
    }

    #[test]
    fn a_free_turn_goes_to_the_caller_holding_fewest_before_those_who_came_first() {
        let mut pool = LocalPool::new();
        let held = every_turn();
        let order = Rc::new(RefCell::new(Vec::new()));
        let kept = Rc::new(RefCell::new(Vec::new()));
        for (n, owner) in [(1, A), (2, A), (3, A), (4, B)] {
            let (order, kept) = (order.clone(), kept.clone());
            pool.spawner()
                .spawn_local(async move {
                    let turn = take_turn(owner, until_tick, clock).await;
                    order.borrow_mut().push(n);
                    kept.borrow_mut().push(turn);
                })
                .unwrap();
            pool.run_until_stalled();
        }
        let mut held = held.into_iter();
        drop(held.next());
        tick(&mut pool);
        assert_eq!(
            *order.borrow(),
            vec![4],
            "B holds none, A three: B goes first"
        );
        drop(held.next());
        tick(&mut pool);
        tick(&mut pool);
        assert_eq!(*order.borrow(), vec![4, 1], "then A's, in order");
        kept.borrow_mut().clear();
        drop(held);
        for _ in 0..3 {
            tick(&mut pool);
        }
        assert_eq!(*order.borrow(), vec![4, 1, 2, 3]);
        kept.borrow_mut().clear();
        assert_eq!(running(), 0);
    }

    #[test]
    fn the_line_takes_callers_in_rounds_though_neither_holds_a_turn() {
        const C: Owner = 3;
        let gate = Gate {
            running: (1..=4).map(|t| (t, C, 0)).collect(),
            waiting: [(5, A), (6, A), (7, A), (8, B), (9, A)]
                .map(|(t, o)| (t, o, 0))
                .into(),
            next_ticket: 9,
        };
        let places = [5, 6, 7, 8, 9].map(|t| gate.place(t, 0));
        // Ranks: A's 0, 1, 2 and 3 (the last), B's 0; equal ranks go by arrival.
        assert_eq!(
            places,
            [0, 2, 3, 1, 4],
            "B's one read stands behind A's first only"
        );
    }

    #[test]
    fn a_waiting_request_that_stops_looking_no_longer_holds_up_the_line() {
        let mut pool = LocalPool::new();
        let held = every_turn();
        // Set aside by the runtime without being ended: never polled again, never dropped.
        let mut set_aside = Box::pin(take_turn(B, until_tick, clock));
        assert!((&mut set_aside).now_or_never().is_none());
        let got = wait_for_a_turn(&mut pool);
        drop(held);
        tick(&mut pool);
        assert!(got.borrow().is_none(), "the one set aside is still first");
        NOW.with(|now| now.set(GONE_MS + 1));
        tick(&mut pool);
        assert!(
            got.borrow().is_some(),
            "past GONE_MS it is gone from the line"
        );
        drop((got.take(), set_aside));
        assert_eq!(running(), 0);
        NOW.with(|now| now.set(0));
    }

    #[test]
    fn small_answers_are_counted_until_their_request_ends_or_holds_its_turn() {
        let small = || SMALL.with(Cell::get);
        let a = Turns::of("github:1");
        a.room().now_or_never().unwrap();
        assert_eq!(small(), LARGE_BYTES, "room for one answer is set aside");
        a.read_answer(1_000);
        assert_eq!(small(), 1_000);
        // Others send for answers until the room is gone.
        let others: Vec<Turns> = (0..SMALL_BYTES_AT_ONCE / LARGE_BYTES - 1)
            .map(|n| Turns::of(&format!("github:{n}")))
            .collect();
        for other in &others {
            other.room().now_or_never().unwrap();
        }
        let last = Turns::of("github:last");
        let mut waits = Box::pin(last.room_sleeping(until_tick));
        let waiting = (&mut waits).now_or_never().is_none();
        assert!(waiting, "one that read nothing waits");
        a.room().now_or_never().unwrap();
        assert!(a.holds(), "one that read an answer takes its turn");
        assert_eq!(
            small(),
            SMALL_BYTES_AT_ONCE - LARGE_BYTES,
            "held in its turn now"
        );
        waits.now_or_never().unwrap();
        assert_eq!(small(), SMALL_BYTES_AT_ONCE, "and then it has room");
        drop((a, last, others));
        assert_eq!(small(), 0);
        assert_eq!(running(), 0);
    }

    #[test]
    fn a_request_takes_one_turn_however_many_of_its_answers_are_large() {
        let turns = Turns::of("github:1");
        turns.hold().now_or_never().unwrap();
        turns.hold().now_or_never().unwrap();
        assert_eq!(running(), 1);
        drop(turns);
        assert_eq!(running(), 0);
    }

    #[test]
    fn a_request_far_back_looks_again_less_often() {
        assert_eq!(wait_at(0), Duration::from_millis(5));
        assert_eq!(wait_at(3), Duration::from_millis(20));
        assert_eq!(wait_at(10_000), Duration::from_millis(250));
    }
}
