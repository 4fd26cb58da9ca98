//! A local TCP port that refuses every connection for as long as it is held.

use std::net::{Ipv4Addr, SocketAddr};

use socket2::{Domain, Socket, Type};

/// A loopback port bound by a socket that never listens: a connection to it is refused
/// (`ECONNREFUSED`), and no other socket, in this process or another, can bind it while this
/// value lives. The port of a listener that was closed gives no such promise: the kernel may
/// hand it to the next `-p 0` server, which tests running in parallel create all the time.
pub struct RefusedPort {
    /// Held, never read: it keeps the port.
    _socket: Socket,
    port: u16,
}

impl RefusedPort {
    /// Binds a fresh loopback port without listening on it.
    pub fn new() -> Self {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        socket.bind(&any.into()).expect("bind 127.0.0.1:0");
        let port =
            socket.local_addr().ok().and_then(|a| a.as_socket()).expect("a bound port").port();
        RefusedPort { _socket: socket, port }
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `tcp -h 127.0.0.1 -p PORT`.
    pub fn endpoint(&self) -> String {
        format!("tcp -h 127.0.0.1 -p {}", self.port())
    }
}

impl Default for RefusedPort {
    fn default() -> Self {
        Self::new()
    }
}
