//! A caller that wrote its lone twoway request itself reads the reply itself too, on a
//! runtime that says so ([`Runtime::reads_in_caller`](crate::runtime::Runtime)).
//!
//! On async-std a caller in `block_on` drives the reactor: a reply read by the connection's
//! task costs the reactor's wake-up, then the task's thread, then the caller's. Read by the
//! caller, it costs one.
//!
//! The socket keeps one registration for reading, with one waker: a [`ReadWaker`] that
//! wakes whoever reads now, the waiting caller or else the task. Registering the caller's
//! own waker instead would make async-io wake the task's (it wakes a waker it replaces), and
//! the two would take the registration from each other at every read.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use tokio::sync::oneshot::{self, error::RecvError};

use super::{Outcome, Shared};

/// Reads before yielding when what arrives is not this caller's reply.
const MAX_READS: usize = 16;

/// The waker a connection's socket is registered with for reading (see the module's
/// comment), and its state.
pub(super) struct ReadWaker {
    readers: Arc<Readers>,
    /// Made once: async-io compares wakers with `Waker::will_wake`, which can tell two
    /// wakers made separately from the same `Arc` apart, and then wakes the one it replaces.
    waker: Waker,
}

impl Default for ReadWaker {
    fn default() -> Self {
        let readers = Arc::new(Readers::default());
        ReadWaker { waker: Waker::from(readers.clone()), readers }
    }
}

#[derive(Default)]
struct Readers {
    wakers: Mutex<Wakers>,
}

#[derive(Default)]
struct Wakers {
    task: Option<Waker>,
    caller: Option<Waker>,
}

impl Readers {
    fn wakers(&self) -> std::sync::MutexGuard<'_, Wakers> {
        self.wakers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ReadWaker {
    /// The waker to read with.
    pub(super) fn waker(&self) -> &Waker {
        &self.waker
    }

    /// The task's waker, as of its latest poll.
    pub(super) fn set_task(&self, waker: &Waker) {
        let mut readers = self.readers.wakers();
        match &mut readers.task {
            Some(w) => w.clone_from(waker),
            none => *none = Some(waker.clone()),
        }
    }

    /// Makes `caller` the one woken when the socket has something to read.
    pub(super) fn set_caller(&self, caller: &Waker) {
        match &mut self.readers.wakers().caller {
            Some(w) => w.clone_from(caller),
            none => *none = Some(caller.clone()),
        }
    }

    /// Makes the task the one woken again. Whether a caller was still to be woken: if not,
    /// the socket's registration went to a caller that may not have read since, and the
    /// task must look for itself.
    pub(super) fn clear_caller(&self) -> bool {
        self.readers.wakers().caller.take().is_some()
    }

    /// Wakes the task, as of its latest poll.
    pub(super) fn wake_task(&self) {
        let task = self.readers.wakers().task.clone();
        if let Some(task) = task {
            task.wake();
        }
    }
}

impl Wake for Readers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut readers = self.wakers();
        let waker = match readers.caller.take() {
            Some(caller) => caller,
            None => match &readers.task {
                Some(task) => task.clone(),
                None => return,
            },
        };
        drop(readers);
        waker.wake();
    }
}

/// The reply to a request its caller wrote, read by that caller when the connection's task
/// has nothing else to do, else received from the task as usual.
pub(super) struct OwnReply<'a> {
    shared: &'a Shared,
    rx: oneshot::Receiver<Outcome>,
    /// Set while the socket may wake this caller rather than the task.
    reading: bool,
    /// Until when this caller busy-polls for its reply ([`Runtime::busy_poll`]), from its
    /// first read.
    ///
    /// [`Runtime::busy_poll`]: crate::runtime::Runtime::busy_poll
    spin_until: Option<Instant>,
    /// Its empty probes so far.
    probes: u32,
}

impl<'a> OwnReply<'a> {
    pub(super) fn new(shared: &'a Shared, rx: oneshot::Receiver<Outcome>) -> Self {
        OwnReply { shared, rx, reading: false, spin_until: None, probes: 0 }
    }

    /// Hands reading back to the connection's task.
    fn give_back(&mut self) {
        if !std::mem::take(&mut self.reading) {
            return;
        }
        let Some(core) = self.shared.core.get().and_then(Weak::upgrade) else { return };
        if let Ok(mut core) = core.try_lock() {
            core.give_reading_back();
            return;
        }
        // The task runs, or a handle holds the core for a moment: the task is woken to see
        // whether it must read.
        if let Some(reader) = &self.shared.read_waker {
            reader.clear_caller();
            reader.wake_task();
        }
    }
}

impl Future for OwnReply<'_> {
    type Output = Result<Outcome, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        for _ in 0..MAX_READS {
            if let Poll::Ready(outcome) = Pin::new(&mut this.rx).poll(cx) {
                this.give_back();
                return Poll::Ready(outcome);
            }
            let Some(core) = this.shared.core.get().and_then(Weak::upgrade) else {
                return Poll::Pending;
            };
            // Busy: the task is to read, and send the reply. (Its runs end with a read, but a
            // handle's do not: so the task is woken in case the socket woke this caller.)
            let Ok(mut core) = core.try_lock() else {
                this.give_back();
                return Poll::Pending;
            };
            if !core.can_read_for_caller() {
                drop(core);
                this.give_back();
                return Poll::Pending;
            }
            this.reading = true;
            let probe = core.caller_spins(&mut this.spin_until, &mut this.probes);
            if !core.read_for_caller(cx.waker(), probe) {
                if probe {
                    // Busy-polling: ask again at once (after other tasks, in a runtime).
                    drop(core);
                    cx.waker().wake_by_ref();
                }
                // Else nothing had arrived: the socket wakes this caller when it does.
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Drop for OwnReply<'_> {
    fn drop(&mut self) {
        self.give_back();
    }
}
