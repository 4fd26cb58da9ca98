use std::time::Duration;

use crate::frame::DEFAULT_MESSAGE_SIZE_MAX;

/// Which end of the transport connection this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The side that connected: waits for the server's ValidateConnection before sending.
    Client,
    /// The side that accepted: sends ValidateConnection first.
    Server,
}

/// When to send heartbeats (`Ice.ACM.Heartbeat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcmHeartbeat {
    /// Never.
    Off,
    /// Only while a dispatch is in progress (Ice 3.7's default).
    OnDispatch,
    /// When nothing has been written for half the timeout. Harmless to Ice 3.7 peers and what
    /// Ice 3.8 peers' idle check expects, so it is our default.
    OnIdle,
    /// At every half timeout, whatever else is written.
    Always,
}

/// When to close an inactive connection (`Ice.ACM.Close`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcmClose {
    /// Never.
    Off,
    /// Gracefully, once idle (no dispatch, no invocation) for the timeout.
    OnIdle,
    /// Forcefully, when invocations have waited for the timeout with nothing received.
    OnInvocation,
    /// Both of the above (the client default).
    OnInvocationAndIdle,
    /// Forcefully, once inactive for the timeout, whatever is in progress.
    OnIdleForceful,
}

/// Active connection management (`Ice.ACM.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acm {
    /// `Ice.ACM.Timeout`; `None` (timeout 0) disables ACM.
    pub timeout: Option<Duration>,
    /// `Ice.ACM.Heartbeat`.
    pub heartbeat: AcmHeartbeat,
    /// `Ice.ACM.Close`.
    pub close: AcmClose,
}

impl Acm {
    /// Defaults for outgoing connections: 60 s, heartbeat on idle, close on invocation and idle.
    pub const CLIENT: Acm = Acm {
        timeout: Some(Duration::from_secs(60)),
        heartbeat: AcmHeartbeat::OnIdle,
        close: AcmClose::OnInvocationAndIdle,
    };
    /// Defaults for incoming connections: 60 s, heartbeat on idle, close on invocation.
    pub const SERVER: Acm = Acm {
        timeout: Some(Duration::from_secs(60)),
        heartbeat: AcmHeartbeat::OnIdle,
        close: AcmClose::OnInvocation,
    };

    /// Parses `Ice.ACM.Heartbeat` (0..=3).
    pub fn heartbeat_from_int(v: i32) -> Option<AcmHeartbeat> {
        Some(match v {
            0 => AcmHeartbeat::Off,
            1 => AcmHeartbeat::OnDispatch,
            2 => AcmHeartbeat::OnIdle,
            3 => AcmHeartbeat::Always,
            _ => return None,
        })
    }

    /// Parses `Ice.ACM.Close` (0..=4).
    pub fn close_from_int(v: i32) -> Option<AcmClose> {
        Some(match v {
            0 => AcmClose::Off,
            1 => AcmClose::OnIdle,
            2 => AcmClose::OnInvocation,
            3 => AcmClose::OnInvocationAndIdle,
            4 => AcmClose::OnIdleForceful,
            _ => return None,
        })
    }
}

/// Settings of one connection.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Client or server end.
    pub side: Side,
    /// A UDP "connection": no validation, no close, no heartbeats, one message per datagram.
    pub datagram: bool,
    /// `Ice.MessageSizeMax` in bytes: larger incoming messages close the connection.
    pub max_message_size: usize,
    /// Active connection management.
    pub acm: Acm,
    /// Ice 3.8's idle check: abort when nothing at all was read for this long.
    pub idle_check: Option<Duration>,
    /// The endpoint timeout (`-t`, `Ice.Default.Timeout`) for reads: when part of a message
    /// has arrived and no further byte comes for this long, the connection is aborted with
    /// [`ConnectionError::ReadTimeout`](super::ConnectionError::ReadTimeout), without
    /// CloseConnection. A connection waiting for a whole new message (even a reply to a long
    /// dispatch) is never timed out by it. `None`: wait forever.
    pub read_timeout: Option<Duration>,
    /// The endpoint timeout for writes: when the transport takes no byte of a message we are
    /// writing for this long (a peer that does not read), the connection is aborted with
    /// [`ConnectionError::WriteTimeout`](super::ConnectionError::WriteTimeout). The driver
    /// reports blocked and resumed writes with
    /// [`Connection::handle_write_blocked`](super::Connection::handle_write_blocked) and
    /// [`Connection::handle_write_progress`](super::Connection::handle_write_progress).
    /// `None`: wait forever.
    pub write_timeout: Option<Duration>,
    /// Ice 3.8's inactivity timeout (`Ice.Connection.InactivityTimeout`): once nothing is
    /// going on for this long (no invocation waiting, no dispatch, no queued batch, no
    /// request or reply being written; heartbeats do not count), the connection is closed
    /// gracefully with CloseConnection, so the peer may safely retry on a new connection.
    /// Never applies to datagram connections. `None`: keep idle connections open.
    pub inactivity_timeout: Option<Duration>,
    /// How long to wait for the peer to close after our CloseConnection.
    pub close_timeout: Duration,
    /// Whether we may bzip2-compress (and accept compressed messages).
    pub compression: bool,
    /// Ice 3.8's `MaxDispatches`: once this many requests are being dispatched, the connection
    /// reads nothing more (back-pressure on the peer; a datagram connection drops requests)
    /// until one completes. 0: no limit.
    pub max_dispatches: usize,
    /// The largest message a datagram connection sends (`Ice::DatagramLimitException`
    /// beyond): 65507 bytes, the UDP payload limit over IPv4, or less with `Ice.UDP.SndSize`.
    pub max_datagram_size: usize,
    /// `Ice.BatchAutoFlushSize` in bytes: a batch is sent once it reaches this size
    /// (0: only when flushed).
    pub batch_auto_flush_size: usize,
    /// Once this many bytes wait to be written to the peer, a stream connection reads nothing
    /// more until they drain (0: no limit). A peer that sends requests but does not read the
    /// replies is slowed down by its own transport instead of filling our memory. On by
    /// default for incoming (server-side) connections only: a client always reads, and two
    /// peers that both waited for the other to read would wait forever.
    pub max_output_backlog: usize,
    /// `Ice.Trace.Protocol` >= 1: each message sent and received is described, in ZeroC's
    /// words, for [`Connection::poll_trace`](super::Connection::poll_trace). Off by default:
    /// describing costs a copy of every message.
    pub trace_protocol: bool,
}

/// The default [`ConnectionConfig::max_output_backlog`] of server-side connections (1 MiB).
pub const DEFAULT_MAX_OUTPUT_BACKLOG: usize = 1024 * 1024;

/// Ice's default endpoint timeout (`Ice.Default.Timeout`, 60 s): the default
/// [`ConnectionConfig::read_timeout`] and [`ConnectionConfig::write_timeout`].
pub const DEFAULT_ENDPOINT_TIMEOUT: Duration = Duration::from_secs(60);

/// Ice 3.8's default inactivity timeout (300 s): the default
/// [`ConnectionConfig::inactivity_timeout`].
pub const DEFAULT_INACTIVITY_TIMEOUT: Duration = Duration::from_secs(300);

/// Ice 3.8's default `MaxDispatches` per connection.
pub const DEFAULT_MAX_DISPATCHES: usize = 100;

/// The UDP payload limit over IPv4: 65535 minus the IP (20) and UDP (8) headers.
pub const MAX_UDP_PAYLOAD: usize = 65_507;

impl ConnectionConfig {
    /// Defaults for `side` over a stream transport.
    pub fn new(side: Side) -> Self {
        ConnectionConfig {
            side,
            datagram: false,
            max_message_size: DEFAULT_MESSAGE_SIZE_MAX,
            acm: match side {
                Side::Client => Acm::CLIENT,
                Side::Server => Acm::SERVER,
            },
            idle_check: None,
            read_timeout: Some(DEFAULT_ENDPOINT_TIMEOUT),
            write_timeout: Some(DEFAULT_ENDPOINT_TIMEOUT),
            inactivity_timeout: Some(DEFAULT_INACTIVITY_TIMEOUT),
            close_timeout: Duration::from_secs(10),
            compression: true,
            max_datagram_size: MAX_UDP_PAYLOAD,
            max_dispatches: DEFAULT_MAX_DISPATCHES,
            batch_auto_flush_size: 1024 * 1024,
            max_output_backlog: match side {
                Side::Client => 0,
                Side::Server => DEFAULT_MAX_OUTPUT_BACKLOG,
            },
            trace_protocol: false,
        }
    }

    /// Sets both [`ConnectionConfig::read_timeout`] and [`ConnectionConfig::write_timeout`]
    /// from an endpoint timeout in milliseconds (`-t`; -1, or any value below 1, is infinite).
    pub fn set_endpoint_timeout(&mut self, millis: i32) {
        let timeout = u64::try_from(millis).ok().filter(|t| *t > 0).map(Duration::from_millis);
        self.read_timeout = timeout;
        self.write_timeout = timeout;
    }

    /// Defaults for a UDP endpoint.
    pub fn datagram(side: Side) -> Self {
        ConnectionConfig {
            datagram: true,
            acm: Acm { timeout: None, heartbeat: AcmHeartbeat::Off, close: AcmClose::Off },
            read_timeout: None,
            write_timeout: None,
            inactivity_timeout: None,
            ..Self::new(side)
        }
    }
}
