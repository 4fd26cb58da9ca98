//! Endpoints as the driver uses them: [`ice_proto::proxy::Endpoint`] for parsing, printing and
//! marshaling, plus the socket addresses to connect to or listen on. Only TCP is supported
//! for now; other transports are skipped.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use ice_proto::proxy::{Endpoint, EndpointRole, IpEndpoint, ParseDefaults};

use crate::error::{Error, Result};

/// The TCP part of `endpoint`, if it is a TCP endpoint.
pub(crate) fn tcp(endpoint: &Endpoint) -> Option<&IpEndpoint> {
    match endpoint {
        Endpoint::Tcp(ip) => Some(ip),
        _ => None,
    }
}

/// Parses the endpoints of an object adapter (`<adapter>.Endpoints`), separated by `:`;
/// `defaults` give the timeout of endpoints without `-t` (`Ice.Default.Timeout`).
/// Transports other than TCP are skipped with a warning.
pub(crate) fn parse_adapter_endpoints(
    s: &str,
    defaults: &ParseDefaults,
) -> Result<Vec<IpEndpoint>> {
    let mut out = Vec::new();
    for part in split_unquoted(s, ':').iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let endpoint = Endpoint::parse(part, defaults, EndpointRole::ObjectAdapter)
            .map_err(|e| Error::Parse(e.to_string()))?;
        match endpoint {
            Endpoint::Tcp(ip) => out.push(ip),
            other => tracing::warn!(
                endpoint = %other,
                "skipping an endpoint of an unsupported transport"
            ),
        }
    }
    Ok(out)
}

/// Splits `s` at `sep` outside double quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The key under which outgoing connections to `ip` are shared.
pub(crate) fn connection_key(ip: &IpEndpoint) -> (String, u16) {
    (ip.host.clone(), ip.port)
}

/// The addresses to connect to (blocking name resolution unless the host is an address).
pub(crate) fn connect_addrs(ip: &IpEndpoint) -> Result<Vec<SocketAddr>> {
    let host = if ip.host.is_empty() || ip.host == "*" { "localhost" } else { &ip.host };
    resolve(host, ip.port)
}

/// The addresses to listen on: every interface for an empty host, else the first address
/// of the host (IPv4 first, as for `localhost`).
pub(crate) fn bind_addrs(ip: &IpEndpoint) -> Result<Vec<SocketAddr>> {
    if ip.host.is_empty() || ip.host == "*" || ip.host == "0.0.0.0" {
        return Ok(vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), ip.port)]);
    }
    let mut addrs = resolve(&ip.host, ip.port)?;
    addrs.sort_by_key(|a| !a.is_ipv4());
    addrs.truncate(1);
    Ok(addrs)
}

fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::ConnectFailed {
            endpoint: format!("{host}:{port}"),
            reason: format!("cannot resolve: {e}"),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::ConnectFailed {
            endpoint: format!("{host}:{port}"),
            reason: "name resolves to no address".into(),
        });
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapter_endpoints_keep_tcp_only() {
        let list = parse_adapter_endpoints(
            "tcp -h 127.0.0.1 -p 1 -z : udp -p 2 : tcp -h \"::1\" -p 3",
            &ParseDefaults::default(),
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert!(list[0].compress);
        assert_eq!(list[1].host, "::1");
        assert_eq!(connect_addrs(&list[1]).unwrap()[0].to_string(), "[::1]:3");
        assert!(parse_adapter_endpoints("tcp -p notaport", &ParseDefaults::default()).is_err());
        assert!(parse_adapter_endpoints("carrier-pigeon -p 1", &ParseDefaults::default()).is_err());
        let any = parse_adapter_endpoints("default -p 5", &ParseDefaults::default()).unwrap();
        assert_eq!(bind_addrs(&any[0]).unwrap()[0].to_string(), "0.0.0.0:5");
    }
}
