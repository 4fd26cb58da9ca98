//! Memory per idle connection on the server side: RSS before and after N connections that
//! never send a byte, and after N client connections that pinged once and stay idle (the
//! clients in this process too: their share is measured apart). Then everything closes and
//! RSS is read again. `cargo run --release -p ice-benches --example idle_connections [N]`.

use std::sync::Arc;
use std::time::Duration;

use ice_benches::{Bench, Exec, Kind};
use ice_driver::{Communicator, Identity};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    for kind in [Kind::TokioMt, Kind::AsyncStd] {
        let exec = Exec::new(kind);
        let rt = exec.runtime();
        exec.block_on(async {
            let server = Communicator::new(rt.clone());
            let adapter =
                server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
            adapter.add(Identity::new("bench"), Arc::new(Bench)).unwrap();
            adapter.activate().unwrap();
            let port = match &adapter.endpoints()[0] {
                ice_driver::Endpoint::Tcp(ip) => ip.port,
                _ => unreachable!(),
            };
            let settle = || async {
                rt.sleep_until(rt.now() + Duration::from_millis(300)).await;
            };
            settle().await;
            let before = rss_kib();
            let raw: Vec<_> =
                (0..n).map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
            while adapter.connections().len() < n {
                rt.sleep_until(rt.now() + Duration::from_millis(10)).await;
            }
            settle().await;
            let with_raw = rss_kib();
            drop(raw);
            while !adapter.connections().is_empty() {
                rt.sleep_until(rt.now() + Duration::from_millis(10)).await;
            }
            settle().await;
            let after_raw = rss_kib();
            let client = Communicator::new(rt.clone());
            let proxy = client.string_to_proxy(&format!("bench:tcp -h 127.0.0.1 -p {port}")).unwrap();
            for i in 0..n {
                proxy.ice_connection_id(i.to_string()).ice_ping().await.unwrap();
            }
            settle().await;
            let with_clients = rss_kib();
            client.destroy().await;
            server.destroy().await;
            settle().await;
            let end = rss_kib();
            println!(
                "{}: {n} silent connections: {:.1} KiB each (RSS {before} -> {with_raw} KiB, {after_raw} once closed); \
                 {n} idle Ice connections, both sides in this process: {:.1} KiB per pair (RSS {after_raw} -> {with_clients} KiB, {end} at the end)",
                kind.name(),
                (with_raw.saturating_sub(before)) as f64 / n as f64,
                (with_clients.saturating_sub(after_raw)) as f64 / n as f64,
            );
        });
    }
}
