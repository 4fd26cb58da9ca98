//! Interop between the Rust driver and real ZeroC Ice 3.7 (Python mapping): Rust clients call
//! a ZeroC server and a ZeroC client calls a Rust server, on both runtimes. The peers are
//! `tests/interop/driver/{server,client}.py` with `DriverTest.ice`.
//!
//! A missing ZeroC peer fails these tests; set `ICE_INTEROP_ALLOW_SKIP=1` (and not
//! `ICE_INTEROP_REQUIRED=1`) to skip them locally with a notice.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use ice_driver::{Communicator, Error, Identity, OperationMode, Properties, Proxy, Runtime};

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop/driver")
}

/// The Python interpreter with ZeroC Ice 3.7, or `None` when skipping is allowed.
fn python() -> Option<PathBuf> {
    let path = std::env::var_os("ICE_PYTHON37")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/python3"));
    let ok = Command::new(&path)
        .args([
            "-c",
            "import Ice; assert Ice.stringVersion().startswith('3.7.')",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(path);
    }
    let reason = format!(
        "no ZeroC Ice 3.7 Python peer at {} (run scripts/install-peers)",
        path.display()
    );
    let required = std::env::var("ICE_INTEROP_REQUIRED").is_ok_and(|v| v == "1");
    let allow_skip = std::env::var("ICE_INTEROP_ALLOW_SKIP").is_ok_and(|v| v == "1");
    if required || !allow_skip {
        panic!("{reason}");
    }
    eprintln!("SKIPPING interop test: {reason}");
    None
}

/// A running ZeroC server, killed when dropped.
struct Peer {
    child: Child,
    port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(python: &PathBuf) -> Peer {
    let mut child = Command::new(python)
        .arg(interop_dir().join("server.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server.py");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line.strip_prefix("READY ") {
                let _ = tx.send(port.trim().parse::<u16>().ok());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .ok()
        .flatten()
        .expect("server.py did not print READY <port>");
    Peer { child, port }
}

async fn rust_client_calls_zeroc_server(rt: Arc<dyn Runtime>, port: u16) {
    let client = Communicator::with_properties(
        rt.clone(),
        Properties::new().with("Ice.MessageSizeMax", "16384"),
    );
    let hello = client
        .string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}"))
        .unwrap();
    assert!(hello.ice_is_a(HELLO_ID).await.unwrap());
    assert_eq!(
        hello.ice_ids().await.unwrap(),
        vec![HELLO_ID.to_owned(), "::Ice::Object".to_owned()]
    );
    let greet = |p: &Proxy| {
        let p = p.clone();
        async move {
            p.invoke_typed::<_, String>("sayHello", OperationMode::Normal, "Rust")
                .await
                .unwrap()
        }
    };
    assert_eq!(greet(&hello).await, "Hello, Rust!");
    assert_eq!(
        greet(&hello.ice_context(context(&[("lang", "fr")]))).await,
        "Bonjour, Rust!"
    );
    // ZeroC's user exception, decoded from the encapsulation it sent.
    match hello
        .invoke_typed::<_, ()>("fail", OperationMode::Normal, &(5i32, "from python"))
        .await
    {
        Err(Error::UserException(e)) => assert_eq!(
            decode_boom(&e),
            (BOOM_ID.to_owned(), 5, "from python".to_owned())
        ),
        other => panic!("expected Boom, got {other:?}"),
    }
    let base = hello
        .invoke_typed::<_, i32>("getCount", OperationMode::Idempotent, &())
        .await
        .unwrap();
    for _ in 0..10 {
        hello
            .ice_oneway()
            .invoke_typed::<_, ()>("tick", OperationMode::Normal, &())
            .await
            .unwrap();
    }
    let batch = hello.ice_batch_oneway();
    for _ in 0..5 {
        batch
            .invoke_typed::<_, ()>("tick", OperationMode::Normal, &())
            .await
            .unwrap();
    }
    batch.ice_flush_batch_requests().await.unwrap();
    wait_for_count(&rt, &hello, base + 15).await;
    let data: Bytes = (0..300_000u32)
        .map(|i| (i / 100) as u8)
        .collect::<Vec<_>>()
        .into();
    let back: Bytes = hello
        .ice_compress(true)
        .invoke_typed("echo", OperationMode::Normal, &data)
        .await
        .unwrap();
    assert_eq!(back, data);
    let big: Bytes = (0..3_000_000u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect::<Vec<_>>()
        .into();
    let back: Bytes = hello
        .invoke_typed("echo", OperationMode::Normal, &big)
        .await
        .unwrap();
    assert_eq!(back, big);
    assert!(matches!(
        hello
            .invoke_typed::<_, ()>("crash", OperationMode::Normal, &())
            .await,
        Err(Error::Unknown(_))
    ));
    assert!(matches!(
        hello.ice_identity(Identity::new("ghost")).ice_ping().await,
        Err(Error::ObjectNotExist { .. })
    ));
    assert!(matches!(
        hello
            .invoke_typed::<_, ()>("frobnicate", OperationMode::Normal, &())
            .await,
        Err(Error::OperationNotExist { .. })
    ));
    // The ZeroC server calls back over the connection we opened (bidirectional).
    let adapter = client.create_object_adapter_with_endpoints("", "").unwrap();
    adapter
        .add(
            Identity::new("receiver"),
            Arc::new(ReceiverI {
                prefix: "rx".into(),
                connections: Default::default(),
            }),
        )
        .unwrap();
    adapter.activate().unwrap();
    hello
        .ice_get_connection()
        .await
        .unwrap()
        .set_adapter(Some(adapter));
    let answer: String = hello
        .invoke_typed("callback", OperationMode::Normal, "receiver")
        .await
        .unwrap();
    assert_eq!(answer, "rx:ping");
    client.destroy().await;
}

/// Starts the Rust `DriverTest::Hello` server and runs the ZeroC client against it.
async fn zeroc_client_calls_rust_server(rt: Arc<dyn Runtime>, python: PathBuf) {
    let server = Communicator::with_properties(
        rt.clone(),
        Properties::new().with("Ice.MessageSizeMax", "16384"),
    );
    let adapter = server
        .create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0")
        .unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let proxy = format!("hello:{}", adapter.endpoints()[0]);
    // Run the blocking client on a thread of its own and wait for it without blocking the
    // runtime that serves it.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = Command::new(python)
            .arg(interop_dir().join("client.py"))
            .arg(proxy)
            .stdin(Stdio::null())
            .output();
        let _ = tx.send(out);
    });
    let out = rx.await.unwrap().expect("run client.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ZeroC client failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for check in [
        "checkedCast",
        "twoway+context",
        "builtins",
        "user exception",
        "oneway",
        "batch",
        "compression+large",
        "dispatch errors",
        "callback",
    ] {
        assert!(
            stdout.contains(&format!("OK {check}\n")),
            "missing check {check}:\n{stdout}"
        );
    }
    server.destroy().await;
}

#[test]
fn tokio_client_calls_zeroc_server() {
    let Some(python) = python() else { return };
    let peer = start_server(&python);
    on_tokio(|rt| rust_client_calls_zeroc_server(rt, peer.port));
}

#[test]
fn async_std_client_calls_zeroc_server() {
    let Some(python) = python() else { return };
    let peer = start_server(&python);
    on_async_std(|rt| rust_client_calls_zeroc_server(rt, peer.port));
}

#[test]
fn zeroc_client_calls_tokio_server() {
    let Some(python) = python() else { return };
    on_tokio(|rt| zeroc_client_calls_rust_server(rt, python));
}

#[test]
fn zeroc_client_calls_async_std_server() {
    let Some(python) = python() else { return };
    on_async_std(|rt| zeroc_client_calls_rust_server(rt, python));
}
