//! The `ssl`, `ws` and `wss` transports between Rust peers on both runtimes: calls of every
//! kind, large messages, callbacks over the same connection, what each side learns about the
//! other (cipher, certificates, WebSocket headers), and every refusal a user meets (wrong CA,
//! expired certificate, name mismatch, missing client certificate, trust filters), each with
//! an error that says what to fix.

#[macro_use]
mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::*;
use ice_driver::{Communicator, Error, Identity, OperationMode, Properties, Proxy, Runtime};
use ice_tests::certs::TestCerts;

fn props(base: &[(String, String)], extra: &[(&str, &str)]) -> Properties {
    let mut p = Properties::new();
    for (k, v) in base {
        p.set(k, v).unwrap();
    }
    for (k, v) in extra {
        p.set(k, v).unwrap();
    }
    p
}

/// A server of `HelloI` at `transport -h 127.0.0.1 -p 0`; returns it and the proxy string.
fn server(
    rt: &Arc<dyn Runtime>,
    props: Properties,
    transport: &str,
) -> (Communicator, ice_driver::ObjectAdapter, String) {
    let communicator = Communicator::with_properties(rt.clone(), props);
    let adapter = communicator
        .create_object_adapter_with_endpoints("Test", &format!("{transport} -h 127.0.0.1 -p 0"))
        .unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let proxy = format!("hello:{}", adapter.endpoints()[0]);
    (communicator, adapter, proxy)
}

async fn say_hello(p: &Proxy) -> ice_driver::Result<String> {
    p.invoke_typed::<_, String>("sayHello", OperationMode::Normal, "tls").await
}

async fn round_trips_over(rt: Arc<dyn Runtime>, transport: &str) {
    let certs = TestCerts::generate();
    let (srv, adapter, proxy) = server(
        &rt,
        props(&certs.props("ca.pem", Some("server")), &[("Ice.MessageSizeMax", "4096")]),
        transport,
    );
    assert!(proxy.starts_with(&format!("hello:{transport} -h 127.0.0.1 -p ")), "{proxy}");
    let client = Communicator::with_properties(
        rt.clone(),
        props(&certs.props("ca.pem", Some("client")), &[("Ice.MessageSizeMax", "4096")]),
    );
    let hello = client.string_to_proxy(&proxy).unwrap();
    assert_eq!(say_hello(&hello).await.unwrap(), "Hello, tls!");
    // Larger than a TLS record and than one read: split and joined by every layer.
    let big: Bytes = (0..1_500_000u32).map(|i| (i * 13 % 251) as u8).collect::<Vec<_>>().into();
    let back: Bytes = hello.invoke_typed("echo", OperationMode::Normal, &big).await.unwrap();
    assert_eq!(back, big);
    for _ in 0..20 {
        hello.ice_oneway().invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    let batch = hello.ice_batch_oneway();
    for _ in 0..5 {
        batch.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    batch.ice_flush_batch_requests().await.unwrap();
    wait_for_count(&rt, &hello, 25).await;
    // A callback over the connection the client opened.
    let callbacks = client.create_object_adapter_with_endpoints("", "").unwrap();
    callbacks
        .add(
            Identity::new("receiver"),
            Arc::new(ReceiverI { prefix: "rx".into(), connections: Default::default() }),
        )
        .unwrap();
    callbacks.activate().unwrap();
    let connection = hello.ice_get_connection().await.unwrap();
    connection.set_adapter(Some(callbacks));
    let answer: String =
        hello.invoke_typed("callback", OperationMode::Normal, "receiver").await.unwrap();
    assert_eq!(answer, "rx:ping");

    // What each side knows of the other.
    let ours = connection.transport_info();
    assert_eq!(ours.kind, transport);
    let listed = || async { adapter.connections().len() };
    wait_until(&rt, "listed connections", listed, 1).await;
    let theirs = adapter.connections();
    let theirs = theirs[0].transport_info();
    assert_eq!(theirs.kind, transport);
    if ours.is_secure() {
        assert!(ours.cipher.as_deref().is_some_and(|c| c.starts_with("TLS")), "{ours:?}");
        assert_eq!(ours.cipher, theirs.cipher);
        // Leaf then the CA that issued it, as IceSSL reports the verified chain.
        assert_eq!(ours.peer_certificates.len(), 2);
        assert!(ours.peer_subject().unwrap().contains("CN=server"), "{:?}", ours.peer_subject());
        assert!(theirs.peer_subject().unwrap().contains("CN=client"));
        let pem = &theirs.peer_certificates_pem()[0];
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
    } else {
        assert!(ours.cipher.is_none() && ours.peer_certificates.is_empty());
    }
    if transport.starts_with("ws") {
        let protocol = theirs
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-protocol"))
            .map(|(_, v)| v.as_str());
        assert_eq!(protocol, Some("ice.zeroc.com"));
    }
    client.destroy().await;
    srv.destroy().await;
}

async fn ssl_round_trips(rt: Arc<dyn Runtime>) {
    round_trips_over(rt, "ssl").await;
}

async fn ws_round_trips(rt: Arc<dyn Runtime>) {
    round_trips_over(rt, "ws").await;
}

async fn wss_round_trips(rt: Arc<dyn Runtime>) {
    round_trips_over(rt, "wss").await;
}

/// The error of a first call from a client with `client_props` to a server with
/// `server_props`; `None` if the call succeeded.
async fn first_call(
    rt: &Arc<dyn Runtime>,
    transport: &str,
    server_props: Properties,
    client_props: Properties,
    host: &str,
) -> Option<Error> {
    let (srv, _adapter, proxy) = server(rt, server_props, transport);
    let proxy = proxy.replace("127.0.0.1", host);
    let client = Communicator::with_properties(rt.clone(), client_props);
    let result = say_hello(&client.string_to_proxy(&proxy).unwrap()).await;
    client.destroy().await;
    srv.destroy().await;
    result.err()
}

fn security_reason(error: Option<Error>) -> String {
    match error {
        Some(Error::Security { reason, .. }) => reason,
        other => panic!("expected a security error, got {other:?}"),
    }
}

async fn ssl_refuses_bad_servers(rt: Arc<dyn Runtime>) {
    let certs = TestCerts::generate();
    let server_with = |stem: &str| props(&certs.props("ca.pem", Some(stem)), &[]);
    let client_with =
        |ca: &str, extra: &[(&str, &str)]| props(&certs.props(ca, Some("client")), extra);
    for transport in ["ssl", "wss"] {
        // A CA the client does not trust.
        let e = first_call(
            &rt,
            transport,
            server_with("untrusted"),
            client_with("ca.pem", &[]),
            "127.0.0.1",
        )
        .await;
        let reason = security_reason(e);
        assert!(reason.contains("UnknownIssuer"), "{reason}");
        // An expired certificate.
        let e = first_call(
            &rt,
            transport,
            server_with("expired"),
            client_with("ca.pem", &[]),
            "127.0.0.1",
        )
        .await;
        let reason = security_reason(e);
        assert!(reason.contains("expired"), "{reason}");
    }
    // A certificate for another host: accepted as ZeroC does, unless IceSSL.CheckCertName.
    let e =
        first_call(&rt, "ssl", server_with("wrongname"), client_with("ca.pem", &[]), "127.0.0.1")
            .await;
    assert!(e.is_none(), "{e:?}");
    let check = [("IceSSL.CheckCertName", "1")];
    let e = first_call(
        &rt,
        "ssl",
        server_with("wrongname"),
        client_with("ca.pem", &check),
        "127.0.0.1",
    )
    .await;
    assert!(security_reason(e).contains("IP address mismatch"));
    let e = first_call(
        &rt,
        "ssl",
        server_with("wrongname"),
        client_with("ca.pem", &check),
        "localhost",
    )
    .await;
    assert!(security_reason(e).contains("hostname mismatch"));
    let e =
        first_call(&rt, "ssl", server_with("server"), client_with("ca.pem", &check), "localhost")
            .await;
    assert!(e.is_none(), "{e:?}");
    // VerifyPeer=0: no verification at all.
    let any = [("IceSSL.VerifyPeer", "0")];
    let e =
        first_call(&rt, "ssl", server_with("untrusted"), client_with("ca.pem", &any), "127.0.0.1")
            .await;
    assert!(e.is_none(), "{e:?}");
    // The chain (leaf + CA) is longer than IceSSL.VerifyDepthMax=1.
    let short = [("IceSSL.VerifyDepthMax", "1")];
    let e =
        first_call(&rt, "ssl", server_with("server"), client_with("ca.pem", &short), "127.0.0.1")
            .await;
    assert!(security_reason(e).contains("IceSSL.VerifyDepthMax"));
    // Trust filters on the server's subject.
    let only = [("IceSSL.TrustOnly.Client", "CN=nobody")];
    let e =
        first_call(&rt, "ssl", server_with("server"), client_with("ca.pem", &only), "127.0.0.1")
            .await;
    assert!(security_reason(e).contains("TrustOnly"));
    let only = [("IceSSL.TrustOnly.Client", "O=ice-rs, CN=server")];
    let e =
        first_call(&rt, "ssl", server_with("server"), client_with("ca.pem", &only), "127.0.0.1")
            .await;
    assert!(e.is_none(), "{e:?}");
}

async fn ssl_servers_check_clients(rt: Arc<dyn Runtime>) {
    let certs = TestCerts::generate();
    let server_props =
        |extra: &[(&str, &str)]| props(&certs.props("ca.pem", Some("server")), extra);
    let anonymous = props(&certs.props("ca.pem", None), &[]);
    // VerifyPeer=2 (the default) requires a client certificate.
    let e = first_call(&rt, "ssl", server_props(&[]), anonymous.clone(), "127.0.0.1").await;
    let reason = security_reason(e);
    assert!(reason.contains("CertificateRequired"), "{reason}");
    // VerifyPeer=1 asks for one but takes clients without.
    let (srv, adapter, proxy) = server(&rt, server_props(&[("IceSSL.VerifyPeer", "1")]), "ssl");
    let client = Communicator::with_properties(rt.clone(), anonymous.clone());
    assert_eq!(say_hello(&client.string_to_proxy(&proxy).unwrap()).await.unwrap(), "Hello, tls!");
    // The adapter lists a connection once its task has it (asynchronously).
    let listed = || async { adapter.connections().len() };
    wait_until(&rt, "listed connections", listed, 1).await;
    assert!(adapter.connections()[0].transport_info().peer_certificates.is_empty());
    client.destroy().await;
    srv.destroy().await;
    // A client certificate from a CA the server does not trust.
    let stranger = props(&certs.props("ca.pem", Some("untrusted")), &[]);
    let e = first_call(&rt, "ssl", server_props(&[]), stranger, "127.0.0.1").await;
    assert!(e.is_some(), "a client with an untrusted certificate got through");
    // A trust filter refusing the client's subject.
    let reject = [("IceSSL.TrustOnly.Server", "!CN=client")];
    let client = props(&certs.props("ca.pem", Some("client")), &[]);
    let e = first_call(&rt, "ssl", server_props(&reject), client.clone(), "127.0.0.1").await;
    assert!(e.is_some(), "the TrustOnly.Server filter let the client through");
    let adapter_only = [("IceSSL.TrustOnly.Server.Test", "CN=someone else")];
    let e = first_call(&rt, "ssl", server_props(&adapter_only), client.clone(), "127.0.0.1").await;
    assert!(e.is_some(), "the per-adapter filter let the client through");
    let e = first_call(
        &rt,
        "ssl",
        server_props(&[("IceSSL.TrustOnly", "CN=client")]),
        client,
        "127.0.0.1",
    )
    .await;
    assert!(e.is_none(), "{e:?}");
}

async fn ssl_configuration_errors_name_the_property(rt: Arc<dyn Runtime>) {
    let certs = TestCerts::generate();
    let create = |p: Properties| {
        let c = Communicator::with_properties(rt.clone(), p);
        let r = c.create_object_adapter_with_endpoints("Test", "ssl -h 127.0.0.1 -p 0").map(|_| ());
        (c, r)
    };
    let cases: Vec<(Properties, &str)> = vec![
        (props(&certs.props("ca.pem", None), &[]), "IceSSL.CertFile"),
        (
            props(
                &[],
                &[("IceSSL.CertFile", &certs.path("server.p12")), ("IceSSL.Password", "nope")],
            ),
            "IceSSL.Password",
        ),
        (
            props(&certs.props("ca.pem", Some("server")), &[("IceSSL.Protocols", "tls1_0, ssl3")]),
            "IceSSL.Protocols",
        ),
        (
            props(&certs.props("ca.pem", Some("server")), &[("IceSSL.VerifyPeer", "3")]),
            "IceSSL.VerifyPeer",
        ),
        (props(&[], &[("IceSSL.CertFile", "/nonexistent/cert.pem")]), "IceSSL.CertFile"),
    ];
    for (p, property) in cases {
        let (c, r) = create(p);
        let e = r.expect_err(property).to_string();
        assert!(e.contains(property), "{property}: {e}");
        c.destroy().await;
    }
    // A PKCS#12 identity with its password, and a default directory for relative names.
    let p12 = props(
        &[],
        &[
            ("IceSSL.DefaultDir", &certs.dir().display().to_string()),
            ("IceSSL.CAs", "ca.pem"),
            ("IceSSL.CertFile", "server.p12"),
            ("IceSSL.Password", "password"),
            ("IceSSL.VerifyPeer", "0"),
        ],
    );
    let e =
        first_call(&rt, "ssl", p12, props(&certs.props("ca.pem", None), &[]), "127.0.0.1").await;
    assert!(e.is_none(), "{e:?}");
    // PKCS#12 files without `localKeyID` (ZeroC's demo certificates): the key goes with the
    // certificate of the same friendly name, or a lone key with the chain's leaf; the client
    // checks the server's certificate against the CA, so a wrong pairing fails the call.
    for file in ["server_named.p12", "server_bare.p12"] {
        let server = props(
            &[],
            &[
                ("IceSSL.CertFile", &certs.path(file)),
                ("IceSSL.Password", "password"),
                ("IceSSL.VerifyPeer", "0"),
            ],
        );
        let e =
            first_call(&rt, "ssl", server, props(&certs.props("ca.pem", None), &[]), "127.0.0.1")
                .await;
        assert!(e.is_none(), "{file}: {e:?}");
    }
}

on_both_runtimes!(
    ssl_round_trips,
    ws_round_trips,
    wss_round_trips,
    ssl_refuses_bad_servers,
    ssl_servers_check_clients,
    ssl_configuration_errors_name_the_property,
);
