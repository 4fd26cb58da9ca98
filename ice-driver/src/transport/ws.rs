//! The `ws` and `wss` transports: Ice messages carried in binary WebSocket frames, with
//! ZeroC's subprotocol `ice.zeroc.com`, over TCP or TLS. The WebSocket protocol itself
//! (handshake, masking, ping/pong, close) is tungstenite's.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use async_tungstenite::tungstenite::client::IntoClientRequest;
use async_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use async_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use async_tungstenite::tungstenite::{Error as WsError, Message};
use async_tungstenite::WebSocketStream;
use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use futures_util::Sink;

use super::compat::IoCompat;
use crate::runtime::TcpStream;

/// The WebSocket subprotocol of Ice.
pub(crate) const PROTOCOL: &str = "ice.zeroc.com";
const PROTOCOL_HEADER: &str = "Sec-WebSocket-Protocol";

/// A WebSocket connection seen as a byte stream: the payloads of binary frames, in order.
pub(crate) struct WsStream {
    ws: WebSocketStream<IoCompat>,
    /// What is left of the last frame read.
    pending: Bytes,
    /// The Ice message being written, sent as one frame once complete.
    message: BytesMut,
    /// Its size, from its header (`HEADER_SIZE` until the header is in; 0 once sent).
    message_size: usize,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    /// The peer's close frame arrived: ours, queued by tungstenite, goes out before the end
    /// of the stream is reported.
    peer_closed: bool,
}

/// The size of an Ice message header; its last four bytes are the message size.
const HEADER_SIZE: usize = 14;

fn message_size(header: &[u8]) -> io::Result<usize> {
    let size = i32::from_le_bytes([header[10], header[11], header[12], header[13]]);
    usize::try_from(size).ok().filter(|s| *s >= HEADER_SIZE).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("bad Ice message size {size}"))
    })
}

impl WsStream {
    fn new(
        ws: WebSocketStream<IoCompat>,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
    ) -> Self {
        WsStream {
            ws,
            peer_closed: false,
            pending: Bytes::new(),
            message: BytesMut::new(),
            message_size: 0,
            local,
            peer,
        }
    }
}

/// The frame and message limits for connections whose Ice messages are at most
/// `message_size_max` bytes (`Ice.MessageSizeMax`; 0 is no limit, as in ZeroC).
pub(crate) fn config(message_size_max: usize) -> WebSocketConfig {
    let limit = (message_size_max > 0).then(|| message_size_max.saturating_add(64 * 1024));
    let mut config = WebSocketConfig::default();
    if let Some(limit) = limit {
        config = config.max_message_size(Some(limit)).max_frame_size(Some(limit));
    }
    config
}

fn ws_error(e: WsError) -> io::Error {
    match e {
        WsError::Io(e) => e,
        WsError::ConnectionClosed | WsError::AlreadyClosed => {
            io::Error::new(io::ErrorKind::ConnectionReset, "websocket closed")
        }
        other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
    }
}

/// The client side of the upgrade: asks for `resource` on `host:port` with Ice's
/// subprotocol.
pub(crate) async fn connect(
    stream: Box<dyn TcpStream>,
    host: &str,
    port: u16,
    resource: &str,
    secure: bool,
    config: WebSocketConfig,
) -> Result<(WsStream, Vec<(String, String)>), String> {
    let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let slash = if resource.starts_with('/') { "" } else { "/" };
    let scheme = if secure { "wss" } else { "ws" };
    let url = format!("{scheme}://{host}:{port}{slash}{resource}");
    let mut request =
        url.as_str().into_client_request().map_err(|e| format!("bad websocket url {url}: {e}"))?;
    request.headers_mut().insert(PROTOCOL_HEADER, HeaderValue::from_static(PROTOCOL));
    let (ws, response) =
        async_tungstenite::client_async_with_config(request, IoCompat(stream), Some(config))
            .await
            .map_err(|e| format!("websocket handshake failed: {e}"))?;
    let headers = headers(response.headers());
    Ok((WsStream::new(ws, local, peer), headers))
}

fn headers(map: &async_tungstenite::tungstenite::http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}

/// The server side of the upgrade: refuses a subprotocol other than Ice's (as ZeroC does),
/// and names it in the answer when the client asked for it.
// The refusal's type is tungstenite's callback contract.
#[allow(clippy::result_large_err)]
pub(crate) async fn accept(
    stream: Box<dyn TcpStream>,
    config: WebSocketConfig,
) -> Result<(WsStream, Vec<(String, String)>), String> {
    let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
    let mut seen = Vec::new();
    let callback = |request: &Request, mut response: Response| {
        seen = headers(request.headers());
        let Some(asked) = request.headers().get(PROTOCOL_HEADER) else {
            return Ok(response);
        };
        let asked = String::from_utf8_lossy(asked.as_bytes()).into_owned();
        if asked.split(',').any(|p| p.trim() != PROTOCOL) {
            let mut refusal = ErrorResponse::new(Some(format!("unknown protocol `{asked}'")));
            *refusal.status_mut() = StatusCode::BAD_REQUEST;
            return Err(refusal);
        }
        response.headers_mut().insert(PROTOCOL_HEADER, HeaderValue::from_static(PROTOCOL));
        Ok(response)
    };
    let ws =
        async_tungstenite::accept_hdr_async_with_config(IoCompat(stream), callback, Some(config))
            .await
            .map_err(|e| format!("websocket handshake failed: {e}"))?;
    Ok((WsStream::new(ws, local, peer), seen))
}

impl TcpStream for WsStream {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        loop {
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.advance(n);
                return Poll::Ready(Ok(n));
            }
            if self.peer_closed {
                // Answered as ZeroC's peers expect before they close the socket; a peer that
                // is already gone just ends the stream.
                let _ = ready!(Pin::new(&mut self.ws).poll_flush(cx));
                return Poll::Ready(Ok(0));
            }
            match ready!(Pin::new(&mut self.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(b))) => self.pending = b,
                // Pings are answered by tungstenite itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) => self.peer_closed = true,
                None => return Poll::Ready(Ok(0)),
                Some(Ok(Message::Text(_))) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "text frame on an Ice websocket connection",
                    )))
                }
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                    return Poll::Ready(Ok(0))
                }
                Some(Err(e)) => return Poll::Ready(Err(ws_error(e))),
            }
        }
    }

    fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // One frame per Ice message, as ZeroC sends them: ZeroC's reader does not take
        // several messages in one frame.
        let mut consumed = 0;
        for buf in bufs {
            let mut rest: &[u8] = buf;
            while !rest.is_empty() {
                if self.message.len() == self.message_size {
                    // The previous message is out: the sink must take another first.
                    match Pin::new(&mut self.ws).poll_ready(cx) {
                        Poll::Ready(Ok(())) => {}
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(ws_error(e))),
                        Poll::Pending if consumed > 0 => return Poll::Ready(Ok(consumed)),
                        Poll::Pending => return Poll::Pending,
                    }
                    self.message.clear();
                    self.message_size = HEADER_SIZE;
                }
                let take = rest.len().min(self.message_size - self.message.len());
                self.message.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                consumed += take;
                if self.message.len() == HEADER_SIZE && self.message_size == HEADER_SIZE {
                    self.message_size = message_size(&self.message)?;
                }
                if self.message.len() == self.message_size {
                    let frame = self.message.split().freeze();
                    // Keeps `message.len() == message_size` meaning "sent": see above.
                    self.message_size = 0;
                    Pin::new(&mut self.ws).start_send(Message::Binary(frame)).map_err(ws_error)?;
                }
            }
        }
        Poll::Ready(Ok(consumed))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.ws).poll_flush(cx).map_err(ws_error)
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(Pin::new(&mut self.ws).poll_close(cx)) {
            Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(ws_error(e))),
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.local.ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "no address"))
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer.ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "no address"))
    }
}
