//! The task that drives one connection: socket reads and writes, the timer, commands from
//! handles, and events from the [`ice_proto`] state machine.
//!
//! Reading never waits for writing: both are polled on every wake-up, so two peers sending
//! large messages to each other at once cannot deadlock.
//!
//! The state lives in a [`Core`] behind a mutex. A handle whose command finds the core free,
//! nothing queued before it and the socket idle runs the command itself and writes what it
//! produced (a request, a reply) in its own thread, as ZeroC writes in the caller's thread:
//! the connection's task is then woken only by what the peer sends, not once more per
//! request. Everything else (reading, timers, events) stays with the task.
//!
//! The task also runs the dispatches of the requests it reads (see `dispatch`), those that
//! await included: they are parked in a `FuturesUnordered` it polls when one is woken, so the
//! servant's code runs with the core locked. That is safe for the same reason handles are:
//! whatever the servant does to this or any connection only tries the lock.

use foldhash::{HashMap, HashMapExt};
use std::collections::VecDeque;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::stream::{FuturesUnordered, StreamExt};
use ice_proto::connection::{
    Connection as Proto, ConnectionError, ConnectionState, DispatchId, Event, InvocationId,
    InvokeError,
};
use ice_proto::frame::{ReplyStatus, Request};
use smallvec::SmallVec;
use tokio::sync::oneshot;

use super::{
    dispatch, next_connection_id, Command, Completion, Connection, ConnectionSetup, Dispatcher, Io,
    Outcome, Shared,
};
use crate::adapter::ObjectAdapter;
use crate::error::Error;
use crate::runtime::{BoxFuture, Runtime, UdpSocket};

/// The most bytes to make room for before one read.
const READ_CHUNK: usize = 64 * 1024;
/// The least: an idle connection holds no more than this, so that thousands of idle
/// connections (a router's clients) cost little; the room doubles while reads fill it.
const MIN_READ_CHUNK: usize = 2 * 1024;
/// Rounds of work in one poll before yielding to other tasks.
const MAX_ROUNDS: usize = 64;
/// Slices handed to one vectored write.
const MAX_IOV: usize = 64;
/// Empty probes in a row after which busy-polling stops whatever the clock says: a clock
/// that does not move while tasks run (virtual time, tokio's paused clock) would otherwise
/// keep a task polling for ever.
const MAX_PROBES: u32 = 10_000;
/// Backstop: should the state machine ever report a deadline that is already past after
/// handling it (it is not meant to; see `ice_proto::connection`), wake again after this delay
/// instead of spinning.
const TIMER_RETRY: Duration = Duration::from_millis(200);

/// Starts the task for a new connection and returns its handle.
pub(crate) fn spawn_connection(setup: ConnectionSetup) -> Connection {
    let commands = Arc::new(super::queue::CommandQueue::new());
    let incoming = setup.endpoint.is_none();
    let datagram = matches!(setup.io, Io::Datagram { .. });
    let trace = setup.instance.upgrade().map(|i| i.trace).unwrap_or_default();
    let shared = Arc::new(Shared {
        id: next_connection_id(),
        _live: super::Live::new(),
        commands: commands.clone(),
        adapter: Mutex::new(setup.adapter.clone()),
        dispatcher: Mutex::new(setup.dispatcher.clone()),
        targets_changed: AtomicU64::new(0),
        lane: Mutex::new(None),
        lane_started: AtomicBool::new(false),
        serialize: setup.serialize,
        closed: std::sync::OnceLock::new(),
        closed_notify: tokio::sync::Notify::new(),
        usable: AtomicBool::new(true),
        next_key: AtomicU64::new(0),
        oneway_budget: tokio::sync::Semaphore::new(super::ONEWAY_BUDGET_KIB as usize),
        local: setup.io.local_addr(),
        remote: setup.io.peer_addr(),
        transport: crate::transport::shared_info(setup.transport),
        security: std::sync::OnceLock::new(),
        core: std::sync::OnceLock::new(),
        writes_in_caller: setup.runtime.writes_in_caller(),
        read_waker: setup.runtime.reads_in_caller().then(super::own_reply::ReadWaker::default),
        endpoint: setup.endpoint,
        incoming,
        datagram,
        instance: setup.instance,
        trace,
    });
    let connection = Connection { shared };
    let now = setup.runtime.now();
    {
        let kind = connection.shared.transport.kind;
        let shared = &connection.shared;
        if datagram {
            let verb = if incoming { "receive" } else { "send" };
            crate::trace::network(trace, 1, || {
                let local = shared.local.map_or_else(String::new, crate::trace::address);
                match shared.remote.filter(|_| !incoming) {
                    Some(r) => format!(
                        "starting to {verb} {kind} messages\nlocal address = {local}\nremote address = {}",
                        crate::trace::address(r)
                    ),
                    None => format!("starting to {verb} {kind} messages\nlocal address = {local}"),
                }
            });
        } else if incoming {
            crate::trace::network(trace, 2, || {
                crate::trace::connection_event(
                    "trying to accept",
                    kind,
                    shared.local,
                    shared.remote,
                )
            });
        }
    }
    let core = Core {
        proto: Proto::new(setup.config, now),
        io: Some(setup.io),
        commands,
        connection: connection.clone(),
        runtime: setup.runtime.clone(),
        read_buf: BytesMut::new(),
        read_chunk: MIN_READ_CHUNK,
        writing: VecDeque::new(),
        timer: None,
        timer_floor: None,
        pending: HashMap::new(),
        keys: HashMap::new(),
        flushes: HashMap::new(),
        oneways: VecDeque::new(),
        budget_back: 0,
        validated: false,
        lost_because: None,
        announce_accepted: incoming && !datagram,
        close_error: None,
        heartbeats: 0,
        undecoded: false,
        flushing: false,
        waker: None,
        read_registered: false,
        busy_poll: setup.runtime.busy_poll(),
        spin_until: None,
        probes: 0,
        read_waker: connection.shared.read_waker.as_ref().map(|r| r.waker().clone()),
        parked: None,
        targets: Targets { generation: 0, adapter: setup.adapter, dispatcher: setup.dispatcher },
    };
    let core = Arc::new(Mutex::new(core));
    let _ = connection.shared.core.set(Arc::downgrade(&core));
    setup.runtime.spawn(Box::pin(Driver(core)));
    connection
}

/// The connection's task: polls the [`Core`].
struct Driver(Arc<Mutex<Core>>);

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Only a handle running a command directly, or a caller reading its reply, holds the
        // lock otherwise, for as long as that takes (handling what it read can run a
        // servant), and it never waits for another lock meanwhile (it only tries them).
        let mut core = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &mut core.waker {
            Some(w) => w.clone_from(cx.waker()),
            none => *none = Some(cx.waker().clone()),
        }
        if let Some(reader) = &core.connection.shared.read_waker {
            reader.set_task(cx.waker());
        }
        core.poll(cx)
    }
}

/// Runs `command` at once in the caller's thread when that keeps its order and the connection's
/// task is not busy (see the module's comment); else queues it for the task. Whether it ran
/// in the caller.
pub(super) fn submit(shared: &super::Shared, command: Command) -> Result<bool, Command> {
    // A batch request is only appended to the batch: no hand-off is worth a wake-up of the
    // task per request, whatever the runtime. Nor is one worth it per flush: measured on
    // async-std (which keeps twoways with the task), writing the flush in the caller doubled
    // batch oneways, as the next requests then no longer find the task busy writing.
    let eligible = match command {
        Command::QueueBatch { done: None, .. } | Command::FlushBatch { .. } => true,
        Command::Invoke { twoway: true, .. } | Command::Reply { .. } => shared.writes_in_caller,
        _ => false,
    };
    // Others go to the queue without touching the core's (shared, contended) counters.
    if !eligible {
        return shared.commands.send(command).map(|()| false);
    }
    if let Some(core) = shared.core.get().and_then(Weak::upgrade) {
        if let Ok(mut core) = core.try_lock() {
            if core.can_run_directly(&command) {
                core.run_directly(command);
                return Ok(true);
            }
        }
    }
    shared.commands.send(command).map(|()| false)
}

struct Pending {
    key: u64,
    done: Completion,
}

/// The state of one connection, driven by its task (and by handles, see [`submit`]).
pub(super) struct Core {
    proto: Proto,
    /// The socket; dropped (closed) once the connection is closed.
    io: Option<Io>,
    commands: Arc<super::queue::CommandQueue>,
    connection: Connection,
    runtime: Arc<dyn Runtime>,
    read_buf: BytesMut,
    /// Room made before the next read.
    read_chunk: usize,
    /// What is left to write of the last transmit.
    writing: VecDeque<Bytes>,
    timer: Option<(Instant, BoxFuture<'static, ()>)>,
    timer_floor: Option<Instant>,
    pending: HashMap<InvocationId, Pending>,
    keys: HashMap<u64, InvocationId>,
    flushes: HashMap<InvocationId, oneshot::Sender<Outcome>>,
    /// The oneways of `Command::Oneway` not yet written, in the order they were sent (which
    /// is the order they complete in), with their cost in the oneway budget.
    oneways: VecDeque<(InvocationId, u32)>,
    /// Budget of oneways completed in this round, given back once at its end (the
    /// semaphore takes a lock per call).
    budget_back: u32,
    /// A message header arrived on this stream connection: only then does a close warn
    /// with `Ice.Warn.Connections`.
    validated: bool,
    /// Why the transport ended, in ZeroC's words, for the traces of a lost connection
    /// (`recv() returned zero`, or the system's error).
    lost_because: Option<String>,
    /// An incoming stream connection whose `accepted` trace is still to come.
    announce_accepted: bool,
    /// Why the connection closed, until `finish` announces it.
    close_error: Option<ConnectionError>,
    /// Heartbeats already reported to the dispatcher.
    heartbeats: u64,
    /// Bytes were left in `read_buf` when the dispatch limit was reached.
    undecoded: bool,
    /// The last transmit is written but a layer of the stream (TLS, WebSocket) may still
    /// hold some of it: flushed before the transmit counts as written.
    flushing: bool,
    /// The task's waker, for the socket writes a handle makes on its behalf.
    waker: Option<Waker>,
    /// The last read found nothing more: the socket wakes its reader when something comes.
    read_registered: bool,
    /// [`Runtime::busy_poll`]'s window.
    busy_poll: Option<Duration>,
    /// Until when the task busy-polls its socket, after the last message it read.
    spin_until: Option<Instant>,
    /// Empty probes since the last message read (see `MAX_PROBES`).
    probes: u32,
    /// The shared read waker's waker (see `own_reply.rs`), kept here so that a read needs
    /// no reference into `Shared` while `self` is borrowed.
    read_waker: Option<Waker>,
    /// Dispatches waiting for something (see `dispatch`); none while idle, when it holds
    /// nothing.
    parked: Option<FuturesUnordered<dispatch::Running>>,
    targets: Targets,
}

/// The connection's adapter and dispatcher as the task last read them: read again only after
/// a handle changed one (`Shared::targets_changed`), not locked per request.
struct Targets {
    generation: u64,
    adapter: Option<ObjectAdapter>,
    dispatcher: Option<Arc<dyn Dispatcher>>,
}

impl Core {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let this = self;
        // The timer armed and found pending by the last round, with nothing happened since:
        // computing the deadline again would give the same answer.
        let mut timer_settled = false;
        for _ in 0..MAX_ROUNDS {
            let spin = this.spinning();
            let mut progress = this.poll_commands(cx);
            // Not while the dispatch limit is reached: a reply (a command) resumes reading,
            // starting with the messages already read and left undecoded at the limit.
            if this.proto.wants_input() && this.undecoded {
                this.undecoded = false;
                let now = this.runtime.now();
                this.proto.handle_input(now, &mut this.read_buf);
                this.undecoded = !this.read_buf.is_empty() && !this.proto.wants_input();
                progress = true;
            }
            if this.proto.wants_input() {
                progress |= match this.read_waker.take() {
                    // Whoever reads now is woken: the task, or a caller reading its reply.
                    Some(reader) => {
                        let read = this.poll_read(&mut Context::from_waker(&reader), spin, false);
                        this.read_waker = Some(reader);
                        read
                    }
                    None => this.poll_read(cx, spin, false),
                };
            }
            progress |= this.handle_events(cx);
            progress |= this.poll_parked(cx);
            if !this.proto.is_closed() {
                progress |= this.poll_write(cx);
            }
            if progress || !timer_settled {
                let fired = this.poll_timer(cx);
                timer_settled = !fired;
                progress |= fired;
            }
            if this.handle_events(cx) {
                timer_settled = false;
                progress = true;
            }
            if this.proto.state() >= ConnectionState::Closing {
                this.connection.shared.usable.store(false, Ordering::Release);
            }
            if this.proto.is_closed() {
                this.finish(cx);
                return Poll::Ready(());
            }
            if !progress {
                if spin && this.proto.wants_input() {
                    this.probes += 1;
                    if this.probes < MAX_PROBES {
                        // Busy-polling: asked the socket, nothing yet. Let other tasks run
                        // and ask again, keeping the room for what comes.
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    // Enough: read as usual (registering) before sleeping.
                    this.spin_until = None;
                    continue;
                }
                // Quiet now: keep no room from the traffic just handled.
                this.proto.release_idle_memory();
                if this.writing.is_empty() && this.writing.capacity() > 0 {
                    this.writing = VecDeque::new();
                }
                if this.oneways.is_empty() && this.oneways.capacity() > 0 {
                    this.oneways = VecDeque::new();
                }
                return Poll::Pending;
            }
        }
        // Plenty of work: let other tasks run, and come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Core {
    fn now(&self) -> Instant {
        self.runtime.now()
    }

    /// Whether the task busy-polls its socket now (see [`Runtime::busy_poll`]).
    fn spinning(&mut self) -> bool {
        let Some(until) = self.spin_until else { return false };
        if self.runtime.now() < until {
            return true;
        }
        self.spin_until = None;
        false
    }

    /// Whether a handle may run `command` now: the connection is up and idle, with nothing
    /// queued that the command would overtake. Only for a lone twoway request, a lone reply, a
    /// batch request or flush, where a hand-off costs latency: oneways and pipelined requests
    /// are left to the task, which writes many of them at once.
    fn can_run_directly(&self, command: &Command) -> bool {
        let lone = match command {
            Command::Invoke { twoway: true, .. } => self.proto.pending_invocations() == 0,
            Command::Reply { .. } => self.proto.dispatches_in_progress() <= 1,
            Command::FlushBatch { .. } | Command::QueueBatch { done: None, .. } => true,
            _ => false,
        };
        lone && self.waker.is_some()
            && self.proto.state() == ConnectionState::Active
            && matches!(self.io, Some(Io::Stream(_)))
            && self.writing.is_empty()
            && !self.flushing
            && !self.undecoded
            && self.commands.is_empty()
    }

    /// Runs `command` and writes what it produced, with the task's waker, and delivers the
    /// events that made (a oneway written, a failure); wakes the task if anything is left
    /// for it (a blocked write, a state change, an earlier deadline, reading to resume).
    fn run_directly(&mut self, command: Command) {
        let reading = self.proto.wants_input();
        let command = match command {
            // Appending to the batch writes nothing, delivers nothing and brings no deadline
            // earlier (a queued batch can only lift the inactivity timeout, which the armed
            // timer finds when it fires), unless the batch grew past `Ice.BatchAutoFlushSize`
            // and was sent: only then is there anything to write or a timer to check (which
            // cost a tenth of a batch client's time per request).
            Command::QueueBatch { request, compress, done: None } => {
                if !self.queue_batch(*request, compress) {
                    return;
                }
                None
            }
            other => Some(other),
        };
        let Some(waker) = self.waker.clone() else { return };
        let mut cx = Context::from_waker(&waker);
        if let Some(command) = command {
            self.command(command);
        }
        self.poll_write(&mut cx);
        self.handle_events(&mut cx);
        if self.needs_task(reading) {
            waker.wake_by_ref();
        }
    }

    /// Whether work done outside the task left the task anything: a write, a change of
    /// state or of reading (`reading`: whether it wants input as before), an earlier deadline.
    fn needs_task(&self, reading: bool) -> bool {
        !self.writing.is_empty()
            || self.flushing
            || self.proto.state() != ConnectionState::Active
            || self.proto.wants_input() != reading
            || self.deadline_before_timer()
    }

    /// Whether a caller waiting for the reply to the lone request it wrote may read for it
    /// (see `read_for_caller`): the connection is up and idle, reading, with nothing the
    /// task has left to do. Not once a large message is part-way in: its reading is bound
    /// by copying, not wake-ups, and is left to the task (see `SMALL_REQUEST`).
    pub(super) fn can_read_for_caller(&self) -> bool {
        self.read_buf.len() + self.proto.input_awaited(&self.read_buf) <= READ_CHUNK
            && self.waker.is_some()
            && self.proto.state() == ConnectionState::Active
            && matches!(self.io, Some(Io::Stream(_)))
            && self.proto.wants_input()
            && !self.undecoded
            && self.writing.is_empty()
            && !self.flushing
            && self.parked.is_none()
            && self.commands.is_empty()
    }

    /// Reads what has arrived, with the socket set to wake `caller` (not the task) when more
    /// comes, and handles it as the task would (the caller's reply goes to its channel).
    /// Wakes the task for whatever else that left. Whether anything was read: if so, the
    /// caller should look for its reply, and read again if it is not in.
    /// Busy-polling (`probe`), it asks the socket without waiting for the reactor, and the
    /// socket is set to wake the caller only once something was read.
    pub(super) fn read_for_caller(&mut self, caller: &Waker, probe: bool) -> bool {
        let (Some(waker), Some(reader)) = (self.waker.clone(), self.read_waker.take()) else {
            return false;
        };
        if let Some(readers) = &self.connection.shared.read_waker {
            readers.set_caller(caller);
        }
        let read = self.poll_read(&mut Context::from_waker(&reader), probe, true);
        self.read_waker = Some(reader);
        self.settle_after_reading(&waker, read);
        read
    }

    /// Whether a caller reading for its reply busy-polls now: within the runtime's
    /// [`Runtime::busy_poll`] window from its first read (`until`, set then).
    pub(super) fn caller_spins(&self, until: &mut Option<Instant>, probes: &mut u32) -> bool {
        let Some(window) = self.busy_poll else { return false };
        *probes += 1;
        let now = self.runtime.now();
        *probes < MAX_PROBES && now < *until.get_or_insert(now + window)
    }

    /// Hands reading back to the task, after `read_for_caller`: the task is woken unless
    /// the socket is registered to wake it and has not woken a caller since.
    pub(super) fn give_reading_back(&mut self) {
        let armed = match &self.connection.shared.read_waker {
            Some(reader) => reader.clear_caller(),
            None => true,
        };
        if !(self.read_registered && armed) {
            if let Some(waker) = &self.waker {
                waker.wake_by_ref();
            }
        }
    }

    /// Delivers the events of what was read outside the task, and wakes the task if that
    /// left it anything: a write, a dispatch waiting, a change of state, an earlier deadline.
    fn settle_after_reading(&mut self, waker: &Waker, read: bool) {
        if !read {
            return;
        }
        let mut cx = Context::from_waker(waker);
        self.handle_events(&mut cx);
        self.poll_write(&mut cx);
        self.handle_events(&mut cx);
        if self.parked.is_some() || self.undecoded || self.needs_task(true) {
            waker.wake_by_ref();
        }
    }

    /// Whether the state machine's next deadline comes before the armed timer: only then
    /// does work done outside the task need the task (a later one is found when that timer
    /// fires early).
    fn deadline_before_timer(&self) -> bool {
        match (self.proto.poll_timeout(), &self.timer) {
            (Some(now), Some((armed, _))) => now.max(self.timer_floor.unwrap_or(now)) < *armed,
            (now, None) => now.is_some(),
            (None, Some(_)) => false,
        }
    }

    /// Appends a batch request nobody waits for; whether that flushed the batch (to write).
    /// An automatic flush completes unobserved, as in ZeroC's runtime.
    fn queue_batch(&mut self, request: Request, compress: bool) -> bool {
        match self.proto.queue_batch_request(request, compress) {
            Ok(flushed) => flushed.is_some(),
            Err(e) => {
                tracing::debug!(error = %e, "batch request not queued");
                false
            }
        }
    }

    /// Completes `invocation` if it is one of `oneways`: usually the oldest, as they are
    /// written in order (a failure can take one from anywhere). Invocation ids grow with
    /// each invocation, so the queue is sorted by them and a look-up for another kind of
    /// invocation costs no scan.
    fn oneway_done(&mut self, invocation: InvocationId) -> bool {
        let found = self.oneways.binary_search_by_key(&invocation, |(id, _)| *id).ok();
        match found.and_then(|i| self.oneways.remove(i)) {
            Some((_, cost)) => {
                self.budget_back += cost;
                true
            }
            None => false,
        }
    }

    fn give_back_budget(&mut self) {
        if self.budget_back > 0 {
            let kib = std::mem::take(&mut self.budget_back);
            self.connection.shared.oneway_budget.add_permits(kib as usize);
        }
    }

    fn poll_commands(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        while let Poll::Ready(Some(command)) = self.commands.poll_recv(cx) {
            progress = true;
            self.command(command);
        }
        progress
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Invoke { key, request, twoway, compress, done } => {
                tracing::trace!(operation = %request.operation,
                    twoway,
                    "sending request"
                );
                match self.proto.invoke(*request, twoway, compress) {
                    Ok(id) => {
                        self.keys.insert(key, id);
                        self.pending.insert(id, Pending { key, done });
                    }
                    Err(e) => {
                        done.complete(Outcome::Failed {
                            error: invoke_error(&self.connection, &e),
                            sent: false,
                        });
                    }
                }
            }
            Command::Oneway { request, compress, cost } => {
                tracing::trace!(operation = %request.operation,
                    twoway = false,
                    "sending request"
                );
                match self.proto.invoke(*request, false, compress) {
                    Ok(id) => self.oneways.push_back((id, cost)),
                    Err(e) => {
                        tracing::debug!(error = %e, "oneway request not sent");
                        self.budget_back += cost;
                    }
                }
            }
            Command::Cancel { key } => {
                if let Some(id) = self.keys.remove(&key) {
                    self.pending.remove(&id);
                    self.proto.cancel(id);
                }
            }
            Command::QueueBatch { request, compress, done: None } => {
                self.queue_batch(*request, compress);
            }
            Command::QueueBatch { request, compress, done: Some(done) } => {
                let result = self.proto.queue_batch_request(*request, compress);
                let _ =
                    done.send(result.map(|_| ()).map_err(|e| invoke_error(&self.connection, &e)));
            }
            Command::FlushBatch { done } => match self.proto.flush_batch() {
                Ok(Some(id)) => {
                    self.flushes.insert(id, done);
                }
                Ok(None) => {
                    let _ = done.send(Outcome::Sent);
                }
                Err(e) => {
                    let _ = done.send(Outcome::Failed {
                        error: invoke_error(&self.connection, &e),
                        sent: false,
                    });
                }
            },
            Command::Reply { dispatch, status } => self.proto.reply(dispatch, *status),
            Command::Close { mode } => {
                tracing::debug!(?mode, remote = ?self.connection.shared.remote, "closing connection");
                self.proto.close(mode);
            }
        }
    }

    /// Reads and handles what has arrived. `probe`: busy-polling, so the first read asks
    /// the socket itself rather than wait for the reactor (later ones, once something came,
    /// read as usual and register for more). `by_caller`: a caller reads for its reply, and
    /// what it reads starts no busy-polling of the task's.
    fn poll_read(&mut self, cx: &mut Context<'_>, probe: bool, by_caller: bool) -> bool {
        let stream = match self.io.as_mut() {
            Some(Io::Stream(stream)) => stream,
            Some(Io::Datagram { socket, peer }) => {
                // An adapter's socket (incoming) answers whoever spoke last.
                let follow = self.connection.shared.incoming;
                let datagram = Datagram { socket: socket.as_mut(), peer, follow_sender: follow };
                return datagram.poll_recv(cx, &mut self.proto, &*self.runtime, &mut self.read_buf);
            }
            None => return false,
        };
        let mut progress = false;
        // A few reads per round, so that one busy peer cannot starve the writes.
        for _ in 0..4 {
            let start = self.read_buf.len();
            let chunk = self.read_chunk;
            // The decoder reserved room for the rest of a message whose header has arrived.
            // Reading past that room would make the buffer grow, copying what is already
            // there: for a large message, most of it. So once a message has 64 KiB in the
            // buffer, just its rest is read (a smaller one may still grow: its copy is
            // small, and the same read may take in the next message).
            let awaited =
                if start >= READ_CHUNK { self.proto.input_awaited(&self.read_buf) } else { 0 };
            let max = if awaited > 0 { awaited } else { chunk };
            self.read_registered = false;
            // Only while nothing has come in this call: once something has, the rest is read
            // as usual, registering for more.
            let probing = probe && !progress;
            let asked = if probing {
                // A small room while nothing has come: it is zero-filled at every probe.
                let max = match self.proto.input_awaited(&self.read_buf) {
                    0 => MIN_READ_CHUNK,
                    rest => rest.min(READ_CHUNK),
                };
                stream.try_read_now(&mut self.read_buf, max).map(|r| match r {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Poll::Pending,
                    other => Poll::Ready(other),
                })
            } else {
                None
            };
            let probed = asked.is_some();
            if probing && !probed {
                // This stream cannot be probed (TLS, WebSocket): it never busy-polls.
                self.busy_poll = None;
                self.spin_until = None;
            }
            let result = match asked {
                Some(result) => result,
                None => stream.poll_read_buf(cx, &mut self.read_buf, max),
            };
            let n = match result {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => {
                    tracing::debug!(error = %e, "read failed");
                    if let Some(reason) = crate::transport::security_reason(&e) {
                        let _ = self.connection.shared.security.set(reason);
                    }
                    self.lost(system_error(&e));
                    return true;
                }
                Poll::Pending if probed => return progress,
                Poll::Pending => {
                    self.read_registered = true;
                    if start == 0 && self.read_buf.capacity() > 0 {
                        // Nothing half-read: give the memory back while the peer is quiet.
                        self.read_buf = BytesMut::new();
                        self.read_chunk = MIN_READ_CHUNK;
                    }
                    return progress;
                }
            };
            if n >= chunk {
                self.read_chunk = (chunk * 2).min(READ_CHUNK);
            }
            progress = true;
            let now = self.runtime.now();
            if let (Some(window), false) = (self.busy_poll, by_caller) {
                self.spin_until = Some(now + window);
                self.probes = 0;
            }
            if n == 0 {
                tracing::debug!(remote = ?self.connection.shared.remote, "peer closed the socket");
                self.lost("recv() returned zero".to_owned());
                return true;
            }
            // ZeroC's rule for warnings: a connection counts once a message header arrived
            // (a health check that connects and leaves is no warning).
            if self.read_buf.len() >= ice_proto::frame::HEADER_SIZE {
                self.validated = true;
            }
            self.proto.handle_input(now, &mut self.read_buf);
            // Closed, or the dispatch limit was reached: read no more for now.
            if !self.proto.wants_input() {
                self.undecoded = !self.read_buf.is_empty();
                return true;
            }
        }
        progress
    }

    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        loop {
            if self.flushing {
                let Some(Io::Stream(stream)) = self.io.as_mut() else {
                    self.flushing = false;
                    continue;
                };
                match stream.poll_flush(cx) {
                    Poll::Pending => {
                        self.proto.handle_write_blocked(self.runtime.now());
                        return progress;
                    }
                    Poll::Ready(Ok(())) => {
                        progress = true;
                        self.flushing = false;
                        self.proto.handle_written(self.runtime.now());
                    }
                    Poll::Ready(Err(e)) => {
                        tracing::debug!(error = %e, "flush failed");
                        self.flushing = false;
                        self.lost(system_error(&e));
                        return true;
                    }
                }
            }
            if self.writing.is_empty() {
                self.emit_traces();
                let Some(t) = self.proto.poll_transmit() else {
                    return progress;
                };
                if matches!(self.io, Some(Io::Datagram { .. })) {
                    // One datagram: joined once, not at every retry of a blocked send.
                    self.writing.push_back(t.to_bytes());
                } else {
                    self.writing.extend(t.chunks.into_iter().filter(|c| !c.is_empty()));
                }
                if self.writing.iter().all(Bytes::is_empty) {
                    self.writing.clear();
                    self.proto.handle_written(self.runtime.now());
                    continue;
                }
            }
            let stream = match self.io.as_mut() {
                Some(Io::Stream(stream)) => stream,
                Some(Io::Datagram { socket, peer }) => {
                    match poll_send(socket.as_mut(), cx, &self.writing[0], *peer) {
                        Poll::Pending => return progress,
                        Poll::Ready(result) => {
                            progress = true;
                            self.writing.clear();
                            match result {
                                Ok(()) => self.proto.handle_written(self.runtime.now()),
                                Err(e) => {
                                    tracing::debug!(error = %e, "datagram send failed");
                                    self.proto.handle_eof(self.runtime.now());
                                    return true;
                                }
                            }
                            continue;
                        }
                    }
                }
                None => return progress,
            };
            let slices: SmallVec<[IoSlice<'_>; MAX_IOV]> =
                self.writing.iter().take(MAX_IOV).map(|c| IoSlice::new(c)).collect();
            let result = stream.poll_write_vectored(cx, &slices);
            drop(slices);
            match result {
                Poll::Pending => {
                    // The peer is not reading: this starts the write timeout.
                    self.proto.handle_write_blocked(self.runtime.now());
                    return progress;
                }
                Poll::Ready(Ok(n)) if n > 0 => {
                    progress = true;
                    self.advance(n);
                    if self.writing.is_empty() {
                        self.flushing = true;
                    } else {
                        self.proto.handle_write_progress(self.runtime.now());
                    }
                }
                Poll::Ready(result) => {
                    let why = match &result {
                        Err(e) => {
                            tracing::debug!(error = %e, "write failed");
                            system_error(e)
                        }
                        Ok(_) => "send() returned zero".to_owned(),
                    };
                    self.writing.clear();
                    self.lost(why);
                    return true;
                }
            }
        }
    }

    fn advance(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.writing.front_mut() else {
                return;
            };
            if n >= front.len() {
                n -= front.len();
                self.writing.pop_front();
            } else {
                front.advance(n);
                n = 0;
            }
        }
    }

    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(mut deadline) = self.proto.poll_timeout() else {
            self.timer = None;
            return false;
        };
        if let Some(floor) = self.timer_floor {
            deadline = deadline.max(floor);
        }
        // Every message pushes the idle deadline back: a timer armed earlier is kept (it
        // fires early at worst, and is armed again then) rather than replaced per message.
        if self.timer.as_ref().is_none_or(|(armed, _)| *armed > deadline) {
            self.timer = Some((deadline, self.runtime.sleep_until(deadline)));
        }
        let Some((_, sleep)) = self.timer.as_mut() else {
            return false;
        };
        if sleep.as_mut().poll(cx).is_pending() {
            return false;
        }
        self.timer = None;
        let now = self.now();
        if now < deadline {
            // Fired for a deadline since pushed back: the next round arms the new one.
            return true;
        }
        self.proto.handle_timeout(now);
        // A deadline that stays in the past would make us spin: wait a little instead.
        self.timer_floor = match self.proto.poll_timeout() {
            Some(next) if next <= now => Some(now + TIMER_RETRY),
            _ => None,
        };
        true
    }

    /// `Ice.Trace.Protocol`: the core's descriptions of the messages sent and received.
    fn emit_traces(&mut self) {
        while let Some(text) = self.proto.poll_trace() {
            tracing::info!(ice.category = "Protocol", "{text}");
        }
        // After the ValidateConnection it sent is traced, as ZeroC orders them.
        if std::mem::take(&mut self.announce_accepted) {
            let shared = &self.connection.shared;
            crate::trace::network(shared.trace, 1, || {
                let kind = shared.transport.kind;
                crate::trace::connection_event("accepted", kind, shared.local, shared.remote)
            });
        }
    }

    fn handle_events(&mut self, cx: &mut Context<'_>) -> bool {
        self.emit_traces();
        let mut progress = false;
        let heartbeats = self.proto.heartbeats_received();
        if heartbeats != self.heartbeats {
            self.heartbeats = heartbeats;
            self.refresh_targets();
            if let Some(d) = &self.targets.dispatcher {
                d.heartbeat(&self.connection);
            }
        }
        while let Some(event) = self.proto.poll_event() {
            progress = true;
            match event {
                Event::Connected => {
                    let shared = &self.connection.shared;
                    crate::trace::network(shared.trace, 1, || {
                        let kind = shared.transport.kind;
                        crate::trace::connection_event(
                            "established",
                            kind,
                            shared.local,
                            shared.remote,
                        )
                    });
                }
                Event::Request(incoming) => {
                    self.refresh_targets();
                    let incoming = match &self.targets.dispatcher {
                        Some(d) => d.dispatch(&self.connection, incoming),
                        None => Some(incoming),
                    };
                    let started = incoming.map(|incoming| {
                        let adapter = self.targets.adapter.clone();
                        dispatch::start(&self.runtime, &self.connection, adapter, incoming, cx)
                    });
                    match started {
                        Some(dispatch::Started::Answered(dispatch, status)) => {
                            self.answer(dispatch, status)
                        }
                        Some(dispatch::Started::Parked(run)) => {
                            self.parked.get_or_insert_with(FuturesUnordered::new).push(run)
                        }
                        Some(dispatch::Started::Queued) | None => {}
                    }
                }
                Event::Reply { invocation, status, .. } => {
                    if let Some(p) = self.pending.remove(&invocation) {
                        self.keys.remove(&p.key);
                        p.done.complete(Outcome::Reply(status));
                    }
                }
                Event::Sent { invocation } => {
                    if let Some(done) = self.flushes.remove(&invocation) {
                        let _ = done.send(Outcome::Sent);
                    } else if self.proto.is_sent(invocation).is_none()
                        && !self.oneway_done(invocation)
                    {
                        // Any other oneway (`invoke_then`, a datagram) is complete once
                        // written too.
                        if let Some(p) = self.pending.remove(&invocation) {
                            self.keys.remove(&p.key);
                            p.done.complete(Outcome::Sent);
                        }
                    }
                }
                Event::InvocationFailed { invocation, error, sent } => {
                    let error = self.connection.error_from(&error);
                    if let Some(done) = self.flushes.remove(&invocation) {
                        let _ = done.send(Outcome::Failed { error, sent });
                    } else if let Some(p) = self.pending.remove(&invocation) {
                        self.keys.remove(&p.key);
                        p.done.complete(Outcome::Failed { error, sent });
                    } else {
                        self.oneway_done(invocation);
                    }
                }
                Event::Closed { error } => self.closed(error),
            }
        }
        self.give_back_budget();
        progress
    }

    /// Reads the adapter and dispatcher again if a handle changed them.
    fn refresh_targets(&mut self) {
        let generation = self.connection.shared.targets_changed.load(Ordering::Acquire);
        if generation != self.targets.generation {
            self.targets = Targets {
                generation,
                adapter: self.connection.adapter(),
                dispatcher: self.connection.dispatcher(),
            };
        }
    }

    fn answer(&mut self, dispatch: DispatchId, status: ReplyStatus) {
        // What the servant asked of the connection (a close, say) comes first, as it would
        // had the reply come back as a command. (The task's next round registers its waker
        // for the queue: not needed here.)
        while let Some(command) = self.commands.try_recv() {
            self.command(command);
        }
        self.proto.reply(dispatch, status);
    }

    /// Polls the parked dispatches that were woken, and answers those done.
    fn poll_parked(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(mut parked) = self.parked.take() else { return false };
        let mut progress = false;
        while let Poll::Ready(Some((dispatch, status))) = parked.poll_next_unpin(cx) {
            progress = true;
            self.answer(dispatch, status);
        }
        if !parked.is_empty() {
            self.parked = Some(parked);
        }
        progress
    }

    /// The transport ended (`why`, in ZeroC's words): the connection is lost, unless it was
    /// closing anyway.
    fn lost(&mut self, why: String) {
        self.lost_because.get_or_insert(why);
        self.proto.handle_eof(self.runtime.now());
    }

    fn closed(&mut self, error: ConnectionError) {
        let shared = &self.connection.shared;
        let why = || {
            let error = self.connection.error_from(&error);
            let text = error.to_ice_string();
            match (&error, &self.lost_because) {
                // As ZeroC's: `connection lost: recv() returned zero` (or the system's error).
                (Error::ConnectionLost, Some(because)) => format!("{text}: {because}"),
                _ => text,
            }
        };
        let event = |what: &str| {
            crate::trace::connection_event(what, shared.transport.kind, shared.local, shared.remote)
        };
        // The transport was up (a connection's task starts after its handshake), so ZeroC
        // calls this `closed` even before validation, with the reason only when the close was
        // not an orderly one.
        let orderly = matches!(
            error,
            ConnectionError::ManuallyClosed { .. }
                | ConnectionError::CloseConnection
                | ConnectionError::Timeout
                | ConnectionError::Inactive
        );
        crate::trace::network(shared.trace, 1, || {
            let text = event("closed");
            if orderly {
                text
            } else {
                format!("{text}\n{}", why())
            }
        });
        // ZeroC's list of expected reasons, with the 3.8 idle check's; a connection lost
        // after we started closing is the close we asked for (the core reports that reason).
        if shared.trace.warn_connections && self.validated && !orderly {
            tracing::warn!("connection exception:\n{}\n{}", why(), self.connection);
        }
        self.connection.shared.usable.store(false, Ordering::Release);
        // Announced by `finish`, once the socket is released.
        self.close_error = Some(error);
    }

    /// Closes the socket, then says the connection is closed (so that whoever waits for
    /// that, like an object adapter's deactivation, finds the port released), and fails
    /// whatever is still waiting.
    fn finish(&mut self, cx: &mut Context<'_>) {
        if let Some(Io::Stream(mut stream)) = self.io.take() {
            // Best effort: the socket is closed when dropped anyway.
            let _ = stream.poll_shutdown(cx);
        }
        // Parked dispatches run to their end, as they would on a closed connection in ZeroC:
        // only their replies are lost.
        if let Some(mut parked) = self.parked.take() {
            self.runtime.spawn(Box::pin(async move { while parked.next().await.is_some() {} }));
        }
        let error = self.close_error.take().unwrap_or(ConnectionError::ConnectionLost);
        let _ = self.connection.shared.closed.set(error);
        self.connection.shared.closed_notify.notify_waiters();
        let error = self.connection.closed_error();
        self.commands.close();
        while let Some(command) = self.commands.try_recv() {
            match command {
                Command::Invoke { done, .. } => {
                    done.complete(Outcome::Failed { error: error.clone(), sent: false });
                }
                Command::FlushBatch { done } => {
                    let _ = done.send(Outcome::Failed { error: error.clone(), sent: false });
                }
                Command::QueueBatch { done: Some(done), .. } => {
                    let _ = done.send(Err(error.clone()));
                }
                Command::Oneway { cost, .. } => self.budget_back += cost,
                _ => {}
            }
        }
        for (_, p) in self.pending.drain() {
            p.done.complete(Outcome::Failed { error: error.clone(), sent: true });
        }
        // Senders waiting for budget then find the connection closed.
        self.budget_back += self.oneways.drain(..).map(|(_, cost)| cost).sum::<u32>();
        self.give_back_budget();
        for (_, done) in self.flushes.drain() {
            let _ = done.send(Outcome::Failed { error: error.clone(), sent: true });
        }
        self.connection.close_lane();
        if let Some(d) = self.connection.dispatcher() {
            d.closed(&self.connection);
        }
        // The adapter that accepted it lets go of it now, not at its next accept.
        if self.connection.shared.incoming {
            if let Some(adapter) = self.connection.adapter() {
                adapter.forget_connection(&self.connection);
            }
        }
    }
}

fn invoke_error(connection: &Connection, e: &InvokeError) -> Error {
    match e {
        InvokeError::Closed(c) => connection.error_from(c),
        // A closing connection did not take the request: retrying elsewhere is safe.
        InvokeError::Closing => Error::CloseConnection,
        InvokeError::DatagramLimit { size, max } => Error::DatagramLimit { size: *size, max: *max },
        _ => Error::TwowayOnly(String::new()),
    }
}

/// Datagrams read per wake-up before letting other work run.
const DATAGRAMS_PER_ROUND: usize = 16;
/// Room for the largest UDP datagram.
const MAX_DATAGRAM: usize = 65_536;

/// The UDP socket of a datagram connection, borrowed for one read.
struct Datagram<'a> {
    socket: &'a mut dyn UdpSocket,
    peer: &'a mut Option<std::net::SocketAddr>,
    follow_sender: bool,
}

impl Datagram<'_> {
    /// Reads datagrams into `proto`. A receive error (say, an ICMP port unreachable reported
    /// for an earlier send) does not end a UDP "connection": it is logged and skipped.
    fn poll_recv(
        self,
        cx: &mut Context<'_>,
        proto: &mut Proto,
        runtime: &dyn Runtime,
        buf: &mut BytesMut,
    ) -> bool {
        // Sized once: the buffer serves only this socket, so it is not cleared between reads.
        if buf.len() != MAX_DATAGRAM {
            buf.resize(MAX_DATAGRAM, 0);
        }
        let mut progress = false;
        for _ in 0..DATAGRAMS_PER_ROUND {
            match self.socket.poll_recv_from(cx, buf) {
                Poll::Pending => break,
                Poll::Ready(Ok((n, from))) => {
                    if self.follow_sender {
                        *self.peer = Some(from);
                    }
                    proto.handle_datagram(runtime.now(), Bytes::copy_from_slice(&buf[..n]));
                }
                Poll::Ready(Err(e)) => tracing::debug!(error = %e, "datagram receive failed"),
            }
            progress = true;
        }
        progress
    }
}

/// Sends `datagram` to `peer` (dropped if there is nowhere to send).
fn poll_send(
    socket: &mut dyn UdpSocket,
    cx: &mut Context<'_>,
    datagram: &[u8],
    peer: Option<std::net::SocketAddr>,
) -> Poll<std::io::Result<()>> {
    let Some(peer) = peer else {
        return Poll::Ready(Ok(()));
    };
    socket.poll_send_to(cx, datagram, peer).map_ok(|_| ())
}

/// A system error as ZeroC's runtime words it: the system's message, without Rust's
/// `(os error N)`.
fn system_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
