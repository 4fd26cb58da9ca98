//! Memory per idle connection and per idle router session, beside ZeroC's in the same run.
//! Every server and router runs in a process of its own and its RSS is read from
//! `/proc/<pid>/status`:
//!
//! - a server (ZeroC's C++ peer, ours on tokio multi-thread, ours on async-std) gets N
//!   connections that never send a byte, each one counted once the server's validation
//!   message came in;
//! - a fresh server of each gets N idle Ice connections (our client, in a process of its own
//!   on the row's runtime, pings once on each), three rounds of opening and closing them, and
//!   the RSS the server keeps once they are closed;
//! - each router (`glacier` on tokio and on async-std, `glacier2router`) gets N idle sessions.
//!
//! `cargo build --release -p glacier && cargo run --release -p ice-benches --example memory
//! [N...]` (default 1000 10000). Prints the tables and writes them to `target/memory.md`,
//! which `scripts/bench-report.py` puts into `BENCHMARKS.md`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use ice_benches::{
    bench_proxy, glacier_binary, router_idle_rss, rss_kib, rust_server, Exec, Kind, ZeroCRouter,
    ZeroCServer,
};
use ice_driver::{Communicator, Properties};

/// How long a process is left to settle (close connections, give memory back) before its RSS
/// is read.
const SETTLE: Duration = Duration::from_millis(500);

/// Rounds of opening and closing the idle Ice connections.
const ROUNDS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(kind(&args[1])),
        Some("clients") => clients(kind(&args[1]), number(&args[2]), number(&args[3])),
        _ => report(args.iter().filter_map(|a| a.parse().ok()).collect()),
    }
}

fn kind(name: &str) -> Kind {
    match name {
        "tokio_mt" => Kind::TokioMt,
        "async_std" => Kind::AsyncStd,
        other => panic!("unknown runtime {other}"),
    }
}

fn number<T: std::str::FromStr>(arg: &str) -> T {
    arg.parse().unwrap_or_else(|_| panic!("not a number: {arg}"))
}

/// Child mode: our server on `kind`, serving until killed.
fn serve(kind: Kind) {
    println!("READY {}", rust_server(kind));
    loop {
        std::thread::park();
    }
}

/// Child mode: rounds of `n` idle Ice connections to the server at `port`, our client on
/// `kind`. Prints `HELD <rss before> <rss after>` once they are open and `CLOSED <rss>` once
/// they are closed, each time waiting for a line on stdin before going on.
fn clients(kind: Kind, port: u16, n: usize) {
    let exec = Exec::new(kind);
    let rt = exec.runtime();
    let mut stdin = BufReader::new(std::io::stdin());
    let mut go_on = || {
        let mut line = String::new();
        stdin.read_line(&mut line).expect("stdin");
    };
    let settle = || {
        let rt = rt.clone();
        async move { rt.sleep_until(rt.now() + SETTLE).await }
    };
    for _ in 0..ROUNDS {
        let (client, before, after) = exec.block_on(async {
            let mut props = Properties::new();
            // The connections stay open while they are counted.
            props.set("Ice.ACM.Client.Timeout", "0").expect("property");
            let client = Communicator::with_properties(rt.clone(), props);
            let proxy = client.string_to_proxy(&bench_proxy(port)).expect("proxy");
            let before = rss_kib(std::process::id());
            for i in 0..n {
                proxy.ice_connection_id(i.to_string()).ice_ping().await.expect("ice_ping");
            }
            settle().await;
            (client, before, rss_kib(std::process::id()))
        });
        println!("HELD {before} {after}");
        go_on();
        exec.block_on(async {
            client.destroy().await;
            settle().await;
        });
        println!("CLOSED {}", rss_kib(std::process::id()));
        go_on();
    }
}

/// The servers measured: a name and how to start one.
fn servers() -> Vec<(&'static str, Option<Kind>)> {
    vec![
        ("ZeroC C++ server", None),
        ("ours, tokio multi-thread", Some(Kind::TokioMt)),
        ("ours, async-std", Some(Kind::AsyncStd)),
    ]
}

fn start_server(kind: Option<Kind>) -> ZeroCServer {
    match kind {
        None => ZeroCServer::start(),
        Some(kind) => ZeroCServer::start_command(
            Command::new(std::env::current_exe().expect("this example"))
                .args(["serve", kind.name()]),
        ),
    }
}

/// Opens `n` connections to `port` that never send a byte, each once the server's
/// validation message (the 14-byte header of message type 3) came in on it.
fn silent_connections(port: u16, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
            let mut header = [0u8; 14];
            s.read_exact(&mut header).expect("the server's validation message");
            assert!(&header[..4] == b"IceP" && header[8] == 3, "not a validation: {header:?}");
            s
        })
        .collect()
}

/// One server's row: KiB per silent connection, KiB per idle Ice connection on the server
/// and on our client, and the KiB the server still holds after the rounds closed.
struct Row {
    silent: f64,
    idle: f64,
    client: f64,
    kept: Vec<i64>,
}

fn measure_server(kind: Option<Kind>, n: usize) -> Row {
    let server = start_server(kind);
    std::thread::sleep(SETTLE);
    let base = rss_kib(server.pid());
    let raw = silent_connections(server.port, n);
    std::thread::sleep(SETTLE);
    let silent = per(base, rss_kib(server.pid()), n);
    drop(raw);
    drop(server);

    let server = start_server(kind);
    std::thread::sleep(SETTLE);
    let base = rss_kib(server.pid());
    let exe = std::env::current_exe().expect("this example");
    let client_kind = kind.unwrap_or(Kind::TokioMt);
    let mut child = Command::new(exe)
        .args(["clients", client_kind.name(), &server.port.to_string(), &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the clients");
    let mut to_child: ChildStdin = child.stdin.take().expect("stdin");
    let mut from_child = BufReader::new(child.stdout.take().expect("stdout"));
    let next_report = |from: &mut BufReader<ChildStdout>, word: &str| -> Vec<u64> {
        let mut line = String::new();
        from.read_line(&mut line).expect("the clients' report");
        let mut fields = line.split_whitespace();
        assert_eq!(fields.next(), Some(word), "unexpected report {line:?}");
        fields.map(number).collect()
    };
    let (mut idle, mut client, mut kept) = (0.0, 0.0, Vec::new());
    for round in 0..ROUNDS {
        let held = next_report(&mut from_child, "HELD");
        if round == 0 {
            idle = per(base, rss_kib(server.pid()), n);
            client = per(held[0], held[1], n);
        }
        writeln!(to_child).expect("go on");
        next_report(&mut from_child, "CLOSED");
        kept.push(rss_kib(server.pid()) as i64 - base as i64);
        writeln!(to_child).expect("go on");
    }
    let _ = child.wait();
    Row { silent, idle, client, kept }
}

fn per(before: u64, after: u64, n: usize) -> f64 {
    after.saturating_sub(before) as f64 / n as f64
}

fn report(counts: Vec<usize>) {
    let counts = if counts.is_empty() { vec![1000, 10_000] } else { counts };
    let glacier = glacier_binary();
    let mut out = String::new();
    out.push_str(
        "## Memory per idle connection (server side)\n\n\
         Each server in its own process, RSS read from `/proc`. Silent: connections that never \
         send a byte. Idle: Ice connections our client pinged once, then left open; the \
         client's share is read from its own process (on the row's runtime; on tokio \
         multi-thread for ZeroC's row). Kept: what the server's RSS still holds after each of \
         three rounds of opening and closing the idle connections.\n\n\
         | server | connections | silent, KiB each | idle, KiB each | our client, KiB each | kept after rounds 1, 2, 3 (KiB) |\n\
         |---|---|---|---|---|---|\n",
    );
    for &n in &counts {
        for (name, kind) in servers() {
            let row = measure_server(kind, n);
            let kept: Vec<String> = row.kept.iter().map(|k| k.to_string()).collect();
            let line = format!(
                "| {name} | {n} | {:.1} | {:.1} | {:.1} | {} |\n",
                row.silent,
                row.idle,
                row.client,
                kept.join(", ")
            );
            print!("{line}");
            out.push_str(&line);
        }
    }
    out.push_str(
        "\n## Router memory per idle session\n\n\
         Each router in its own process with the null permissions verifier and server \
         endpoints (for callbacks), RSS read from `/proc`; one client connection per \
         session.\n\n\
         | router | sessions | KiB each | RSS before → after (KiB) |\n|---|---|---|---|\n",
    );
    let routers: [(&str, PathBuf, &[&str]); 3] = [
        ("glacier (tokio multi-thread)", glacier.clone(), &[]),
        ("glacier (async-std)", glacier.clone(), &["--runtime", "async-std"]),
        ("ZeroC glacier2router", PathBuf::from("glacier2router"), &[]),
    ];
    for &n in &counts {
        for (name, binary, args) in &routers {
            let router = ZeroCRouter::start_binary_with_args(binary, args, false, true);
            let (before, after) = router_idle_rss(router.port, router.pid(), n, false);
            let line =
                format!("| {name} | {n} | {:.1} | {before} → {after} |\n", per(before, after, n));
            print!("{line}");
            out.push_str(&line);
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/memory.md");
    std::fs::write(&path, out).expect("write target/memory.md");
    eprintln!("wrote {}", path.display());
}
