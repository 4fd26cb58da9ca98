//! The small interface an async runtime must provide: spawning, time, TCP sockets as
//! poll-based streams, and UDP sockets. TLS and WebSocket run above these streams, in this crate. Everything else in this crate is written once on top of it.
//!
//! Implementations live in `ice-driver-tokio` and `ice-driver-async-std`.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The listen backlog a runtime should give TCP listeners, as ZeroC's (`SOMAXCONN`; Linux
/// caps it at `net.core.somaxconn`).
pub const LISTEN_BACKLOG: u32 = 4096;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An async runtime, shared as `Arc<dyn Runtime>`.
pub trait Runtime: Send + Sync + fmt::Debug + 'static {
    /// Runs `future` to completion in the background.
    fn spawn(&self, future: BoxFuture<'static, ()>);

    /// The current time of the runtime's clock.
    fn now(&self) -> Instant;

    /// Whether a handle writes a lone twoway request or reply itself when the connection is
    /// idle, instead of waking the connection's task to write it. Measured in `benches/`: it
    /// shortens a ping on tokio's work-stealing scheduler and on async-std's, where the
    /// hand-off crosses threads. A runtime whose hand-off is cheaper than the write can say
    /// no. (A batch flush is written by its caller whatever the runtime.)
    fn writes_in_caller(&self) -> bool {
        true
    }

    /// Whether a caller that wrote its lone twoway request itself also reads the reply
    /// itself while the connection has nothing else to do, instead of waiting for the
    /// connection's task to read it and hand it over. Right where `block_on` drives the
    /// reactor (async-std): the reply then wakes the caller alone, instead of the task's
    /// thread first and then the caller's. The task reads again as soon as the caller has its
    /// reply or drops its future; a future kept pending without being polled delays what else
    /// arrives on its connection until the task next runs. What the caller reads is handled
    /// there as the task would: a request arriving on a bidirectional connection may be
    /// dispatched in the caller's task.
    fn reads_in_caller(&self) -> bool {
        false
    }

    /// How long a connection that just read a message, or a caller waiting for its reply,
    /// keeps asking its socket for more before it sleeps until the reactor wakes it: `None`
    /// (the default) sleeps at once, as ZeroC does. See [`BusyPoll`].
    fn busy_poll(&self) -> Option<Duration> {
        None
    }

    /// A future that completes at `deadline`.
    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()>;

    /// Resolves the host name `host` to its addresses, each with `port`, without blocking the
    /// runtime's threads. The default asks the system resolver on a thread of its own;
    /// runtimes with a resolver of their own use it.
    fn resolve(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let spawned = std::thread::Builder::new().name("ice-resolver".into()).spawn(move || {
            let _ = tx.send(
                std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                    .map(Iterator::collect),
            );
        });
        Box::pin(async move {
            spawned?;
            rx.await.unwrap_or_else(|_| Err(io::Error::other("the resolver thread died")))
        })
    }

    /// Opens a TCP connection to `addr`.
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn TcpStream>>>;

    /// Listens for TCP connections on `addr` (port 0 picks a free port). Called from within
    /// the runtime's context.
    fn bind(&self, addr: SocketAddr) -> io::Result<Box<dyn TcpListener>>;

    /// Registers a bound, non-blocking UDP socket with the runtime's reactor. The driver sets
    /// the socket up (bind, multicast) with `std`, so only this hand-over is runtime specific.
    /// Called from within the runtime's context.
    fn udp(&self, socket: std::net::UdpSocket) -> io::Result<Box<dyn UdpSocket>>;
}

/// A bound UDP socket.
pub trait UdpSocket: Send + 'static {
    /// Receives one datagram into `buf` (truncated if larger) and returns its length and sender.
    fn poll_recv_from(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>>;

    /// Sends `buf` as one datagram to `target`.
    fn poll_send_to(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>>;

    /// The local address.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

/// A connected TCP stream.
pub trait TcpStream: Send + 'static {
    /// Reads into `buf`; `Ok(0)` means end of stream.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;

    /// Reads at most about `max` bytes onto the end of `buf`, returning how many; `Ok(0)`
    /// means end of stream, and `buf` is unchanged unless bytes were read. The driver asks
    /// for at most the room left in `buf` once a large message is part-way in, so that `buf`
    /// never grows (copying) mid-message. The default zero-fills the room, 64 KiB at most
    /// per read, before reading into it; a runtime that can read into
    /// uninitialized memory overrides it, as the driver reads every message this way.
    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
        max: usize,
    ) -> Poll<io::Result<usize>> {
        // Zero-filling the whole room of a large message at every read would cost more than
        // the reads: fill at most this much at a time.
        const ZERO_FILL_MAX: usize = 64 * 1024;
        let start = buf.len();
        buf.resize(start + max.min(ZERO_FILL_MAX), 0);
        let result = self.poll_read(cx, &mut buf[start..]);
        let n = match &result {
            Poll::Ready(Ok(n)) => *n,
            _ => 0,
        };
        buf.truncate(start + n);
        result
    }

    /// Writes from `bufs` in order, returning how many bytes were written.
    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Pushes out what an upper layer (TLS, WebSocket) still buffers of earlier writes; the
    /// driver calls it once a message is written. Plain sockets buffer nothing.
    fn poll_flush(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Reads what has already arrived (at most `max` bytes) onto the end of `buf`, with a
    /// system call whether or not the reactor has seen it arrive: `Err(WouldBlock)` when
    /// nothing has. For [`Runtime::busy_poll`], which must not wait for the reactor's
    /// wake-up. `None` (the default) when the stream cannot (TLS, WebSocket).
    fn try_read_now(
        &mut self,
        _buf: &mut bytes::BytesMut,
        _max: usize,
    ) -> Option<io::Result<usize>> {
        None
    }

    /// Shuts down the writing half.
    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// The local address.
    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// The peer's address.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
}

/// Reads what `socket` (non-blocking) already holds, at most `max` bytes, onto the end of
/// `buf`: the body of [`TcpStream::try_read_now`] for a runtime's plain sockets.
pub fn read_now(
    mut socket: impl io::Read,
    buf: &mut bytes::BytesMut,
    max: usize,
) -> io::Result<usize> {
    let start = buf.len();
    buf.resize(start + max, 0);
    let result = socket.read(&mut buf[start..]);
    buf.truncate(start + *result.as_ref().unwrap_or(&0));
    result
}

/// A listening TCP socket.
pub trait TcpListener: Send + 'static {
    /// Accepts the next incoming connection.
    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Box<dyn TcpStream>, SocketAddr)>>;

    /// The address it listens on (with the real port when bound to port 0).
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

/// A runtime whose connections busy-poll their sockets ([`Runtime::busy_poll`]) for a
/// `window` after each message they read, and whose callers busy-poll for their replies
/// for as long, instead of sleeping until the reactor wakes them.
///
/// On loopback or a fast network a round trip is then bound by the work done, not by the
/// wake-ups of sleeping threads (on a virtual machine, a sleeping vCPU's wake-up is most of
/// a ping's time). The price is CPU: each connection that read a message keeps one thread
/// busy for up to `window` after it, yielding to other tasks meanwhile. For latency-bound
/// services with cores to spare; ZeroC has no such mode.
///
/// ```
/// # fn f(runtime: std::sync::Arc<dyn ice_driver::Runtime>) {
/// let runtime = ice_driver::runtime::BusyPoll::wrap(runtime, std::time::Duration::from_micros(100));
/// let communicator = ice_driver::Communicator::new(runtime);
/// # }
/// ```
#[derive(Debug)]
pub struct BusyPoll {
    inner: Arc<dyn Runtime>,
    window: Duration,
}

impl BusyPoll {
    /// `inner`, busy-polling for `window` (a zero window is `inner` itself).
    pub fn wrap(inner: Arc<dyn Runtime>, window: Duration) -> Arc<dyn Runtime> {
        if window.is_zero() {
            return inner;
        }
        Arc::new(BusyPoll { inner, window })
    }
}

impl Runtime for BusyPoll {
    fn spawn(&self, future: BoxFuture<'static, ()>) {
        self.inner.spawn(future)
    }

    fn now(&self) -> Instant {
        self.inner.now()
    }

    fn writes_in_caller(&self) -> bool {
        self.inner.writes_in_caller()
    }

    // A caller polling for its reply reads it itself: the connection's task, which would
    // otherwise read it, sleeps meanwhile instead of polling too.
    fn reads_in_caller(&self) -> bool {
        true
    }

    fn busy_poll(&self) -> Option<Duration> {
        Some(self.window)
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        self.inner.sleep_until(deadline)
    }

    fn resolve(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        self.inner.resolve(host, port)
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn TcpStream>>> {
        self.inner.connect(addr)
    }

    fn bind(&self, addr: SocketAddr) -> io::Result<Box<dyn TcpListener>> {
        self.inner.bind(addr)
    }

    fn udp(&self, socket: std::net::UdpSocket) -> io::Result<Box<dyn UdpSocket>> {
        self.inner.udp(socket)
    }
}
