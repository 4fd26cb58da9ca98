//! [`ice_driver`] on tokio: a [`Runtime`] implementation and everything a tokio program needs
//! to use Ice, re-exported.
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> Result<(), ice_driver_tokio::Error> {
//!     let communicator = ice_driver_tokio::communicator();
//!     let hello = communicator.string_to_proxy("hello:tcp -h localhost -p 10000")?;
//!     hello.ice_ping().await?;
//!     communicator.destroy().await;
//!     Ok(())
//! }
//! ```

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{self, Poll};
use std::time::Instant;

use ice_driver::runtime::{TcpListener, TcpStream, UdpSocket};
pub use ice_driver::*;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The tokio [`Runtime`]: spawns on the current tokio runtime, uses tokio's timers and sockets.
/// Must be used from within a tokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioRuntime;

impl TokioRuntime {
    /// The runtime as the shared trait object a [`Communicator`] takes.
    pub fn shared() -> Arc<dyn Runtime> {
        Arc::new(TokioRuntime)
    }
}

/// A communicator with default properties on tokio.
pub fn communicator() -> Communicator {
    Communicator::new(TokioRuntime::shared())
}

/// A communicator configured by `properties` on tokio.
pub fn communicator_with_properties(properties: Properties) -> Communicator {
    Communicator::with_properties(TokioRuntime::shared(), properties)
}

impl Runtime for TokioRuntime {
    fn spawn(&self, future: BoxFuture<'static, ()>) {
        tokio::spawn(future);
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn resolve(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), port)).await?.collect()) })
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn TcpStream>>> {
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(Stream(stream)) as Box<dyn TcpStream>)
        })
    }

    fn bind(&self, addr: SocketAddr) -> io::Result<Box<dyn TcpListener>> {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        // As std does: on Windows, SO_REUSEADDR would let another socket take a bound port.
        #[cfg(not(windows))]
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        // A deep backlog, as ZeroC's (SOMAXCONN): with std's 128, a burst of connections
        // overflows it and each dropped SYN costs the client a one-second retry.
        let listener = socket.listen(ice_driver::runtime::LISTEN_BACKLOG)?;
        Ok(Box::new(Listener(listener)))
    }

    fn udp(&self, socket: std::net::UdpSocket) -> io::Result<Box<dyn UdpSocket>> {
        socket.set_nonblocking(true)?;
        Ok(Box::new(Udp(tokio::net::UdpSocket::from_std(socket)?)))
    }
}

struct Udp(tokio::net::UdpSocket);

impl UdpSocket for Udp {
    fn poll_recv_from(
        &mut self,
        cx: &mut task::Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let mut buf = ReadBuf::new(buf);
        self.0.poll_recv_from(cx, &mut buf).map_ok(|from| (buf.filled().len(), from))
    }

    fn poll_send_to(
        &mut self,
        cx: &mut task::Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.0.poll_send_to(cx, buf, target)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

struct Stream(tokio::net::TcpStream);

impl TcpStream for Stream {
    fn poll_read(&mut self, cx: &mut task::Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        match Pin::new(&mut self.0).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_read_buf(
        &mut self,
        cx: &mut task::Context<'_>,
        buf: &mut bytes::BytesMut,
        max: usize,
    ) -> Poll<io::Result<usize>> {
        // Reads into the room as it is: no zero-filling of up to 64 KiB per read.
        buf.reserve(max);
        let mut room = bytes::BufMut::limit(&mut *buf, max);
        tokio_util::io::poll_read_buf(Pin::new(&mut self.0), cx, &mut room)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut task::Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn try_read_now(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        // Straight to the socket: tokio's own `try_read` gives up while its reactor has not
        // seen the bytes arrive, which is what busy-polling must not wait for.
        Some(ice_driver::runtime::read_now(&*socket2::SockRef::from(&self.0), buf, max))
    }

    fn poll_shutdown(&mut self, cx: &mut task::Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

struct Listener(tokio::net::TcpListener);

impl TcpListener for Listener {
    fn poll_accept(
        &mut self,
        cx: &mut task::Context<'_>,
    ) -> Poll<io::Result<(Box<dyn TcpStream>, SocketAddr)>> {
        self.0.poll_accept(cx).map(|r| {
            r.and_then(|(stream, peer)| {
                stream.set_nodelay(true)?;
                Ok((Box::new(Stream(stream)) as Box<dyn TcpStream>, peer))
            })
        })
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}
