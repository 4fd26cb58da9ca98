//! Adapters between the runtime's poll-based [`TcpStream`] and the `futures-io` traits that
//! the TLS and WebSocket crates speak, so that both layers are written once for every runtime.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::runtime::TcpStream;

/// A runtime's TCP stream seen as a `futures-io` stream.
pub(crate) struct IoCompat(pub(crate) Box<dyn TcpStream>);

impl AsyncRead for IoCompat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.poll_read(cx, buf)
    }
}

impl AsyncWrite for IoCompat {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.poll_shutdown(cx)
    }
}

/// A `futures-io` stream (a TLS session) seen as a runtime's [`TcpStream`], with the
/// addresses of the TCP connection under it.
pub(crate) struct StreamCompat<S> {
    pub(crate) inner: S,
    pub(crate) local: Option<SocketAddr>,
    pub(crate) peer: Option<SocketAddr>,
}

fn no_address() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "no address")
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> TcpStream for StreamCompat<S> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.local.ok_or_else(no_address)
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer.ok_or_else(no_address)
    }
}
