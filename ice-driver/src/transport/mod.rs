//! The stream transports above TCP: `ssl` (TLS), `ws` (WebSocket) and `wss` (WebSocket over
//! TLS). Each turns a runtime's TCP stream into another [`TcpStream`] after its handshake,
//! so the connection task drives every transport the same way.

mod compat;
pub(crate) mod ssl;
mod ws;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use ice_proto::proxy::Endpoint;
use ice_proto::Properties;

use crate::error::Error;
use crate::runtime::{Runtime, TcpStream};
use crate::util::with_deadline;
use ssl::{SslEngine, SslError};

/// How long an incoming connection may take over its TLS or WebSocket handshake when its
/// endpoint has no timeout of its own (`-t infinite`): a peer that never finishes must not
/// hold the connection forever.
const ACCEPT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// What a connection's transport reports about itself: the parts of ZeroC's
/// `Ice::ConnectionInfo`, `IceSSL::ConnectionInfo` and `Ice::WSConnectionInfo` beyond the
/// addresses (see [`Connection::local_addr`](crate::Connection::local_addr)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportInfo {
    /// The transport: `tcp`, `ssl`, `ws`, `wss` or `udp`.
    pub kind: &'static str,
    /// The negotiated TLS cipher suite (`ssl`, `wss`), as rustls names it.
    pub cipher: Option<String>,
    /// The peer's certificate chain as DER, leaf first, completed with the CA that issued it
    /// when the peer did not send it (`ssl`, `wss`; empty when the peer sent none).
    pub peer_certificates: Vec<Vec<u8>>,
    /// The HTTP headers of the WebSocket upgrade: the client's request on an incoming
    /// connection, the server's answer on an outgoing one (`ws`, `wss`).
    pub headers: Vec<(String, String)>,
}

impl TransportInfo {
    pub(crate) fn plain(kind: &'static str) -> TransportInfo {
        TransportInfo { kind, ..TransportInfo::default() }
    }

    /// Whether the transport is TLS (`ssl` or `wss`).
    pub fn is_secure(&self) -> bool {
        matches!(self.kind, "ssl" | "wss")
    }

    /// The peer's certificates in PEM, leaf first, as `IceSSL` encodes them.
    pub fn peer_certificates_pem(&self) -> Vec<String> {
        self.peer_certificates.iter().map(|der| pem(der)).collect()
    }

    /// The subject of the peer's leaf certificate as a distinguished name
    /// (`CN=client,O=...`), if it sent one.
    pub fn peer_subject(&self) -> Option<String> {
        let leaf = self.peer_certificates.first()?;
        ssl::subject_dn(&rustls_pki_types::CertificateDer::from(leaf.as_slice()))
    }
}

fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// `info` to keep with a connection: plain TCP and UDP connections share one instance each.
pub(crate) fn shared_info(info: TransportInfo) -> Arc<TransportInfo> {
    static TCP: OnceLock<Arc<TransportInfo>> = OnceLock::new();
    static UDP: OnceLock<Arc<TransportInfo>> = OnceLock::new();
    let plain = TransportInfo::plain(info.kind);
    match info.kind {
        "tcp" if info == plain => TCP.get_or_init(|| Arc::new(plain)).clone(),
        "udp" if info == plain => UDP.get_or_init(|| Arc::new(plain)).clone(),
        _ => Arc::new(info),
    }
}

/// The `IceSSL` configuration of a communicator, built at its first use.
#[derive(Debug, Default)]
pub(crate) struct Transports {
    ssl: OnceLock<Result<Arc<SslEngine>, String>>,
}

impl Transports {
    /// The TLS engine from `IceSSL.*`, or why it cannot be built.
    pub(crate) fn ssl(&self, props: &Properties) -> Result<Arc<SslEngine>, Error> {
        self.ssl
            .get_or_init(|| SslEngine::from_properties(props).map(Arc::new))
            .clone()
            .map_err(|e| Error::invalid(format!("IceSSL: {e}")))
    }
}

fn ws_limit(props: &Properties) -> usize {
    match usize::try_from(props.get_int_or("Ice.MessageSizeMax", 1024)) {
        Ok(kb) if kb > 0 => kb.saturating_mul(1024),
        _ => 0,
    }
}

/// What the TLS layer said, when `e` (a read or write error) comes from it: a peer's alert
/// after the handshake, as a TLS 1.3 server sends to a client without the certificate it
/// requires.
pub(crate) fn security_reason(e: &std::io::Error) -> Option<String> {
    let tls = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(format!("TLS error: {tls}"))
}

fn security(endpoint: &Endpoint, reason: String) -> Error {
    Error::Security { endpoint: endpoint.to_string(), reason }
}

fn ssl_error(endpoint: &Endpoint, e: SslError) -> Error {
    match e {
        SslError::Security(reason) => security(endpoint, reason),
        SslError::Io(e) => Error::ConnectFailed {
            endpoint: endpoint.to_string(),
            reason: format!("TLS handshake failed: {e}"),
        },
    }
}

/// The handshakes of an outgoing connection to `endpoint` over the TCP `stream`.
pub(crate) async fn connect(
    transports: &Transports,
    props: &Properties,
    endpoint: &Endpoint,
    stream: Box<dyn TcpStream>,
) -> Result<(Box<dyn TcpStream>, TransportInfo), Error> {
    let ws_failed =
        |reason: String| Error::ConnectFailed { endpoint: endpoint.to_string(), reason };
    match endpoint {
        Endpoint::Ssl(ip) => {
            let engine = transports.ssl(props)?;
            engine.connect(stream, &ip.host, "ssl").await.map_err(|e| ssl_error(endpoint, e))
        }
        Endpoint::Ws(ws) => {
            let config = ws::config(ws_limit(props));
            let (s, headers) =
                ws::connect(stream, &ws.ip.host, ws.ip.port, &ws.resource, false, config)
                    .await
                    .map_err(ws_failed)?;
            Ok((Box::new(s), TransportInfo { headers, ..TransportInfo::plain("ws") }))
        }
        Endpoint::Wss(ws) => {
            let engine = transports.ssl(props)?;
            let (tls, mut info) = engine
                .connect(stream, &ws.ip.host, "wss")
                .await
                .map_err(|e| ssl_error(endpoint, e))?;
            let config = ws::config(ws_limit(props));
            let (s, headers) =
                ws::connect(tls, &ws.ip.host, ws.ip.port, &ws.resource, true, config)
                    .await
                    .map_err(ws_failed)?;
            info.headers = headers;
            Ok((Box::new(s), info))
        }
        _ => Ok((stream, TransportInfo::plain("tcp"))),
    }
}

/// The transport layers an object adapter's listener puts on the connections it accepts.
#[derive(Debug, Clone)]
pub(crate) enum Layers {
    Tcp,
    Ssl(Arc<SslEngine>),
    Ws,
    Wss(Arc<SslEngine>),
}

impl Layers {
    /// The layers of incoming connections to `endpoint` (which must be a stream endpoint).
    pub(crate) fn for_endpoint(
        transports: &Transports,
        props: &Properties,
        endpoint: &Endpoint,
    ) -> Result<Layers, Error> {
        let engine = || -> Result<Arc<SslEngine>, Error> {
            let engine = transports.ssl(props)?;
            engine.check_server().map_err(|e| Error::invalid(format!("IceSSL: {e}")))?;
            Ok(engine)
        };
        Ok(match endpoint {
            Endpoint::Ssl(_) => Layers::Ssl(engine()?),
            Endpoint::Ws(_) => Layers::Ws,
            Endpoint::Wss(_) => Layers::Wss(engine()?),
            _ => Layers::Tcp,
        })
    }

    /// The transport's name as traces give it (`tcp`, `ssl`, `ws`, `wss`).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Layers::Tcp => "tcp",
            Layers::Ssl(_) => "ssl",
            Layers::Ws => "ws",
            Layers::Wss(_) => "wss",
        }
    }

    /// Whether accepted connections need a handshake before Ice's validation.
    pub(crate) fn is_plain(&self) -> bool {
        matches!(self, Layers::Tcp)
    }

    /// The handshakes of a connection accepted by adapter `adapter`, within the endpoint's
    /// timeout (`timeout_ms`, -1 for none).
    pub(crate) async fn accept(
        &self,
        runtime: &dyn Runtime,
        props: &Properties,
        adapter: &str,
        timeout_ms: i32,
        stream: Box<dyn TcpStream>,
    ) -> Result<(Box<dyn TcpStream>, TransportInfo), String> {
        let timeout = u64::try_from(timeout_ms)
            .ok()
            .filter(|t| *t > 0)
            .map_or(ACCEPT_HANDSHAKE_TIMEOUT, Duration::from_millis);
        let deadline = runtime.sleep_until(runtime.now() + timeout);
        let handshake = Box::pin(self.handshake(props, adapter, stream));
        with_deadline(handshake, Some(deadline))
            .await
            .unwrap_or_else(|| Err("handshake timed out".to_owned()))
    }

    async fn handshake(
        &self,
        props: &Properties,
        adapter: &str,
        stream: Box<dyn TcpStream>,
    ) -> Result<(Box<dyn TcpStream>, TransportInfo), String> {
        let describe = |e: SslError| match e {
            SslError::Security(s) => s,
            SslError::Io(e) => format!("TLS handshake failed: {e}"),
        };
        match self {
            Layers::Tcp => Ok((stream, TransportInfo::plain("tcp"))),
            Layers::Ssl(engine) => engine.accept(stream, adapter, "ssl").await.map_err(describe),
            Layers::Ws => {
                let (s, headers) = ws::accept(stream, ws::config(ws_limit(props))).await?;
                Ok((Box::new(s), TransportInfo { headers, ..TransportInfo::plain("ws") }))
            }
            Layers::Wss(engine) => {
                let (tls, mut info) =
                    engine.accept(stream, adapter, "wss").await.map_err(describe)?;
                let (s, headers) = ws::accept(tls, ws::config(ws_limit(props))).await?;
                info.headers = headers;
                Ok((Box::new(s), info))
            }
        }
    }
}
