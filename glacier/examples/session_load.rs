//! Opens `N` client sessions on a router and keeps them idle, to measure what a session costs
//! the router (read its RSS from `/proc/<pid>/status` meanwhile).
//!
//! `cargo run --release -p glacier --example session_load -- ROUTER_PROXY N`
//!
//! Prints `READY <n>` once every session exists, waits for a line on stdin, then destroys the
//! sessions and prints `DONE`.

use std::io::BufRead as _;

use ice_driver::glacier2::SessionRouter;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let router =
        args.first().cloned().unwrap_or_else(|| "Glacier2/router:tcp -h 127.0.0.1 -p 4063".into());
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    rt.block_on(async {
        let mut clients = Vec::with_capacity(n);
        for chunk in 0..n.div_ceil(100) {
            let mut pending = Vec::new();
            for i in 0..100.min(n - chunk * 100) {
                let c = ice_driver_tokio::communicator();
                let r = c.string_to_proxy(&router).expect("router proxy");
                let user = format!("load-{}", chunk * 100 + i);
                pending.push(tokio::spawn(async move {
                    SessionRouter::new(&r).create_session(&user, "x").await.expect("session");
                    (c, r)
                }));
            }
            for p in pending {
                clients.push(p.await.expect("task"));
            }
        }
        println!("READY {}", clients.len());
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().lock().lines().next()).await;
        for (c, r) in &clients {
            let _ = SessionRouter::new(r).destroy_session().await;
            c.destroy().await;
        }
        println!("DONE");
    });
}
