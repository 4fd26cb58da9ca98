//! systemd's readiness protocol (`sd_notify`), as glacier2router speaks it: Debian's
//! `glacier2router.service` is `Type=notify`, so systemd waits for `READY=1` before it calls
//! the router started, and kills a router that never sends it. `glacier` under that unit
//! file (only `ExecStart` changed) must say the same.
//!
//! The protocol is one datagram per state change to the Unix socket named by
//! `NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`). Without that
//! variable nothing is sent: the router was not started by systemd.

use std::io;
use std::os::unix::net::UnixDatagram;

/// Tells systemd the router is ready: its adapters are active and it takes connections.
pub fn notify_ready() {
    notify("READY=1");
}

/// Tells systemd the router has begun to shut down.
pub fn notify_stopping() {
    notify("STOPPING=1");
}

/// Sends `state` (`KEY=value` lines) to the socket in `NOTIFY_SOCKET`, if there is one. A
/// failure is only logged: the router works the same without its service manager hearing.
pub fn notify(state: &str) {
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    if let Err(e) = send(&socket.to_string_lossy(), state) {
        tracing::warn!("cannot notify systemd through `{}': {e}", socket.to_string_lossy());
    }
}

fn send(socket: &str, state: &str) -> io::Result<usize> {
    let sender = UnixDatagram::unbound()?;
    match socket.strip_prefix('@') {
        Some(name) => send_abstract(&sender, name, state),
        None if socket.starts_with('/') => sender.send_to(state.as_bytes(), socket),
        None => Err(io::Error::new(io::ErrorKind::InvalidInput, "not a socket path")),
    }
}

#[cfg(target_os = "linux")]
fn send_abstract(sender: &UnixDatagram, name: &str, state: &str) -> io::Result<usize> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    sender.send_to_addr(state.as_bytes(), &address)
}

#[cfg(not(target_os = "linux"))]
fn send_abstract(_: &UnixDatagram, _: &str, _: &str) -> io::Result<usize> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "abstract sockets are Linux only"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reaches_a_socket_named_by_path_or_abstract_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        send(path.to_str().unwrap(), "READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");

        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let name = format!("glacier-test-{}", std::process::id());
            let address = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
            let listener = UnixDatagram::bind_addr(&address).unwrap();
            send(&format!("@{name}"), "STOPPING=1").unwrap();
            let n = listener.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"STOPPING=1");
        }
        assert!(send("relative/path", "READY=1").is_err());
    }
}
