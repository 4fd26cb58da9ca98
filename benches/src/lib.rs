//! Helpers of the criterion benchmarks in `benches/`: the ZeroC C++ peer (built from
//! `benches/zeroc/peer.cpp` against Debian's `libzeroc-ice-dev`), our server and client on
//! each runtime, and the two routers, so that every end-to-end number is measured beside
//! ZeroC's in the same run.

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use ice_driver::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, Encapsulation,
    EncodingVersion, Identity, OperationMode, Properties, Proxy, ProxyData, Runtime, Servant,
};

/// The runtimes our side runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// tokio, multi-thread (2 workers: the machine's cores).
    TokioMt,
    /// tokio, current-thread.
    TokioCt,
    /// async-std.
    AsyncStd,
}

impl Kind {
    /// Every runtime.
    pub const ALL: [Kind; 3] = [Kind::TokioMt, Kind::TokioCt, Kind::AsyncStd];

    /// The name in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Kind::TokioMt => "tokio_mt",
            Kind::TokioCt => "tokio_ct",
            Kind::AsyncStd => "async_std",
        }
    }
}

/// Where our async code runs: one runtime of a [`Kind`].
pub enum Exec {
    /// A tokio runtime.
    Tokio(tokio::runtime::Runtime),
    /// async-std's global executor.
    AsyncStd,
}

impl Exec {
    /// A runtime of `kind`.
    pub fn new(kind: Kind) -> Exec {
        match kind {
            Kind::TokioMt => Exec::Tokio(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime"),
            ),
            Kind::TokioCt => Exec::Tokio(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tokio runtime"),
            ),
            Kind::AsyncStd => Exec::AsyncStd,
        }
    }

    /// The driver's runtime object for this executor.
    /// Busy-polling for `BENCH_BUSY_POLL_US` microseconds when that is set (see
    /// [`ice_driver::runtime::BusyPoll`]).
    pub fn runtime(&self) -> Arc<dyn Runtime> {
        let runtime = match self {
            Exec::Tokio(_) => ice_driver_tokio::TokioRuntime::shared(),
            Exec::AsyncStd => ice_driver_async_std::AsyncStdRuntime::shared(),
        };
        match busy_poll() {
            Some(window) => ice_driver::runtime::BusyPoll::wrap(runtime, window),
            None => runtime,
        }
    }

    /// Runs `future` to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Exec::Tokio(rt) => rt.block_on(future),
            Exec::AsyncStd => async_std::task::block_on(future),
        }
    }
}

/// The benchmark servant, as the ZeroC peer's Blobject: `echo` returns its parameters (the
/// same bytes, not copied), anything else an empty result.
pub struct Bench;

impl Servant for Bench {
    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            if current.operation == "echo" {
                Ok(params)
            } else {
                current.void()
            }
        })
    }
}

/// The server's `caller` object, as the ZeroC peer's: `callback(Object* cb)` calls `cb.tick()`
/// before it answers, over the incoming connection when `cb` has no endpoints (a
/// bidirectional callback).
pub struct Caller;

impl Servant for Caller {
    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            let failed = |e: String| DispatchError::UnknownLocal(e);
            let cb: Option<ProxyData> = params.decode()?;
            let cb = cb.ok_or_else(|| failed("null callback".into()))?;
            let cb = if cb.endpoints.is_empty() && cb.adapter_id.is_empty() {
                current.connection.create_proxy(cb.identity).map_err(|e| failed(e.to_string()))?
            } else {
                current
                    .communicator()
                    .ok_or_else(|| failed("destroyed".into()))?
                    .proxy_from_data(cb)
            };
            let empty = Encapsulation::empty(EncodingVersion::V1_1);
            cb.invoke("tick", OperationMode::Normal, empty)
                .await
                .map_err(|e| failed(e.to_string()))?;
            current.void()
        })
    }
}

/// Starts our server on a runtime of `kind` in a thread of its own (kept for the whole
/// process) and returns its port.
pub fn rust_server(kind: Kind) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let exec = Exec::new(kind);
        let runtime = exec.runtime();
        exec.block_on(async move {
            let communicator = Communicator::with_properties(runtime, unlimited());
            let adapter = communicator
                .create_object_adapter_with_endpoints("Bench", "tcp -h 127.0.0.1 -p 0")
                .expect("adapter");
            adapter.add(Identity::new("bench"), Arc::new(Bench)).expect("servant");
            adapter.add(Identity::new("caller"), Arc::new(Caller)).expect("servant");
            adapter.activate().expect("activate");
            let port = match &adapter.endpoints()[0] {
                ice_driver::Endpoint::Tcp(ip) => ip.port,
                other => panic!("{other}"),
            };
            tx.send(port).expect("report the port");
            std::future::pending::<()>().await;
        });
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("our server started")
}

/// Properties with no message size limit (`Ice.MessageSizeMax=0`), as the ZeroC peer has, so
/// that 1 MiB parameters fit.
pub fn unlimited() -> Properties {
    let mut props = Properties::new();
    props.set("Ice.MessageSizeMax", "0").expect("property");
    props
}

/// `bench:tcp -h 127.0.0.1 -p <port>`.
pub fn bench_proxy(port: u16) -> String {
    format!("bench:tcp -h 127.0.0.1 -p {port}")
}

/// The busy-polling window `BENCH_BUSY_POLL_US` asks for, if any.
pub fn busy_poll() -> Option<Duration> {
    let us: u64 = std::env::var("BENCH_BUSY_POLL_US").ok()?.parse().ok()?;
    Some(Duration::from_micros(us))
}

/// The ZeroC C++ peer: `ZEROC_PEER` if set, else built once into `target/zeroc-peer` with
/// `g++` (needs `libzeroc-ice-dev`; `scripts/install-peers` installs it).
pub fn zeroc_peer() -> PathBuf {
    if let Some(path) = std::env::var_os("ZEROC_PEER") {
        return PathBuf::from(path);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = root.join("zeroc/peer.cpp");
    let out = root.join("../target/zeroc-peer");
    let fresh = |o: &Path| {
        let (Ok(o), Ok(s)) = (o.metadata(), source.metadata()) else { return false };
        matches!((o.modified(), s.modified()), (Ok(a), Ok(b)) if a >= b)
    };
    if !fresh(&out) {
        let status = Command::new("g++")
            .args(["-O2", "-std=c++17", "-DICE_CPP11_MAPPING", "-o"])
            .arg(&out)
            .arg(&source)
            .args(["-lGlacier2++11", "-lIce++11", "-lpthread"])
            .status()
            .expect("run g++ (install g++ and libzeroc-ice-dev: scripts/install-peers)");
        assert!(status.success(), "building the ZeroC peer failed: is libzeroc-ice-dev installed?");
    }
    out
}

/// A running server process that printed `READY <port>`: ZeroC's C++ peer, or one of ours;
/// killed when dropped.
pub struct ZeroCServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl ZeroCServer {
    /// Starts the ZeroC peer's server and waits for its port.
    pub fn start() -> ZeroCServer {
        ZeroCServer::start_command(Command::new(zeroc_peer()).arg("server"))
    }

    /// Starts `command` (with its stdin held open) and waits for the `READY <port>` line it
    /// prints.
    pub fn start_command(command: &mut Command) -> ZeroCServer {
        let mut child =
            command.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("start a server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("READY line");
        let port = line.trim().strip_prefix("READY ").and_then(|p| p.parse().ok());
        ZeroCServer { child, port: port.unwrap_or_else(|| panic!("bad READY line {line:?}")) }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// The resident set size of process `pid` in KiB, from `/proc/<pid>/status` (0 where there
/// is no `/proc`).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

impl Drop for ZeroCServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the ZeroC client for `n` iterations of `workload` against `proxy` (through `router`
/// if given) and returns the time it measured itself (process start and connection set-up
/// excluded).
pub fn zeroc_client(router: Option<&str>, proxy: &str, workload: &str, n: u64) -> Duration {
    let mut command = Command::new(zeroc_peer());
    match router {
        Some(r) => command.args(["routed", r]),
        None => command.arg("client"),
    };
    let out = command
        .args([proxy, workload, &n.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .expect("run the ZeroC client");
    assert!(out.status.success(), "ZeroC client {workload} failed");
    let ns: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("nanoseconds");
    Duration::from_nanos(ns)
}

/// The workloads, as both clients run them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Sequential twoway `ice_ping`.
    Ping,
    /// 8 twoways in flight on one connection.
    InFlight8,
    /// 64 twoways in flight on one connection.
    InFlight64,
    /// 100 connections, each pinged sequentially by a task (ZeroC: a thread) of its own; an
    /// iteration is one ping on each.
    Connections100,
    /// A twoway whose dispatch first calls the client back over the same connection.
    Callback,
    /// A 1 KiB `sequence<byte>` echoed.
    Echo1K,
    /// A 1 MiB `sequence<byte>` echoed.
    Echo1M,
    /// Small oneways, then one twoway.
    Oneway,
    /// Batch oneways flushed every 100, then one twoway.
    Batch,
}

impl Workload {
    /// The name the ZeroC peer knows it by.
    pub fn zeroc_name(self) -> &'static str {
        match self {
            Workload::Ping => "ping",
            Workload::InFlight8 => "inflight8",
            Workload::InFlight64 => "inflight64",
            Workload::Connections100 => "connections100",
            Workload::Callback => "callback",
            Workload::Echo1K => "echo1k",
            Workload::Echo1M => "echo1m",
            Workload::Oneway => "oneway",
            Workload::Batch => "batch",
        }
    }

    /// Bytes echoed per iteration, for the echo workloads.
    pub fn echo_size(self) -> Option<usize> {
        match self {
            Workload::Echo1K => Some(1024),
            Workload::Echo1M => Some(1024 * 1024),
            _ => None,
        }
    }
}

/// Runs `n` iterations of `workload` with our client on `proxy` and returns the elapsed time.
pub async fn rust_client(
    rt: &Arc<dyn Runtime>,
    proxy: &Proxy,
    workload: Workload,
    n: u64,
) -> Duration {
    proxy.ice_ping().await.expect("connect");
    let empty = || Encapsulation::empty(EncodingVersion::V1_1);
    let mut proxies = Vec::new();
    let mut callback = None;
    match workload {
        Workload::Connections100 => {
            for i in 0..100 {
                let p = proxy.ice_connection_id(format!("c{i}"));
                p.ice_ping().await.expect("connect");
                proxies.push(p);
            }
        }
        Workload::Callback => callback = Some(callback_params(proxy).await),
        _ => {}
    }
    let start = std::time::Instant::now();
    match workload {
        Workload::Ping => {
            for _ in 0..n {
                proxy.ice_ping().await.expect("ping");
            }
        }
        Workload::InFlight8 | Workload::InFlight64 => {
            let depth = if workload == Workload::InFlight8 { 8 } else { 64 };
            in_parallel(rt, vec![proxy.clone(); depth], n.div_ceil(depth as u64), |p| async move {
                p.invoke("op", OperationMode::Normal, Encapsulation::empty(EncodingVersion::V1_1))
                    .await
                    .expect("op");
            })
            .await;
        }
        Workload::Connections100 => {
            in_parallel(rt, proxies, n, |p| async move { p.ice_ping().await.expect("ping") }).await;
        }
        Workload::Callback => {
            let (caller, params) = callback.expect("callback set up");
            for _ in 0..n {
                caller.invoke("callback", OperationMode::Normal, params.clone()).await.expect("cb");
            }
        }
        Workload::Echo1K | Workload::Echo1M => {
            let size = workload.echo_size().unwrap_or(0);
            let data = bytes::Bytes::from(vec![7u8; size]);
            let params = Encapsulation::from_value(EncodingVersion::V1_1, &data);
            for _ in 0..n {
                proxy.invoke("echo", OperationMode::Normal, params.clone()).await.expect("echo");
            }
        }
        Workload::Oneway => {
            let oneway = proxy.ice_oneway();
            for _ in 0..n {
                oneway.invoke("tick", OperationMode::Normal, empty()).await.expect("tick");
            }
            proxy.ice_ping().await.expect("ping");
        }
        Workload::Batch => {
            let batch = proxy.ice_batch_oneway();
            for i in 0..n {
                batch.invoke("tick", OperationMode::Normal, empty()).await.expect("tick");
                if i % 100 == 99 {
                    batch.ice_flush_batch_requests().await.expect("flush");
                }
            }
            batch.ice_flush_batch_requests().await.expect("flush");
            proxy.ice_ping().await.expect("ping");
        }
    }
    start.elapsed()
}

/// `each` calls on each of `proxies`, made sequentially by a task of its own.
async fn in_parallel<F, Fut>(rt: &Arc<dyn Runtime>, proxies: Vec<Proxy>, each: u64, call: F)
where
    F: Fn(Proxy) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let mut done = Vec::new();
    for p in proxies {
        let (call, (tx, rx)) = (call.clone(), tokio::sync::oneshot::channel());
        rt.spawn(Box::pin(async move {
            for _ in 0..each {
                call(p.clone()).await;
            }
            let _ = tx.send(());
        }));
        done.push(rx);
    }
    for rx in done {
        rx.await.expect("task");
    }
}

/// The `caller` proxy and `callback`'s parameters: the proxy of a `tick` servant in an
/// adapter with no endpoints, attached to `proxy`'s connection.
async fn callback_params(proxy: &Proxy) -> (Proxy, Encapsulation) {
    struct Tick;
    impl Servant for Tick {
        fn dispatch<'a>(
            &'a self,
            c: &'a Current,
            _: Encapsulation,
        ) -> BoxFuture<'a, DispatchResult> {
            Box::pin(async move { c.void() })
        }
    }
    let adapter =
        proxy.communicator().create_object_adapter_with_endpoints("", "").expect("adapter");
    adapter.add(Identity::new("cb"), Arc::new(Tick)).expect("servant");
    adapter.activate().expect("activate");
    proxy.ice_get_connection().await.expect("connection").set_adapter(Some(adapter.clone()));
    let cb = adapter.create_proxy(Identity::new("cb")).expect("proxy");
    let params = Encapsulation::from_value(EncodingVersion::V1_1, &Some(cb.data().clone()));
    let caller = proxy.ice_identity(Identity::new("caller"));
    caller.invoke("callback", OperationMode::Normal, params.clone()).await.expect("callback");
    (caller, params)
}

/// A raw-TCP echo of one byte on loopback (threads and blocking sockets): the physical limit
/// of a sequential round trip. Returns the port of the echo server.
pub fn raw_echo_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut b = [0u8; 1];
                while stream.read_exact(&mut b).is_ok() {
                    if stream.write_all(&b).is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// A raw-TCP relay on loopback (threads and blocking sockets) in front of the server on
/// `target`: each connection accepted is copied both ways to a connection of its own to the
/// target. The limit of a routed round trip, as [`raw_echo_server`] is of a direct one.
/// Returns the relay's port.
pub fn raw_relay(target: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
            for (from, to) in [(&client, &server), (&server, &client)] {
                let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
                    continue;
                };
                let _ = to.set_nodelay(true);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    port
}

/// `n` one-byte round trips to the raw echo server on `port`.
pub fn raw_round_trips(port: u16, n: u64) -> Duration {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut b = [1u8; 1];
    let start = std::time::Instant::now();
    for _ in 0..n {
        stream.write_all(&b).expect("write");
        stream.read_exact(&mut b).expect("read");
    }
    start.elapsed()
}

/// Our router's release binary, `target/release/glacier`, run as its own process as users
/// run it (and as `glacier2router` is); `scripts/bench` builds it first.
pub fn glacier_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/glacier");
    assert!(path.exists(), "build it first: cargo build --release -p glacier");
    path
}

/// A running router process (`glacier2router`, or our `glacier` binary, which reads the same
/// configuration); killed when dropped.
pub struct ZeroCRouter {
    child: Child,
    /// Its client port on 127.0.0.1.
    pub port: u16,
    config: PathBuf,
}

impl ZeroCRouter {
    /// Starts `glacier2router` (Debian's `zeroc-glacier2`) with the null verifier, unbuffered
    /// or buffered.
    pub fn start(buffered: bool) -> ZeroCRouter {
        ZeroCRouter::start_binary(Path::new("glacier2router"), buffered, true)
    }

    /// Starts the router `binary` from a configuration file: client endpoints on a free
    /// loopback port, server endpoints (for callbacks) on another if `callbacks`, the null
    /// verifier, no message size limit (as the peers have, so that 1 MiB parameters pass).
    pub fn start_binary(binary: &Path, buffered: bool, callbacks: bool) -> ZeroCRouter {
        ZeroCRouter::start_binary_with_args(binary, &[], buffered, callbacks)
    }

    /// As [`ZeroCRouter::start_binary`], with `args` before the configuration file (such as
    /// `glacier`'s `--runtime async-std`).
    pub fn start_binary_with_args(
        binary: &Path,
        args: &[&str],
        buffered: bool,
        callbacks: bool,
    ) -> ZeroCRouter {
        let port =
            TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let b = if buffered { 1 } else { 0 };
        let server = if callbacks { "Glacier2.Server.Endpoints=tcp -h 127.0.0.1\n" } else { "" };
        let config = std::env::temp_dir().join(format!("ice-bench-glacier2-{port}.cfg"));
        std::fs::write(
            &config,
            format!(
                "Glacier2.InstanceName=Glacier2\n\
                 Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}\n\
                 {server}Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n\
                 Glacier2.Client.Buffered={b}\nGlacier2.Server.Buffered={b}\n\
                 Ice.PrintAdapterReady=1\nIce.MessageSizeMax=0\n"
            ),
        )
        .expect("router config");
        let mut child = Command::new(binary)
            .args(args)
            .arg(format!("--Ice.Config={}", config.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "start {} (scripts/install-peers installs glacier2router): {e}",
                    binary.display()
                )
            });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut seen = String::new();
        let ready = |s: &str| s.contains("Glacier2.Server ready") || !callbacks;
        while !(seen.contains("Glacier2.Client ready") && ready(&seen)) {
            let mut line = String::new();
            let read = stdout.read_line(&mut line).expect("ready");
            assert!(read > 0, "{} exited before it was ready: {seen:?}", binary.display());
            seen.push_str(&line);
        }
        ZeroCRouter { child, port, config }
    }

    /// The router's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ZeroCRouter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}

/// `Glacier2/router:tcp -h 127.0.0.1 -p <port>`.
pub fn router_proxy(port: u16) -> String {
    format!("Glacier2/router:tcp -h 127.0.0.1 -p {port}")
}

/// Opens `n` sessions on the router at `port` (process `pid`), each on a connection of its
/// own, or with `ping_only` `n` connections that only ping; returns the router's RSS in KiB
/// before and after, the sessions still open.
pub fn router_idle_rss(port: u16, pid: u32, n: usize, ping_only: bool) -> (u64, u64) {
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
        let proxy = client.string_to_proxy(&router_proxy(port)).expect("router proxy");
        settle().await;
        let before = rss_kib(pid);
        for i in 0..n {
            let proxy = proxy.ice_connection_id(format!("s{i}"));
            if ping_only {
                proxy.ice_ping().await.expect("ice_ping");
                continue;
            }
            let session = ice_driver::glacier2::SessionRouter::new(&proxy);
            session.create_session(&format!("user{i}"), "").await.expect("createSession");
        }
        settle().await;
        let after = rss_kib(pid);
        client.destroy().await;
        (before, after)
    })
}
