//! Endpoints as the driver uses them: [`ice_proto::proxy::Endpoint`] for parsing, printing and
//! marshaling, plus the socket addresses to connect to or listen on. TCP, SSL, WS, WSS and
//! UDP are supported; other transports are skipped.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use ice_proto::proxy::{Endpoint, EndpointRole, ParseDefaults};

use crate::error::{Error, ParseError, Result};
use crate::runtime::Runtime;

/// Whether this driver can reach `endpoint` for a proxy that sends datagrams (`datagram`,
/// UDP endpoints only) or uses streams (TCP endpoints only), as ZeroC's runtime filters them.
pub(crate) fn usable(endpoint: &Endpoint, datagram: bool) -> bool {
    match endpoint {
        Endpoint::Tcp(_) | Endpoint::Ssl(_) | Endpoint::Ws(_) | Endpoint::Wss(_) => !datagram,
        Endpoint::Udp(_) => datagram,
        _ => false,
    }
}

/// Parses the endpoints of an object adapter (`<adapter>.Endpoints`), separated by `:`.
/// Transports this driver does not speak (opaque endpoints) are skipped with a warning.
pub(crate) fn parse_adapter_endpoints(s: &str, defaults: &ParseDefaults) -> Result<Vec<Endpoint>> {
    let mut out = Vec::new();
    for part in split_unquoted(s, ':').iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let endpoint = Endpoint::parse(part, defaults, EndpointRole::ObjectAdapter)
            .map_err(ParseError::Endpoint)?;
        match endpoint {
            Endpoint::Opaque(_) => tracing::warn!(
                endpoint = %endpoint,
                "skipping an endpoint of an unsupported transport"
            ),
            _ => out.push(endpoint),
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

/// The host and port of a TCP or UDP endpoint.
pub(crate) fn host_port(endpoint: &Endpoint) -> Option<(&str, u16)> {
    match endpoint {
        Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => Some((&ip.host, ip.port)),
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => Some((&ws.ip.host, ws.ip.port)),
        Endpoint::Udp(udp) => Some((&udp.host, udp.port)),
        _ => None,
    }
}

/// The key under which outgoing connections are shared: transport, host, port and the
/// proxy's connection id (`ice_connection_id`), so that proxies with different connection ids
/// never share a connection.
pub(crate) type ConnectionKey = (i16, String, u16, String);

/// The key of outgoing connections to `endpoint` for proxies with `connection_id`.
pub(crate) fn connection_key(endpoint: &Endpoint, connection_id: &str) -> Option<ConnectionKey> {
    // WebSocket connections to different resources of one server are different connections.
    let id = match endpoint {
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => format!("{connection_id}\0{}", ws.resource),
        _ => connection_id.to_owned(),
    };
    host_port(endpoint).map(|(host, port)| (endpoint.endpoint_type(), host.to_owned(), port, id))
}

/// Whether `host` means "every interface" in an object adapter's endpoint.
pub(crate) fn is_wildcard(host: &str) -> bool {
    host.is_empty() || host == "*" || host == "0.0.0.0"
}

/// The addresses to connect to: the host itself if it is an address, else what the
/// runtime's resolver answers (never blocking the runtime's threads).
pub(crate) async fn connect_addrs(
    runtime: &dyn Runtime,
    host: &str,
    port: u16,
) -> Result<Vec<SocketAddr>> {
    let host = if host.is_empty() || host == "*" { "localhost" } else { host };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let cannot =
        |reason: String| Error::ConnectFailed { endpoint: format!("{bare}:{port}"), reason };
    let addrs = runtime
        .resolve(bare.to_owned(), port)
        .await
        .map_err(|e| cannot(format!("cannot resolve: {e}")))?;
    if addrs.is_empty() {
        return Err(cannot("name resolves to no address".into()));
    }
    Ok(addrs)
}

/// The addresses to listen on: every interface for an empty host, else the first address
/// of the host (IPv4 first, as for `localhost`). Resolution blocks, as ZeroC's does when an
/// object adapter is created: it happens once, at set-up, not on a connection's path.
pub(crate) fn bind_addrs(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    if is_wildcard(host) {
        return Ok(vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)]);
    }
    let mut addrs = resolve(host, port)?;
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
    fn adapter_endpoints_keep_stream_and_datagram_transports() {
        let defaults = ParseDefaults::default();
        let list = parse_adapter_endpoints(
            "tcp -h 127.0.0.1 -p 1 -z : udp -p 2 : tcp -h \"::1\" -p 3 : ws -p 4 -r /a : wss -p 4",
            &defaults,
        )
        .unwrap();
        assert_eq!(list.len(), 5);
        assert!(usable(&list[3], false) && !usable(&list[3], true));
        assert_ne!(connection_key(&list[3], ""), connection_key(&list[4], ""));
        assert!(list[0].compress());
        assert!(list[1].is_datagram());
        let (host, port) = host_port(&list[2]).unwrap();
        assert_eq!(host, "::1");
        assert_eq!(bind_addrs(host, port).unwrap()[0].to_string(), "[::1]:3");
        assert!(parse_adapter_endpoints("tcp -p notaport", &ParseDefaults::default()).is_err());
        assert!(parse_adapter_endpoints("carrier-pigeon -p 1", &ParseDefaults::default()).is_err());
        let any = parse_adapter_endpoints("default -p 5", &ParseDefaults::default()).unwrap();
        let (host, port) = host_port(&any[0]).unwrap();
        assert_eq!(bind_addrs(host, port).unwrap()[0].to_string(), "0.0.0.0:5");
        assert!(usable(&list[0], false) && !usable(&list[0], true));
        assert!(usable(&list[1], true) && !usable(&list[1], false));
        assert_ne!(connection_key(&list[0], ""), connection_key(&list[1], ""));
        assert_ne!(connection_key(&list[0], ""), connection_key(&list[0], "a"));
    }
}
