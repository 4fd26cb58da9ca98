//! End-to-end speed over loopback, each workload measured for every pair in the same run:
//! ZeroC's C++ client and server (`zeroc-zeroc`, the baseline), ours on each runtime
//! (`tokio_mt-tokio_mt`, `tokio_ct-tokio_ct`, `async_std-async_std`), the mixed pairs
//! (`tokio_mt-zeroc`: our client, their server; `zeroc-tokio_mt`), and for the sequential
//! ping a raw-TCP one-byte round trip (`raw_tcp`, the physical limit). Then the routed
//! workloads through `glacier2router` and `glacier` (each its own process; `glacier` is the
//! release binary, which `scripts/bench` builds), ZeroC client and server on both ends,
//! with a raw-TCP relay (`raw_tcp_relay`) as the limit of the routed ping.
//!
//! `scripts/bench` runs this and writes `BENCHMARKS.md` from the results as ratios.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ice_benches::*;
use ice_driver::Communicator;

/// Our client on `kind`, timing `iters` iterations against `proxy`.
struct RustClient {
    exec: Exec,
    proxy: ice_driver::Proxy,
}

impl RustClient {
    fn new(kind: Kind, proxy: &str) -> RustClient {
        let exec = Exec::new(kind);
        let runtime = exec.runtime();
        let proxy = exec.block_on(async {
            let communicator = Communicator::with_properties(runtime, unlimited());
            communicator.string_to_proxy(proxy).expect("proxy")
        });
        RustClient { exec, proxy }
    }

    fn run(&self, workload: Workload, iters: u64) -> Duration {
        let rt = self.exec.runtime();
        self.exec.block_on(rust_client(&rt, &self.proxy, workload, iters))
    }
}

const WORKLOADS: [(&str, Workload); 9] = [
    ("ping", Workload::Ping),
    ("inflight8", Workload::InFlight8),
    ("inflight64", Workload::InFlight64),
    ("connections100", Workload::Connections100),
    ("callback", Workload::Callback),
    ("echo_1KiB", Workload::Echo1K),
    ("echo_1MiB", Workload::Echo1M),
    ("oneway", Workload::Oneway),
    ("batch100", Workload::Batch),
];

fn end_to_end(c: &mut Criterion) {
    let zeroc = ZeroCServer::start();
    let zeroc_proxy = bench_proxy(zeroc.port);
    let servers: Vec<(Kind, u16)> = Kind::ALL.iter().map(|k| (*k, rust_server(*k))).collect();
    let clients: Vec<RustClient> =
        servers.iter().map(|(k, port)| RustClient::new(*k, &bench_proxy(*port))).collect();
    let mixed = RustClient::new(Kind::TokioMt, &zeroc_proxy);
    let tokio_server = bench_proxy(servers[0].1);
    let raw = raw_echo_server();

    for (name, workload) in WORKLOADS {
        let mut group = c.benchmark_group(name);
        match workload.echo_size() {
            Some(size) => group.throughput(Throughput::Bytes(size as u64 * 2)),
            None if workload == Workload::Connections100 => {
                group.throughput(Throughput::Elements(100))
            }
            None => group.throughput(Throughput::Elements(1)),
        };
        if workload == Workload::Echo1M {
            group.sample_size(10);
        }
        group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
        group.bench_function(BenchmarkId::from_parameter("zeroc-zeroc"), |b| {
            b.iter_custom(|n| zeroc_client(None, &zeroc_proxy, workload.zeroc_name(), n))
        });
        for ((kind, _), client) in servers.iter().zip(&clients) {
            let id = format!("{0}-{0}", kind.name());
            group.bench_function(BenchmarkId::from_parameter(id), |b| {
                b.iter_custom(|n| client.run(workload, n))
            });
        }
        group.bench_function(BenchmarkId::from_parameter("tokio_mt-zeroc"), |b| {
            b.iter_custom(|n| mixed.run(workload, n))
        });
        group.bench_function(BenchmarkId::from_parameter("zeroc-tokio_mt"), |b| {
            b.iter_custom(|n| zeroc_client(None, &tokio_server, workload.zeroc_name(), n))
        });
        if workload == Workload::Ping {
            group.bench_function(BenchmarkId::from_parameter("raw_tcp"), |b| {
                b.iter_custom(|n| raw_round_trips(raw, n))
            });
        }
        group.finish();
    }
    drop(zeroc);
}

/// The routed workloads, by the ZeroC peer's names (its client runs them all; `sessions100`
/// is 100 clients, each with a session of its own).
const ROUTED: [(&str, &str); 6] = [
    ("routed_ping", "ping"),
    ("routed_inflight64", "inflight64"),
    ("routed_echo_1MiB", "echo1m"),
    ("routed_oneway", "oneway"),
    ("routed_callback", "callback"),
    ("routed_sessions100", "sessions100"),
];

fn routed(c: &mut Criterion) {
    let server = ZeroCServer::start();
    let target = bench_proxy(server.port);
    let zeroc_routers = [ZeroCRouter::start(false), ZeroCRouter::start(true)];
    // Each router in its own process, with the same configuration file.
    let glacier = glacier_binary();
    let async_std: &[&str] = &["--runtime", "async-std"];
    let ours = [
        ("glacier_tokio_mt", ZeroCRouter::start_binary_with_args(&glacier, &[], false, true)),
        (
            "glacier_async_std",
            ZeroCRouter::start_binary_with_args(&glacier, async_std, false, true),
        ),
        (
            "glacier_tokio_mt_buffered",
            ZeroCRouter::start_binary_with_args(&glacier, &[], true, true),
        ),
    ];
    let relay = raw_relay(raw_echo_server());
    for (name, workload) in ROUTED {
        let mut group = c.benchmark_group(name);
        match workload {
            "echo1m" => group.throughput(Throughput::Bytes(2 * 1024 * 1024)).sample_size(10),
            // An iteration is a ping from each session; each sample opens 100 sessions first.
            "sessions100" => group.throughput(Throughput::Elements(100)).sample_size(20),
            _ => group.throughput(Throughput::Elements(1)),
        };
        group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
        for (label, router) in
            [("glacier2router", &zeroc_routers[0]), ("glacier2router_buffered", &zeroc_routers[1])]
        {
            let router = router_proxy(router.port);
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter_custom(|n| zeroc_client(Some(&router), &target, workload, n))
            });
        }
        for (label, router) in &ours {
            let router = router_proxy(router.port);
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter_custom(|n| zeroc_client(Some(&router), &target, workload, n))
            });
        }
        if workload == "ping" {
            group.bench_function(BenchmarkId::from_parameter("raw_tcp_relay"), |b| {
                b.iter_custom(|n| raw_round_trips(relay, n))
            });
        }
        group.finish();
    }
    // Keeps the handles alive until here.
    let _ = Arc::new((server, zeroc_routers, ours));
}

criterion_group!(benches, end_to_end, routed);
criterion_main!(benches);
