//! The `ssl` transport: TLS over TCP with rustls, configured by ZeroC's `IceSSL.*`
//! properties, for outgoing and incoming connections on every runtime.

mod files;
mod verify;

use std::sync::Arc;

use ice_proto::Properties;
use rustls::client::WebPkiServerVerifier;
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedProtocolVersion};
use rustls_pki_types::{CertificateDer, ServerName};

use super::compat::{IoCompat, StreamCompat};
use super::TransportInfo;
use crate::runtime::TcpStream;

pub(crate) use verify::subject_dn;
use verify::{check_cert_name, verified_chain, ServerVerifier, TrustOnly};

/// Why a TLS connection could not be set up or was refused.
#[derive(Debug)]
pub(crate) enum SslError {
    /// The TLS layer or a certificate check refused the peer (`Ice::SecurityException`).
    Security(String),
    /// The socket failed during the handshake.
    Io(std::io::Error),
}

/// Everything `IceSSL.*` configures, built once per communicator at the first `ssl`
/// connection or endpoint.
#[derive(Debug)]
pub(crate) struct SslEngine {
    client: Arc<ClientConfig>,
    /// `Err` with the reason when the communicator cannot accept `ssl` connections (no
    /// `IceSSL.CertFile`, say).
    server: Result<Arc<ServerConfig>, String>,
    roots: Vec<CertificateDer<'static>>,
    check_cert_name: bool,
    verify_depth_max: usize,
    trust_client: TrustOnly,
    trust_server: TrustOnly,
    /// `IceSSL.TrustOnly.Server.<adapter>`, read per adapter.
    properties: Properties,
    /// Those filters by adapter name, once read.
    adapter_trust: std::sync::Mutex<std::collections::HashMap<String, Arc<TrustOnly>>>,
}

fn versions(props: &Properties) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let Some(list) = props.get("IceSSL.Protocols").filter(|s| !s.trim().is_empty()) else {
        return Ok(vec![&rustls::version::TLS13, &rustls::version::TLS12]);
    };
    let mut out = Vec::new();
    let mut unsupported = Vec::new();
    for name in list.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
        let norm = name.to_ascii_uppercase().replace(['.', 'V'], "").replace('_', "");
        match norm.as_str() {
            "TLS12" => out.push(&rustls::version::TLS12),
            "TLS13" => out.push(&rustls::version::TLS13),
            "SSL3" | "TLS1" | "TLS10" | "TLS11" => unsupported.push(name),
            _ => return Err(format!("IceSSL.Protocols: unknown protocol `{name}'")),
        }
    }
    if out.is_empty() {
        return Err(format!(
            "IceSSL.Protocols: {} cannot be used (this runtime speaks TLS 1.2 and 1.3 only)",
            unsupported.join(", ")
        ));
    }
    if !unsupported.is_empty() {
        tracing::warn!(
            protocols = %unsupported.join(", "),
            "IceSSL.Protocols: ignoring protocols older than TLS 1.2"
        );
    }
    Ok(out)
}

fn trust(props: &Properties, name: &str) -> Result<TrustOnly, String> {
    TrustOnly::parse(name, props.get(name).unwrap_or_default())
}

impl SslEngine {
    /// Reads `IceSSL.*` from `props`.
    pub(crate) fn from_properties(props: &Properties) -> Result<SslEngine, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let dir = props.get("IceSSL.DefaultDir").unwrap_or_default().to_owned();
        let verify_peer = props.get_int_or("IceSSL.VerifyPeer", 2);
        if !(0..=2).contains(&verify_peer) {
            return Err(format!("IceSSL.VerifyPeer: invalid value {verify_peer} (0, 1 or 2)"));
        }
        let check_cert_name = props.get_int_or("IceSSL.CheckCertName", 0);
        let verify_depth_max = usize::try_from(props.get_int_or("IceSSL.VerifyDepthMax", 3))
            .map_err(|_| "IceSSL.VerifyDepthMax: must not be negative".to_owned())?;
        if let Some(c) = props.get("IceSSL.Ciphers").filter(|c| !c.trim().is_empty()) {
            if c.contains("ADH") || c.contains("aNULL") {
                return Err(format!(
                    "IceSSL.Ciphers: `{c}' asks for anonymous cipher suites, which this runtime \
                     (rustls) does not offer; configure certificates instead"
                ));
            }
            tracing::warn!(ciphers = c, "IceSSL.Ciphers: ignored; rustls picks its cipher suites");
        }
        let versions = versions(props)?;

        let mut roots = Vec::new();
        if let Some(cas) = props.get("IceSSL.CAs").filter(|s| !s.is_empty()) {
            roots = files::load_cas(&files::resolve(cas, &dir))?;
        }
        if props.get_int_or("IceSSL.UsePlatformCAs", 0) > 0 {
            for bundle in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]
            {
                if let Ok(mut certs) = files::load_cas(std::path::Path::new(bundle)) {
                    roots.append(&mut certs);
                    break;
                }
            }
        }
        let mut store = RootCertStore::empty();
        for cert in &roots {
            store
                .add(cert.clone())
                .map_err(|e| format!("IceSSL.CAs: unusable certificate: {e}"))?;
        }
        let store = Arc::new(store);

        let identity = match props.get("IceSSL.CertFile").filter(|s| !s.is_empty()) {
            Some(cert) => {
                let cert = files::resolve(cert, &dir);
                let key = props
                    .get("IceSSL.KeyFile")
                    .filter(|s| !s.is_empty())
                    .map(|k| files::resolve(k, &dir));
                let password = props.get("IceSSL.Password").unwrap_or_default();
                Some(files::load_identity(&cert, key.as_deref(), password)?)
            }
            None => None,
        };

        let chain = if store.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(store.clone(), provider.clone())
                    .build()
                    .map_err(|e| format!("IceSSL.CAs: {e}"))?,
            )
        };
        let verifier =
            ServerVerifier { chain, verify: verify_peer > 0, provider: provider.clone() };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| format!("IceSSL.Protocols: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier));
        let mut client = match &identity {
            Some(id) => builder
                .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
                .map_err(|e| format!("IceSSL.CertFile: {e}"))?,
            None => builder.with_no_client_auth(),
        };
        // IceSSL sends the server name only with CheckCertName > 1.
        client.enable_sni = check_cert_name > 1;

        let server = match identity {
            None => Err("no certificate for incoming ssl connections: set IceSSL.CertFile".into()),
            Some(id) => {
                let builder = ServerConfig::builder_with_provider(provider.clone())
                    .with_protocol_versions(&versions)
                    .map_err(|e| format!("IceSSL.Protocols: {e}"))?;
                let builder = if verify_peer == 0 {
                    Ok(builder.with_no_client_auth())
                } else if store.is_empty() {
                    if verify_peer == 2 {
                        Err("IceSSL.VerifyPeer=2 requires client certificates, but IceSSL.CAs \
                             names no CA to verify them with"
                            .to_owned())
                    } else {
                        Ok(builder.with_no_client_auth())
                    }
                } else {
                    let v = WebPkiClientVerifier::builder_with_provider(store, provider.clone());
                    let v = if verify_peer == 1 { v.allow_unauthenticated() } else { v };
                    let v = v.build().map_err(|e| format!("IceSSL.CAs: {e}"))?;
                    Ok(builder.with_client_cert_verifier(v))
                };
                match builder {
                    Ok(b) => b
                        .with_single_cert(id.chain, id.key)
                        .map(Arc::new)
                        .map_err(|e| format!("IceSSL.CertFile: {e}")),
                    Err(e) => Err(e),
                }
            }
        };
        let general = trust(props, "IceSSL.TrustOnly")?;
        Ok(SslEngine {
            client: Arc::new(client),
            server,
            roots,
            check_cert_name: check_cert_name > 0,
            verify_depth_max,
            trust_client: general.with(&trust(props, "IceSSL.TrustOnly.Client")?),
            trust_server: general.with(&trust(props, "IceSSL.TrustOnly.Server")?),
            properties: props.clone(),
            adapter_trust: Default::default(),
        })
    }

    /// `IceSSL.TrustOnly` and `.Server` with `IceSSL.TrustOnly.Server.<adapter>`, parsed
    /// once per adapter rather than at every accepted connection.
    fn server_trust(&self, adapter: &str) -> Result<Arc<TrustOnly>, String> {
        let mut cache = self.adapter_trust.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = cache.get(adapter) {
            return Ok(t.clone());
        }
        let t = if adapter.is_empty() {
            self.trust_server.clone()
        } else {
            let own = trust(&self.properties, &format!("IceSSL.TrustOnly.Server.{adapter}"))?;
            self.trust_server.with(&own)
        };
        let t = Arc::new(t);
        cache.insert(adapter.to_owned(), t.clone());
        Ok(t)
    }

    /// Whether incoming connections can be accepted; else why not.
    pub(crate) fn check_server(&self) -> Result<(), String> {
        self.server.as_ref().map(|_| ()).map_err(Clone::clone)
    }

    fn info(
        &self,
        kind: &'static str,
        suite: Option<rustls::SupportedCipherSuite>,
        presented: Option<&[CertificateDer<'static>]>,
    ) -> TransportInfo {
        let presented = presented.unwrap_or_default();
        TransportInfo {
            kind,
            cipher: suite.map(|s| {
                s.suite().as_str().map(str::to_owned).unwrap_or_else(|| format!("{:?}", s.suite()))
            }),
            peer_certificates: verified_chain(presented, &self.roots)
                .into_iter()
                .map(|c| c.to_vec())
                .collect(),
            ..TransportInfo::default()
        }
    }

    fn check_depth(&self, info: &TransportInfo, incoming: bool) -> Result<(), SslError> {
        let n = info.peer_certificates.len();
        if self.verify_depth_max > 0 && n > self.verify_depth_max {
            let side = if incoming { "incoming" } else { "outgoing" };
            return Err(SslError::Security(format!(
                "{side} connection rejected: length of peer's certificate chain ({n}) exceeds \
                 the maximum of {} (IceSSL.VerifyDepthMax)",
                self.verify_depth_max
            )));
        }
        Ok(())
    }

    /// The TLS handshake of an outgoing connection to `host`, then IceSSL's own checks.
    pub(crate) async fn connect(
        &self,
        stream: Box<dyn TcpStream>,
        host: &str,
        kind: &'static str,
    ) -> Result<(Box<dyn TcpStream>, TransportInfo), SslError> {
        let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(bare.to_owned())
            .or_else(|_| ServerName::try_from(peer.map(|p| p.ip().to_string()).unwrap_or_default()))
            .map_err(|e| SslError::Security(format!("bad server name `{host}': {e}")))?;
        let tls = futures_rustls::TlsConnector::from(self.client.clone())
            .connect(name, IoCompat(stream))
            .await
            .map_err(handshake_error)?;
        let (_, session) = tls.get_ref();
        let info = self.info(kind, session.negotiated_cipher_suite(), session.peer_certificates());
        self.check_depth(&info, false)?;
        let leaf = leaf(&info);
        if self.check_cert_name {
            if let Some(leaf) = &leaf {
                if !bare.is_empty() {
                    check_cert_name(leaf, bare).map_err(SslError::Security)?;
                }
            }
        }
        if !self.trust_client.trusts(leaf.as_ref()) {
            return Err(SslError::Security(
                "outgoing connection rejected: the server's certificate does not match \
                 IceSSL.TrustOnly / IceSSL.TrustOnly.Client"
                    .into(),
            ));
        }
        Ok((Box::new(StreamCompat { inner: tls, local, peer }), info))
    }

    /// The TLS handshake of a connection accepted by object adapter `adapter`.
    pub(crate) async fn accept(
        &self,
        stream: Box<dyn TcpStream>,
        adapter: &str,
        kind: &'static str,
    ) -> Result<(Box<dyn TcpStream>, TransportInfo), SslError> {
        let config = self.server.as_ref().map_err(|e| SslError::Security(e.clone()))?;
        let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
        let accepted = futures_rustls::TlsAcceptor::from(config.clone())
            .accept(IoCompat(stream))
            .into_fallible()
            .await;
        let tls = match accepted {
            Ok(tls) => tls,
            Err((e, mut io)) => {
                // The alert saying why is written: end the stream with a FIN after it, and
                // read what the client still sends until it closes (bounded by the accept
                // deadline), so that it reads the alert rather than a reset.
                let _ = std::future::poll_fn(|cx| {
                    futures_io::AsyncWrite::poll_close(std::pin::Pin::new(&mut io), cx)
                })
                .await;
                let mut scrap = [0u8; 512];
                while let Ok(n) = std::future::poll_fn(|cx| {
                    futures_io::AsyncRead::poll_read(std::pin::Pin::new(&mut io), cx, &mut scrap)
                })
                .await
                {
                    if n == 0 {
                        break;
                    }
                }
                return Err(handshake_error(e));
            }
        };
        let (_, session) = tls.get_ref();
        let info = self.info(kind, session.negotiated_cipher_suite(), session.peer_certificates());
        self.check_depth(&info, true)?;
        let own = format!("IceSSL.TrustOnly.Server.{adapter}");
        let trust = self.server_trust(adapter).map_err(SslError::Security)?;
        if !trust.is_empty() && !trust.trusts(leaf(&info).as_ref()) {
            return Err(SslError::Security(format!(
                "incoming connection rejected: the client's certificate does not match \
                 IceSSL.TrustOnly / IceSSL.TrustOnly.Server / {own}"
            )));
        }
        Ok((Box::new(StreamCompat { inner: tls, local, peer }), info))
    }
}

/// A handshake failure: the TLS layer's own errors (certificates, alerts) are security
/// errors; anything else is the socket's.
fn handshake_error(e: std::io::Error) -> SslError {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(tls) => SslError::Security(format!("TLS handshake failed: {tls}")),
        None => SslError::Io(e),
    }
}

fn leaf(info: &TransportInfo) -> Option<CertificateDer<'_>> {
    info.peer_certificates.first().map(|d| CertificateDer::from(d.as_slice()))
}
