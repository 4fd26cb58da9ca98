//! Our client alone, for profiling it against any server (the ZeroC peer's, or
//! `bench_server`): `cargo run --release -p ice-benches --example bench_client -- RUNTIME PROXY
//! WORKLOAD N` runs N iterations of WORKLOAD (the ZeroC peer's names: ping, batch, oneway...)
//! on RUNTIME (tokio_mt, tokio_ct or async_std) and prints iterations per second.

use std::time::Instant;

use ice_benches::{rust_client, unlimited, Exec, Kind, Workload};
use ice_driver::Communicator;

const WORKLOADS: [Workload; 9] = [
    Workload::Ping,
    Workload::InFlight8,
    Workload::InFlight64,
    Workload::Connections100,
    Workload::Callback,
    Workload::Echo1K,
    Workload::Echo1M,
    Workload::Oneway,
    Workload::Batch,
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, proxy, workload, n] = args.as_slice() else {
        panic!("usage: bench_client RUNTIME PROXY WORKLOAD N");
    };
    let kind = match kind.as_str() {
        "tokio_mt" => Kind::TokioMt,
        "tokio_ct" => Kind::TokioCt,
        "async_std" => Kind::AsyncStd,
        other => panic!("unknown runtime {other}"),
    };
    let workload = *WORKLOADS
        .iter()
        .find(|w| w.zeroc_name() == workload)
        .unwrap_or_else(|| panic!("unknown workload {workload}"));
    let n: u64 = n.parse().expect("N: a number");
    let exec = Exec::new(kind);
    let runtime = exec.runtime();
    let start = Instant::now();
    let elapsed = exec.block_on(async {
        let communicator = Communicator::with_properties(runtime.clone(), unlimited());
        let proxy = communicator.string_to_proxy(proxy).expect("proxy");
        rust_client(&runtime, &proxy, workload, n).await
    });
    let per_second = n as f64 / elapsed.as_secs_f64();
    println!("{per_second:.0}/s ({:.2} s in all)", start.elapsed().as_secs_f64());
}
