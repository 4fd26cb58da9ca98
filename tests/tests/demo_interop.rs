//! ZeroC's "minimal" demo across implementations: the examples `hello_server` and
//! `hello_client` of both runtime crates against ZeroC Ice 3.7's Python demo client and
//! server (`tests/interop/driver/minimal_*.py`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ice_driver::{Communicator, Runtime};

#[allow(dead_code)]
#[path = "../../ice-driver-tokio/examples/hello_server.rs"]
mod tokio_server;

#[allow(dead_code)]
#[path = "../../ice-driver-tokio/examples/hello_client.rs"]
mod tokio_client;

#[allow(dead_code)]
#[path = "../../ice-driver-async-std/examples/hello_server.rs"]
mod async_std_server;

#[allow(dead_code)]
#[path = "../../ice-driver-async-std/examples/hello_client.rs"]
mod async_std_client;

async fn zeroc_client(
    rt: Arc<dyn Runtime>,
    python: std::path::PathBuf,
    start: fn(&Communicator, &str) -> Result<ice_driver::ObjectAdapter, ice_driver::Error>,
) {
    let communicator = Communicator::new(rt);
    let adapter = start(&communicator, "tcp -h 127.0.0.1 -p 0").unwrap();
    let proxy = format!("hello:{}", adapter.endpoints()[0]);
    let out = run_peer(python, "minimal_client.py", proxy).await;
    assert!(
        out.status.success() && out.stdout == b"OK\n",
        "ZeroC minimal client failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    communicator.destroy().await;
}

fn expect_hello_world(peer: &Peer) {
    let line = peer
        .lines
        .recv_timeout(Duration::from_secs(30))
        .expect("the ZeroC server printed nothing");
    assert_eq!(line, "Hello World!");
}

#[test]
fn zeroc_minimal_client_calls_tokio_example_server() {
    let Some(python) = python() else { return };
    on_tokio(|rt| zeroc_client(rt, python, tokio_server::start));
}

#[test]
fn zeroc_minimal_client_calls_async_std_example_server() {
    let Some(python) = python() else { return };
    on_async_std(|rt| zeroc_client(rt, python, async_std_server::start));
}

#[test]
fn tokio_example_client_calls_zeroc_minimal_server() {
    let Some(python) = python() else { return };
    let peer = start_peer(&python, "minimal_server.py");
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", peer.port);
    on_tokio(|rt| async move {
        let communicator = Communicator::new(rt);
        tokio_client::run(&communicator, &proxy).await.unwrap();
        communicator.destroy().await;
    });
    expect_hello_world(&peer);
}

#[test]
fn async_std_example_client_calls_zeroc_minimal_server() {
    let Some(python) = python() else { return };
    let peer = start_peer(&python, "minimal_server.py");
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", peer.port);
    on_async_std(|rt| async move {
        let communicator = Communicator::new(rt);
        async_std_client::run(&communicator, &proxy).await.unwrap();
        communicator.destroy().await;
    });
    expect_hello_world(&peer);
}
