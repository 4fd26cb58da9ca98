//! The queues that feed a connection's tasks: the commands handles send to the connection task,
//! and the dispatches its lane starts. A tokio channel keeps a block of 32 slots per queue even
//! while idle; this queue holds nothing while empty, which is most of an idle connection's life
//! (a router holds thousands of them).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

/// A multi-producer queue read by one task.
pub(crate) struct Queue<T> {
    inner: Mutex<Inner<T>>,
    waker: AtomicWaker,
    /// Whether `inner` holds items, kept under its lock: `try_recv` on an empty queue (what
    /// the task does after every dispatch) then takes no lock.
    queued: AtomicBool,
}

/// The queue of a connection task's commands.
pub(crate) type CommandQueue = Queue<super::Command>;

struct Inner<T> {
    queue: VecDeque<T>,
    closed: bool,
}

impl<T> Inner<T> {
    fn pop(&mut self) -> Option<T> {
        let item = self.queue.pop_front();
        if self.queue.is_empty() && self.queue.capacity() > 0 {
            // Idle again: give the memory back.
            self.queue = VecDeque::new();
        }
        item
    }
}

impl<T> Queue<T> {
    pub(crate) fn new() -> Queue<T> {
        Queue {
            inner: Mutex::new(Inner { queue: VecDeque::new(), closed: false }),
            waker: AtomicWaker::new(),
            queued: AtomicBool::new(false),
        }
    }

    /// Queues `item` and wakes the task; gives it back once the queue is closed.
    pub(crate) fn send(&self, item: T) -> Result<(), T> {
        {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if inner.closed {
                return Err(item);
            }
            inner.queue.push_back(item);
            self.queued.store(true, Ordering::Release);
        }
        self.waker.wake();
        Ok(())
    }

    /// The next item; `Pending` (the task to be woken by the next send) when there is none,
    /// `None` once closed and drained.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // Registered before looking, so that a send in between still wakes the task.
        self.waker.register(cx.waker());
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match self.pop(&mut inner) {
            Some(item) => Poll::Ready(Some(item)),
            None if inner.closed => Poll::Ready(None),
            None => Poll::Pending,
        }
    }

    /// Whether nothing is queued (closed or not).
    pub(crate) fn is_empty(&self) -> bool {
        !self.queued.load(Ordering::Acquire)
    }

    /// The next item, if one is queued.
    pub(crate) fn try_recv(&self) -> Option<T> {
        if !self.queued.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.pop(&mut inner)
    }

    fn pop(&self, inner: &mut Inner<T>) -> Option<T> {
        let item = inner.pop();
        self.queued.store(!inner.queue.is_empty(), Ordering::Release);
        item
    }

    /// Refuses further sends, and wakes the task to see it; what is queued can still be
    /// taken.
    pub(crate) fn close(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.waker.wake();
    }
}
