//! The state machine of one Ice connection (spec §1, §10, §11), without IO.
//!
//! Methods come in four kinds, as in quinn-proto:
//! - getters (`&self`): [`Connection::state`], [`Connection::error`], …;
//! - inputs: [`Connection::handle_input`], [`Connection::handle_datagram`],
//!   [`Connection::handle_eof`], [`Connection::handle_written`],
//!   [`Connection::handle_write_blocked`], [`Connection::handle_write_progress`],
//!   [`Connection::handle_timeout`];
//! - commands: [`Connection::invoke`], [`Connection::reply`], [`Connection::queue_batch_request`],
//!   [`Connection::flush_batch`], [`Connection::cancel`], [`Connection::close`];
//! - outputs, to poll in this order after every input or command:
//!   [`Connection::poll_transmit`], [`Connection::poll_timeout`], [`Connection::poll_event`].
//!
//! Requests flow both ways on one connection (bidirectional): each side numbers its own
//! requests and matches replies only against them. Errors are sticky: once closed, a
//! connection stays closed, and every invocation still waiting fails with the same error.

mod config;
mod error;
mod event;
mod timers;

use foldhash::{HashMap, HashMapExt};
use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use smallvec::SmallVec;

pub use config::{
    Acm, AcmClose, AcmHeartbeat, ConnectionConfig, Side, DEFAULT_ENDPOINT_TIMEOUT,
    DEFAULT_INACTIVITY_TIMEOUT, DEFAULT_MAX_DISPATCHES, MAX_UDP_PAYLOAD,
};
pub use error::ConnectionError;
pub use event::{DispatchId, Event, IncomingRequest, InvocationId, Transmit};

use crate::frame::{
    decode_datagram, decompress_body, trace, BatchReader, BatchRequestQueue, Frame, FrameDecoder,
    Message, MessageType, RawFrame, Reply, ReplyStatus, Request, HEADER_SIZE,
};
use timers::{Deadlines, Timers};

/// How many protocol trace descriptions a connection keeps for [`Connection::poll_trace`].
pub const MAX_PENDING_TRACES: usize = 1024;

/// Where a connection is in its life (spec §10.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConnectionState {
    /// Client side, waiting for the server's ValidateConnection. Invocations queue up.
    NotValidated,
    /// Requests and replies flow both ways.
    Active,
    /// A graceful close was decided: new requests from the peer are ignored, replies are still
    /// processed, and CloseConnection goes out once the dispatches in progress are answered.
    Closing,
    /// CloseConnection was sent; waiting for the peer to close the transport.
    ClosingPending,
    /// Closed; see [`Connection::error`].
    Closed,
}

/// How [`Connection::close`] closes (`Ice::ConnectionClose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseMode {
    /// Abort at once, without CloseConnection; the peer sees a lost connection.
    Forcefully,
    /// Let the dispatches in progress finish, then send CloseConnection. Invocations still
    /// waiting for a reply when the transport closes fail.
    Gracefully,
    /// Wait for our own pending invocations to complete first, then close gracefully.
    GracefullyWithWait,
}

/// Why [`Connection::invoke`] did not accept a request. The caller should use another
/// connection; the request was not sent, so this never counts as a retry.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {
    /// The connection is closing or closed.
    #[error("connection is closing or closed: {0}")]
    Closed(ConnectionError),
    /// The connection is closing gracefully.
    #[error("connection is closing")]
    Closing,
    /// Twoway requests cannot be sent over a datagram connection.
    #[error("twoway invocation over a datagram connection")]
    TwowayOverDatagram,
    /// The message does not fit in one datagram (`Ice::DatagramLimitException`).
    #[error("message of {size} bytes exceeds the datagram limit of {max} bytes")]
    DatagramLimit {
        /// The size of the encoded message.
        size: usize,
        /// [`ConnectionConfig::max_datagram_size`].
        max: usize,
    },
}

#[derive(Debug)]
struct Invocation {
    request_id: i32,
    twoway: bool,
    sent: bool,
}

#[derive(Debug)]
struct Dispatch {
    request_id: i32,
    compress: bool,
}

#[derive(Debug)]
struct Outgoing {
    chunks: SmallVec<[Bytes; 4]>,
    invocation: Option<InvocationId>,
    kind: MessageType,
}

/// One Ice connection's protocol state. See the [module docs](self).
#[derive(Debug)]
pub struct Connection {
    config: ConnectionConfig,
    state: ConnectionState,
    /// The reason for closing once one is known (sticky).
    error: Option<ConnectionError>,
    decoder: FrameDecoder,
    send_queue: VecDeque<Outgoing>,
    /// Bytes queued or being written (see [`ConnectionConfig::max_output_backlog`]).
    output_backlog: usize,
    /// Bytes of the transmit being written.
    in_flight_bytes: usize,
    in_flight: SmallVec<[(Option<InvocationId>, MessageType); 4]>,
    events: VecDeque<Event>,
    next_request_id: i32,
    next_invocation: u64,
    next_dispatch: u64,
    invocations: HashMap<InvocationId, Invocation>,
    by_request_id: HashMap<i32, InvocationId>,
    dispatches: HashMap<DispatchId, Dispatch>,
    batch: BatchRequestQueue,
    wait_for_invocations: bool,
    timers: Timers,
    /// ValidateConnection messages received after validation (heartbeats).
    heartbeats_received: u64,
    /// Descriptions of messages sent and received, with `trace_protocol`.
    traces: VecDeque<String>,
}

impl Connection {
    /// A new connection whose transport was established at `now`. A server connection starts
    /// by sending ValidateConnection; a datagram connection is usable at once.
    pub fn new(config: ConnectionConfig, now: Instant) -> Self {
        let state = if config.side == Side::Client && !config.datagram {
            ConnectionState::NotValidated
        } else {
            ConnectionState::Active
        };
        let mut c = Connection {
            decoder: FrameDecoder::new(config.max_message_size),
            timers: Timers::new(now),
            config,
            state,
            error: None,
            send_queue: VecDeque::new(),
            output_backlog: 0,
            in_flight_bytes: 0,
            in_flight: SmallVec::new(),
            events: VecDeque::new(),
            traces: VecDeque::new(),
            next_request_id: 1,
            next_invocation: 0,
            next_dispatch: 0,
            invocations: HashMap::new(),
            by_request_id: HashMap::new(),
            dispatches: HashMap::new(),
            batch: BatchRequestQueue::new(),
            wait_for_invocations: false,
            heartbeats_received: 0,
        };
        if c.config.side == Side::Server && !c.config.datagram {
            c.queue_message(&Message::ValidateConnection, false, None);
        }
        c
    }

    // ----- getters -----

    /// The configuration.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// Client or server end.
    pub fn side(&self) -> Side {
        self.config.side
    }

    /// The current state.
    pub fn state(&self) -> ConnectionState {
        self.state
    }

    /// How many heartbeats (ValidateConnection messages after validation) the peer has sent;
    /// a Glacier2 router refreshes the session of a connection on each one.
    pub fn heartbeats_received(&self) -> u64 {
        self.heartbeats_received
    }

    /// Whether the connection is closed.
    pub fn is_closed(&self) -> bool {
        self.state == ConnectionState::Closed
    }

    /// Why the connection is closing or closed, once known.
    pub fn error(&self) -> Option<&ConnectionError> {
        self.error.as_ref()
    }

    /// Invocations not yet completed (queued, in flight, or waiting for a reply).
    pub fn pending_invocations(&self) -> usize {
        self.invocations.len()
    }

    /// Requests received and not yet answered with [`Connection::reply`].
    pub fn dispatches_in_progress(&self) -> usize {
        self.dispatches.len()
    }

    /// Whether the driver should read from a stream transport: false while
    /// [`ConnectionConfig::max_dispatches`] requests are being dispatched, so that a flooding
    /// peer is slowed down by its own transport instead of filling our memory.
    pub fn wants_input(&self) -> bool {
        !self.is_closed() && (self.config.datagram || !self.reading_paused())
    }

    /// Requests queued for the next [`Connection::flush_batch`].
    pub fn batch_len(&self) -> usize {
        self.batch.len()
    }

    /// Whether a request sent as invocation `id` has been completely written.
    pub fn is_sent(&self, id: InvocationId) -> Option<bool> {
        self.invocations.get(&id).map(|i| i.sent)
    }

    // ----- inputs -----

    /// Feeds bytes read from a stream transport, to be called whenever new bytes arrived.
    /// Complete messages are consumed from `buf`; a partial message stays in it for the next
    /// call (and the read timeout runs until more of it arrives). Decoding stops once
    /// [`ConnectionConfig::max_dispatches`] requests are being dispatched: the messages left in
    /// `buf` must be fed again once [`Connection::wants_input`] is true again.
    pub fn handle_input(&mut self, now: Instant, buf: &mut BytesMut) {
        if self.is_closed() {
            buf.clear();
            return;
        }
        self.timers.tick(now);
        if !buf.is_empty() {
            self.timers.read(now);
        }
        while !self.is_closed() && !self.reading_paused() {
            match self.decoder.decode(buf) {
                Ok(Some(frame)) => self.handle_frame(now, frame),
                Ok(None) => break,
                Err(e) => {
                    self.fail(ConnectionError::Protocol(e));
                    buf.clear();
                }
            }
        }
        self.timers.input_partial(!buf.is_empty());
    }

    /// How many more bytes the message part-way in `buf` (what [`Connection::handle_input`]
    /// left there) needs to be complete; 0 if none is part-way in past its header. See
    /// [`FrameDecoder::awaited`].
    pub fn input_awaited(&self, buf: &[u8]) -> usize {
        self.decoder.awaited(buf)
    }

    /// Feeds one datagram (UDP). Bad datagrams are dropped; they do not close the connection.
    pub fn handle_datagram(&mut self, now: Instant, datagram: Bytes) {
        if self.is_closed() {
            return;
        }
        self.timers.read(now);
        if self.reading_paused() {
            return;
        }
        if let Ok(frame) = decode_datagram(datagram, self.config.max_message_size) {
            if matches!(frame.header.message_type, MessageType::Request | MessageType::BatchRequest)
            {
                self.handle_frame(now, frame);
            }
        }
    }

    /// The transport reported end of stream (or a read/write error).
    pub fn handle_eof(&mut self, _now: Instant) {
        let error = match self.state {
            // We sent CloseConnection and the peer closed: the close we asked for is done.
            ConnectionState::ClosingPending => {
                self.error.clone().unwrap_or(ConnectionError::ManuallyClosed { graceful: true })
            }
            _ => ConnectionError::ConnectionLost,
        };
        self.fail(error);
    }

    /// The driver finished writing the last [`Transmit`] from [`Connection::poll_transmit`].
    pub fn handle_written(&mut self, now: Instant) {
        self.timers.tick(now);
        let written = std::mem::take(&mut self.in_flight);
        self.output_backlog -= std::mem::take(&mut self.in_flight_bytes).min(self.output_backlog);
        if written.is_empty() {
            return;
        }
        self.timers.wrote(now, written.iter().any(|(_, k)| is_application(*k)));
        for (inv, kind) in written {
            if kind == MessageType::ValidateConnection {
                self.timers.heartbeat_sent(now);
            }
            if kind == MessageType::CloseConnection {
                self.timers.close_sent(now, self.config.close_timeout);
            }
            let Some(id) = inv else { continue };
            let Some(invocation) = self.invocations.get_mut(&id) else {
                continue;
            };
            invocation.sent = true;
            if !invocation.twoway {
                self.invocations.remove(&id);
            }
            self.events.push_back(Event::Sent { invocation: id });
        }
        self.check_wait_close();
    }

    /// The transport could not take (all of) the last [`Transmit`] now: the write would
    /// block. Starts the write timeout, unless it already runs; call it whenever a write
    /// attempt leaves bytes unwritten. A driver that never calls it gets no write timeout.
    pub fn handle_write_blocked(&mut self, now: Instant) {
        if !self.in_flight.is_empty() {
            self.timers.tick(now);
            self.timers.write_blocked(now);
        }
    }

    /// Some bytes of the last [`Transmit`] were written, not all: the peer reads, so the
    /// write timeout stops until the next [`Connection::handle_write_blocked`].
    pub fn handle_write_progress(&mut self, now: Instant) {
        self.timers.tick(now);
        self.timers.write_progress();
    }

    /// Runs the timers that are due at `now` (heartbeats, ACM, idle check, read, write,
    /// inactivity and close timeouts).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_closed() {
            return;
        }
        self.timers.tick(now);
        if self.timers.close_expired(now) {
            self.fail(ConnectionError::CloseTimeout);
            return;
        }
        if self.config.datagram {
            return;
        }
        if let Some(error) = self.expired_abort(now) {
            self.fail(error);
            return;
        }
        if let Some(t) = self.inactivity_timeout() {
            if self.timers.inactivity_expired(now, t) {
                self.start_closing(ConnectionError::Inactive);
            }
        }
        let acm = self.config.acm;
        let Some(timeout) = acm.timeout else { return };
        if self.state == ConnectionState::NotValidated {
            return;
        }
        let writing = !self.send_queue.is_empty() || !self.in_flight.is_empty();
        // Before a heartbeat is queued: our own heartbeat is no activity (see
        // `Timers::last_heard`), and counting it as a write in progress would hold a
        // connection whose checks fall when its heartbeats do.
        let held = self.acm_held(writing);
        if !writing
            && self.timers.heartbeat_due(now, acm.heartbeat, timeout, !self.dispatches.is_empty())
        {
            self.queue_message(&Message::ValidateConnection, false, None);
            self.timers.heartbeat_queued(now);
        }
        if self.state != ConnectionState::Active {
            return;
        }
        let awaiting_replies = self.invocations.values().any(|i| i.twoway && i.sent);
        match self.timers.acm_check(now, acm.close, timeout, awaiting_replies, held) {
            timers::AcmAction::None => {}
            timers::AcmAction::Abort => self.fail(ConnectionError::Timeout),
            timers::AcmAction::CloseIfIdle => {
                if self.invocations.is_empty()
                    && self.dispatches.is_empty()
                    && self.batch.is_empty()
                {
                    self.start_closing(ConnectionError::Timeout);
                }
            }
        }
    }

    // ----- commands -----

    /// Sends `request` (its `request_id` is assigned here). `twoway` requests get a request id
    /// and an [`Event::Reply`]; oneway ones complete with [`Event::Sent`]. `compress` is the
    /// proxy's compression flag.
    pub fn invoke(
        &mut self,
        mut request: Request,
        twoway: bool,
        compress: bool,
    ) -> Result<InvocationId, InvokeError> {
        self.check_can_invoke()?;
        if twoway && self.config.datagram {
            return Err(InvokeError::TwowayOverDatagram);
        }
        let request_id = if twoway { self.allocate_request_id() } else { 0 };
        request.request_id = request_id;
        let compress = compress && self.config.compression;
        let frame = Message::Request(request).encode(compress);
        // Only oneway requests can be refused here (datagram): no request id is lost.
        self.check_datagram_size(frame.len())?;
        let id = InvocationId(self.next_invocation);
        self.next_invocation += 1;
        if twoway {
            self.by_request_id.insert(request_id, id);
        }
        self.invocations.insert(id, Invocation { request_id, twoway, sent: false });
        self.queue_frame(frame, MessageType::Request, Some(id));
        Ok(id)
    }

    /// Forgets invocation `id` (invocation timeout or cancellation): it is removed from the send
    /// queue if not yet handed out, and a late reply is ignored. Returns whether the request
    /// may have been sent.
    pub fn cancel(&mut self, id: InvocationId) -> bool {
        let Some(inv) = self.invocations.remove(&id) else {
            return false;
        };
        self.timers.activity_ended_unclocked();
        if inv.twoway {
            self.by_request_id.remove(&inv.request_id);
        }
        let queued = self.send_queue.iter().position(|o| o.invocation == Some(id));
        match queued {
            Some(pos) => {
                self.send_queue.remove(pos);
                false
            }
            None => true,
        }
    }

    /// Answers the request `dispatch`. For a oneway request the status is dropped; for a twoway
    /// one a Reply goes out (unless the connection closed meanwhile).
    pub fn reply(&mut self, dispatch: DispatchId, status: ReplyStatus) {
        let paused = self.reading_paused();
        let Some(d) = self.dispatches.remove(&dispatch) else {
            return;
        };
        if paused && !self.reading_paused() {
            self.timers.read_resumed_unclocked();
        }
        self.timers.activity_ended_unclocked();
        if d.request_id != 0 && self.state < ConnectionState::ClosingPending {
            let reply = Message::Reply(Reply { request_id: d.request_id, status });
            self.queue_message(&reply, d.compress && self.config.compression, None);
        }
        if self.state == ConnectionState::Closing && self.dispatches.is_empty() {
            self.send_close_connection();
        }
    }

    /// Queues a oneway request for the next [`Connection::flush_batch`] (batch proxies). When
    /// the request would take the batch past [`ConnectionConfig::batch_auto_flush_size`] (or,
    /// on a datagram connection, past the datagram limit), the batch queued so far is sent
    /// first, as ZeroC's runtime does; the returned invocation, if any, is that automatic
    /// flush. On a datagram connection a request that cannot fit in a datagram on its own is
    /// refused with [`InvokeError::DatagramLimit`].
    pub fn queue_batch_request(
        &mut self,
        mut request: Request,
        compress: bool,
    ) -> Result<Option<InvocationId>, InvokeError> {
        self.check_can_invoke()?;
        request.request_id = 0;
        let mut limit = self.config.batch_auto_flush_size;
        if self.config.datagram {
            let max = self.config.max_datagram_size;
            limit = if limit == 0 { max } else { limit.min(max) };
            let alone = BatchRequestQueue::new().size_with(&request);
            if alone > max {
                return Err(InvokeError::DatagramLimit { size: alone, max });
            }
        }
        let mut flushed = None;
        if limit > 0 && !self.batch.is_empty() && self.batch.size_with(&request) > limit {
            flushed = self.flush_batch()?;
        }
        self.batch.push_with(request, compress);
        Ok(flushed)
    }

    /// Sends the queued batch as one BatchRequest message. Returns the invocation that
    /// completes with [`Event::Sent`], or `None` if the batch was empty. On a datagram
    /// connection a batch too large for one datagram is dropped with
    /// [`InvokeError::DatagramLimit`].
    pub fn flush_batch(&mut self) -> Result<Option<InvocationId>, InvokeError> {
        if self.batch.is_empty() {
            return Ok(None);
        }
        self.check_can_invoke()?;
        let compress = self.config.compression && self.batch.wants_compression();
        let Some(flushed) = self.batch.take_with(Some(compress)) else {
            return Ok(None);
        };
        self.check_datagram_size(flushed.frame.len())?;
        let id = InvocationId(self.next_invocation);
        self.next_invocation += 1;
        self.invocations.insert(id, Invocation { request_id: 0, twoway: false, sent: false });
        self.queue_frame(flushed.frame, MessageType::BatchRequest, Some(id));
        Ok(Some(id))
    }

    fn check_datagram_size(&self, size: usize) -> Result<(), InvokeError> {
        let max = self.config.max_datagram_size;
        if self.config.datagram && size > max {
            return Err(InvokeError::DatagramLimit { size, max });
        }
        Ok(())
    }

    /// Starts closing the connection (see [`CloseMode`]).
    pub fn close(&mut self, mode: CloseMode) {
        if self.is_closed() {
            return;
        }
        let forceful = mode == CloseMode::Forcefully
            || self.config.datagram
            || self.state == ConnectionState::NotValidated;
        if forceful {
            self.fail(ConnectionError::ManuallyClosed { graceful: false });
        } else if mode == CloseMode::GracefullyWithWait && !self.invocations.is_empty() {
            self.wait_for_invocations = true;
        } else {
            self.start_closing(ConnectionError::ManuallyClosed { graceful: true });
        }
    }

    // ----- outputs -----

    /// Bytes to write, if any. Several queued messages come out together so that one vectored
    /// write sends them. The driver must call [`Connection::handle_written`] once it has written
    /// them all, before polling again.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        if !self.in_flight.is_empty() || self.is_closed() {
            return None;
        }
        // The client sends nothing before the server's ValidateConnection.
        if self.state == ConnectionState::NotValidated {
            return None;
        }
        let mut t = Transmit::default();
        let mut total = 0;
        while !self.send_queue.is_empty() {
            // One message per datagram; on streams, gather up to 64 KiB per write (a larger
            // message still goes out alone, without copying).
            if !t.chunks.is_empty() && (self.config.datagram || total >= 64 * 1024) {
                break;
            }
            let Some(o) = self.send_queue.pop_front() else {
                break;
            };
            let len = o.chunks.iter().map(Bytes::len).sum::<usize>();
            total += len;
            self.in_flight_bytes += len;
            t.chunks.extend(o.chunks);
            self.in_flight.push((o.invocation, o.kind));
        }
        if self.in_flight.is_empty() {
            None
        } else {
            Some(t)
        }
    }

    /// When [`Connection::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        let stream = !self.config.datagram;
        let acm = if !stream || self.state == ConnectionState::NotValidated {
            None
        } else {
            self.config.acm.timeout.map(|t| (self.config.acm, t))
        };
        // A heartbeat waits for the write in progress (which is activity anyway), so while
        // writing its deadline must not be reported, or the driver would wake up in a loop.
        let writing = !self.send_queue.is_empty() || !self.in_flight.is_empty();
        self.timers.next_deadline(Deadlines {
            acm,
            idle_check: self.config.idle_check.filter(|_| stream && !self.reading_paused()),
            read_timeout: self.config.read_timeout.filter(|_| stream && !self.reading_paused()),
            write_timeout: self.config.write_timeout.filter(|_| stream),
            inactivity: self.inactivity_timeout(),
            dispatching: !self.dispatches.is_empty(),
            writing,
        })
    }

    /// The next event for the driver.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next description of a message sent or received, with
    /// [`ConnectionConfig::trace_protocol`]: for the driver to log as `Protocol` traces. Only the
    /// latest [`MAX_PENDING_TRACES`] are kept.
    pub fn poll_trace(&mut self) -> Option<String> {
        self.traces.pop_front()
    }

    /// Gives back the room that emptied queues and tables kept from earlier traffic. For a
    /// driver to call when the connection goes quiet: a connection that has carried a few
    /// messages then costs no more than one that never did (a router keeps thousands idle).
    pub fn release_idle_memory(&mut self) {
        if self.send_queue.is_empty() && self.send_queue.capacity() > 0 {
            self.send_queue = VecDeque::new();
        }
        if self.events.is_empty() && self.events.capacity() > 0 {
            self.events = VecDeque::new();
        }
        if self.invocations.is_empty() && self.invocations.capacity() > 0 {
            self.invocations = HashMap::new();
        }
        if self.by_request_id.is_empty() && self.by_request_id.capacity() > 0 {
            self.by_request_id = HashMap::new();
        }
        if self.dispatches.is_empty() && self.dispatches.capacity() > 0 {
            self.dispatches = HashMap::new();
        }
    }

    // ----- internals -----

    fn check_can_invoke(&self) -> Result<(), InvokeError> {
        match self.state {
            ConnectionState::Closed => Err(InvokeError::Closed(
                self.error.clone().unwrap_or(ConnectionError::ConnectionLost),
            )),
            ConnectionState::Closing | ConnectionState::ClosingPending => Err(InvokeError::Closing),
            _ if self.wait_for_invocations => Err(InvokeError::Closing),
            _ => Ok(()),
        }
    }

    fn allocate_request_id(&mut self) -> i32 {
        loop {
            let id = self.next_request_id;
            self.next_request_id = self.next_request_id.checked_add(1).unwrap_or(1);
            if !self.by_request_id.contains_key(&id) {
                return id;
            }
        }
    }

    fn queue_message(&mut self, msg: &Message, compress: bool, invocation: Option<InvocationId>) {
        self.queue_frame(msg.encode(compress), msg.message_type(), invocation);
    }

    fn queue_frame(&mut self, frame: Frame, kind: MessageType, invocation: Option<InvocationId>) {
        if self.config.trace_protocol {
            self.trace_sent(&frame);
        }
        let chunks: SmallVec<[Bytes; 4]> = frame.into_chunks().into_iter().collect();
        self.output_backlog += chunks.iter().map(Bytes::len).sum::<usize>();
        self.send_queue.push_back(Outgoing { chunks, invocation, kind });
    }

    fn trace_sent(&mut self, frame: &Frame) {
        let bytes = frame.to_bytes();
        let Some(header) = bytes.first_chunk::<HEADER_SIZE>().copied() else { return };
        let mut body = bytes.slice(HEADER_SIZE..);
        if header[9] == 2 {
            // Described as it was before compression.
            match decompress_body(&body, usize::MAX) {
                Ok(b) => body = b,
                Err(_) => return,
            }
        }
        self.push_trace(trace::describe(trace::Direction::Sending, &header, body));
    }

    /// Keeps at most [`MAX_PENDING_TRACES`] descriptions: a driver that never polls them costs
    /// a bounded amount, losing the oldest.
    fn push_trace(&mut self, text: String) {
        if self.traces.len() >= MAX_PENDING_TRACES {
            self.traces.pop_front();
        }
        self.traces.push_back(text);
    }

    fn handle_frame(&mut self, now: Instant, frame: RawFrame) {
        if self.config.trace_protocol {
            let header = frame.header.encode();
            let body = frame.body.clone();
            self.push_trace(trace::describe(trace::Direction::Received, &header, body));
        }
        let compressed = frame.header.compression == 2;
        let compress_reply = frame.header.compression > 0;
        let kind = frame.header.message_type;
        if self.state == ConnectionState::NotValidated {
            if kind == MessageType::ValidateConnection {
                self.state = ConnectionState::Active;
                self.events.push_back(Event::Connected);
            } else {
                self.fail(ConnectionError::NotValidated);
            }
            return;
        }
        if kind == MessageType::BatchRequest {
            return self.handle_batch(now, frame.body, compress_reply);
        }
        let message = match Message::decode(&frame.header, frame.body) {
            Ok(m) => m,
            Err(e) => {
                if !self.config.datagram {
                    self.fail(ConnectionError::Protocol(e));
                }
                return;
            }
        };
        if is_application(kind) {
            self.timers.application_activity(now);
        }
        match message {
            Message::Request(request) => self.dispatch(request, compress_reply),
            // Never decoded here: `handle_batch` took it above.
            Message::BatchRequest(_) => {}
            Message::Reply(reply) => {
                // A reply nobody waits for (cancelled, timed out) is ignored, as ZeroC does.
                let Some(id) = self.by_request_id.remove(&reply.request_id) else {
                    return;
                };
                self.invocations.remove(&id);
                self.events.push_back(Event::Reply {
                    invocation: id,
                    status: reply.status,
                    compressed,
                });
                self.check_wait_close();
            }
            Message::ValidateConnection => self.heartbeats_received += 1,
            Message::CloseConnection => {
                if !self.config.datagram {
                    self.fail(ConnectionError::CloseConnection);
                }
            }
        }
    }

    /// Dispatches a batch's requests as they are decoded, with room for all of them made
    /// once: collecting them first, and growing the queues request by request, cost about a
    /// quarter of a server's time per batched request in large allocations and copies. A
    /// batch that fails to decode dispatches none of its requests, as if decoded whole.
    fn handle_batch(&mut self, now: Instant, body: Bytes, compress_reply: bool) {
        let (events, first) = (self.events.len(), self.next_dispatch);
        let decoded = BatchReader::new(body).and_then(|mut reader| {
            self.events.reserve(reader.len());
            self.dispatches.reserve(reader.len());
            while let Some(request) = reader.next_request()? {
                self.dispatch(request, compress_reply);
            }
            Ok(())
        });
        match decoded {
            Ok(()) => self.timers.application_activity(now),
            Err(e) => {
                self.events.truncate(events);
                for id in first..self.next_dispatch {
                    self.dispatches.remove(&DispatchId(id));
                }
                if !self.config.datagram {
                    self.fail(ConnectionError::Protocol(e));
                }
            }
        }
    }

    fn dispatch(&mut self, request: Request, compress_reply: bool) {
        // A closing connection ignores new requests: the peer retries them on another
        // connection after our CloseConnection.
        if self.state >= ConnectionState::Closing {
            return;
        }
        let twoway = request.request_id != 0 && !self.config.datagram;
        let dispatch = DispatchId(self.next_dispatch);
        self.next_dispatch += 1;
        self.dispatches.insert(
            dispatch,
            Dispatch {
                request_id: if twoway { request.request_id } else { 0 },
                compress: compress_reply,
            },
        );
        self.events.push_back(Event::Request(IncomingRequest {
            dispatch,
            request,
            twoway,
            compress_reply,
        }));
    }

    fn check_wait_close(&mut self) {
        if self.wait_for_invocations && self.invocations.is_empty() {
            self.wait_for_invocations = false;
            self.start_closing(ConnectionError::ManuallyClosed { graceful: true });
        }
    }

    fn start_closing(&mut self, reason: ConnectionError) {
        if self.state >= ConnectionState::Closing {
            return;
        }
        self.error.get_or_insert(reason);
        self.state = ConnectionState::Closing;
        if self.dispatches.is_empty() {
            self.send_close_connection();
        }
    }

    fn send_close_connection(&mut self) {
        self.queue_message(&Message::CloseConnection, false, None);
        self.state = ConnectionState::ClosingPending;
    }

    /// Closes for good with `error` (kept if an earlier reason exists): every waiting
    /// invocation fails, nothing more is written.
    fn fail(&mut self, error: ConnectionError) {
        if self.is_closed() {
            return;
        }
        let error = match (self.state, self.error.take()) {
            (ConnectionState::ClosingPending, Some(reason))
                if matches!(
                    error,
                    ConnectionError::ConnectionLost | ConnectionError::CloseConnection
                ) =>
            {
                reason
            }
            _ => error,
        };
        self.state = ConnectionState::Closed;
        self.error = Some(error.clone());
        self.send_queue.clear();
        self.output_backlog = 0;
        self.in_flight_bytes = 0;
        self.in_flight.clear();
        self.dispatches.clear();
        self.batch = BatchRequestQueue::new();
        self.by_request_id.clear();
        let mut failed: Vec<(InvocationId, Invocation)> = self.invocations.drain().collect();
        failed.sort_by_key(|(id, _)| *id);
        for (invocation, inv) in failed {
            self.events.push_back(Event::InvocationFailed {
                invocation,
                error: error.clone(),
                sent: inv.sent,
            });
        }
        self.events.push_back(Event::Closed { error });
    }
}

fn is_application(kind: MessageType) -> bool {
    matches!(kind, MessageType::Request | MessageType::BatchRequest | MessageType::Reply)
}
