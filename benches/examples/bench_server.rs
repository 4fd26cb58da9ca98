//! The benchmarks' server alone, for profiling (`perf record`) and for running the ZeroC peer
//! against it by hand: `cargo run --release -p ice-benches --example bench_server [tokio_mt|tokio_ct|async_std]`
//! prints `READY <port>` and serves `bench` until killed.

use ice_benches::{rust_server, Kind};

fn main() {
    let kind = match std::env::args().nth(1).as_deref() {
        None | Some("tokio_mt") => Kind::TokioMt,
        Some("tokio_ct") => Kind::TokioCt,
        Some("async_std") => Kind::AsyncStd,
        Some(other) => panic!("unknown runtime {other}"),
    };
    println!("READY {}", rust_server(kind));
    loop {
        std::thread::park();
    }
}
