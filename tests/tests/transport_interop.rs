//! The `ssl`, `ws` and `wss` transports against real ZeroC peers (Python 3.7 with its IceSSL
//! plugin, Python 3.8), both directions, on both runtimes, with certificates made by the test:
//! calls of every kind and callbacks over the secure connection, then the refusals (a CA the
//! peer does not trust, an expired certificate, a client without the certificate a server
//! requires), each seen as ZeroC reports it.

#[macro_use]
mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use ice_driver::{Communicator, Error, Identity, OperationMode, Properties, Runtime};
use ice_tests::certs::TestCerts;
use ice_tests::peers::{IceVersion, Python};

fn props(base: &[(String, String)], extra: &[(&str, &str)]) -> Properties {
    let mut p = Properties::new();
    for (k, v) in base.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain(extra.iter().copied()) {
        p.set(k, v).unwrap();
    }
    p
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A ZeroC server of `DriverTest::Hello` on `transport`, presenting `server_cert`.
fn zeroc_server(
    python: &Python,
    certs: &TestCerts,
    transport: &str,
    cert: &str,
) -> ice_tests::peers::PythonPeer {
    let mut args = certs.args("ca.pem", Some(cert));
    args.push(format!("--Test.Endpoints={transport} -h 127.0.0.1 -p 0"));
    start_peer(python, "driver/server.py", &refs(&args))
}

async fn rust_client_calls_zeroc_server(rt: Arc<dyn Runtime>, python: Python, transport: &str) {
    let certs = TestCerts::generate();
    let peer = zeroc_server(&python, &certs, transport, "server");
    let client = Communicator::with_properties(
        rt.clone(),
        props(&certs.props("ca.pem", Some("client")), &[("Ice.MessageSizeMax", "16384")]),
    );
    let proxy = format!("hello:{transport} -h 127.0.0.1 -p {}", peer.port());
    let hello = client.string_to_proxy(&proxy).unwrap();
    let greeting: String =
        hello.invoke_typed("sayHello", OperationMode::Normal, "Rust").await.unwrap();
    assert_eq!(greeting, "Hello, Rust!");
    let big: Bytes = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>().into();
    let back: Bytes = hello.invoke_typed("echo", OperationMode::Normal, &big).await.unwrap();
    assert_eq!(back, big);
    let base: i32 = hello.invoke_typed("getCount", OperationMode::Idempotent, &()).await.unwrap();
    for _ in 0..10 {
        hello.ice_oneway().invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    let batch = hello.ice_batch_oneway();
    for _ in 0..5 {
        batch.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    batch.ice_flush_batch_requests().await.unwrap();
    wait_for_count(&rt, &hello, base + 15).await;
    // The ZeroC server calls back over the secure connection we opened.
    let adapter = client.create_object_adapter_with_endpoints("", "").unwrap();
    adapter
        .add(
            Identity::new("receiver"),
            Arc::new(ReceiverI { prefix: "rx".into(), connections: Default::default() }),
        )
        .unwrap();
    adapter.activate().unwrap();
    let connection = hello.ice_get_connection().await.unwrap();
    connection.set_adapter(Some(adapter));
    let answer: String =
        hello.invoke_typed("callback", OperationMode::Normal, "receiver").await.unwrap();
    assert_eq!(answer, "rx:ping");
    let info = connection.transport_info();
    assert_eq!(info.kind, transport);
    if info.is_secure() {
        assert!(info.peer_subject().unwrap_or_default().contains("CN=server"), "{info:?}");
        assert!(info.cipher.is_some());
    }
    client.destroy().await;
    drop(peer);
}

async fn zeroc_client_calls_rust_server(rt: Arc<dyn Runtime>, python: Python, transport: &str) {
    let certs = TestCerts::generate();
    let server = Communicator::with_properties(
        rt.clone(),
        props(&certs.props("ca.pem", Some("server")), &[("Ice.MessageSizeMax", "16384")]),
    );
    let adapter = server
        .create_object_adapter_with_endpoints("Test", &format!("{transport} -h 127.0.0.1 -p 0"))
        .unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.add_facet(Identity::new("hello"), "admin", HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let mut args = vec!["--proxy".to_owned(), format!("hello:{}", adapter.endpoints()[0])];
    args.extend(certs.args("ca.pem", Some("client")));
    let out = run_peer(&python, "driver/client.py", &refs(&args)).await;
    let stdout = out.stdout.join("\n") + "\n";
    assert!(out.status.success(), "ZeroC client failed (stderr above)\nstdout:\n{stdout}");
    for check in
        ["checkedCast", "twoway+context", "oneway", "batch", "compression+large", "callback"]
    {
        assert!(stdout.contains(&format!("OK {check}\n")), "missing check {check}:\n{stdout}");
    }
    server.destroy().await;
}

/// What ZeroC's client says of a ping to our `ssl` server presenting `cert`, with its own
/// `IceSSL` settings `client`.
async fn zeroc_probe(
    rt: &Arc<dyn Runtime>,
    python: &Python,
    certs: &TestCerts,
    cert: &str,
    client: Vec<String>,
) -> String {
    let server =
        Communicator::with_properties(rt.clone(), props(&certs.props("ca.pem", Some(cert)), &[]));
    let adapter =
        server.create_object_adapter_with_endpoints("Test", "ssl -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let mut args = vec!["--proxy".to_owned(), format!("hello:{}", adapter.endpoints()[0])];
    args.extend(client);
    let out = run_peer(python, "driver/probe.py", &refs(&args)).await;
    server.destroy().await;
    assert!(out.status.success(), "probe failed: {:?}", out.stdout);
    out.stdout.last().cloned().unwrap_or_default()
}

async fn refusals(rt: Arc<dyn Runtime>, python: Python) {
    let certs = TestCerts::generate();
    // ZeroC's client refuses our server's certificate: issued by a CA it does not trust, or expired.
    for cert in ["untrusted", "expired"] {
        let said =
            zeroc_probe(&rt, &python, &certs, cert, certs.args("ca.pem", Some("client"))).await;
        assert!(said.starts_with("ERROR SecurityException"), "{cert}: {said}");
    }
    // A certificate for another host, with IceSSL.CheckCertName=1.
    let mut strict = certs.args("ca.pem", Some("client"));
    strict.push("--IceSSL.CheckCertName=1".into());
    let said = zeroc_probe(&rt, &python, &certs, "wrongname", strict).await;
    assert!(said.starts_with("ERROR SecurityException"), "wrongname: {said}");
    // ...and accepts the good one.
    let said =
        zeroc_probe(&rt, &python, &certs, "server", certs.args("ca.pem", Some("client"))).await;
    assert_eq!(said, "OK");
    // Our server requires a client certificate (IceSSL.VerifyPeer=2): ZeroC's client without one fails.
    let said = zeroc_probe(&rt, &python, &certs, "server", certs.args("ca.pem", None)).await;
    assert!(said.starts_with("ERROR"), "a ZeroC client without a certificate got through: {said}");

    // Our client refuses a ZeroC server's expired certificate, naming the reason.
    let peer = zeroc_server(&python, &certs, "ssl", "expired");
    let client = Communicator::with_properties(
        rt.clone(),
        props(&certs.props("ca.pem", Some("client")), &[]),
    );
    let hello =
        client.string_to_proxy(&format!("hello:ssl -h 127.0.0.1 -p {}", peer.port())).unwrap();
    match hello.ice_ping().await {
        Err(Error::Security { reason, .. }) => assert!(reason.contains("expired"), "{reason}"),
        other => panic!("expected a security error, got {other:?}"),
    }
    client.destroy().await;
    drop(peer);
    // A ZeroC server (VerifyPeer=2 by default) refuses our client without a certificate.
    let peer = zeroc_server(&python, &certs, "ssl", "server");
    let client =
        Communicator::with_properties(rt.clone(), props(&certs.props("ca.pem", None), &[]));
    let hello =
        client.string_to_proxy(&format!("hello:ssl -h 127.0.0.1 -p {}", peer.port())).unwrap();
    match hello.ice_ping().await {
        // TLS 1.3: the server's alert arrives after the client's side of the handshake.
        Err(Error::Security { reason, .. }) => {
            assert!(reason.to_lowercase().contains("certificate"), "{reason}")
        }
        other => panic!("ZeroC's server took a client without a certificate: {other:?}"),
    }
    client.destroy().await;
}

macro_rules! transport_interop {
    ($module:ident, $version:expr) => {
        mod $module {
            use super::*;

            macro_rules! both_ways {
                ($t:ident, $name:literal) => {
                    mod $t {
                        use super::*;
                        #[test]
                        fn tokio_client_calls_zeroc_server() {
                            let Some(python) = python_for($version) else { return };
                            on_tokio(|rt| rust_client_calls_zeroc_server(rt, python, $name));
                        }
                        #[test]
                        fn async_std_client_calls_zeroc_server() {
                            let Some(python) = python_for($version) else { return };
                            on_async_std(|rt| rust_client_calls_zeroc_server(rt, python, $name));
                        }
                        #[test]
                        fn zeroc_client_calls_tokio_server() {
                            let Some(python) = python_for($version) else { return };
                            on_tokio(|rt| zeroc_client_calls_rust_server(rt, python, $name));
                        }
                        #[test]
                        fn zeroc_client_calls_async_std_server() {
                            let Some(python) = python_for($version) else { return };
                            on_async_std(|rt| zeroc_client_calls_rust_server(rt, python, $name));
                        }
                    }
                };
            }
            both_ways!(ssl, "ssl");
            both_ways!(ws, "ws");
            both_ways!(wss, "wss");

            #[test]
            fn refusals_on_tokio() {
                let Some(python) = python_for($version) else { return };
                on_tokio(|rt| refusals(rt, python));
            }
        }
    };
}

transport_interop!(ice37, IceVersion::V37);
transport_interop!(ice38, IceVersion::V38);
