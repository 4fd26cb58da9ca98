//! ZeroC's "minimal" and "bidir" demos across implementations: the examples of both runtime
//! crates against ZeroC Ice 3.7's Python demo clients and servers
//! (`tests/interop/demo_{hello,bidir}_*.py`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ice_driver::{Communicator, Runtime};
use ice_tests::peers::{Python, PythonPeer};

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

#[allow(dead_code)]
#[path = "../../ice-driver-tokio/examples/bidir_server.rs"]
mod tokio_bidir_server;

#[allow(dead_code)]
#[path = "../../ice-driver-tokio/examples/bidir_client.rs"]
mod tokio_bidir_client;

#[allow(dead_code)]
#[path = "../../ice-driver-async-std/examples/bidir_server.rs"]
mod async_std_bidir_server;

#[allow(dead_code)]
#[path = "../../ice-driver-async-std/examples/bidir_client.rs"]
mod async_std_bidir_client;

async fn zeroc_client(
    rt: Arc<dyn Runtime>,
    python: Python,
    start: fn(&Communicator, &str) -> Result<ice_driver::ObjectAdapter, ice_driver::Error>,
) {
    let communicator = Communicator::new(rt);
    let adapter = start(&communicator, "tcp -h 127.0.0.1 -p 0").unwrap();
    let proxy = format!("hello:{}", adapter.endpoints()[0]);
    let out = run_peer(&python, "demo_hello_client.py", &["--proxy", &proxy]).await;
    assert!(
        out.status.success() && out.stdout == ["OK sayHello x1"],
        "ZeroC minimal client failed (stderr above): {:?}",
        out.stdout
    );
    communicator.destroy().await;
}

fn expect_hello_world(peer: &mut PythonPeer) {
    let line = peer.next_line(Duration::from_secs(30)).expect("the ZeroC server printed nothing");
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
    let mut peer =
        start_peer(&python, "demo_hello_server.py", &["--endpoints", "tcp -h 127.0.0.1 -p 0"]);
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", peer.port());
    on_tokio(|rt| async move {
        let communicator = Communicator::new(rt);
        tokio_client::run(&communicator, &proxy).await.unwrap();
        communicator.destroy().await;
    });
    expect_hello_world(&mut peer);
}

#[test]
fn async_std_example_client_calls_zeroc_minimal_server() {
    let Some(python) = python() else { return };
    let mut peer =
        start_peer(&python, "demo_hello_server.py", &["--endpoints", "tcp -h 127.0.0.1 -p 0"]);
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", peer.port());
    on_async_std(|rt| async move {
        let communicator = Communicator::new(rt);
        async_std_client::run(&communicator, &proxy).await.unwrap();
        communicator.destroy().await;
    });
    expect_hello_world(&mut peer);
}

type BidirStart =
    fn(&Communicator, &str, Duration) -> Result<ice_driver::ObjectAdapter, ice_driver::Error>;

async fn zeroc_bidir_client(rt: Arc<dyn Runtime>, python: Python, start: BidirStart) {
    let communicator = Communicator::new(rt);
    let adapter = start(&communicator, "tcp -h 127.0.0.1 -p 0", Duration::from_millis(50)).unwrap();
    let proxy = format!("sender:{}", adapter.endpoints()[0]);
    let out = run_peer(&python, "demo_bidir_client.py", &["--proxy", &proxy, "--count", "3"]).await;
    assert!(
        out.status.success() && out.stdout.last().is_some_and(|l| l == "OK 3 callbacks"),
        "ZeroC bidir client failed (stderr above): {:?}",
        out.stdout
    );
    communicator.destroy().await;
}

/// Waits for three callbacks from the ZeroC bidir server and checks they count up by one.
fn expect_callbacks(nums: std::sync::mpsc::Receiver<i32>) {
    let got: Vec<i32> =
        (0..3).map(|_| nums.recv_timeout(Duration::from_secs(30)).expect("callback")).collect();
    assert_eq!(got, vec![got[0], got[0] + 1, got[0] + 2], "{got:?}");
}

#[test]
fn zeroc_bidir_client_calls_tokio_example_server() {
    let Some(python) = python() else { return };
    on_tokio(|rt| zeroc_bidir_client(rt, python, tokio_bidir_server::start));
}

#[test]
fn zeroc_bidir_client_calls_async_std_example_server() {
    let Some(python) = python() else { return };
    on_async_std(|rt| zeroc_bidir_client(rt, python, async_std_bidir_server::start));
}

#[test]
fn tokio_bidir_example_client_gets_zeroc_callbacks() {
    let Some(python) = python() else { return };
    let peer = start_peer(
        &python,
        "demo_bidir_server.py",
        &["--endpoints", "tcp -h 127.0.0.1 -p 0", "--interval", "0.05"],
    );
    let proxy = format!("sender:tcp -h 127.0.0.1 -p {}", peer.port());
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    on_tokio(|rt| async move {
        let communicator = Communicator::new(rt);
        tokio_bidir_client::run(&communicator, &proxy, move |n| {
            let _ = tx.lock().map(|t| t.send(n));
        })
        .await
        .unwrap();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            expect_callbacks(rx);
            let _ = done_tx.send(());
        });
        done_rx.await.expect("callbacks checked");
        communicator.destroy().await;
    });
}

#[test]
fn async_std_bidir_example_client_gets_zeroc_callbacks() {
    let Some(python) = python() else { return };
    let peer = start_peer(
        &python,
        "demo_bidir_server.py",
        &["--endpoints", "tcp -h 127.0.0.1 -p 0", "--interval", "0.05"],
    );
    let proxy = format!("sender:tcp -h 127.0.0.1 -p {}", peer.port());
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    on_async_std(|rt| async move {
        let communicator = Communicator::new(rt);
        async_std_bidir_client::run(&communicator, &proxy, move |n| {
            let _ = tx.lock().map(|t| t.send(n));
        })
        .await
        .unwrap();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            expect_callbacks(rx);
            let _ = done_tx.send(());
        });
        done_rx.await.expect("callbacks checked");
        communicator.destroy().await;
    });
}
