//! UDP sockets for datagram proxies and for object adapters' udp endpoints. They are set up
//! with `std` (bind, multicast membership, TTL) and then handed to the runtime, so that this
//! is written once for every runtime.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use ice_proto::proxy::UdpEndpoint;

use crate::endpoint::{bind_addrs, is_wildcard};
use crate::error::{Error, Result, SocketError};

fn socket_error(what: &str, endpoint: &UdpEndpoint, e: std::io::Error) -> Error {
    SocketError::new(format!("{what} udp -h {} -p {}", endpoint.host, endpoint.port), &e).into()
}

/// The socket of an object adapter's udp endpoint. For a multicast group it listens on the
/// group's port on every interface and joins the group (on `--interface` if given).
pub(crate) fn adapter_socket(endpoint: &UdpEndpoint) -> Result<UdpSocket> {
    let group = multicast_group(&endpoint.host);
    let addr = match group {
        Some(IpAddr::V4(_)) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), endpoint.port),
        Some(IpAddr::V6(_)) => SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), endpoint.port),
        None => bind_addrs(&endpoint.host, endpoint.port)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid(format!("no address for {}", endpoint.host)))?,
    };
    let socket = UdpSocket::bind(addr).map_err(|e| socket_error("cannot bind", endpoint, e))?;
    let joined = match group {
        Some(IpAddr::V4(group)) => {
            let interface = endpoint.interface.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
            socket.join_multicast_v4(&group, &interface)
        }
        Some(IpAddr::V6(group)) => socket.join_multicast_v6(&group, 0),
        None => Ok(()),
    };
    joined.map_err(|e| socket_error("cannot join multicast group", endpoint, e))?;
    socket.set_nonblocking(true).map_err(|e| socket_error("cannot set up", endpoint, e))?;
    Ok(socket)
}

/// The host an adapter publishes for `host`: wildcards become the loopback address, as for
/// tcp endpoints.
pub(crate) fn published_host(host: &str) -> String {
    if is_wildcard(host) {
        "127.0.0.1".to_owned()
    } else {
        host.to_owned()
    }
}

/// The socket a datagram proxy sends from to `remote`: bound to `--sourceAddress` or to any
/// local address of `remote`'s family, with `--ttl` applied when `remote` is an IPv4
/// multicast group.
pub(crate) fn client_socket(endpoint: &UdpEndpoint, remote: SocketAddr) -> Result<UdpSocket> {
    let local = if endpoint.source_address.is_empty() {
        match remote {
            SocketAddr::V4(_) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0),
            SocketAddr::V6(_) => SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), 0),
        }
    } else {
        let ip = endpoint.source_address.parse::<IpAddr>().map_err(|_| {
            Error::invalid(format!(
                "--sourceAddress {} is not an IP address",
                endpoint.source_address
            ))
        })?;
        SocketAddr::new(ip, 0)
    };
    let socket =
        UdpSocket::bind(local).map_err(|e| socket_error("cannot bind for", endpoint, e))?;
    if let (true, Ok(ttl)) = (remote.ip().is_multicast(), u32::try_from(endpoint.ttl)) {
        if remote.is_ipv4() {
            socket.set_multicast_ttl_v4(ttl).map_err(|e| socket_error("--ttl for", endpoint, e))?;
        }
    }
    socket.set_nonblocking(true).map_err(|e| socket_error("cannot set up", endpoint, e))?;
    Ok(socket)
}

fn multicast_group(host: &str) -> Option<IpAddr> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.parse::<IpAddr>().ok().filter(IpAddr::is_multicast)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapter_sockets_pick_a_port_and_clients_send_to_them() {
        let server = adapter_socket(&UdpEndpoint::new("127.0.0.1", 0)).unwrap();
        let addr = server.local_addr().unwrap();
        assert_ne!(addr.port(), 0);
        let client = client_socket(&UdpEndpoint::new("127.0.0.1", addr.port()), addr).unwrap();
        client.send_to(b"ping", addr).unwrap();
        server.set_nonblocking(false).unwrap();
        let mut buf = [0u8; 8];
        let (n, from) = server.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from.port(), client.local_addr().unwrap().port());
        assert_eq!(published_host("*"), "127.0.0.1");
        assert_eq!(published_host("::1"), "::1");
    }

    #[test]
    fn bad_source_address_is_a_parse_error() {
        let mut e = UdpEndpoint::new("127.0.0.1", 9);
        e.source_address = "not-an-ip".into();
        let remote = "127.0.0.1:9".parse().unwrap();
        assert!(matches!(client_socket(&e, remote), Err(Error::Parse(_))));
    }
}
