//! Buffered forwarding (`Glacier2.Client.Buffered`, `Glacier2.Server.Buffered`, Ice 3.7's
//! default): requests of a session wait in a queue per direction, drained by one task at a
//! time, which pauses `Glacier2.{Client,Server}.SleepTime` between passes. Oneway requests
//! are acknowledged once queued and may be replaced there by a later one with the same
//! `_ovrd` value (see [`ice_proto::router::RequestQueue`]). A pass is sent at once and the
//! next waits until its oneways are written, so a client that does not read keeps its
//! callbacks here, where overrides apply. Unlike glacier2router's, the queue is bounded: past
//! [`MAX_ACKED`] waiting requests, oneways are acknowledged only once written, which stops the
//! sender (its connection is no longer read once 100 requests are in flight).

use foldhash::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ice_driver::Outcome;
use ice_proto::router::{Enqueued, RequestQueue};

use crate::State;

/// Requests acknowledged before being sent, per session and direction, at most.
pub(crate) const MAX_ACKED: usize = 1000;

/// What receives the outcome of a forwarded request.
pub(crate) type OnDone = Box<dyn FnOnce(Outcome) + Send>;

/// Which way a queue forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    /// Client requests to back ends.
    ToServer,
    /// Callbacks to the client.
    ToClient,
}

/// One queued request.
pub(crate) struct Job {
    /// Sends the request; the outcome goes to the function given.
    start: Box<dyn FnOnce(OnDone) + Send>,
    /// Told the outcome (the caller's reply), unless the request was acknowledged when queued.
    finish: Option<OnDone>,
    twoway: bool,
}

struct SessionQueue {
    queue: RequestQueue<Job>,
    draining: bool,
}

/// Every session's queues.
#[derive(Default)]
pub(crate) struct Queues {
    map: Mutex<HashMap<(u64, Direction), SessionQueue>>,
}

impl Queues {
    /// Requests waiting in the queues going `direction`.
    pub(crate) fn waiting(&self, direction: Direction) -> usize {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().filter(|((_, d), _)| *d == direction).map(|(_, q)| q.queue.len()).sum()
    }
}

/// Queues a request of the session of connection `session` going `direction`.
/// `finish` is told the outcome; a oneway request is acknowledged at once (`finish` gets
/// [`Outcome::Sent`]) while fewer than [`MAX_ACKED`] wait. Returns whether it replaced a
/// queued request with the same override value (`_ovrd`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn enqueue(
    state: &Arc<State>,
    session: u64,
    direction: Direction,
    override_key: Option<String>,
    target: String,
    twoway: bool,
    start: impl FnOnce(OnDone) + Send + 'static,
    finish: OnDone,
) -> bool {
    let key = (session, direction);
    let mut finish = Some(finish);
    let mut ack = None;
    let mut overrode = false;
    let spawn = {
        let mut map = state.queues.map.lock().unwrap_or_else(|e| e.into_inner());
        let q = map
            .entry(key)
            .or_insert_with(|| SessionQueue { queue: RequestQueue::default(), draining: false });
        if !twoway && q.queue.len() < MAX_ACKED {
            ack = finish.take();
        }
        let job = Job { start: Box::new(start), finish, twoway };
        if let Enqueued::Overrode(old) = q.queue.push(override_key, target, twoway, job) {
            overrode = true;
            // Dropped unsent: its caller, if still waiting, is done.
            if let Some(f) = old.finish {
                f(Outcome::Sent);
            }
        }
        !std::mem::replace(&mut q.draining, true)
    };
    if let Some(ack) = ack {
        ack(Outcome::Sent);
    }
    if spawn {
        let sleep = match direction {
            Direction::ToServer => state.client_sleep,
            Direction::ToClient => state.server_sleep,
        };
        let state2 = state.clone();
        state.runtime.spawn(Box::pin(drain(state2, key, sleep)));
    }
    overrode
}

/// Sends what the queue `key` holds, pass after pass, until it is empty.
async fn drain(state: Arc<State>, key: (u64, Direction), sleep: Duration) {
    loop {
        let jobs = {
            let mut map = state.queues.map.lock().unwrap_or_else(|e| e.into_inner());
            let Some(q) = map.get_mut(&key) else { return };
            let jobs = q.queue.take_all();
            if jobs.is_empty() {
                map.remove(&key);
                return;
            }
            jobs
        };
        // The whole pass goes out at once; the next waits until its oneways are written, so
        // that while a receiver does not read, new requests wait here (where overrides apply).
        let mut written = Vec::new();
        for job in jobs {
            let finish = job.finish;
            if job.twoway {
                // Twoways do not wait for each other (or for their replies).
                (job.start)(Box::new(move |o| {
                    if let Some(f) = finish {
                        f(o);
                    }
                }));
                continue;
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            (job.start)(Box::new(move |o| {
                if let Some(f) = finish {
                    f(o);
                }
                let _ = tx.send(());
            }));
            written.push(rx);
        }
        for rx in written {
            let _ = rx.await;
        }
        if !sleep.is_zero() {
            state.runtime.sleep_until(state.now() + sleep).await;
        }
    }
}
