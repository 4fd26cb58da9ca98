//! The `glacier` command as an operator runs it: options, start-up errors that name the
//! property, the ready lines ZeroC's test harness waits for, SIGTERM and the admin `Process`
//! facet's `shutdown` both stopping it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const GLACIER: &str = env!("CARGO_BIN_EXE_glacier");

fn run(args: &[&str]) -> Output {
    Command::new(GLACIER).args(args).stdin(Stdio::null()).output().expect("run glacier")
}

fn config(lines: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut f, lines.as_bytes()).unwrap();
    f
}

#[test]
fn help_and_version() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--Ice.Config"));
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("3."));
}

#[test]
fn bad_configurations_stop_start_up_with_a_message_naming_the_problem() {
    let cases = [
        ("Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n", "Glacier2.Client.Endpoints"),
        ("Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\n", "requires a permissions verifier"),
        (
            "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\nGlacier2.CryptPasswords=/nonexistent/passwords\n",
            "cannot open `/nonexistent/passwords'",
        ),
        (
            "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\nGlacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\nGlacier2.Filter.Category.AcceptUser=7\n",
            "Glacier2.Filter.Category.AcceptUser",
        ),
        (
            "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p notaport\nGlacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n",
            "Glacier2.Client.Endpoints",
        ),
        (
            "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\nGlacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\nGlacier.BusyPoll=-5\n",
            "Glacier.BusyPoll",
        ),
    ];
    for (cfg, expected) in cases {
        let f = config(cfg);
        let out = run(&[&format!("--Ice.Config={}", f.path().display())]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{cfg}");
        assert!(stderr.contains(expected), "{cfg}: {stderr}");
    }
}

/// A running `glacier` whose stdout lines arrive on a channel.
struct Running {
    /// `None` once `wait_exit` has taken it; otherwise killed on drop, so that a failing test
    /// leaves no router running.
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    /// Reads stderr to its end.
    stderr: std::cell::Cell<Option<std::thread::JoinHandle<String>>>,
}

fn start(args: &[&str]) -> Running {
    start_with_env(args, &[])
}

fn start_with_env(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Running {
    let mut child = Command::new(GLACIER)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start glacier");
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        err
    });
    Running { child: Some(child), lines, stderr: std::cell::Cell::new(Some(stderr)) }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    fn wait_ready(&self, adapters: &[&str]) {
        let mut missing: Vec<&str> = adapters.to_vec();
        while !missing.is_empty() {
            let Ok(line) = self.lines.recv_timeout(Duration::from_secs(60)) else {
                // Exited (or hung) before it was ready: say why.
                let _ = Command::new("kill").args(["-KILL", &self.pid().to_string()]).status();
                let err = self.stderr.take().map(|t| t.join().unwrap_or_default());
                panic!("glacier never said {missing:?} ready: {}", err.unwrap_or_default());
            };
            missing.retain(|a| line != format!("{a} ready"));
        }
    }

    /// Stops the router with SIGTERM; it must exit successfully. Returns its stderr.
    fn stop(self) -> String {
        let pid = self.pid().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let (status, stderr) = self.wait_exit();
        assert!(status.success(), "{status}: {stderr}");
        stderr
    }

    fn wait_exit(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.pid().to_string();
        let stderr = self.stderr.take();
        let mut child = self.child.take().expect("running");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let status = child.wait();
            let err = stderr.map(|t| t.join().unwrap_or_default()).unwrap_or_default();
            let _ = tx.send((status, err));
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok((status, err)) => (status.unwrap(), err),
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("glacier did not exit");
            }
        }
    }
}

/// A client communicator whose default router is `router_proxy`.
fn routed_client(router_proxy: &str) -> ice_driver::Communicator {
    let mut props = ice_driver::Properties::new();
    props.set("Ice.Default.Router", router_proxy).unwrap();
    ice_driver_tokio::communicator_with_properties(props)
}

/// A client routed through the router whose client endpoint is on `port`, with a session
/// (as `bob`; the tests' routers take any password).
async fn routed_session(port: u16) -> ice_driver::Communicator {
    let router_proxy = format!("Glacier2/router:tcp -h 127.0.0.1 -p {port}");
    let client = routed_client(&router_proxy);
    let router = client.string_to_proxy(&router_proxy).unwrap();
    ice_driver::glacier2::SessionRouter::new(&router).create_session("bob", "x").await.unwrap();
    client
}

/// A port of 127.0.0.1 nothing listens on (the system just gave it out).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn default_configuration_warns_about_the_null_verifier_and_stops_on_sigterm() {
    // The built-in demo configuration (localhost:4063): no file and no Glacier2 property.
    let running = start(&["--Ice.Trace.Network=0"]);
    running.wait_ready(&["Glacier2.Client", "Glacier2.Server"]);
    // The 3.7 callback demo's router (DemoGlacier2/router) and the name 3.8's demos use.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for instance in ["DemoGlacier2", "Glacier2"] {
            let router_proxy = format!("{instance}/router:tcp -h localhost -p 4063");
            let client = routed_client(&router_proxy);
            let router = client.string_to_proxy(&router_proxy).unwrap();
            let session = ice_driver::glacier2::SessionRouter::new(&router);
            session.create_session("demo", "any").await.unwrap();
            assert!(!session.get_category_for_client().await.unwrap().is_empty());
            session.destroy_session().await.unwrap();
            client.destroy().await;
        }
    });
    let stderr = running.stop();
    assert!(stderr.contains("accepts ANY user"), "{stderr}");
    // stderr is a pipe here: no colours.
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
}

#[test]
fn ice_log_file_takes_the_messages_instead_of_stderr() {
    let dir = std::env::temp_dir();
    let log = dir.join(format!("glacier-log-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let running = start(&[
        &format!("--Ice.LogFile={}", log.display()),
        "--Ice.ProgramName=edge-router",
        "--Ice.Trace.Network=1",
    ]);
    running.wait_ready(&["Glacier2.Client", "Glacier2.Server"]);
    let stderr = running.stop();
    let written = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert!(written.contains("accepts ANY user"), "{written:?}");
    assert!(!written.contains('\x1b'), "{written:?}");
    // In the format of ZeroC's logger: `-! mm/dd/yy hh:mm:ss.mmm <Ice.ProgramName>: warning: `.
    let warning = written.lines().find(|l| l.contains("accepts ANY user")).unwrap();
    let shape: String =
        warning.chars().take(24).map(|c| if c.is_ascii_digit() { 'd' } else { c }).collect();
    assert_eq!(shape, "-! dd/dd/dd dd:dd:dd.ddd", "{warning}");
    assert!(warning[24..].starts_with(" edge-router: warning: "), "{warning}");
    // Ice.Trace.Network in ZeroC's words, as glacier2router writes it when SIGTERM stops it.
    let stopping = written.lines().find(|l| l.contains("stopping to accept")).unwrap();
    assert!(stopping.starts_with("-- "), "a trace: {stopping}");
    assert!(
        stopping
            .contains(" edge-router: Network: stopping to accept tcp connections at 127.0.0.1:"),
        "{stopping}"
    );
    let listening = written.find("Network: listening for tcp connections\n   local address = ");
    assert!(listening.is_some(), "{written}");
    assert!(!stderr.contains("accepts ANY user"), "{stderr}");
}

#[test]
fn admin_process_shutdown_stops_the_router() {
    let port = free_port();
    let f = config(&format!(
        "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\n\
         Glacier2.Server.Endpoints=tcp -h 127.0.0.1\n\
         Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n\
         Ice.Admin.Endpoints=tcp -h 127.0.0.1 -p {port}\n\
         Ice.Admin.InstanceName=Glacier2\n\
         Ice.PrintAdapterReady=1\n"
    ));
    for runtime in ["tokio", "async-std"] {
        let running =
            start(&["--runtime", runtime, &format!("--Ice.Config={}", f.path().display())]);
        running.wait_ready(&["Glacier2.Client", "Glacier2.Server", "Ice.Admin"]);
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let c = ice_driver_tokio::communicator();
            let process = c
                .string_to_proxy(&format!("Glacier2/admin -f Process:tcp -h 127.0.0.1 -p {port}"))
                .unwrap();
            assert!(process.ice_is_a("::Ice::Process").await.unwrap());
            // The Properties facet: read, and change a trace level at run time.
            let admin = process.ice_facet("Properties");
            let get = |key: &'static str| {
                let admin = admin.clone();
                async move {
                    admin
                        .invoke_typed::<_, String>(
                            "getProperty",
                            ice_driver::OperationMode::Normal,
                            key,
                        )
                        .await
                        .unwrap()
                }
            };
            assert_eq!(get("Ice.Admin.InstanceName").await, "Glacier2");
            assert_eq!(get("Glacier2.Trace.Session").await, "");
            let mut changes = ice_driver::Context::new();
            changes.insert("Glacier2.Trace.Session".into(), "1".into());
            admin
                .invoke_typed::<_, ()>("setProperties", ice_driver::OperationMode::Normal, &changes)
                .await
                .unwrap();
            assert_eq!(get("Glacier2.Trace.Session").await, "1");
            let all: ice_driver::Context = admin
                .invoke_typed(
                    "getPropertiesForPrefix",
                    ice_driver::OperationMode::Normal,
                    "Glacier2.Trace",
                )
                .await
                .unwrap();
            assert_eq!(all.get("Glacier2.Trace.Session").map(String::as_str), Some("1"));
            process
                .invoke(
                    "shutdown",
                    ice_driver::OperationMode::Normal,
                    ice_driver::Encapsulation::empty(Default::default()),
                )
                .await
                .unwrap();
            // As glacier2router: the listeners are closing when the reply goes out, and the
            // connection closes gracefully after it, so the next ping is retried and finds
            // the router gone (it got ObjectNotExist while the router stayed up to destroy
            // its sessions). Like glacier2router's acceptors, the listeners close in their
            // own tasks: under load the retry can still connect before they do and then
            // lose that connection as the router exits.
            let ping = process.ice_ping().await;
            assert!(
                matches!(
                    ping,
                    Err(ice_driver::Error::ConnectFailed { .. } | ice_driver::Error::ConnectionLost)
                ),
                "{ping:?}"
            );
            c.destroy().await;
        });
        let (status, stderr) = running.wait_exit();
        assert!(status.success(), "{runtime}: {status}: {stderr}");
    }
}

/// `Ice.Admin.Facets` limits the admin object's facets, as in ZeroC's runtime: with only
/// `Properties` listed, nobody can shut the router down through `Process`.
#[test]
fn admin_facets_limit_what_the_admin_object_serves() {
    let port = free_port();
    let f = config(&format!(
        "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\n\
         Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n\
         Ice.Admin.Endpoints=tcp -h 127.0.0.1 -p {port}\n\
         Ice.Admin.InstanceName=Glacier2\n\
         Ice.Admin.Facets=Properties\n\
         Ice.PrintAdapterReady=1\n"
    ));
    let running = start(&[&format!("--Ice.Config={}", f.path().display())]);
    running.wait_ready(&["Glacier2.Client", "Ice.Admin"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = ice_driver_tokio::communicator();
        let admin = format!("Glacier2/admin:tcp -h 127.0.0.1 -p {port}");
        let process = c.string_to_proxy(&admin).unwrap().ice_facet("Process");
        let refused = process.ice_ping().await;
        assert!(matches!(refused, Err(ice_driver::Error::FacetNotExist { .. })), "{refused:?}");
        let properties = c.string_to_proxy(&admin).unwrap().ice_facet("Properties");
        let facets: String = properties
            .invoke_typed("getProperty", ice_driver::OperationMode::Normal, "Ice.Admin.Facets")
            .await
            .unwrap();
        assert_eq!(facets, "Properties");
        // The router's own settings for its communicator are not the operator's properties.
        let all: std::collections::BTreeMap<String, String> = properties
            .invoke_typed("getPropertiesForPrefix", ice_driver::OperationMode::Normal, "")
            .await
            .unwrap();
        assert!(all.contains_key("Glacier2.Client.Endpoints"), "{all:?}");
        for own in ["Glacier2.Server.Connection.MaxDispatches", "Ice.Admin.DelayCreation"] {
            assert!(!all.contains_key(own), "{own} in {all:?}");
        }
        c.destroy().await;
    });
    running.stop();
}

#[test]
fn verifiers_and_session_managers_are_checked_at_start_up() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let server = ice_driver_tokio::communicator();
    let adapter =
        server.create_object_adapter_with_endpoints("S", "tcp -h 127.0.0.1 -p 0").unwrap();
    let hello =
        ice_driver::FnServant::new("::Demo::Hello", |current: ice_driver::Current, _| async move {
            current.void()
        });
    adapter.add(ice_driver::Identity::new("hello"), hello).unwrap();
    adapter.activate().unwrap();
    let port = match &adapter.endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    // The wrong type stops start-up, naming the property.
    let f = config(&format!(
        "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\n\
         Glacier2.SessionManager=hello:tcp -h 127.0.0.1 -p {port}\n\
         Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n"
    ));
    let out = run(&[&format!("--Ice.Config={}", f.path().display())]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("Glacier2.SessionManager") && stderr.contains("is not a"), "{stderr}");
    // Unreachable is only a warning (the back end may start later), which --nowarn silences.
    let closed = free_port();
    let f = config(&format!(
        "Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0\n\
         Glacier2.PermissionsVerifier=verifier:tcp -h 127.0.0.1 -p {closed}\n\
         Ice.PrintAdapterReady=1\n"
    ));
    for (extra, warned) in [(None, true), (Some("--nowarn"), false)] {
        let mut args = vec![format!("--Ice.Config={}", f.path().display())];
        args.extend(extra.map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let running = start(&args);
        running.wait_ready(&["Glacier2.Client"]);
        let stderr = running.stop();
        assert_eq!(stderr.contains("unable to contact"), warned, "{stderr}");
        if warned {
            // glacier2router's words: what, the property's value, then the exception.
            let expected = format!(
                "warning: unable to contact permissions verifier `verifier:tcp -h 127.0.0.1 -p \
                 {closed}'\n   ::Ice::ConnectionRefusedException:\n"
            );
            assert!(stderr.contains(&expected), "{expected:?} in {stderr}");
        }
    }
    rt.block_on(server.destroy());
}

/// Configured by command-line properties alone, as ZeroC's test scripts start glacier2router:
/// glacier2router's defaults apply (instance name `Glacier2`), not the demo configuration; and
/// without a verifier it refuses to start, as glacier2router does.
#[test]
fn command_line_properties_alone_configure_the_router() {
    let port = free_port();
    let endpoints = format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}");
    let running = start(&[
        &endpoints,
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        "--Ice.PrintAdapterReady=1",
    ]);
    running.wait_ready(&["Glacier2.Client"]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let communicator = ice_driver_tokio::communicator();
        let router = communicator
            .string_to_proxy(&format!("Glacier2/router:tcp -h 127.0.0.1 -p {port}"))
            .unwrap();
        assert!(router.ice_is_a("::Glacier2::Router").await.unwrap());
        communicator.destroy().await;
    });
    let stderr = running.stop();
    assert!(!stderr.contains("demo"), "the demo configuration was used: {stderr}");
    assert!(!stderr.contains("cannot"), "{stderr}");

    let out = run(&[&endpoints]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("permissions verifier"), "{stderr}");
}

/// As glacier2router: command-line words that are neither options it knows nor properties
/// with one of Ice's prefixes (or the router's own `Glacier.`) stop start-up with a message,
/// instead of being taken as properties nothing reads.
#[test]
fn unknown_options_and_stray_arguments_stop_start_up() {
    let endpoints = "--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0";
    let verifier = "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier";
    for (arg, expected) in [
        ("--bogus", "invalid option: `--bogus'"),
        ("--Foo.Bar=1", "invalid option: `--Foo.Bar'"),
        ("--IceStorm.Trace.Topic=1", "invalid option: `--IceStorm.Trace.Topic'"),
        ("stray", "too many arguments"),
    ] {
        let out = run(&[endpoints, verifier, arg]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{arg}: {stderr}");
        assert!(stderr.contains(expected), "{arg}: {stderr}");
        assert!(stderr.contains("Usage:"), "{arg}: {stderr}");
    }
}

/// Under systemd (`NOTIFY_SOCKET` set, as Debian's `Type=notify` glacier2router.service
/// does) the router says `READY=1` once it takes connections and `STOPPING=1` when it
/// stops; SIGHUP, sent when a terminal goes away, does not stop it (`Ice.Nohup` is 1 by
/// default).
#[cfg(unix)]
#[test]
fn systemd_hears_ready_and_stopping_and_sighup_is_ignored() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify");
    let systemd = UnixDatagram::bind(&socket).unwrap();
    systemd.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let port = free_port();
    let running = start_with_env(
        &[
            &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
            "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        ],
        &[("NOTIFY_SOCKET", socket.as_os_str())],
    );
    let mut buf = [0u8; 256];
    let n = systemd.recv(&mut buf).expect("READY=1 from glacier");
    assert_eq!(&buf[..n], b"READY=1");
    // Ready means it takes connections now.
    std::net::TcpStream::connect(("127.0.0.1", port)).expect("the client endpoint accepts");

    let pid = running.pid().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let n = systemd.recv(&mut buf).expect("STOPPING=1 from glacier");
    assert_eq!(&buf[..n], b"STOPPING=1");
    let (status, stderr) = running.wait_exit();
    // Killed by SIGHUP, it would have no exit code.
    assert!(status.success(), "{status}: {stderr}");
}

/// A verifier that cannot be reached refuses the session with "internal server error"; as in
/// glacier2router, the exception is logged only at `Glacier2.Trace.Session` >= 1.
#[test]
fn a_failing_verifier_is_logged_only_when_sessions_are_traced() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed = free_port();
    for trace in [0, 1] {
        let port = free_port();
        let running = start(&[
            "--nowarn",
            &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
            &format!("--Glacier2.PermissionsVerifier=verifier:tcp -h 127.0.0.1 -p {closed}"),
            &format!("--Glacier2.Trace.Session={trace}"),
            "--Ice.PrintAdapterReady=1",
        ]);
        running.wait_ready(&["Glacier2.Client"]);
        rt.block_on(async {
            let client = ice_driver_tokio::communicator();
            let router = client
                .string_to_proxy(&format!("Glacier2/router:tcp -h 127.0.0.1 -p {port}"))
                .unwrap();
            let refused = ice_driver::glacier2::SessionRouter::new(&router)
                .create_session("alice", "secret")
                .await;
            let Err(e) = refused else { panic!("a session without a verifier") };
            let reason = ice_driver::glacier2::denied_reason(&e);
            assert_eq!(reason.as_deref(), Some("internal server error"), "{e}");
            client.destroy().await;
        });
        let stderr = running.stop();
        let logged = stderr.contains("exception while verifying permissions");
        assert_eq!(logged, trace >= 1, "Glacier2.Trace.Session={trace}: {stderr}");
    }
}

/// `--daemon`, as glacier2router on Unix: the command returns once the router is ready, the
/// router runs on detached (in `/`, its process id in `--pidfile`) until SIGTERM; a router
/// that cannot start makes the command fail, with the reason. The daemon options follow
/// Ice::Service's rules.
#[cfg(target_os = "linux")]
#[test]
fn daemon_returns_once_ready_and_reports_a_failed_start() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("glacier.pid");
    let port = free_port();
    let out = run(&[
        "--daemon",
        "--pidfile",
        pid_file.to_str().unwrap(),
        &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_owned();
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    // Ready when the command returned: it takes connections, works in `/`, has no terminal
    // session of ours.
    std::net::TcpStream::connect(("127.0.0.1", port)).expect("the daemon accepts");
    assert_eq!(std::fs::read_link(proc_dir.join("cwd")).unwrap(), std::path::Path::new("/"));
    let session = |stat: &std::path::Path| {
        let stat = std::fs::read_to_string(stat).unwrap();
        // After the command name: state, ppid, process group, session.
        stat.rsplit(')').next().unwrap().split_whitespace().nth(3).unwrap().to_owned()
    };
    assert_ne!(
        session(&proc_dir.join("stat")),
        session(std::path::Path::new("/proc/self/stat")),
        "the daemon is in a session of its own"
    );
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // Gone once SIGTERM was handled (bounded wait for the process to exit; a zombie nobody
    // reaped has exited too).
    let running = || {
        std::fs::read_to_string(proc_dir.join("stat"))
            .is_ok_and(|stat| !stat.rsplit(')').next().unwrap().trim_start().starts_with('Z'))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while running() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!running(), "the daemon did not stop");

    let out = run(&["--daemon", "--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("requires a permissions verifier"), "{stderr}");
    assert!(stderr.contains("failure occurred in daemon"), "{stderr}");

    for (args, expected) in [
        (&["--noclose"][..], "--noclose must be used with --daemon"),
        (&["--pidfile", "x"][..], "--pidfile <file> must be used with --daemon"),
        (&["--daemon", "--pidfile"][..], "--pidfile must be followed by an argument"),
    ] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

/// `Ice.PrintProcessId=1`: the process id on stdout, before the ready lines (as ZeroC's
/// runtime prints it when the communicator starts).
#[test]
fn print_process_id_prints_the_pid_first() {
    let port = free_port();
    let running = start(&[
        &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        "--Ice.PrintProcessId=1",
        "--Ice.PrintAdapterReady=1",
    ]);
    let first = running.lines.recv_timeout(Duration::from_secs(60)).expect("a first line");
    assert_eq!(first, running.pid().to_string());
    running.wait_ready(&["Glacier2.Client"]);
    running.stop();
}

/// `getLog` on a `Logger` facet: the prefix, and each kept message's type and text.
async fn get_log(logger: &ice_driver::Proxy) -> (String, Vec<(i32, String)>) {
    let everything = (Vec::<u8>::new(), Vec::<String>::new(), -1i32);
    let params =
        ice_driver::Encapsulation::from_value(logger.ice_get_encoding_version(), &everything);
    let reply = logger.invoke("getLog", ice_driver::OperationMode::Normal, params).await.unwrap();
    let mut input = reply.reader().unwrap();
    let prefix = input.read_string().unwrap();
    let mut kept = Vec::new();
    for _ in 0..input.read_size().unwrap() {
        let kind = input.read_enum(3).unwrap();
        let _timestamp = input.read_i64().unwrap();
        let _category = input.read_string().unwrap();
        kept.push((kind, input.read_string().unwrap()));
    }
    (prefix, kept)
}

/// The admin `Logger` facet: `getLog` returns the kept messages, and a remote logger attached
/// gets `init` with them and `log` for each new one, until detached.
#[test]
fn the_logger_facet_serves_kept_messages_and_remote_loggers() {
    use ice_driver::{Encapsulation, OperationMode};
    use std::sync::{Arc, Mutex};
    let client_port = free_port();
    let admin_port = free_port();
    let running = start(&[
        &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {client_port}"),
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        "--Glacier2.Trace.Session=1",
        // The router's requests are traced: those that send to the remote logger must not
        // be messages for it in turn.
        "--Ice.Trace.Protocol=1",
        "--Glacier2.X=1",
        &format!("--Ice.Admin.Endpoints=tcp -h 127.0.0.1 -p {admin_port}"),
        "--Ice.Admin.InstanceName=Glacier2",
        "--Ice.ProgramName=edge",
        "--Ice.PrintAdapterReady=1",
    ]);
    running.wait_ready(&["Glacier2.Client", "Ice.Admin"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = ice_driver_tokio::communicator();
        let logger = c
            .string_to_proxy(&format!("Glacier2/admin -f Logger:tcp -h 127.0.0.1 -p {admin_port}"))
            .unwrap();
        assert!(logger.ice_is_a("::Ice::LoggerAdmin").await.unwrap());
        // Kept: the warning about the unknown property (type 2 = WarningMessage).
        let no_kinds: Vec<u8> = Vec::new();
        let no_categories: Vec<String> = Vec::new();
        let (prefix, kept) = get_log(&logger).await;
        assert_eq!(prefix, "edge");
        let warnings: Vec<&String> =
            kept.iter().filter(|(kind, _)| *kind == 2).map(|(_, m)| m).collect();
        assert!(warnings.iter().any(|w| w.contains("Glacier2.X")), "{warnings:?}");

        // A remote logger of ours.
        let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let adapter = c.create_object_adapter_with_endpoints("Remote", "tcp -h 127.0.0.1").unwrap();
        let seen = received.clone();
        let remote = ice_driver::FnServant::new(
            "::Ice::RemoteLogger",
            move |current: ice_driver::Current, params: Encapsulation| {
                let seen = seen.clone();
                let tx = tx.clone();
                async move {
                    let mut input = params.reader()?;
                    let text = match current.operation.as_str() {
                        "init" => input.read_string()?,
                        _ => {
                            input.read_enum(3)?;
                            input.read_i64()?;
                            input.read_string()?;
                            input.read_string()?
                        }
                    };
                    seen.lock().unwrap().push((current.operation.clone(), text));
                    let _ = tx.send(());
                    current.void()
                }
            },
        );
        adapter.add(ice_driver::Identity::new("remote"), remote).unwrap();
        let remote = adapter.create_proxy(ice_driver::Identity::new("remote")).unwrap();
        adapter.activate().unwrap();
        let attach = |p: &ice_driver::Proxy| {
            Encapsulation::from_value(
                p.ice_get_encoding_version(),
                &(Some(remote.data().clone()), &no_kinds, &no_categories, 0i32),
            )
        };
        logger.invoke("attachRemoteLogger", OperationMode::Normal, attach(&logger)).await.unwrap();
        rx.recv().await.unwrap();
        assert_eq!(received.lock().unwrap()[0], ("init".to_owned(), "edge".to_owned()));
        let again =
            logger.invoke("attachRemoteLogger", OperationMode::Normal, attach(&logger)).await;
        assert!(matches!(again, Err(ice_driver::Error::UserException(_))), "{again:?}");

        // A session makes a trace, which the remote logger gets.
        let router = c
            .string_to_proxy(&format!("Glacier2/router:tcp -h 127.0.0.1 -p {client_port}"))
            .unwrap();
        ice_driver::glacier2::SessionRouter::new(&router)
            .create_session("alice", "x")
            .await
            .unwrap();
        loop {
            if received
                .lock()
                .unwrap()
                .iter()
                .any(|(op, m)| op == "log" && m.contains("created session"))
            {
                break;
            }
            rx.recv().await.unwrap();
        }
        let detach = |l: &ice_driver::Proxy| {
            Encapsulation::from_value(l.ice_get_encoding_version(), &Some(remote.data().clone()))
        };
        let detached: bool = logger
            .invoke("detachRemoteLogger", OperationMode::Normal, detach(&logger))
            .await
            .unwrap()
            .decode()
            .unwrap();
        assert!(detached);
        let detached: bool = logger
            .invoke("detachRemoteLogger", OperationMode::Normal, detach(&logger))
            .await
            .unwrap()
            .decode()
            .unwrap();
        assert!(!detached);
        let (_, kept) = get_log(&logger).await;
        let fed_back = kept.iter().any(|(_, m)| m.contains("operation = log"));
        assert!(!fed_back, "sending to the remote logger was logged: {kept:?}");
        c.destroy().await;
    });
    running.stop();
}

/// `Ice.Warn.Dispatch` (1 by default): a routed request the router cannot deliver is logged
/// as ZeroC's runtime logs a failed dispatch; 0 silences it.
#[test]
fn failed_routed_requests_are_warned_about_unless_warn_dispatch_is_0() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed = free_port();
    for warn in [None, Some("--Ice.Warn.Dispatch=0")] {
        let port = free_port();
        let mut args = vec![
            format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
            "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier".to_owned(),
            "--Ice.PrintAdapterReady=1".to_owned(),
        ];
        args.extend(warn.map(str::to_owned));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let running = start(&args);
        running.wait_ready(&["Glacier2.Client"]);
        rt.block_on(async {
            let client = routed_session(port).await;
            let gone =
                client.string_to_proxy(&format!("gone:tcp -h 127.0.0.1 -p {closed}")).unwrap();
            let failed = gone.ice_ping().await;
            assert!(matches!(failed, Err(ice_driver::Error::UnknownLocal(_))), "{failed:?}");
            client.destroy().await;
        });
        let stderr = running.stop();
        let warned = stderr.contains("dispatch exception: ::Ice::ConnectionRefusedException")
            && stderr.contains("identity: gone")
            && stderr.contains("operation: ice_ping");
        assert_eq!(warned, warn.is_none(), "{warn:?}: {stderr}");
    }
}

/// Configured by `--Glacier2.*` options alone (as ZeroC's test scripts start glacier2router),
/// stdout holds only the ready lines, in glacier2router's order: `Ice.Admin` first, since
/// ZeroC's communicator creates it before the router's adapters. No demo banner.
#[test]
fn command_line_configuration_prints_only_the_ready_lines_in_zeroc_order() {
    let mut running = start(&[
        "--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0",
        "--Glacier2.Server.Endpoints=tcp -h 127.0.0.1",
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        "--Ice.Admin.Endpoints=tcp -h 127.0.0.1",
        "--Ice.Admin.InstanceName=Glacier2",
        "--Ice.PrintAdapterReady=1",
    ]);
    let mut lines = Vec::new();
    while lines.len() < 3 {
        lines.push(running.lines.recv_timeout(Duration::from_secs(60)).expect("a ready line"));
    }
    assert_eq!(lines, ["Ice.Admin ready", "Glacier2.Client ready", "Glacier2.Server ready"]);
    let pid = running.pid().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let stdout = std::mem::replace(&mut running.lines, mpsc::channel().1);
    let (status, stderr) = running.wait_exit();
    assert!(status.success(), "{status}: {stderr}");
    // The process is gone, so its stdout is at its end: the channel disconnects.
    let rest: Vec<String> = stdout.iter().collect();
    assert!(rest.is_empty(), "more on stdout: {rest:?}");
}

/// The reply to `Process::shutdown` reaches the caller before the router exits, also over ws,
/// on both runtimes: exiting waits for the graceful close of the admin connection. (ZeroC's
/// Python client, slower to read, is what lost the reply: `tests/tests/glacier2_interop.rs`.)
#[test]
fn process_shutdown_is_answered_before_the_router_exits() {
    for round in 0..4 {
        let runtime = if round % 2 == 0 { "tokio" } else { "async-std" };
        let port = free_port();
        let running = start(&[
            "--runtime",
            runtime,
            "--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p 0",
            "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
            &format!("--Ice.Admin.Endpoints=ws -h 127.0.0.1 -p {port}"),
            "--Ice.Admin.InstanceName=Glacier2",
            "--Ice.PrintAdapterReady=1",
        ]);
        running.wait_ready(&["Glacier2.Client", "Ice.Admin"]);
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let c = ice_driver_tokio::communicator();
            let process = c
                .string_to_proxy(&format!("Glacier2/admin -f Process:ws -h 127.0.0.1 -p {port}"))
                .unwrap();
            let shutdown = process
                .invoke(
                    "shutdown",
                    ice_driver::OperationMode::Normal,
                    ice_driver::Encapsulation::empty(Default::default()),
                )
                .await;
            assert!(shutdown.is_ok(), "{runtime}, round {round}: {shutdown:?}");
            c.destroy().await;
        });
        let (status, stderr) = running.wait_exit();
        assert!(status.success(), "{runtime}: {status}: {stderr}");
    }
}

/// `Glacier2.Client.Trace.Reject` and `Glacier2.Client.Trace.Request` in glacier2router's words
/// (compared line by line with glacier2router 3.7.8 given the same requests): a request
/// without a session, one the category filter refuses, one routed.
#[test]
fn reject_and_request_traces_read_as_glacier2routers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed = free_port();
    let port = free_port();
    let running = start(&[
        &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        "--Glacier2.Client.Buffered=0",
        "--Glacier2.Filter.Category.Accept=allowed",
        "--Glacier2.Client.Trace.Reject=1",
        "--Glacier2.Client.Trace.Request=1",
        "--Ice.Warn.Dispatch=0",
        "--Ice.PrintAdapterReady=1",
    ]);
    running.wait_ready(&["Glacier2.Client"]);
    rt.block_on(async {
        let router_proxy = format!("Glacier2/router:tcp -h 127.0.0.1 -p {port}");
        let routed = || {
            let mut props = ice_driver::Properties::new();
            props.set("Ice.Default.Router", &router_proxy).unwrap();
            props.set("Ice.RetryIntervals", "-1").unwrap();
            ice_driver_tokio::communicator_with_properties(props)
        };
        let target = |c: &ice_driver::Communicator, category: &str| {
            c.string_to_proxy(&format!("{category}/hello:tcp -h 127.0.0.1 -p {closed}")).unwrap()
        };
        let no_session = routed();
        assert!(target(&no_session, "allowed").ice_ping().await.is_err());
        no_session.destroy().await;
        let client = routed();
        let router = client.string_to_proxy(&router_proxy).unwrap();
        ice_driver::glacier2::SessionRouter::new(&router).create_session("u", "p").await.unwrap();
        let filtered = target(&client, "x").ice_ping().await;
        assert!(matches!(filtered, Err(ice_driver::Error::ObjectNotExist { .. })), "{filtered:?}");
        // glacier2router traces the client's context, though without ForwardContext it
        // forwards none.
        let context = ice_driver::Context::from([("k".to_owned(), "v".to_owned())]);
        let refused = target(&client, "allowed").ice_context(context).ice_ping().await;
        assert!(matches!(refused, Err(ice_driver::Error::UnknownLocal(_))), "{refused:?}");
        client.destroy().await;
    });
    let stderr = running.stop();
    for expected in [
        "Glacier2: rejecting request, no session is associated with the connection.\n   \
         identity: Glacier2/router\n"
            .to_owned(),
        "Glacier2: rejecting request: category filter\n   identity: x/hello\n".to_owned(),
        format!(
            "Glacier2: routing (not buffered)\n   proxy = allowed/hello -t -e 1.1:tcp -h \
             127.0.0.1 -p {closed} -t 60000\n   operation = ice_ping\n   context = k/v\n"
        ),
    ] {
        assert!(stderr.contains(&expected), "missing {expected:?} in:\n{stderr}");
    }
}

#[test]
fn session_and_override_traces_read_as_glacier2routers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed = free_port();
    let port = free_port();
    let running = start(&[
        &format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}"),
        "--Glacier2.Server.Endpoints=tcp -h 127.0.0.1",
        "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
        // Buffered, with a pause between passes long enough for the later oneways to meet
        // in the queue, where a later one replaces the one before.
        "--Glacier2.Client.Buffered=1",
        "--Glacier2.Client.SleepTime=3000",
        "--Glacier2.Client.Trace.Override=1",
        "--Glacier2.Trace.Session=1",
        "--Ice.Warn.Dispatch=0",
        "--Ice.PrintAdapterReady=1",
    ]);
    running.wait_ready(&["Glacier2.Client", "Glacier2.Server"]);
    rt.block_on(async {
        let router_proxy = format!("Glacier2/router:tcp -h 127.0.0.1 -p {port}");
        let client = routed_client(&router_proxy);
        let router = client.string_to_proxy(&router_proxy).unwrap();
        let session = ice_driver::glacier2::SessionRouter::new(&router);
        session.create_session("alice", "p").await.unwrap();
        let target = client
            .string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {closed}"))
            .unwrap()
            .ice_oneway();
        let params = || ice_driver::Encapsulation::empty(ice_driver::EncodingVersion::V1_1);
        let context = ice_driver::Context::from([("_ovrd".to_owned(), "x".to_owned())]);
        for _ in 0..3 {
            target
                .invoke_with_context("tick", ice_driver::OperationMode::Normal, params(), &context)
                .await
                .unwrap();
        }
        session.destroy_session().await.unwrap();
        client.destroy().await;
    });
    let stderr = running.stop();
    let addresses = format!("   local address = 127.0.0.1:{port}\n   remote address = 127.0.0.1:");
    for what in ["created session", "destroying session"] {
        let expected = format!("Glacier2: {what}\n   id = alice\n   category = ");
        let at = stderr.find(&expected).unwrap_or_else(|| panic!("no {what:?} in:\n{stderr}"));
        let rest = &stderr[at + expected.len()..];
        let after_category = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
        assert!(after_category.starts_with(&addresses), "{what}: {rest}");
    }
    let expected = format!(
        "Glacier2: routing override\n   proxy = hello -o -e 1.1:tcp -h 127.0.0.1 -p {closed} \
         -t 60000\n   operation = tick\n   context = _ovrd/x\n"
    );
    // The second and third meet in the queue at least (the first may not have left yet).
    let overrides = stderr.matches(&expected).count();
    assert!((1..=2).contains(&overrides), "{overrides} times {expected:?} in:\n{stderr}");
}

/// `Glacier.BusyPoll`: on either runtime, a busy-polling router forwards requests and
/// replies as usual, sequential and concurrent, in both directions' sizes.
#[test]
fn a_busy_polling_router_routes_as_usual() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let server = ice_driver_tokio::communicator();
    let adapter =
        server.create_object_adapter_with_endpoints("S", "tcp -h 127.0.0.1 -p 0").unwrap();
    let echo = ice_driver::FnServant::new(
        "::Test::Echo",
        |current: ice_driver::Current, params| async move {
            let bytes: Vec<u8> = params.decode()?;
            current.ok(&bytes)
        },
    );
    adapter.add(ice_driver::Identity::new("echo"), echo).unwrap();
    adapter.activate().unwrap();
    let backend = adapter.endpoints()[0].to_string();
    for runtime in ["tokio", "async-std"] {
        let port = free_port();
        let endpoints = format!("--Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {port}");
        let running = start(&[
            "--runtime",
            runtime,
            &endpoints,
            "--Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier",
            "--Glacier.BusyPoll=200",
            "--Ice.PrintAdapterReady=1",
        ]);
        running.wait_ready(&["Glacier2.Client"]);
        rt.block_on(async {
            let client = routed_session(port).await;
            let echo = client.string_to_proxy(&format!("echo:{backend}")).unwrap();
            let call = |len: usize| {
                let echo = echo.clone();
                async move {
                    let sent: Vec<u8> = (0..len).map(|i| i as u8).collect();
                    let back: Vec<u8> = echo
                        .invoke_typed("echo", ice_driver::OperationMode::Normal, &sent)
                        .await
                        .unwrap();
                    assert_eq!(back, sent, "{runtime}: {len} bytes");
                }
            };
            for len in [0, 1, 1000, 200_000, 3] {
                call(len).await;
            }
            let concurrent: Vec<_> = (0..32).map(|i| tokio::spawn(call(i * 100))).collect();
            for each in concurrent {
                each.await.unwrap();
            }
            client.destroy().await;
        });
        let stderr = running.stop();
        assert!(!stderr.contains("cannot"), "{runtime}: {stderr}");
    }
    rt.block_on(server.destroy());
}
