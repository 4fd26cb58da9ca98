//! A [`Runtime`] for driver tests in virtual time: tokio's clock, paused (it jumps ahead
//! whenever every task waits), and TCP as in-memory pipes between listeners and connectors
//! of the same [`MemoryNet`]. Timeouts, ACM, idle checks and retries then run in
//! milliseconds and identically every time, since no real socket can make the runtime look
//! idle while bytes are in flight.
//!
//! ```no_run
//! ice_tests::memnet::run(|net| async move {
//!     let runtime = net.runtime();
//!     // ... communicators on `runtime`; `net.connect_raw(port)` for hand-written peers.
//! });
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::io::{self, IoSlice};
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use ice_driver::runtime::{BoxFuture, Runtime, TcpListener, TcpStream, UdpSocket};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio::sync::mpsc;

/// Bytes a pipe holds each way before the writer waits (like a socket buffer).
const PIPE_CAPACITY: usize = 256 * 1024;

type Incoming = mpsc::UnboundedSender<(DuplexStream, SocketAddr)>;

/// The in-memory network: listeners by port on 127.0.0.1.
#[derive(Debug, Default)]
pub struct MemoryNet {
    listeners: Mutex<HashMap<u16, Incoming>>,
    next_port: AtomicU16,
    read_copies: Arc<AtomicUsize>,
}

impl MemoryNet {
    /// A network with no listener.
    pub fn new() -> Arc<MemoryNet> {
        Arc::new(MemoryNet {
            listeners: Mutex::default(),
            next_port: AtomicU16::new(20_000),
            read_copies: Arc::default(),
        })
    }

    /// Bytes the driver's read buffers copied so far, on every connection of this network:
    /// what was already read when making room for a read moved the buffer.
    pub fn read_copies(&self) -> usize {
        self.read_copies.load(Ordering::Relaxed)
    }

    /// The driver runtime on this network.
    pub fn runtime(self: &Arc<Self>) -> Arc<dyn Runtime> {
        Arc::new(MemoryRuntime { net: self.clone(), reads_in_caller: false })
    }

    /// The driver runtime on this network, with callers reading their own replies (as on
    /// async-std: [`Runtime::reads_in_caller`]).
    pub fn runtime_reading_in_caller(self: &Arc<Self>) -> Arc<dyn Runtime> {
        Arc::new(MemoryRuntime { net: self.clone(), reads_in_caller: true })
    }

    fn port(&self) -> u16 {
        self.next_port.fetch_add(1, Ordering::Relaxed)
    }

    /// A hand-driven peer: the client end of a new connection to the listener on `port`.
    pub fn connect_raw(&self, port: u16) -> io::Result<DuplexStream> {
        let listener = self.listeners.lock().unwrap_or_else(|e| e.into_inner()).get(&port).cloned();
        let listener = listener.ok_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused))?;
        let (ours, theirs) = tokio::io::duplex(PIPE_CAPACITY);
        let from = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port()));
        listener
            .send((theirs, from))
            .map_err(|_| io::Error::from(io::ErrorKind::ConnectionRefused))?;
        Ok(ours)
    }
}

/// Runs `scenario` on a current-thread tokio runtime whose clock starts paused, with a fresh
/// [`MemoryNet`].
pub fn run<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<MemoryNet>) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("tokio runtime");
    rt.block_on(scenario(MemoryNet::new()));
}

#[derive(Debug)]
struct MemoryRuntime {
    net: Arc<MemoryNet>,
    reads_in_caller: bool,
}

impl Runtime for MemoryRuntime {
    fn spawn(&self, future: BoxFuture<'static, ()>) {
        tokio::spawn(future);
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn reads_in_caller(&self) -> bool {
        self.reads_in_caller
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn resolve(&self, _host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        // Every name is this host.
        Box::pin(async move { Ok(vec![SocketAddr::from((Ipv4Addr::LOCALHOST, port))]) })
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn TcpStream>>> {
        let net = self.net.clone();
        Box::pin(async move {
            let io = net.connect_raw(addr.port())?;
            let local = SocketAddr::from((Ipv4Addr::LOCALHOST, net.port()));
            let copies = net.read_copies.clone();
            Ok(Box::new(MemoryStream { io, local, peer: addr, copies }) as Box<dyn TcpStream>)
        })
    }

    fn bind(&self, addr: SocketAddr) -> io::Result<Box<dyn TcpListener>> {
        let port = if addr.port() == 0 { self.net.port() } else { addr.port() };
        let (tx, rx) = mpsc::unbounded_channel();
        let mut listeners = self.net.listeners.lock().unwrap_or_else(|e| e.into_inner());
        if listeners.contains_key(&port) {
            return Err(io::Error::from(io::ErrorKind::AddrInUse));
        }
        listeners.insert(port, tx);
        let local = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        Ok(Box::new(MemoryListener { rx, local, copies: self.net.read_copies.clone() }))
    }

    fn udp(&self, _socket: std::net::UdpSocket) -> io::Result<Box<dyn UdpSocket>> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no UDP on the memory network"))
    }
}

struct MemoryStream {
    io: DuplexStream,
    local: SocketAddr,
    peer: SocketAddr,
    copies: Arc<AtomicUsize>,
}

impl TcpStream for MemoryStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut read = ReadBuf::new(buf);
        match Pin::new(&mut self.io).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(read.filled().len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut bytes::BytesMut,
        max: usize,
    ) -> Poll<io::Result<usize>> {
        // As the tokio runtime reads: up to `max` bytes into the room as it is.
        let start = buf.len();
        let (at, capacity) = (buf.as_ptr(), buf.capacity());
        buf.reserve(max);
        if start > 0 && (buf.as_ptr() != at || buf.capacity() != capacity) {
            self.copies.fetch_add(start, Ordering::Relaxed);
        }
        let mut room = bytes::BufMut::limit(&mut *buf, max);
        tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut room)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    // What has arrived, as a socket's non-blocking read gives it; the probe's waker is
    // dropped, as a system call registers nothing.
    fn try_read_now(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        Some(match self.poll_read_buf(&mut cx, buf, max) {
            Poll::Ready(result) => result,
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        })
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

struct MemoryListener {
    rx: mpsc::UnboundedReceiver<(DuplexStream, SocketAddr)>,
    local: SocketAddr,
    copies: Arc<AtomicUsize>,
}

impl TcpListener for MemoryListener {
    fn poll_accept(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(Box<dyn TcpStream>, SocketAddr)>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some((io, peer))) => {
                let copies = self.copies.clone();
                let stream = MemoryStream { io, local: self.local, peer, copies };
                Poll::Ready(Ok((Box::new(stream) as Box<dyn TcpStream>, peer)))
            }
            Poll::Ready(None) => Poll::Pending,
            Poll::Pending => Poll::Pending,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}
