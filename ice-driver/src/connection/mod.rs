//! Connections: the user-facing [`Connection`] handle and the task that drives each one.
//!
//! Every connection is served by one task (see `task.rs`) that owns the
//! [`ice_proto::connection::Connection`] state machine and the socket. Everyone else talks to
//! it through commands, which a handle runs itself when the task is idle (see `task.rs`) and
//! queues for the task otherwise; invocations are answered through oneshot channels.

mod dispatch;
mod dispatcher;
mod lane;
mod own_reply;
mod queue;
mod task;

pub use dispatcher::Dispatcher;

use crate::trace::TraceLevels;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use ice_proto::connection::{CloseMode, ConnectionConfig, ConnectionError, DispatchId};
use ice_proto::frame::{ReplyStatus, Request};
use ice_proto::Identity;
use std::sync::atomic::AtomicU64 as IdCounter;
use tokio::sync::oneshot;

use crate::adapter::ObjectAdapter;
use crate::communicator::Instance;
use crate::error::{Error, Result};
use crate::proxy::Proxy;
use crate::runtime::{Runtime, TcpStream, UdpSocket};
use crate::transport::TransportInfo;
use ice_proto::proxy::Endpoint;

pub(crate) use task::spawn_connection;

/// What the connection task is asked to do.
/// Large payloads are boxed: every connection's channel allocates a block of 32 commands up
/// front, which would otherwise cost 6 KiB per (idle) connection.
pub(crate) enum Command {
    /// Send a request; the outcome goes to `done`.
    Invoke { key: u64, request: Box<Request>, twoway: bool, compress: bool, done: Completion },
    /// Send a oneway request from [`Connection::send_oneway`]; once written (or failed), its
    /// `cost` goes back to the connection's oneway budget. No caller waits for it and none
    /// can cancel it, so the task tracks it in order of sending rather than by key.
    Oneway { request: Box<Request>, compress: bool, cost: u32 },
    /// Forget the invocation `key` (its caller gave up).
    Cancel { key: u64 },
    /// Queue a oneway request for the next batch; `done`, if any, says whether it was taken.
    QueueBatch { request: Box<Request>, compress: bool, done: Option<oneshot::Sender<Result<()>>> },
    /// Send the queued batch; `done` gets `Sent` (or `Sent` at once if it was empty).
    FlushBatch { done: oneshot::Sender<Outcome> },
    /// Answer a dispatched request.
    Reply { dispatch: DispatchId, status: Box<ReplyStatus> },
    /// Close the connection.
    Close { mode: CloseMode },
}

impl Command {
    /// The request of an `Invoke` or `QueueBatch` that was not taken, back to its caller.
    fn into_request(self) -> Box<Request> {
        match self {
            Command::Invoke { request, .. }
            | Command::Oneway { request, .. }
            | Command::QueueBatch { request, .. } => request,
            // Only requests are given back to their sender (by `submit`, unchanged).
            _ => unreachable!("a command without a request was given back as one"),
        }
    }
}

/// Where the outcome of an invocation goes.
pub(crate) enum Completion {
    /// To a caller awaiting it.
    Channel(oneshot::Sender<Outcome>),
    /// To a function called in the connection's task.
    Callback(Box<dyn FnOnce(Outcome) + Send>),
}

impl Completion {
    pub(crate) fn complete(self, outcome: Outcome) {
        match self {
            Completion::Channel(tx) => {
                let _ = tx.send(outcome);
            }
            Completion::Callback(f) => f(outcome),
        }
    }
}

/// How an invocation on a connection ended (see [`Connection::invoke_then`]).
#[derive(Debug)]
pub enum Outcome {
    /// The reply of a twoway invocation.
    Reply(ReplyStatus),
    /// A oneway invocation or batch was written.
    Sent,
    /// The connection failed or refused the request. `sent` says whether the request may have
    /// reached the peer.
    Failed {
        /// Why.
        error: Error,
        /// Whether the request may have reached the peer.
        sent: bool,
    },
}

pub(crate) struct Shared {
    /// Unique in the process, for maps keyed by connection.
    id: u64,
    /// Counts this connection in [`live_connections`] while its state exists.
    _live: Live,
    commands: Arc<queue::CommandQueue>,
    adapter: Mutex<Option<ObjectAdapter>>,
    dispatcher: Mutex<Option<Arc<dyn Dispatcher>>>,
    /// Bumped after `adapter` or `dispatcher` changes, so that the connection's task, which
    /// keeps copies of both rather than locking them per request, reads them again.
    targets_changed: AtomicU64,
    /// The task that runs this connection's dispatches in arrival order, once started.
    lane: Mutex<Option<lane::LaneSender>>,
    /// Set once `lane` is first started: until then a dispatch need not lock it to know the
    /// lane is idle.
    lane_started: AtomicBool,
    /// `ThreadPool.Serialize`: one dispatch at a time.
    serialize: bool,
    /// The close reason, once the connection is closed (set once, by the task).
    closed: std::sync::OnceLock<ConnectionError>,
    /// Notified once `closed` is set: lighter than a watch channel, which every idle
    /// connection would carry.
    closed_notify: tokio::sync::Notify,
    /// The connection's state, for the commands a handle runs itself (see `task.rs`).
    core: std::sync::OnceLock<Weak<Mutex<task::Core>>>,
    /// [`Runtime::writes_in_caller`].
    writes_in_caller: bool,
    /// The waker the socket wakes for reading, with [`Runtime::reads_in_caller`] (see
    /// `own_reply.rs`).
    read_waker: Option<own_reply::ReadWaker>,
    /// Set when the TLS layer ended the connection (a peer's alert, say): the reason then
    /// reported instead of a bare "connection lost".
    pub(crate) security: std::sync::OnceLock<String>,
    /// Cleared once the connection is closing: no new invocations should be sent on it.
    usable: AtomicBool,
    next_key: AtomicU64,
    /// KiB of oneway requests accepted and not yet written (see [`ONEWAY_BUDGET_KIB`]).
    pub(crate) oneway_budget: tokio::sync::Semaphore,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
    /// Shared by every plain TCP connection, so that it costs an idle connection a pointer.
    transport: Arc<TransportInfo>,
    endpoint: Option<Endpoint>,
    incoming: bool,
    datagram: bool,
    instance: Weak<Instance>,
    trace: TraceLevels,
}

static LIVE_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// How many connections of this process still hold memory: handles, tasks or buffers of
/// connections not yet dropped, closed ones included until the last handle goes. For leak
/// checks: once connections have closed and their handles are dropped, it returns to what it
/// was.
pub fn live_connections() -> usize {
    LIVE_CONNECTIONS.load(Ordering::Acquire)
}

/// One count in [`live_connections`], for as long as it lives.
pub(crate) struct Live;

impl Live {
    pub(crate) fn new() -> Live {
        LIVE_CONNECTIONS.fetch_add(1, Ordering::AcqRel);
        Live
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE_CONNECTIONS.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection to a peer, incoming or outgoing (`Ice::Connection`). Cloning gives another
/// handle to the same connection.
#[derive(Clone)]
pub struct Connection {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("local", &self.shared.local)
            .field("remote", &self.shared.remote)
            .field("incoming", &self.shared.incoming)
            .finish_non_exhaustive()
    }
}

/// As ZeroC's `Connection::toString`: `local address = host:port`, then on the next line
/// `remote address = host:port`.
impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::trace::connection_addresses(self.shared.local, self.shared.remote))
    }
}

impl PartialEq for Connection {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for Connection {}

/// The transport under a connection.
pub(crate) enum Io {
    /// A TCP stream.
    Stream(Box<dyn TcpStream>),
    /// A UDP socket and where its datagrams go: an outgoing connection's endpoint address; for
    /// an object adapter's socket, which hears from anyone, whoever sent the last datagram (as
    /// in ZeroC, for rare datagram callbacks).
    Datagram { socket: Box<dyn UdpSocket>, peer: Option<SocketAddr> },
}

impl Io {
    fn local_addr(&self) -> Option<SocketAddr> {
        match self {
            Io::Stream(s) => s.local_addr().ok(),
            Io::Datagram { socket, .. } => socket.local_addr().ok(),
        }
    }

    fn peer_addr(&self) -> Option<SocketAddr> {
        match self {
            Io::Stream(s) => s.peer_addr().ok(),
            Io::Datagram { peer, .. } => *peer,
        }
    }
}

/// Everything needed to start a connection task.
pub(crate) struct ConnectionSetup {
    pub(crate) runtime: Arc<dyn Runtime>,
    pub(crate) instance: Weak<Instance>,
    pub(crate) config: ConnectionConfig,
    pub(crate) io: Io,
    /// What the transport's handshake learned (TLS cipher and certificates...).
    pub(crate) transport: TransportInfo,
    pub(crate) adapter: Option<ObjectAdapter>,
    pub(crate) dispatcher: Option<Arc<dyn Dispatcher>>,
    pub(crate) endpoint: Option<Endpoint>,
    /// `ThreadPool.Serialize` for the dispatches of this connection.
    pub(crate) serialize: bool,
}

/// Source of [`Connection::id`].
static NEXT_ID: IdCounter = IdCounter::new(1);

pub(crate) fn next_connection_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl Connection {
    /// A number that names this connection, unique in the process.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// Has `dispatcher` take the requests of this connection before its object adapter does;
    /// `None` gives them back to the adapter.
    pub fn set_dispatcher(&self, dispatcher: Option<Arc<dyn Dispatcher>>) {
        if let Ok(mut d) = self.shared.dispatcher.lock() {
            *d = dispatcher;
        }
        self.shared.targets_changed.fetch_add(1, Ordering::Release);
    }

    /// Runs `dispatch` after the earlier dispatches of this connection have started (see
    /// `lane.rs`).
    pub(crate) fn run_dispatch(&self, runtime: &Arc<dyn Runtime>, job: lane::Job) {
        let mut lane = self.shared.lane.lock().unwrap_or_else(|e| e.into_inner());
        let tx = lane.get_or_insert_with(|| {
            self.shared.lane_started.store(true, Ordering::Release);
            lane::start_lane(runtime, self.shared.serialize)
        });
        if let Err(job) = tx.send(job) {
            // The lane ended (cannot happen while the sender is held): run it on its own.
            runtime.spawn(Box::pin(async move {
                if let Some(gate) = job.gate {
                    gate.await;
                }
                job.run.await;
            }));
        }
    }

    /// Runs `command` at once if the connection's task is idle, else queues it for the task.
    fn submit(&self, command: Command) -> std::result::Result<(), Command> {
        task::submit(&self.shared, command).map(|_| ())
    }

    /// Whether a new dispatch may start at once in the connection's task: no dispatch waits
    /// in the lane (it would be overtaken) and dispatches need not be serialized.
    pub(crate) fn lane_idle(&self) -> bool {
        !self.shared.serialize
            && (!self.shared.lane_started.load(Ordering::Acquire)
                || self
                    .shared
                    .lane
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_ref()
                    .is_none_or(|l| l.idle()))
    }

    /// No more dispatches: the lane ends once the running ones complete.
    pub(crate) fn close_lane(&self) {
        self.shared.lane.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    pub(crate) fn dispatcher(&self) -> Option<Arc<dyn Dispatcher>> {
        self.shared.dispatcher.lock().ok().and_then(|d| d.clone())
    }

    /// Answers a request that a [`Dispatcher`] took (a oneway one too: its answer is not
    /// sent, but it ends the dispatch). Ignored once the connection is closed.
    pub fn reply(&self, dispatch: DispatchId, status: ReplyStatus) {
        let _ = self.submit(Command::Reply { dispatch, status: Box::new(status) });
    }

    /// Sends `request` (twoway or oneway, bzip2-compressed if `compress`) without waiting:
    /// `on_done` is called with the outcome, from this connection's task or from a caller
    /// reading for it ([`Runtime::reads_in_caller`]), with the connection held (so it must
    /// not block), or at once if the connection is gone. What a router uses to forward a request
    /// without a task per request. Returns a key for [`Connection::cancel_invocation`].
    pub fn invoke_then(
        &self,
        request: Request,
        twoway: bool,
        compress: bool,
        on_done: impl FnOnce(Outcome) + Send + 'static,
    ) -> u64 {
        let key = self.shared.next_key.fetch_add(1, Ordering::Relaxed);
        let done = Completion::Callback(Box::new(on_done));
        let command = Command::Invoke { key, request: Box::new(request), twoway, compress, done };
        if let Err(Command::Invoke { done, .. }) = self.submit(command) {
            done.complete(Outcome::Failed { error: self.closed_error(), sent: false });
        }
        key
    }

    /// Forgets the invocation `key` of [`Connection::invoke_then`]: its `on_done` is dropped
    /// without being called, and its reply, if one comes, is ignored. (A request already
    /// written stays sent.)
    pub fn cancel_invocation(&self, key: u64) {
        let _ = self.shared.commands.send(Command::Cancel { key });
    }

    /// The local address of the socket.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local
    }

    /// The peer's address (for an object adapter's UDP socket, none: it hears from anyone).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.shared.remote
    }

    /// The transport (`tcp`, `ssl`, `ws`, `wss`, `udp`) and what its handshake established:
    /// the TLS cipher and the peer's certificates, the WebSocket headers.
    pub fn transport_info(&self) -> &TransportInfo {
        &self.shared.transport
    }

    /// Whether this is a UDP connection (oneway and batch datagram requests only).
    pub fn is_datagram(&self) -> bool {
        self.shared.datagram
    }

    /// The endpoint this outgoing connection was made to; `None` for incoming connections.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        self.shared.endpoint.as_ref()
    }

    /// Whether the peer connected to us.
    pub fn is_incoming(&self) -> bool {
        self.shared.incoming
    }

    /// Dispatches requests that arrive on this connection to `adapter` (bidirectional
    /// connections: the server calls back over the connection the client opened). `None`
    /// stops dispatching: requests then get ObjectNotExist.
    pub fn set_adapter(&self, adapter: Option<ObjectAdapter>) {
        if let Ok(mut a) = self.shared.adapter.lock() {
            *a = adapter;
        }
        self.shared.targets_changed.fetch_add(1, Ordering::Release);
    }

    /// The object adapter that dispatches requests from this connection.
    pub fn adapter(&self) -> Option<ObjectAdapter> {
        self.shared.adapter.lock().ok().and_then(|a| a.clone())
    }

    /// The communicator that owns this connection, unless it was dropped.
    pub fn communicator(&self) -> Option<crate::Communicator> {
        self.shared.instance.upgrade().map(crate::Communicator::from_instance)
    }

    /// A proxy for `identity` whose invocations always go over this connection (a fixed
    /// proxy), e.g. to call back a client; a datagram proxy on a UDP connection. Fails once
    /// the communicator is destroyed.
    pub fn create_proxy(&self, identity: Identity) -> Result<Proxy> {
        let instance = self.shared.instance.upgrade().ok_or(Error::CommunicatorDestroyed)?;
        let proxy = Proxy::fixed(instance, identity, self.clone());
        Ok(if self.is_datagram() { proxy.ice_datagram() } else { proxy })
    }

    /// Why the connection closed, once it has.
    pub fn close_reason(&self) -> Option<Error> {
        self.shared.closed.get().map(|c| self.error_from(c))
    }

    /// The error of invocations on this connection once it closed with `closed`.
    pub(crate) fn error_from(&self, closed: &ConnectionError) -> Error {
        match (self.shared.security.get(), Error::from_connection(closed)) {
            (Some(reason), Error::ConnectionLost) => Error::Security {
                endpoint: self.shared.endpoint.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                reason: reason.clone(),
            },
            (_, error) => error,
        }
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.get().is_some()
    }

    /// Starts closing the connection (`Ice::Connection::close`). Pending invocations fail once
    /// it is closed; see [`CloseMode`].
    pub fn close(&self, mode: CloseMode) {
        self.shared.usable.store(false, Ordering::Release);
        let _ = self.submit(Command::Close { mode });
    }

    /// Waits until the connection is closed and returns why.
    pub async fn closed(&self) -> Error {
        loop {
            let notified = self.shared.closed_notify.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before looking, so that the task closing in between still wakes us.
            notified.as_mut().enable();
            if let Some(reason) = self.shared.closed.get() {
                return self.error_from(reason);
            }
            notified.await;
        }
    }

    /// Whether new invocations may be sent on this connection.
    pub(crate) fn is_usable(&self) -> bool {
        self.shared.usable.load(Ordering::Acquire) && !self.is_closed()
    }

    fn closed_error(&self) -> Error {
        self.close_reason().unwrap_or(Error::ConnectionLost)
    }

    /// Sends `request` and waits for its outcome. Dropping the future cancels the invocation.
    /// A oneway request on a stream connection goes through [`Connection::send_oneway`].
    pub(crate) async fn send_request(
        &self,
        request: Box<Request>,
        twoway: bool,
        compress: bool,
    ) -> Outcome {
        let key = self.shared.next_key.fetch_add(1, Ordering::Relaxed);
        let (done, rx) = oneshot::channel();
        let done = Completion::Channel(done);
        // A large exchange is bound by copying, not by wake-ups: its reply is left to the
        // task (read by the caller, 1 MiB echoes ran at 0.55-0.7 of the rate on async-std).
        let small = request.params.data.len() <= SMALL_REQUEST;
        let command = Command::Invoke { key, request, twoway, compress, done };
        let Ok(written) = task::submit(&self.shared, command) else {
            return Outcome::Failed { error: self.closed_error(), sent: false };
        };
        let mut guard = CancelOnDrop { connection: self, key, armed: true };
        let outcome = if written && small && self.shared.read_waker.is_some() {
            own_reply::OwnReply::new(&self.shared, rx).await
        } else {
            rx.await
        };
        // The task went away without an answer (its runtime shut down): a request written
        // here may have reached the peer.
        let outcome = outcome
            .unwrap_or_else(|_| Outcome::Failed { error: self.closed_error(), sent: written });
        guard.armed = false;
        outcome
    }

    /// A oneway request on a stream connection: accepted within the budget, then written by
    /// the connection's task; the budget is given back once it is written (or failed). A
    /// request the connection did not take comes back with the error, for a retry: it was
    /// not sent.
    pub(crate) async fn send_oneway(
        &self,
        request: Box<Request>,
        compress: bool,
    ) -> std::result::Result<(), (Error, Box<Request>)> {
        let cost = oneway_cost(&request);
        let budget = &self.shared.oneway_budget;
        let permit = match budget.try_acquire_many(cost) {
            Ok(p) => p,
            // Boxed: waiting for the budget is rare, and its future would otherwise make every
            // oneway's larger.
            Err(_) => match Box::pin(budget.acquire_many(cost)).await {
                Ok(p) => p,
                Err(_) => return Err((self.closed_error(), request)),
            },
        };
        permit.forget();
        match self.submit(Command::Oneway { request, compress, cost }) {
            Ok(()) => Ok(()),
            Err(command) => {
                budget.add_permits(cost as usize);
                Err((self.closed_error(), command.into_request()))
            }
        }
    }

    /// Queues a oneway request for this connection's next batch. Fails if the connection is
    /// closed, or if the request cannot fit in a datagram on a UDP connection; the request
    /// comes back with the error, for a retry.
    pub(crate) async fn queue_batch(
        &self,
        request: Box<Request>,
        compress: bool,
    ) -> std::result::Result<(), (Error, Box<Request>)> {
        // On a stream connection nothing about one request can fail but the connection, and
        // that is reported by the flush: queue without waiting for the connection task, as
        // ZeroC queues batch requests in the caller's thread. Datagrams wait, to learn whether
        // the request fits.
        if !self.is_datagram() {
            let command = Command::QueueBatch { request, compress, done: None };
            return self.submit(command).map_err(|c| (self.closed_error(), c.into_request()));
        }
        Box::pin(self.queue_datagram_batch(request, compress)).await
    }

    /// [`Connection::queue_batch`] on a datagram connection (boxed there: every batch
    /// request's future would otherwise carry this one).
    async fn queue_datagram_batch(
        &self,
        request: Box<Request>,
        compress: bool,
    ) -> std::result::Result<(), (Error, Box<Request>)> {
        let kept = request.clone();
        let (done, rx) = oneshot::channel();
        let command = Command::QueueBatch { request, compress, done: Some(done) };
        if self.shared.commands.send(command).is_err() {
            return Err((self.closed_error(), kept));
        }
        rx.await.unwrap_or_else(|_| Err(self.closed_error())).map_err(|e| (e, kept))
    }

    /// Sends the queued batch requests and waits until they are written.
    pub async fn flush_batch_requests(&self) -> Result<()> {
        let (done, rx) = oneshot::channel();
        self.submit(Command::FlushBatch { done }).map_err(|_| self.closed_error())?;
        match rx.await {
            Ok(Outcome::Failed { error, .. }) => Err(error),
            Ok(_) => Ok(()),
            Err(_) => Err(self.closed_error()),
        }
    }
}

/// How many KiB of oneway requests a stream connection accepts before they are written. A
/// oneway invocation returns once its request is accepted, without a round trip to the
/// connection's task (ZeroC writes oneways in the caller's thread); past this budget the caller
/// waits until earlier ones are written, so a peer that does not read stops its sender.
pub(crate) const ONEWAY_BUDGET_KIB: u32 = 1024;

/// The largest request (in parameter bytes) whose caller reads its own reply, where the
/// runtime lets it (see `own_reply.rs`).
const SMALL_REQUEST: usize = 64 * 1024;

/// The budget a oneway request takes: its size in KiB, at least 1, at most the whole budget.
fn oneway_cost(request: &Request) -> u32 {
    let kib = (request.params.data.len() + request.operation.len() + 64) / 1024;
    u32::try_from(kib).unwrap_or(u32::MAX).clamp(1, ONEWAY_BUDGET_KIB)
}

/// Cancels an invocation whose caller stopped waiting (invocation timeout, dropped future).
struct CancelOnDrop<'a> {
    connection: &'a Connection,
    key: u64,
    armed: bool,
}

impl Drop for CancelOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.connection.shared.commands.send(Command::Cancel { key: self.key });
        }
    }
}
