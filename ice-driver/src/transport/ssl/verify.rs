//! Certificate checks as IceSSL makes them: chain verification with `IceSSL.VerifyPeer`
//! levels, the host name check of `IceSSL.CheckCertName` (done by IceSSL after the
//! handshake, not by the TLS library), `IceSSL.VerifyDepthMax` and the `IceSSL.TrustOnly*`
//! distinguished-name filters.

use std::net::IpAddr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Name};

/// Verifies a server's chain against the CAs unless `IceSSL.VerifyPeer=0`, leaving the
/// name to [`check_cert_name`]: ZeroC does not compare names unless `IceSSL.CheckCertName`
/// asks it to.
#[derive(Debug)]
pub(crate) struct ServerVerifier {
    pub(crate) chain: Option<Arc<WebPkiServerVerifier>>,
    pub(crate) verify: bool,
    pub(crate) provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.verify {
            return Ok(ServerCertVerified::assertion());
        }
        let Some(chain) = &self.chain else {
            return Err(rustls::Error::General(
                "no CA certificate to verify the server's certificate with: set IceSSL.CAs \
                 (or IceSSL.VerifyPeer=0 to accept any server)"
                    .into(),
            ));
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

fn parse<'a>(der: &'a CertificateDer<'_>) -> Option<X509Certificate<'a>> {
    X509Certificate::from_der(der.as_ref()).ok().map(|(_, c)| c)
}

/// The `(attribute, value)` pairs of a name, in certificate order, with OpenSSL's short
/// attribute names (`CN`, `O`, `emailAddress`...).
fn attributes(name: &X509Name<'_>) -> Vec<(String, String)> {
    let registry = x509_parser::objects::oid_registry();
    name.iter_attributes()
        .map(|a| {
            let key = x509_parser::objects::oid2abbrev(a.attr_type(), registry)
                .map(str::to_owned)
                .unwrap_or_else(|_| a.attr_type().to_id_string());
            (key, a.as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The subject of a DER certificate as a distinguished-name string (`CN=client,OU=Ice,...`,
/// RFC 2253 order as IceSSL prints it), or `None` if it does not parse.
pub(crate) fn subject_dn(der: &CertificateDer<'_>) -> Option<String> {
    let cert = parse(der)?;
    let attrs = attributes(cert.subject());
    Some(
        attrs.iter().rev().map(|(k, v)| format!("{k}={}", escape(v))).collect::<Vec<_>>().join(","),
    )
}

/// With `IceSSL.CheckCertName`: does the server's leaf certificate name `host`, as IceSSL
/// decides it (an IP address against the IP subject alternative names; a host name against
/// the DNS ones, or the subject's CN when there are none)?
pub(crate) fn check_cert_name(leaf: &CertificateDer<'_>, host: &str) -> Result<(), String> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let cert = parse(leaf).ok_or("the server's certificate does not parse")?;
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => dns.push(d.to_ascii_lowercase()),
                GeneralName::IPAddress(bytes) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(&bytes[..]) {
                        ips.push(IpAddr::from(v4));
                    } else if let Ok(v6) = <[u8; 16]>::try_from(&bytes[..]) {
                        ips.push(IpAddr::from(v6));
                    }
                }
                _ => {}
            }
        }
    }
    let ok = match host.parse::<IpAddr>() {
        Ok(ip) => ips.contains(&ip),
        Err(_) => {
            let host = host.to_ascii_lowercase();
            if dns.is_empty() {
                attributes(cert.subject())
                    .iter()
                    .any(|(k, v)| k == "CN" && v.to_ascii_lowercase() == host)
            } else {
                dns.contains(&host)
            }
        }
    };
    if ok {
        Ok(())
    } else if host.parse::<IpAddr>().is_ok() {
        Err(format!("certificate verification failure: IP address mismatch (`{host}')"))
    } else {
        Err(format!("certificate verification failure: hostname mismatch (`{host}')"))
    }
}

/// One `IceSSL.TrustOnly*` entry: the attributes a subject must all have; `reject` when
/// it was written with a leading `!`.
#[derive(Debug, Clone, PartialEq)]
struct TrustEntry {
    reject: bool,
    attributes: Vec<(String, String)>,
}

/// A parsed `IceSSL.TrustOnly*` property: `;`-separated distinguished names, each a
/// `,`-separated list of `key=value` (quotes and backslash escapes allowed); a peer is
/// trusted when it matches no `!` entry and, if there are other entries, one of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TrustOnly {
    entries: Vec<TrustEntry>,
}

fn split_escaped(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in s.chars() {
        if escaped {
            cur.push('\\');
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
            cur.push(c);
        } else if c == sep && !quoted {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

fn unescape(v: &str) -> String {
    let v = v.trim();
    let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl TrustOnly {
    /// Parses the value of `property`.
    pub(crate) fn parse(property: &str, value: &str) -> Result<TrustOnly, String> {
        let mut entries = Vec::new();
        for dn in split_escaped(value, ';') {
            let dn = dn.trim();
            if dn.is_empty() {
                continue;
            }
            let (reject, dn) = match dn.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, dn),
            };
            let mut attributes = Vec::new();
            for rdn in split_escaped(dn, ',') {
                let Some((k, v)) = rdn.split_once('=') else {
                    return Err(format!("{property}: `{rdn}' is not key=value"));
                };
                attributes.push((k.trim().to_ascii_uppercase(), unescape(v)));
            }
            entries.push(TrustEntry { reject, attributes });
        }
        Ok(TrustOnly { entries })
    }

    /// The entries of `self` followed by those of `other`.
    pub(crate) fn with(&self, other: &TrustOnly) -> TrustOnly {
        let mut entries = self.entries.clone();
        entries.extend(other.entries.iter().cloned());
        TrustOnly { entries }
    }

    /// Whether the filter says anything.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a peer whose leaf certificate is `leaf` (none: it sent no certificate)
    /// passes the filter.
    pub(crate) fn trusts(&self, leaf: Option<&CertificateDer<'_>>) -> bool {
        if self.entries.is_empty() {
            return true;
        }
        let Some(subject) = leaf.and_then(parse).map(|c| {
            attributes(c.subject())
                .into_iter()
                .map(|(k, v)| (k.to_ascii_uppercase(), v))
                .collect::<Vec<_>>()
        }) else {
            return false;
        };
        let matches = |e: &TrustEntry| e.attributes.iter().all(|a| subject.contains(a));
        if self.entries.iter().any(|e| e.reject && matches(e)) {
            return false;
        }
        let accepts: Vec<&TrustEntry> = self.entries.iter().filter(|e| !e.reject).collect();
        accepts.is_empty() || accepts.into_iter().any(matches)
    }
}

/// The peer's chain completed with the CA that issued its last certificate, when that CA is
/// one of `roots` and was not sent (IceSSL reports the verified chain, up to the CA).
pub(crate) fn verified_chain(
    presented: &[CertificateDer<'static>],
    roots: &[CertificateDer<'static>],
) -> Vec<CertificateDer<'static>> {
    let mut chain = presented.to_vec();
    let Some(last) = presented.last().and_then(parse) else { return chain };
    let issuer = last.issuer().as_raw();
    if last.subject().as_raw() == issuer {
        return chain;
    }
    if let Some(root) =
        roots.iter().find(|r| parse(r).is_some_and(|r| r.subject().as_raw() == issuer))
    {
        chain.push(root.clone());
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_only_parses_accept_and_reject_entries() {
        let t = TrustOnly::parse("p", r#"CN=a, O="Z, Inc."; !CN=b ;O=x\,y"#).unwrap();
        assert_eq!(t.entries.len(), 3);
        assert_eq!(t.entries[0].attributes[1], ("O".to_owned(), "Z, Inc.".to_owned()));
        assert!(t.entries[1].reject);
        assert_eq!(t.entries[2].attributes[0].1, "x,y");
        assert!(TrustOnly::parse("p", "CN").is_err());
        assert!(TrustOnly::default().trusts(None));
        assert!(!t.trusts(None));
    }
}
