//! The Glacier2 web deployment end to end: headless Chromium runs a page using Ice for
//! JavaScript 3.7 that opens a session on our router over `ws` and over `wss`, registers a
//! callback receiver on a routed adapter, has the back end (the Rust server of ZeroC's
//! Glacier2 callback demo) call it back through the router, and destroys its session.

#[macro_use]
mod common;
#[path = "../../glacier/demos/callback.rs"]
mod demo;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ice_driver::{Communicator, Endpoint, Properties, Runtime};
use ice_tests::browser::Browser;
use ice_tests::certs::TestCerts;

async fn browser_client_through_the_router(rt: Arc<dyn Runtime>, browser: Browser) {
    let certs = TestCerts::generate();
    let server = Communicator::new(rt.clone());
    let adapter = demo::start_server(&server, "tcp -h 127.0.0.1 -p 0").unwrap();
    let callback = format!("callback:{}", adapter.endpoints()[0]);
    let mut props = Properties::new();
    for (k, v) in certs.props("ca.pem", Some("server")) {
        props.set(&k, &v).unwrap();
    }
    for (k, v) in [
        ("Glacier2.Client.Endpoints", "ws -h 127.0.0.1 -p 0:wss -h 127.0.0.1 -p 0"),
        ("Glacier2.Server.Endpoints", "tcp -h 127.0.0.1 -p 0"),
        ("Glacier2.PermissionsVerifier", "Glacier2/NullPermissionsVerifier"),
        // Browsers present no client certificate.
        ("IceSSL.VerifyPeer", "0"),
    ] {
        props.set(k, v).unwrap();
    }
    let router = glacier::Glacier::start(rt.clone(), props).await.expect("router");
    for endpoint in router.client_endpoints() {
        let transport = endpoint.transport();
        let port = match &endpoint {
            Endpoint::Ws(ws) | Endpoint::Wss(ws) => ws.ip.port,
            other => panic!("{other}"),
        };
        let router_proxy = format!("Glacier2/router:{transport} -h 127.0.0.1 -p {port}");
        let query = format!("router={}&callback={}", encode(&router_proxy), encode(&callback));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let b = browser.clone();
        std::thread::spawn(move || {
            let _ = tx.send(b.run_page("index.html", &query, Duration::from_secs(60)));
        });
        let said = rx.await.expect("browser thread");
        assert_eq!(said, "OK", "the browser client over {transport} said:\n{said}");
        let gone = || async { router.stats().sessions };
        wait_for(&rt, "sessions", gone, 0).await;
    }
    router.shutdown().await;
    server.destroy().await;
}

/// Percent-encodes a query parameter.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn browser_over_ws_and_wss_on_tokio() {
    let Some(browser) = Browser::require() else { return };
    on_tokio(|rt| browser_client_through_the_router(rt, browser));
}

#[test]
fn browser_over_ws_and_wss_on_async_std() {
    let Some(browser) = Browser::require() else { return };
    on_async_std(|rt| browser_client_through_the_router(rt, browser));
}
