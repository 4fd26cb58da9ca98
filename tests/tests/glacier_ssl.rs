//! The router over `ssl`, `ws` and `wss` client endpoints, on both runtimes:
//! `createSessionFromSecureConnection` with a remote `Glacier2.SSLPermissionsVerifier` and
//! `Glacier2.SSLSessionManager` (the `SSLInfo` they get, the `_con.*` context with the TLS
//! cipher and the client's certificate), its refusals (tcp and wss connections, a client
//! without a certificate), and password sessions and routed calls over every transport.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};

use common::*;
use ice_driver::glacier2::{denied_reason, SessionRouter};
use ice_driver::{
    BoxFuture, Communicator, Context, Current, DispatchError, DispatchResult, Encapsulation,
    Endpoint, Identity, OperationMode, Properties, ProxyData, Runtime, Servant,
};
use ice_tests::certs::TestCerts;

type SslInfo = (String, i32, String, i32, String, Vec<String>);

/// What the SSL verifier, the SSL session manager and the sessions it made were told.
#[derive(Default)]
struct Seen {
    authorize: Vec<(SslInfo, Context)>,
    create: Vec<(SslInfo, Context)>,
    session_calls: Vec<(String, Context)>,
}

/// `Glacier2::SSLPermissionsVerifier` and `Glacier2::SSLSessionManager` (by identity), and
/// the sessions the manager creates.
struct SslBackendI {
    communicator: Communicator,
    seen: Arc<Mutex<Seen>>,
    type_id: &'static str,
}

impl Servant for SslBackendI {
    fn ice_id(&self) -> &str {
        self.type_id
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let ctx = current.context.clone();
            let mut seen = self.seen.lock().unwrap();
            match (current.identity.name.as_str(), current.operation.as_str()) {
                ("sslverifier", "authorize") => {
                    let info: SslInfo = params.decode()?;
                    seen.authorize.push((info, ctx));
                    current.ok(&(String::new(), true))
                }
                ("sslsessionmanager", "create") => {
                    let (info, _control): (SslInfo, Option<ProxyData>) = params.decode()?;
                    seen.create.push((info, ctx));
                    let session = self
                        .communicator
                        .string_to_proxy(&format!("session:{}", current.adapter_endpoint()))
                        .map_err(|e| DispatchError::UnknownLocal(e.to_string()))?;
                    current.ok(&Some(session.data().clone()))
                }
                ("session", op @ "destroy") => {
                    params.expect_empty()?;
                    seen.session_calls.push((op.to_owned(), ctx));
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

trait AdapterEndpoint {
    fn adapter_endpoint(&self) -> String;
}

impl AdapterEndpoint for Current {
    fn adapter_endpoint(&self) -> String {
        self.adapter.as_ref().map(|a| a.endpoints()[0].to_string()).unwrap_or_default()
    }
}

fn props(pairs: &[(String, String)], extra: &[(&str, &str)]) -> Properties {
    let mut p = Properties::new();
    for (k, v) in pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).chain(extra.iter().copied()) {
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

fn pem_body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect::<Vec<_>>().concat()
}

async fn secure_sessions(rt: Arc<dyn Runtime>) {
    let certs = TestCerts::generate();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let backend = Communicator::new(rt.clone());
    let adapter =
        backend.create_object_adapter_with_endpoints("Backend", "tcp -h 127.0.0.1 -p 0").unwrap();
    for (name, type_id) in [
        ("sslverifier", "::Glacier2::SSLPermissionsVerifier"),
        ("sslsessionmanager", "::Glacier2::SSLSessionManager"),
        ("session", "::Glacier2::Session"),
    ] {
        let servant =
            Arc::new(SslBackendI { communicator: backend.clone(), seen: seen.clone(), type_id });
        adapter.add(Identity::new(name), servant).unwrap();
    }
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let backend_ep = adapter.endpoints()[0].to_string();

    let verifier = format!("sslverifier:{backend_ep}");
    let manager = format!("sslsessionmanager:{backend_ep}");
    let router_props = props(
        &certs.props("ca.pem", Some("server")),
        &[
            (
                "Glacier2.Client.Endpoints",
                "ssl -h 127.0.0.1 -p 0:tcp -h 127.0.0.1 -p 0:wss -h 127.0.0.1 -p 0:ws -h 127.0.0.1 -p 0",
            ),
            ("Glacier2.Server.Endpoints", "tcp -h 127.0.0.1 -p 0"),
            ("Glacier2.PermissionsVerifier", "Glacier2/NullPermissionsVerifier"),
            ("Glacier2.SSLPermissionsVerifier", &verifier),
            ("Glacier2.SSLSessionManager", &manager),
            ("Glacier2.AddConnectionContext", "1"),
            // Clients without a certificate get in, to be refused by the router itself.
            ("IceSSL.VerifyPeer", "1"),
        ],
    );
    let router = glacier::Glacier::start(rt.clone(), router_props).await.expect("router");
    let endpoints = router.client_endpoints();
    assert_eq!(
        endpoints.iter().map(|e| e.transport()).collect::<Vec<_>>(),
        ["ssl", "tcp", "wss", "ws"]
    );
    let ssl_port = port_of(&endpoints[0]);

    // A client with a certificate, over ssl.
    let client_with = |cert: Option<&str>, endpoint: &Endpoint| {
        let proxy = format!("Glacier2/router:{endpoint}");
        let c = Communicator::with_properties(
            rt.clone(),
            props(&certs.props("ca.pem", cert), &[("Ice.Default.Router", &proxy)]),
        );
        let session = SessionRouter::new(&c.string_to_proxy(&proxy).unwrap());
        (c, session)
    };
    let (client, session_router) = client_with(Some("client"), &endpoints[0]);
    let session = session_router.create_session_from_secure_connection().await.unwrap();
    let session = session.expect("the SSL session manager's session");
    session.ice_ping().await.unwrap();
    // A routed call to the back end.
    let hello = client.string_to_proxy(&format!("hello:{backend_ep}")).unwrap();
    let greeting: String =
        hello.invoke_typed("sayHello", OperationMode::Normal, "ssl").await.unwrap();
    assert_eq!(greeting, "Hello, ssl!");
    session_router.destroy_session().await.unwrap();
    client.destroy().await;
    // The router destroys the manager's session after it answered destroySession (as ZeroC's
    // does, without waiting for it): wait for that call to arrive.
    let session_calls = || async { seen.lock().unwrap().session_calls.len() };
    wait_for(&rt, "calls on the manager's session", session_calls, 1).await;
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.authorize.len(), 1);
        assert_eq!(seen.create.len(), 1);
        let client_pem = std::fs::read_to_string(certs.path("client.pem")).unwrap();
        for (info, ctx) in seen.authorize.iter().chain(&seen.create) {
            let (remote_host, remote_port, local_host, local_port, cipher, chain) = info;
            assert_eq!((remote_host.as_str(), local_host.as_str()), ("127.0.0.1", "127.0.0.1"));
            assert!(*remote_port > 0);
            assert_eq!(*local_port, i32::from(ssl_port));
            assert!(cipher.starts_with("TLS"), "{cipher}");
            // The client's certificate, then the CA that issued it.
            assert_eq!(chain.len(), 2);
            assert_eq!(pem_body(&chain[0]), pem_body(&client_pem));
            assert_eq!(ctx.get("_con.type").map(String::as_str), Some("ssl"));
            assert_eq!(ctx.get("_con.localPort"), Some(&ssl_port.to_string()));
            assert_eq!(ctx.get("_con.cipher"), Some(cipher));
            assert_eq!(ctx.get("_con.peerCert"), Some(&chain[0]));
        }
        // AddConnectionContext=1: the session's own calls carry the context too.
        let ops: Vec<&str> = seen.session_calls.iter().map(|(op, _)| op.as_str()).collect();
        // (ice_ping is answered by the driver, not the servant.)
        assert_eq!(ops, ["destroy"]);
        for (_, ctx) in &seen.session_calls {
            assert_eq!(ctx.get("_con.type").map(String::as_str), Some("ssl"));
        }
    }

    // Refusals, as glacier2router words them.
    let refused = |e: ice_driver::Error| denied_reason(&e).unwrap_or_else(|| panic!("{e:?}"));
    let (c, s) = client_with(None, &endpoints[0]);
    let e = s.create_session_from_secure_connection().await.unwrap_err();
    assert_eq!(refused(e), "the client did not provide a certificate");
    c.destroy().await;
    for endpoint in [&endpoints[1], &endpoints[2]] {
        let (c, s) = client_with(Some("client"), endpoint);
        let e = s.create_session_from_secure_connection().await.unwrap_err();
        assert_eq!(refused(e), "not ssl connection", "over {endpoint}");
        c.destroy().await;
    }
    // Password sessions and routed calls over every transport.
    for endpoint in &endpoints {
        let (c, s) = client_with(Some("client"), endpoint);
        assert!(s.create_session("user", "pw").await.unwrap().is_none());
        let hello = c.string_to_proxy(&format!("hello:{backend_ep}")).unwrap();
        let greeting: String =
            hello.invoke_typed("sayHello", OperationMode::Normal, "x").await.unwrap();
        assert_eq!(greeting, "Hello, x!", "over {endpoint}");
        c.destroy().await;
    }
    router.shutdown().await;
    backend.destroy().await;
}

on_both_runtimes!(secure_sessions);
