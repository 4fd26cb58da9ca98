//! ZeroC's "minimal" and "bidir" demos across implementations: the examples of both runtime
//! crates against ZeroC's Python demo clients and servers
//! (`tests/interop/demo_{hello,bidir}_*.py`), on Ice 3.7 and on Ice 3.8.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ice_driver::{Communicator, Runtime};
use ice_tests::peers::{Python, PythonPeer};

#[allow(dead_code)]
#[path = "../../ice-driver/demos/hello_server.rs"]
mod hello_server;

#[allow(dead_code)]
#[path = "../../ice-driver/demos/hello_client.rs"]
mod hello_client;

#[allow(dead_code)]
#[path = "../../ice-driver/demos/bidir_server.rs"]
mod bidir_server;

#[allow(dead_code)]
#[path = "../../ice-driver/demos/bidir_client.rs"]
mod bidir_client;

/// ZeroC's minimal client against the example server.
async fn zeroc_minimal_client_calls_example_server(rt: Arc<dyn Runtime>, python: Python) {
    let communicator = Communicator::new(rt);
    let adapter = hello_server::start(&communicator, "tcp -h 127.0.0.1 -p 0").unwrap();
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

/// The example client against ZeroC's minimal server.
async fn example_client_calls_zeroc_minimal_server(rt: Arc<dyn Runtime>, python: Python) {
    let mut peer =
        start_peer(&python, "demo_hello_server.py", &["--endpoints", "tcp -h 127.0.0.1 -p 0"]);
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", peer.port());
    let communicator = Communicator::new(rt);
    hello_client::run(&communicator, &proxy).await.unwrap();
    communicator.destroy().await;
    expect_hello_world(&mut peer);
}

/// ZeroC's bidir client against the example server, which calls it back.
async fn zeroc_bidir_client_calls_example_server(rt: Arc<dyn Runtime>, python: Python) {
    let communicator = Communicator::new(rt);
    let adapter =
        bidir_server::start(&communicator, "tcp -h 127.0.0.1 -p 0", Duration::from_millis(50))
            .unwrap();
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

/// The example bidir client receives ZeroC's server callbacks over its own connection.
async fn example_bidir_client_gets_zeroc_callbacks(rt: Arc<dyn Runtime>, python: Python) {
    let peer = start_peer(
        &python,
        "demo_bidir_server.py",
        &["--endpoints", "tcp -h 127.0.0.1 -p 0", "--interval", "0.05"],
    );
    let proxy = format!("sender:tcp -h 127.0.0.1 -p {}", peer.port());
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let communicator = Communicator::new(rt);
    bidir_client::run(&communicator, &proxy, move |n| {
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
}

/// Each demo scenario against one ZeroC release line, on both runtimes.
macro_rules! on_both_runtimes {
    ($module:ident, $version:ident, [$($name:ident),* $(,)?]) => {
        mod $module {
            mod tokio_runtime {
                $(
                    #[test]
                    fn $name() {
                        let Some(python) = crate::python_for(ice_tests::peers::IceVersion::$version) else { return };
                        crate::on_tokio(|rt| crate::$name(rt, python));
                    }
                )*
            }
            mod async_std_runtime {
                $(
                    #[test]
                    fn $name() {
                        let Some(python) = crate::python_for(ice_tests::peers::IceVersion::$version) else { return };
                        crate::on_async_std(|rt| crate::$name(rt, python));
                    }
                )*
            }
        }
    };
}

/// The scenarios, against each ZeroC release line (Ice 3.8's Python runs ZeroC's 3.7 demos
/// unchanged: same Slice, same identities, same semantics).
macro_rules! demo_scenarios {
    ($($module:ident: $version:ident),* $(,)?) => {
        $(
            on_both_runtimes!($module, $version, [
                zeroc_minimal_client_calls_example_server,
                example_client_calls_zeroc_minimal_server,
                zeroc_bidir_client_calls_example_server,
                example_bidir_client_gets_zeroc_callbacks,
            ]);
        )*
    };
}

demo_scenarios!(ice37: V37, ice38: V38);
