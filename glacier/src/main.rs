//! `glacier`: the Glacier2 router command, a drop-in for ZeroC's `glacier2router`.
//!
//! ```text
//! glacier [--runtime tokio|async-std] [--nowarn] [--Ice.Config=FILE] [--Prop=value ...]
//! ```
//! Without a configuration (no `--Ice.Config`, no `ICE_CONFIG`), it runs ZeroC's Glacier2
//! callback demo configuration ([`glacier::DEFAULT_CONFIG`]).

use std::sync::Arc;

use ice_driver::Runtime;
use ice_proto::properties::FileSystem;
use ice_proto::Properties;

const USAGE: &str = "\
Usage: glacier [options]
Options:
-h, --help              Show this message.
-v, --version           Display the Ice version.
--runtime tokio|async-std
                        The async runtime to run on (default: tokio). On
                        async-std, Ice.ThreadPool.Server.Size (default 1) sets
                        the executor's threads unless ASYNC_STD_THREAD_COUNT does.
--nowarn                Don't print warnings about unreachable verifiers.

--daemon                Run as a daemon.
--pidfile FILE          Write process ID into FILE.
--noclose               Do not close open file descriptors.
--nochdir               Do not change the current working directory.

--Ice.Config=FILE       Read the router's configuration (glacier2router's format).
--Prefix.Name=value     Set a property (Ice, IceSSL, Glacier2, Glacier and
                        Ice's other reserved prefixes).
";

/// Sizes async-std's executor, which reads `ASYNC_STD_THREAD_COUNT` once, when it starts: the
/// user's own setting if there is one, else `Ice.ThreadPool.Server.Size` (ZeroC's default: 1),
/// the threads that dispatch in glacier2router too. With more threads than work, async-std
/// wakes a second thread for nearly every task the reactor wakes: on 2 cores one thread made
/// routed pings 13-36% faster at a third less CPU, with the same 100-session throughput.
/// Called before any other thread exists, as setting the environment requires.
fn async_std_threads(props: &Properties) {
    if std::env::var_os("ASYNC_STD_THREAD_COUNT").is_none() {
        let threads = props.get_int_or("Ice.ThreadPool.Server.Size", 1).max(1);
        std::env::set_var("ASYNC_STD_THREAD_COUNT", threads.to_string());
    }
}

/// Ice version this router speaks and reports.
const ICE_VERSION: &str = "3.7.10";

enum Which {
    Tokio,
    AsyncStd,
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let mut which = Which::Tokio;
    let mut options = glacier::StartOptions::default();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return;
            }
            "-v" | "--version" => {
                println!("{ICE_VERSION}");
                return;
            }
            "--nowarn" => {
                options.nowarn = true;
                args.remove(i);
            }
            "--runtime" if i + 1 < args.len() => {
                which = match args[i + 1].as_str() {
                    "tokio" => Which::Tokio,
                    "async-std" | "async_std" => Which::AsyncStd,
                    other => fail(&format!("unknown runtime `{other}' (tokio or async-std)")),
                };
                args.drain(i..i + 2);
            }
            a if a.starts_with("--runtime=") => {
                which = match &a["--runtime=".len()..] {
                    "tokio" => Which::Tokio,
                    "async-std" | "async_std" => Which::AsyncStd,
                    other => fail(&format!("unknown runtime `{other}' (tokio or async-std)")),
                };
                args.remove(i);
            }
            _ => i += 1,
        }
    }
    let daemon_options =
        glacier::daemon::DaemonOptions::take(&mut args).unwrap_or_else(|e| fail(&e));
    let uses_file = args.iter().any(|a| a.starts_with("--Ice.Config"))
        || std::env::var("ICE_CONFIG").is_ok_and(|v| !v.is_empty());
    // The demo configuration only when nothing configures the router: with `--Glacier2.*`
    // properties on the command line (as ZeroC's test scripts start glacier2router), the
    // router is configured by them alone, glacier2router's defaults included.
    let demo = !uses_file && !args.iter().any(|a| a.starts_with("--Glacier2."));
    let mut defaults = Properties::new();
    if demo {
        defaults.load_str(glacier::DEFAULT_CONFIG);
    }
    let (mut props, rest) = match Properties::from_args(args, defaults, &mut FileSystem) {
        Ok(r) => r,
        Err(e) => fail(&e.to_string()),
    };
    // Besides Ice's reserved prefixes, only this router's own `--Glacier.*` properties: as
    // glacier2router, anything else (`--bogus`, `--Foo.Bar=1`, a stray word) stops start-up
    // rather than being silently ignored.
    let rest = props.parse_command_line_options("Glacier", rest.into_iter().skip(1));
    if let Some(extra) = rest.first() {
        if extra.starts_with('-') {
            let option = extra.split('=').next().unwrap_or(extra);
            eprint!("glacier: invalid option: `{option}'\n{USAGE}");
        } else {
            eprint!("glacier: too many arguments\n{USAGE}");
        }
        std::process::exit(1);
    }
    // Before any thread exists: the daemon is a forked process.
    let daemon = daemon_options
        .daemonize
        .then(|| glacier::daemon::Daemon::start(&daemon_options).unwrap_or_else(|e| fail(&e)));
    if matches!(which, Which::AsyncStd) {
        async_std_threads(&props);
    }
    options.logs = Some(init_tracing(&props));
    if demo {
        tracing::warn!(
            "no configuration given: running ZeroC's Glacier2 callback demo configuration; \
             the null permissions verifier accepts ANY user id and password"
        );
    }
    // The handlers are in place before the router starts (and says it is ready), so that a
    // SIGTERM right after start-up shuts it down cleanly instead of killing it.
    let stop = watch_signals(props.get_int_or("Ice.Nohup", 1) > 0);
    let signals = async move {
        let _ = stop.recv().await;
    };
    let code = match which {
        Which::Tokio => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            // A busy-polling worker keeps its core busy: by default, only as many workers as
            // glacier2router's server pool has threads (one), so that the router's polling
            // leaves the other cores to the clients and servers beside it.
            if props.get_int_or("Glacier.BusyPoll", 0) > 0
                && std::env::var_os("TOKIO_WORKER_THREADS").is_none()
            {
                let threads = props.get_int_or("Ice.ThreadPool.Server.Size", 1).max(1);
                builder.worker_threads(threads as usize);
            }
            let rt = match builder.enable_all().build() {
                Ok(rt) => rt,
                Err(e) => fail(&format!("cannot start tokio: {e}")),
            };
            rt.block_on(run(
                ice_driver_tokio::TokioRuntime::shared(),
                props,
                options,
                demo,
                daemon,
                signals,
            ))
        }
        Which::AsyncStd => async_std::task::block_on(run(
            ice_driver_async_std::AsyncStdRuntime::shared(),
            props,
            options,
            demo,
            daemon,
            signals,
        )),
    };
    std::process::exit(code);
}

/// SIGINT and SIGTERM, watched by a thread of their own (async-std has no signal support;
/// one way for both runtimes): the channel gets a message on the first one. SIGHUP is
/// ignored (a router outlives the terminal that started it) unless `nohup` is false
/// (`Ice.Nohup=0`), when it stops the router too, as in glacier2router. Returns once the
/// handlers are installed.
fn watch_signals(nohup: bool) -> async_std::channel::Receiver<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let (tx, rx) = async_std::channel::bounded::<()>(1);
    let (installed_tx, installed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            let _ = installed_tx.send(());
            return;
        };
        rt.block_on(async {
            let int = signal(SignalKind::interrupt());
            let term = signal(SignalKind::terminate());
            let hup = signal(SignalKind::hangup());
            let _ = installed_tx.send(());
            let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (int, term, hup) else {
                return std::future::pending().await;
            };
            loop {
                tokio::select! {
                    _ = int.recv() => break,
                    _ = term.recv() => break,
                    _ = hup.recv() => if !nohup { break },
                }
            }
        });
        let _ = tx.send_blocking(());
    });
    let _ = installed.recv();
    rx
}

async fn run(
    runtime: Arc<dyn Runtime>,
    props: Properties,
    options: glacier::StartOptions,
    demo: bool,
    daemon: Option<glacier::daemon::Daemon>,
    signals: impl std::future::Future<Output = ()>,
) -> i32 {
    // `Glacier.BusyPoll=<microseconds>`: connections busy-poll for that long after each
    // message instead of sleeping (see `ice_driver::runtime::BusyPoll`); off by default.
    let runtime = match props.get_int_or("Glacier.BusyPoll", 0) {
        0 => runtime,
        us @ 1..=1_000_000 => {
            let window = std::time::Duration::from_micros(us as u64);
            ice_driver::runtime::BusyPoll::wrap(runtime, window)
        }
        _ => {
            eprintln!(
                "glacier: Glacier.BusyPoll must be a number of microseconds from 0 to 1000000"
            );
            return 1;
        }
    };
    let router = match glacier::Glacier::start_with_options(runtime, props, options).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("glacier: {e}");
            return 1;
        }
    };
    glacier::systemd::notify_ready();
    if demo {
        // The demo configuration: say where to connect. Configured in any way, glacier
        // prints nothing, as glacier2router.
        println!("glacier: router {}", router.router_proxy());
        for e in router.server_endpoints() {
            println!("glacier: callbacks from back ends to {e}");
        }
        println!("glacier: Ctrl-C stops it");
    }
    if let Some(daemon) = daemon {
        daemon.ready();
    }
    let stopped = router.wait_for_shutdown();
    let mut stopped = std::pin::pin!(stopped);
    let mut signals = std::pin::pin!(signals);
    let by_signal = std::future::poll_fn(|cx| {
        use std::future::Future as _;
        use std::task::Poll;
        if stopped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        if signals.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        Poll::Pending
    })
    .await;
    glacier::systemd::notify_stopping();
    if by_signal {
        tracing::debug!("shutting down");
        router.shutdown().await;
    }
    0
}

/// Installs the log: lines on stderr or in `Ice.LogFile`, and the last messages kept for the
/// admin `Logger` facet (`Ice.Admin.Logger.KeepLogs`, `KeepTraces`: 100 each by default).
fn init_tracing(props: &Properties) -> Arc<glacier::log::LogBuffer> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::EnvFilter;
    let any_trace = props.iter().any(|(k, v)| k.contains(".Trace.") && v.trim() != "0");
    let default = if any_trace { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Lines as ZeroC's logger writes them, prefixed with `Ice.ProgramName`.
    let program = props.get("Ice.ProgramName").unwrap_or("glacier");
    let keep = |k: &str| usize::try_from(props.get_int_or(k, 100)).unwrap_or(0);
    let logs = glacier::log::LogBuffer::new(
        program,
        keep("Ice.Admin.Logger.KeepLogs"),
        keep("Ice.Admin.Logger.KeepTraces"),
    );
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .event_format(glacier::log::IceLogFormat::new(program));
    let registry =
        tracing_subscriber::registry().with(filter).with(glacier::log::LogCapture(logs.clone()));
    // `Ice.LogFile`, as glacier2router: messages are appended to that file instead of stderr.
    let _ = match props.get("Ice.LogFile").filter(|f| !f.trim().is_empty()) {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .unwrap_or_else(|e| fail(&format!("cannot open Ice.LogFile `{path}': {e}")));
            registry.with(lines.with_writer(std::sync::Mutex::new(file))).try_init()
        }
        None => registry.with(lines.with_writer(std::io::stderr)).try_init(),
    };
    logs
}

fn fail(message: &str) -> ! {
    eprintln!("glacier: {message}");
    std::process::exit(1);
}
