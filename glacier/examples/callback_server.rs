//! The server of ZeroC's Glacier2 callback demo (`callback` on `tcp -h localhost -p 10000`).
//!
//! `cargo run -p glacier --example callback_server -- [--runtime tokio|async-std] [ENDPOINTS]`

#[path = "../demos/callback.rs"]
mod demo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let async_std = args.windows(2).any(|w| w[0] == "--runtime" && w[1] == "async-std");
    let endpoints = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--runtime"))
        .map_or_else(|| "tcp -h localhost -p 10000".to_owned(), |(_, a)| a.clone());
    let result = if async_std {
        async_std::task::block_on(demo::server(ice_driver_async_std::communicator(), &endpoints))
    } else {
        let rt = tokio::runtime::Runtime::new().expect("tokio");
        rt.block_on(demo::server(ice_driver_tokio::communicator(), &endpoints))
    };
    if let Err(e) = result {
        eprintln!("callback_server: {e}");
        std::process::exit(1);
    }
}
