//! Router memory per idle session: `glacier` (the release binary) and ZeroC's
//! `glacier2router`, each in its own process with the null permissions verifier, get N sessions
//! (one client connection each, opened by this process), then sit idle; the router's RSS is read
//! from `/proc/<pid>/status` before and after.
//!
//! `cargo build --release -p glacier && cargo run --release -p ice-benches --example
//! router_sessions [N...]` (default 1000 10000). The routers have server endpoints for
//! callbacks unless `ROUTER_SESSIONS_NO_CALLBACKS=1`; with `ROUTER_SESSIONS_PING_ONLY=1` the
//! clients only ping, opening no session.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ice_benches::{Exec, Kind, ZeroCRouter};
use ice_driver::glacier2::SessionRouter;
use ice_driver::{Communicator, Properties};

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Opens `n` sessions on `router`, each on a connection of its own; returns the router's RSS
/// in KiB before and after.
fn measure(router: &ZeroCRouter, n: usize) -> (u64, u64) {
    let exec = Exec::new(Kind::TokioMt);
    let rt = exec.runtime();
    exec.block_on(async {
        let settle = || async {
            rt.sleep_until(rt.now() + Duration::from_millis(500)).await;
        };
        let mut props = Properties::new();
        // Idle sessions stay open while they are counted.
        props.set("Ice.ACM.Client.Timeout", "0").expect("property");
        let client = Communicator::with_properties(rt.clone(), props);
        let proxy = client
            .string_to_proxy(&format!("Glacier2/router:tcp -h 127.0.0.1 -p {}", router.port))
            .expect("router proxy");
        settle().await;
        let before = rss_kib(router.pid());
        for i in 0..n {
            let proxy = proxy.ice_connection_id(format!("s{i}"));
            if std::env::var_os("ROUTER_SESSIONS_PING_ONLY").is_some() {
                // Connections alone, for comparison: no session.
                proxy.ice_ping().await.expect("ice_ping");
                continue;
            }
            let session = SessionRouter::new(&proxy);
            session.create_session(&format!("user{i}"), "").await.expect("createSession");
        }
        settle().await;
        let after = rss_kib(router.pid());
        client.destroy().await;
        (before, after)
    })
}

fn main() {
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1000, 10_000] } else { counts };
    let glacier = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/glacier");
    assert!(glacier.exists(), "build it first: cargo build --release -p glacier");
    // Server endpoints (callbacks) unless ROUTER_SESSIONS_NO_CALLBACKS is set.
    let callbacks = std::env::var_os("ROUTER_SESSIONS_NO_CALLBACKS").is_none();
    for n in counts {
        for (name, binary) in
            [("glacier", glacier.clone()), ("glacier2router", PathBuf::from("glacier2router"))]
        {
            let router = ZeroCRouter::start_binary(&binary, false, callbacks);
            let (before, after) = measure(&router, n);
            let per = after.saturating_sub(before) as f64 / n as f64;
            println!("{name}: {n} idle sessions: {per:.1} KiB each (RSS {before} -> {after} KiB)");
        }
    }
}
