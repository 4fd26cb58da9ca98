//! [`ice_driver`] for async-std programs: a [`Runtime`] built on `async-io` (the reactor and
//! timers async-std itself runs on) that spawns with `async_std::task::spawn`, plus
//! re-exports of everything a program needs.
//!
//! ```no_run
//! #[async_std::main]
//! async fn main() -> Result<(), ice_driver_async_std::Error> {
//!     let communicator = ice_driver_async_std::communicator();
//!     let hello = communicator.string_to_proxy("hello:tcp -h localhost -p 10000")?;
//!     hello.ice_ping().await?;
//!     communicator.destroy().await;
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{self, Poll};
use std::time::Instant;

use async_io::{Async, Timer};
use futures_lite::io::{AsyncRead, AsyncWrite};
use ice_driver::runtime::{TcpListener, TcpStream, UdpSocket};
pub use ice_driver::*;

type Spawner = dyn Fn(BoxFuture<'static, ()>) + Send + Sync;

/// The async-std [`Runtime`]: `async-io` sockets and timers, tasks spawned with
/// `async_std::task::spawn` (or a spawner of your choice, e.g. smol's).
#[derive(Clone)]
pub struct AsyncStdRuntime {
    spawner: Arc<Spawner>,
}

impl fmt::Debug for AsyncStdRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncStdRuntime").finish_non_exhaustive()
    }
}

impl Default for AsyncStdRuntime {
    fn default() -> Self {
        AsyncStdRuntime::with_spawner(|future| {
            async_std::task::spawn(future);
        })
    }
}

impl AsyncStdRuntime {
    /// A runtime that spawns tasks with `spawn` instead of `async_std::task::spawn`.
    pub fn with_spawner(spawn: impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static) -> Self {
        AsyncStdRuntime { spawner: Arc::new(spawn) }
    }

    /// The default runtime as the shared trait object a [`Communicator`] takes.
    pub fn shared() -> Arc<dyn Runtime> {
        Arc::new(AsyncStdRuntime::default())
    }
}

/// A communicator with default properties on async-std.
pub fn communicator() -> Communicator {
    Communicator::new(AsyncStdRuntime::shared())
}

/// A communicator configured by `properties` on async-std.
pub fn communicator_with_properties(properties: Properties) -> Communicator {
    Communicator::with_properties(AsyncStdRuntime::shared(), properties)
}

impl Runtime for AsyncStdRuntime {
    fn reads_in_caller(&self) -> bool {
        true
    }

    fn spawn(&self, future: BoxFuture<'static, ()>) {
        (self.spawner)(future)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            Timer::at(deadline).await;
        })
    }

    fn resolve(&self, host: String, port: u16) -> BoxFuture<'static, io::Result<Vec<SocketAddr>>> {
        // async-std resolves on its blocking pool.
        Box::pin(async move {
            let addrs = async_std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port));
            Ok(addrs.await?.collect())
        })
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn TcpStream>>> {
        Box::pin(async move {
            let stream = Async::<std::net::TcpStream>::connect(addr).await?;
            stream.get_ref().set_nodelay(true)?;
            Ok(Box::new(Stream(stream)) as Box<dyn TcpStream>)
        })
    }

    fn bind(&self, addr: SocketAddr) -> io::Result<Box<dyn TcpListener>> {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        // As std does: on Windows, SO_REUSEADDR would let another socket take a bound port.
        #[cfg(not(windows))]
        socket.set_reuse_address(true)?;
        socket.bind(&addr.into())?;
        // A deep backlog, as ZeroC's (SOMAXCONN): with std's 128, a burst of connections
        // overflows it and each dropped SYN costs the client a one-second retry.
        socket.listen(ice_driver::runtime::LISTEN_BACKLOG as i32)?;
        let listener: std::net::TcpListener = socket.into();
        Ok(Box::new(Listener(Async::new(listener)?)))
    }

    fn udp(&self, socket: std::net::UdpSocket) -> io::Result<Box<dyn UdpSocket>> {
        Ok(Box::new(Udp(Async::new(socket)?)))
    }
}

struct Udp(Async<std::net::UdpSocket>);

impl UdpSocket for Udp {
    fn poll_recv_from(
        &mut self,
        cx: &mut task::Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        // Try first: readiness is only waited for once the socket reports it would block.
        loop {
            match self.0.get_ref().recv_from(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
            match self.0.poll_readable(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn poll_send_to(
        &mut self,
        cx: &mut task::Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        loop {
            match self.0.get_ref().send_to(buf, target) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
            match self.0.poll_writable(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }
}

struct Stream(Async<std::net::TcpStream>);

impl TcpStream for Stream {
    fn poll_read(&mut self, cx: &mut task::Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut task::Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn try_read_now(&mut self, buf: &mut bytes::BytesMut, max: usize) -> Option<io::Result<usize>> {
        Some(ice_driver::runtime::read_now(self.0.get_ref(), buf, max))
    }

    fn poll_shutdown(&mut self, cx: &mut task::Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().peer_addr()
    }
}

struct Listener(Async<std::net::TcpListener>);

impl TcpListener for Listener {
    fn poll_accept(
        &mut self,
        cx: &mut task::Context<'_>,
    ) -> Poll<io::Result<(Box<dyn TcpStream>, SocketAddr)>> {
        loop {
            match self.0.get_ref().accept() {
                Ok((stream, peer)) => {
                    let accepted = stream
                        .set_nodelay(true)
                        .and_then(|()| Async::new(stream))
                        .map(|s| (Box::new(Stream(s)) as Box<dyn TcpStream>, peer));
                    return Poll::Ready(accepted);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => match self.0.poll_readable(cx) {
                    Poll::Ready(Ok(())) => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                },
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().local_addr()
    }
}
