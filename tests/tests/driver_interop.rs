//! Interop between the Rust driver and real ZeroC Ice 3.7 and 3.8 (Python mapping): Rust
//! clients call a ZeroC server and a ZeroC client calls a Rust server, on both runtimes, written
//! once and instantiated per release line (`ice37::…`, `ice38::…`), plus Ice 3.8's idle check
//! against our heartbeats. The peers are `tests/interop/driver/{server,client}.py` with
//! `DriverTest.ice`.
//!
//! Compression is checked on the wire: the ZeroC peer traces its protocol messages
//! (`Ice.Trace.Protocol=1`) to a log file, which must show the `echo` request and its reply
//! compressed (compression status 2, a message smaller than the payload).
//!
//! A missing ZeroC peer fails these tests (see `ice_tests::peers::require_peer`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use ice_driver::{Communicator, Error, Identity, OperationMode, Proxy, Runtime};
use ice_tests::peers::{IceVersion, Python};
use ice_tests::zeroc_trace::{LogFile, TraceEntry};

/// The size of the compressible payload echoed with compression.
const COMPRESSED_PAYLOAD: usize = 300_000;

/// Asserts that `trace` (a ZeroC peer's protocol trace) shows an `echo` request sent
/// compressed (titled `request`), a compressed reply to it (titled `reply`), and an `echo`
/// request not compressed (so the trace does tell them apart).
fn assert_compressed_echo(trace: &[TraceEntry], request: &str, reply: &str) {
    let echoes: Vec<&TraceEntry> =
        trace.iter().filter(|e| e.title == request && e.get("operation") == Some("echo")).collect();
    let compressed = |e: &TraceEntry| {
        e.number("compression status") == Some(2)
            && e.number("message size").is_some_and(|n| n < COMPRESSED_PAYLOAD as u64)
    };
    let Some(sent) = echoes.iter().find(|e| compressed(e)) else {
        panic!("no compressed echo request ({request}) in the ZeroC trace: {echoes:#?}")
    };
    let id = sent.get("request id");
    let replies: Vec<&TraceEntry> =
        trace.iter().filter(|e| e.title == reply && e.get("request id") == id).collect();
    assert!(
        replies.len() == 1 && compressed(replies[0]),
        "the reply to {sent:#?} was not compressed: {replies:#?}"
    );
    assert!(
        echoes.iter().any(|e| e.number("compression status") == Some(0)),
        "no uncompressed echo request: {echoes:#?}"
    );
}

/// `log` is the ZeroC server's protocol trace.
async fn rust_client_calls_zeroc_server(rt: Arc<dyn Runtime>, port: u16, log: &LogFile) {
    let client =
        Communicator::with_properties(rt.clone(), properties(&[("Ice.MessageSizeMax", "16384")]));
    let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
    assert!(hello.ice_is_a(HELLO_ID).await.unwrap());
    assert_eq!(
        hello.ice_ids().await.unwrap(),
        vec![HELLO_ID.to_owned(), "::Ice::Object".to_owned()]
    );
    let greet = |p: &Proxy| {
        let p = p.clone();
        async move {
            p.invoke_typed::<_, String>("sayHello", OperationMode::Normal, "Rust").await.unwrap()
        }
    };
    assert_eq!(greet(&hello).await, "Hello, Rust!");
    assert_eq!(greet(&hello.ice_context(context(&[("lang", "fr")]))).await, "Bonjour, Rust!");
    assert_eq!(greet(&hello.ice_facet("admin")).await, "Hello, Rust! [admin]");
    // ZeroC's user exception, decoded from the encapsulation it sent.
    let err = hello
        .invoke_typed::<_, ()>("fail", OperationMode::Normal, &(5i32, "from python"))
        .await
        .unwrap_err();
    assert_eq!(expect_boom(&err), (5, "from python".to_owned()));
    let base =
        hello.invoke_typed::<_, i32>("getCount", OperationMode::Idempotent, &()).await.unwrap();
    for _ in 0..10 {
        hello.ice_oneway().invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    let batch = hello.ice_batch_oneway();
    for _ in 0..5 {
        batch.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    batch.ice_flush_batch_requests().await.unwrap();
    wait_for_count(&rt, &hello, base + 15).await;
    let data: Bytes = (0..COMPRESSED_PAYLOAD).map(|i| (i / 100) as u8).collect::<Vec<_>>().into();
    let back: Bytes =
        hello.ice_compress(true).invoke_typed("echo", OperationMode::Normal, &data).await.unwrap();
    assert_eq!(back, data);
    let big: Bytes = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>().into();
    let back: Bytes = hello.invoke_typed("echo", OperationMode::Normal, &big).await.unwrap();
    assert_eq!(back, big);
    let trace = log.protocol_trace().expect("the ZeroC server's log");
    assert_compressed_echo(&trace, "received request", "sending reply");
    assert!(matches!(
        hello.invoke_typed::<_, ()>("crash", OperationMode::Normal, &()).await,
        Err(Error::Unknown(_))
    ));
    assert!(matches!(
        hello.ice_identity(Identity::new("ghost")).ice_ping().await,
        Err(Error::ObjectNotExist { .. })
    ));
    assert!(matches!(
        hello.invoke_typed::<_, ()>("frobnicate", OperationMode::Normal, &()).await,
        Err(Error::OperationNotExist { .. })
    ));
    match hello
        .ice_facet("nope")
        .invoke_typed::<_, String>("sayHello", OperationMode::Normal, "x")
        .await
    {
        Err(Error::FacetNotExist { identity, facet, operation }) => {
            assert_eq!((identity.name.as_str(), facet.as_str()), ("hello", "nope"));
            assert_eq!(operation, "sayHello");
        }
        other => panic!("expected FacetNotExist, got {other:?}"),
    }
    // The ZeroC server calls back over the connection we opened (bidirectional).
    let adapter = client.create_object_adapter_with_endpoints("", "").unwrap();
    adapter
        .add(
            Identity::new("receiver"),
            Arc::new(ReceiverI { prefix: "rx".into(), connections: Default::default() }),
        )
        .unwrap();
    adapter.activate().unwrap();
    hello.ice_get_connection().await.unwrap().set_adapter(Some(adapter));
    let answer: String =
        hello.invoke_typed("callback", OperationMode::Normal, "receiver").await.unwrap();
    assert_eq!(answer, "rx:ping");
    client.destroy().await;
}

/// Starts the Rust `DriverTest::Hello` server and runs the ZeroC client against it.
async fn zeroc_client_calls_rust_server(rt: Arc<dyn Runtime>, python: Python) {
    let server =
        Communicator::with_properties(rt.clone(), properties(&[("Ice.MessageSizeMax", "16384")]));
    let adapter =
        server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.add_facet(Identity::new("hello"), "admin", HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let proxy = format!("hello:{}", adapter.endpoints()[0]);
    let log = LogFile::new("driver-client");
    let args = ["--proxy", &proxy, "--Ice.Trace.Protocol=1", &log.ice_arg()];
    let out = run_peer(&python, "driver/client.py", &args).await;
    let stdout = out.stdout.join("\n") + "\n";
    assert!(out.status.success(), "ZeroC client failed (stderr above)\nstdout:\n{stdout}");
    for check in [
        "checkedCast",
        "twoway+context",
        "facet",
        "builtins",
        "user exception",
        "oneway",
        "batch",
        "compression+large",
        "dispatch errors",
        "callback",
    ] {
        assert!(stdout.contains(&format!("OK {check}\n")), "missing check {check}:\n{stdout}");
    }
    let trace = log.protocol_trace().expect("the ZeroC client's log");
    assert_compressed_echo(&trace, "sending request", "received reply");
    server.destroy().await;
}

/// A Rust client keeps an idle connection to a ZeroC server whose idle check aborts silent
/// peers after 2 s: our heartbeats (every second, from `Ice.Connection.Client.IdleTimeout=2`)
/// keep it open for 5 s, and the next call goes over the very same connection.
async fn rust_client_survives_zeroc_idle_check(rt: Arc<dyn Runtime>, port: u16) {
    let client = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Connection.Client.IdleTimeout", "2")]),
    );
    let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
    let greet = || hello.invoke_typed::<_, String>("sayHello", OperationMode::Normal, "idle");
    assert_eq!(greet().await.unwrap(), "Hello, idle!");
    let connection = hello.ice_get_connection().await.unwrap();
    sleep(&rt, Duration::from_secs(5)).await;
    assert!(!connection.is_closed(), "closed while idle: {:?}", connection.close_reason());
    assert_eq!(greet().await.unwrap(), "Hello, idle!");
    assert!(hello.ice_get_connection().await.unwrap() == connection, "a new connection was made");
    client.destroy().await;
}

/// A ZeroC client with a 2 s idle check stays idle for 5 s on a connection to the Rust server
/// (which heartbeats every second), then calls again over the same connection.
async fn zeroc_client_survives_rust_server_idle(rt: Arc<dyn Runtime>, python: Python) {
    let server = Communicator::with_properties(
        rt.clone(),
        properties(&[("Ice.Connection.Server.IdleTimeout", "2")]),
    );
    let adapter =
        server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let proxy = format!("hello:{}", adapter.endpoints()[0]);
    let args = ["--proxy", &proxy, "--idle", "5", "--Ice.Connection.Client.IdleTimeout=2"];
    let out = run_peer(&python, "driver/client.py", &args).await;
    let stdout = out.stdout.join("\n") + "\n";
    assert!(out.status.success(), "ZeroC client failed (stderr above)\nstdout:\n{stdout}");
    assert!(stdout.contains("OK idle 5\n"), "missing idle check:\n{stdout}");
    server.destroy().await;
}

/// The scenarios above against one ZeroC release line, on both runtimes.
macro_rules! interop_tests {
    ($module:ident, $version:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn tokio_client_calls_zeroc_server() {
                let Some(python) = python_for($version) else { return };
                let log = LogFile::new("driver-server");
                let args = ["--Ice.Trace.Protocol=1", &log.ice_arg()];
                let peer = start_peer(&python, "driver/server.py", &args);
                on_tokio(|rt| async move {
                    rust_client_calls_zeroc_server(rt, peer.port(), &log).await
                });
            }

            #[test]
            fn async_std_client_calls_zeroc_server() {
                let Some(python) = python_for($version) else { return };
                let log = LogFile::new("driver-server");
                let args = ["--Ice.Trace.Protocol=1", &log.ice_arg()];
                let peer = start_peer(&python, "driver/server.py", &args);
                on_async_std(|rt| async move {
                    rust_client_calls_zeroc_server(rt, peer.port(), &log).await
                });
            }

            #[test]
            fn zeroc_client_calls_tokio_server() {
                let Some(python) = python_for($version) else { return };
                on_tokio(|rt| zeroc_client_calls_rust_server(rt, python));
            }

            #[test]
            fn zeroc_client_calls_async_std_server() {
                let Some(python) = python_for($version) else { return };
                on_async_std(|rt| zeroc_client_calls_rust_server(rt, python));
            }
        }
    };
}

interop_tests!(ice37, IceVersion::V37);
interop_tests!(ice38, IceVersion::V38);

// Only Ice 3.8 has an idle check (3.7's ACM never aborts a silent peer by default).

#[test]
fn ice38_idle_check_tokio_client() {
    let Some(python) = python_for(IceVersion::V38) else { return };
    let args = ["--Ice.Connection.Server.IdleTimeout=2"];
    let peer = start_peer(&python, "driver/server.py", &args);
    on_tokio(|rt| rust_client_survives_zeroc_idle_check(rt, peer.port()));
}

#[test]
fn ice38_idle_check_async_std_server() {
    let Some(python) = python_for(IceVersion::V38) else { return };
    on_async_std(|rt| zeroc_client_survives_rust_server_idle(rt, python));
}
