//! Router memory per idle session: `glacier` (the release binary) and ZeroC's
//! `glacier2router`, each in its own process with the null permissions verifier, get N sessions
//! (one client connection each, opened by this process), then sit idle; the router's RSS is read
//! from `/proc/<pid>/status` before and after. The `memory` example reports the same beside
//! the server's memory per connection; this one has the switches below.
//!
//! `cargo build --release -p glacier && cargo run --release -p ice-benches --example
//! router_sessions [N...]` (default 1000 10000). The routers have server endpoints for
//! callbacks unless `ROUTER_SESSIONS_NO_CALLBACKS=1`; with `ROUTER_SESSIONS_PING_ONLY=1` the
//! clients only ping, opening no session.

use std::path::PathBuf;

use ice_benches::{glacier_binary, router_idle_rss, ZeroCRouter};

fn main() {
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1000, 10_000] } else { counts };
    let glacier = glacier_binary();
    // Server endpoints (callbacks) unless ROUTER_SESSIONS_NO_CALLBACKS is set.
    let callbacks = std::env::var_os("ROUTER_SESSIONS_NO_CALLBACKS").is_none();
    let ping_only = std::env::var_os("ROUTER_SESSIONS_PING_ONLY").is_some();
    for n in counts {
        for (name, binary) in
            [("glacier", glacier.clone()), ("glacier2router", PathBuf::from("glacier2router"))]
        {
            let router = ZeroCRouter::start_binary(&binary, false, callbacks);
            let (before, after) = router_idle_rss(router.port, router.pid(), n, ping_only);
            let per = after.saturating_sub(before) as f64 / n as f64;
            println!("{name}: {n} idle sessions: {per:.1} KiB each (RSS {before} -> {after} KiB)");
        }
    }
}
