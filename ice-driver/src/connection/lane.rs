//! The dispatches of one connection, started in arrival order by one task per connection: a
//! servant that does not await sees a connection's requests in the order they came (what
//! "oneway set, then twoway get" relies on). A dispatch still running after its first step is
//! handed to a task of its own, so one that awaits (an AMD servant, in ZeroC's terms) lets
//! later requests run meanwhile, and dispatches run in parallel on a multi-threaded runtime.
//! While the object adapter holds, the next dispatch waits at the head of the line, so they
//! still start in order once it is activated. With `serialize` (`ThreadPool.Serialize`) a
//! dispatch starts only once the previous one has completed.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::queue::Queue;
use crate::runtime::{BoxFuture, Runtime};

/// One dispatch: what it waits for before it may start (a held adapter), and the dispatch.
pub(crate) struct Job {
    pub(crate) gate: Option<BoxFuture<'static, ()>>,
    pub(crate) run: BoxFuture<'static, ()>,
}

/// Where a connection sends its dispatches; dropping it closes the lane.
pub(crate) struct LaneSender {
    queue: Arc<Queue<Job>>,
    /// Jobs sent and not started yet.
    unstarted: Arc<AtomicUsize>,
}

impl LaneSender {
    /// Queues `job`; gives it back if the lane has ended.
    pub(crate) fn send(&self, job: Job) -> Result<(), Job> {
        self.unstarted.fetch_add(1, Ordering::AcqRel);
        self.queue.send(job).inspect_err(|_| {
            self.unstarted.fetch_sub(1, Ordering::AcqRel);
        })
    }

    /// Whether every job sent has started: a new dispatch may then start elsewhere without
    /// overtaking one.
    pub(crate) fn idle(&self) -> bool {
        self.unstarted.load(Ordering::Acquire) == 0
    }
}

impl Drop for LaneSender {
    fn drop(&mut self) {
        self.queue.close();
    }
}

/// Starts the task of a new lane and returns its sender; the task ends once the queue is
/// closed and every dispatch started (and, with `serialize`, completed).
pub(crate) fn start_lane(runtime: &Arc<dyn Runtime>, serialize: bool) -> LaneSender {
    let queue = Arc::new(Queue::new());
    let unstarted = Arc::new(AtomicUsize::new(0));
    let lane = Lane {
        rx: queue.clone(),
        unstarted: unstarted.clone(),
        waiting: VecDeque::new(),
        current: None,
        runtime: runtime.clone(),
        serialize,
        closed: false,
    };
    runtime.spawn(Box::pin(lane));
    LaneSender { queue, unstarted }
}

struct Lane {
    rx: Arc<Queue<Job>>,
    unstarted: Arc<AtomicUsize>,
    /// Not started yet, oldest first.
    waiting: VecDeque<Job>,
    /// With `serialize`, the dispatch running now.
    current: Option<BoxFuture<'static, ()>>,
    runtime: Arc<dyn Runtime>,
    serialize: bool,
    closed: bool,
}

impl Future for Lane {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        while !this.closed {
            match this.rx.poll_recv(cx) {
                Poll::Ready(Some(job)) => this.waiting.push_back(job),
                Poll::Ready(None) => this.closed = true,
                Poll::Pending => break,
            }
        }
        loop {
            if let Some(current) = this.current.as_mut() {
                if current.as_mut().poll(cx).is_pending() {
                    break;
                }
                this.current = None;
            }
            let Some(job) = this.waiting.front_mut() else { break };
            if let Some(gate) = job.gate.as_mut() {
                if gate.as_mut().poll(cx).is_pending() {
                    break;
                }
                job.gate = None;
            }
            let Some(Job { mut run, .. }) = this.waiting.pop_front() else { break };
            if this.waiting.is_empty() && this.waiting.capacity() > 0 {
                this.waiting = VecDeque::new();
            }
            let pending = run.as_mut().poll(cx).is_pending();
            // Counted as started only once its first step ran: a dispatch started in the
            // connection's task meanwhile cannot run ahead of it.
            this.unstarted.fetch_sub(1, Ordering::AcqRel);
            if pending {
                if this.serialize {
                    this.current = Some(run);
                } else {
                    // A new task polls it again at once, and so takes over its wake-ups.
                    this.runtime.spawn(run);
                }
            }
        }
        if this.closed && this.waiting.is_empty() && this.current.is_none() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
