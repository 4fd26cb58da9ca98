//! The Rust version of ZeroC's Glacier2 callback demo (`glacier/demos/callback.rs`): its
//! client and server through our router on both runtimes, and through ZeroC's glacier2router.

#[macro_use]
mod common;
#[path = "../../glacier/demos/callback.rs"]
mod demo;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use common::*;
use ice_driver::{Communicator, Runtime};
use ice_tests::glacier2router::{router_binary, Glacier2Router, RouterKind};

/// One scenario at a time: the demo counts callbacks in a process-wide counter.
static SERIAL: Mutex<()> = Mutex::new(());

async fn demo_through(rt: Arc<dyn Runtime>, router: String) {
    let server = Communicator::new(rt.clone());
    let adapter = demo::start_server(&server, "tcp -h 127.0.0.1 -p 0").unwrap();
    let port = match &adapter.endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    let before = demo::RECEIVED.load(Ordering::SeqCst);
    let client = Communicator::with_properties(rt.clone(), demo::client_properties(&router));
    let callback = format!("callback:tcp -h 127.0.0.1 -p {port}");
    // Twoway, oneway, batch oneway + flush: three callbacks; then the fake category (refused
    // by the router, so initiateCallback fails at the server), then shutdown.
    let commands = ["t", "o", "O", "f", "F", "t", "F", "s"].map(String::from);
    demo::client(client, &router, &callback, "demo", commands.into_iter()).await.unwrap();
    let received = || async { demo::RECEIVED.load(Ordering::SeqCst) - before };
    wait_until(&rt, "callbacks", received, 3).await;
    server.wait_for_shutdown().await;
    server.destroy().await;
}

type Scenario = Box<dyn FnOnce(Arc<dyn Runtime>) -> ice_driver::BoxFuture<'static, ()>>;

fn run_with(kind: RouterKind, on: fn(Scenario)) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(binary) = router_binary(kind) else { return };
    let router = Glacier2Router::start(&binary, &[]).expect("start the router");
    let proxy = router.router_proxy();
    on(Box::new(move |rt| Box::pin(demo_through(rt, proxy))));
}

#[test]
fn tokio_demo_through_glacier() {
    run_with(RouterKind::Glacier, on_tokio::<Scenario, _>);
}

#[test]
fn async_std_demo_through_glacier() {
    run_with(RouterKind::Glacier, on_async_std::<Scenario, _>);
}

/// How many of `pid`'s threads are async-std's executor threads (named `async-std/runtime`,
/// which Linux cuts to 15 bytes).
#[cfg(target_os = "linux")]
fn executor_threads(pid: u32) -> usize {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the router's threads");
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == "async-std/runti")
        .count()
}

/// The executor's threads once they all have their name: a new thread names itself once it
/// runs, which may be after the router said it is ready. Polls until `expected` are named
/// (up to 10 s), then counts again.
#[cfg(target_os = "linux")]
fn named_executor_threads(pid: u32, expected: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while executor_threads(pid) < expected && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    executor_threads(pid)
}

/// `glacier --runtime async-std` sizes its executor as glacier2router sizes its server thread
/// pool: one thread by default (see `async_std_threads` in glacier's main), and the demo's
/// callbacks still come back through it.
#[cfg(target_os = "linux")]
#[test]
fn demo_through_glacier_on_async_std_with_its_default_of_one_thread() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let binary = router_binary(RouterKind::Glacier).expect("glacier");
    let args = ["--runtime", "async-std"];
    let router = Glacier2Router::start_with_args(&binary, &args, &[]).expect("start the router");
    assert_eq!(named_executor_threads(router.pid(), 1), 1);
    let proxy = router.router_proxy();
    on_tokio::<Scenario, _>(Box::new(move |rt| Box::pin(demo_through(rt, proxy))));
    assert_eq!(executor_threads(router.pid()), 1, "async-std added threads");
}

#[cfg(target_os = "linux")]
#[test]
fn glacier_on_async_std_takes_its_threads_from_the_server_thread_pool_size() {
    let binary = router_binary(RouterKind::Glacier).expect("glacier");
    let args = ["--runtime", "async-std"];
    let size = [("Ice.ThreadPool.Server.Size", "3")];
    let router = Glacier2Router::start_with_args(&binary, &args, &size).expect("start the router");
    assert_eq!(named_executor_threads(router.pid(), 3), 3);
}

#[test]
fn tokio_demo_through_glacier2router() {
    run_with(RouterKind::ZeroC, on_tokio::<Scenario, _>);
}
