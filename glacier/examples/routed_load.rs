//! A load generator for a Glacier2 router (ours or ZeroC's): `ice_ping` on a back-end object
//! through the router, sequential twoways, twoways `N` in flight, and oneways, printing the
//! rates. For quick measurements; the benchmarks proper are in `benches/`.
//!
//! `cargo run --release -p glacier --example routed_load -- ROUTER_PROXY TARGET_PROXY [COUNT]`

use std::time::Instant;

use ice_driver::glacier2::SessionRouter;
use ice_driver::{Encapsulation, OperationMode};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let router =
        args.first().cloned().unwrap_or_else(|| "Glacier2/router:tcp -h 127.0.0.1 -p 4063".into());
    let target =
        args.get(1).cloned().unwrap_or_else(|| "callback:tcp -h 127.0.0.1 -p 10000".into());
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    rt.block_on(async {
        let mut props = ice_driver::Properties::new();
        props.set("Ice.Default.Router", &router).expect("router");
        let c = ice_driver_tokio::communicator_with_properties(props);
        let r = c.string_to_proxy(&router).expect("router proxy");
        SessionRouter::new(&r).create_session("load", "x").await.expect("session");
        let p = c.string_to_proxy(&target).expect("target");
        p.ice_ping().await.expect("first ping");
        let t = Instant::now();
        for _ in 0..count {
            p.ice_ping().await.expect("ping");
        }
        println!("twoway sequential: {:.0} calls/s", count as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..64 {
            let p = p.clone();
            let n = count / 64;
            set.spawn(async move {
                for _ in 0..n {
                    p.ice_ping().await.expect("ping");
                }
            });
        }
        while set.join_next().await.is_some() {}
        println!(
            "twoway 64 in flight: {:.0} calls/s",
            (count / 64 * 64) as f64 / t.elapsed().as_secs_f64()
        );
        let oneway = p.ice_oneway();
        let t = Instant::now();
        for _ in 0..count {
            oneway
                .invoke(
                    "ice_ping",
                    OperationMode::Nonmutating,
                    Encapsulation::empty(Default::default()),
                )
                .await
                .expect("oneway");
        }
        p.ice_ping().await.expect("ping after oneways");
        println!("oneway: {:.0} calls/s", count as f64 / t.elapsed().as_secs_f64());
        c.destroy().await;
    });
}
