//! Hostile and mistaken peers of the `ssl`, `ws` and `wss` transports, in virtual time
//! (`ice_tests::memnet`): a peer that connects and never starts its handshake is dropped when
//! the endpoint's timeout runs out (or after 60 s with `-t infinite`), garbage instead of a
//! handshake is dropped at once, neither holds up a real client meanwhile, and a client that
//! speaks the wrong transport gets an error at once instead of hanging.

#[macro_use]
mod common;

use std::time::Duration;

use common::*;
use ice_driver::{Communicator, Endpoint, Error, Identity, OperationMode, Properties};
use ice_tests::certs::TestCerts;
use ice_tests::memnet;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::Instant;

fn props(pairs: &[(String, String)]) -> Properties {
    let mut p = Properties::new();
    for (k, v) in pairs {
        p.set(k, v).unwrap();
    }
    p
}

fn port_of(e: &Endpoint) -> u16 {
    match e {
        Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => ip.port,
        Endpoint::Ws(ws) | Endpoint::Wss(ws) => ws.ip.port,
        other => panic!("{other}"),
    }
}

/// Reads until the server closes the pipe; when that happened, relative to `start`.
async fn closed_after(mut io: DuplexStream, start: Instant) -> Duration {
    let mut buf = [0u8; 4096];
    loop {
        match io.read(&mut buf).await {
            Ok(0) | Err(_) => return start.elapsed(),
            Ok(_) => {}
        }
    }
}

#[test]
fn silent_and_garbage_handshakes_are_dropped_without_holding_up_others() {
    memnet::run(|net| async move {
        let rt = net.runtime();
        let certs = TestCerts::generate();
        let server = Communicator::with_properties(
            rt.clone(),
            props(&certs.props("ca.pem", Some("server"))),
        );
        let adapter = server
            .create_object_adapter_with_endpoints(
                "Test",
                "ssl -h 127.0.0.1 -p 0 -t 2000:ws -h 127.0.0.1 -p 0 -t 2000:wss -h 127.0.0.1 -p 0 -t infinite",
            )
            .unwrap();
        adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
        adapter.activate().unwrap();
        let endpoints = adapter.endpoints();
        let ports: Vec<u16> = endpoints.iter().map(port_of).collect();
        let start = Instant::now();
        // Silent peers: connected, never a byte.
        let silent: Vec<_> = ports
            .iter()
            .map(|p| spawn(&rt, closed_after(net.connect_raw(*p).unwrap(), start)))
            .collect();
        // Garbage where a TLS ClientHello or an HTTP upgrade should be.
        let mut garbage = Vec::new();
        for p in &ports {
            let mut io = net.connect_raw(*p).unwrap();
            io.write_all(b"\x16\x03\x01\xff\xffnot a handshake at all\r\n\r\n").await.unwrap();
            garbage.push(spawn(&rt, closed_after(io, start)));
        }
        // Meanwhile, real clients get through on every endpoint.
        let client = Communicator::with_properties(
            rt.clone(),
            props(&certs.props("ca.pem", Some("client"))),
        );
        for e in &endpoints {
            let hello = client.string_to_proxy(&format!("hello:{e}")).unwrap();
            let greeting: String =
                hello.invoke_typed("sayHello", OperationMode::Normal, "x").await.unwrap();
            assert_eq!(greeting, "Hello, x!", "over {e}");
        }
        for g in garbage {
            assert_eq!(g.await.unwrap(), Duration::ZERO, "garbage was not dropped at once");
        }
        let closed: Vec<Duration> = futures_join(silent).await;
        for (i, c) in closed[..2].iter().enumerate() {
            assert!(*c >= Duration::from_secs(2) && *c < Duration::from_millis(2100), "{i}: {c:?}");
        }
        // `-t infinite`: the handshake still has 60 s, no more.
        assert!(closed[2] >= Duration::from_secs(60) && closed[2] < Duration::from_millis(60100));
        client.destroy().await;
        server.destroy().await;
    });
}

async fn futures_join<T>(handles: Vec<tokio::sync::oneshot::Receiver<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[test]
fn a_client_speaking_the_wrong_transport_fails_at_once() {
    memnet::run(|net| async move {
        let rt = net.runtime();
        let certs = TestCerts::generate();
        // A plain tcp server: it sends ValidateConnection where TLS or HTTP is expected.
        let server = Communicator::new(rt.clone());
        let adapter =
            server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
        adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
        adapter.activate().unwrap();
        let port = port_of(&adapter.endpoints()[0]);
        let client = Communicator::with_properties(
            rt.clone(),
            props(&certs.props("ca.pem", Some("client"))),
        );
        let start = Instant::now();
        for transport in ["ssl", "ws", "wss"] {
            let hello = client
                .string_to_proxy(&format!("hello:{transport} -h 127.0.0.1 -p {port}"))
                .unwrap();
            match hello.ice_ping().await {
                Err(Error::Security { .. } | Error::ConnectFailed { .. }) => {}
                other => panic!("{transport} to a tcp server: {other:?}"),
            }
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "a mistaken client waited");
        client.destroy().await;
        server.destroy().await;
    });
}
