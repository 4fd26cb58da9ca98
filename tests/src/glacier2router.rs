//! Running ZeroC's `glacier2router` (Debian package `zeroc-glacier2`) as a test peer on
//! loopback, with the missing-peer policy of [`crate::peers::require_peer`].

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::{env, fs, io};

use crate::peers::{missing_peer, READY_TIMEOUT};

/// Names another `glacier2router` binary than the one on `PATH`.
pub const ROUTER_VAR: &str = "GLACIER2ROUTER";

/// The `glacier2router` binary, or the missing-peer policy applied (`None`: skip).
pub fn require_glacier2router() -> Option<PathBuf> {
    let path =
        env::var_os(ROUTER_VAR).map(PathBuf::from).unwrap_or_else(|| "glacier2router".into());
    match Command::new(&path).arg("--version").stdin(Stdio::null()).output() {
        Ok(out) if out.status.success() => Some(path),
        Ok(out) => missing_peer(format!(
            "{} --version failed ({}); install zeroc-glacier2 (scripts/install-peers)",
            path.display(),
            out.status
        )),
        Err(e) => missing_peer(format!(
            "cannot run {}: {e}; install zeroc-glacier2 (scripts/install-peers)",
            path.display()
        )),
    }
}

/// Our router, `glacier` (built next to the test executables: `cargo test --workspace` builds
/// it, since the `glacier` package has integration tests). Panics if it is missing.
pub fn glacier_binary() -> PathBuf {
    let exe = env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/glacier
    let dir = exe.parent().and_then(|d| d.parent()).expect("target directory");
    let path = dir.join(format!("glacier{}", env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p glacier` (cargo test --workspace does)",
        path.display()
    );
    path
}

/// Which router a scenario runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterKind {
    /// ZeroC's `glacier2router` (Ice 3.7).
    ZeroC,
    /// Ours, `glacier`.
    Glacier,
}

/// The binary of `kind`, or the missing-peer policy applied for ZeroC's (`None`: skip).
pub fn router_binary(kind: RouterKind) -> Option<PathBuf> {
    match kind {
        RouterKind::ZeroC => require_glacier2router(),
        RouterKind::Glacier => Some(glacier_binary()),
    }
}

/// A free loopback TCP port (bound, then released: the router binds it right after).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running `glacier2router`; killed when dropped.
pub struct Glacier2Router {
    /// `None` once `wait` has taken it.
    child: Option<Child>,
    pid: u32,
    /// The port of `Glacier2.Client.Endpoints` on 127.0.0.1.
    pub client_port: u16,
    config: PathBuf,
}

impl Glacier2Router {
    /// Starts `binary` with the null permissions verifier (unless `extra` sets one or a
    /// password file), client endpoints on a free loopback
    /// port, server endpoints on loopback (any port) and `extra` properties; returns once both
    /// adapters are ready.
    pub fn start(binary: &PathBuf, extra: &[(&str, &str)]) -> io::Result<Glacier2Router> {
        Glacier2Router::start_with_args(binary, &[], extra)
    }

    /// [`Glacier2Router::start`], with `args` before the configuration (e.g. `glacier`'s
    /// `--runtime async-std`).
    pub fn start_with_args(
        binary: &PathBuf,
        args: &[&str],
        extra: &[(&str, &str)],
    ) -> io::Result<Glacier2Router> {
        // The free port is found by binding and releasing it: another process may take it
        // before the router binds it. Try another then.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Glacier2Router::start_once(binary, args, extra) {
                Err(e) if attempt < 5 => eprintln!("the router did not start ({e}): again"),
                result => return result,
            }
        }
    }

    fn start_once(
        binary: &PathBuf,
        args: &[&str],
        extra: &[(&str, &str)],
    ) -> io::Result<Glacier2Router> {
        let client_port = free_port()?;
        let mut config = format!(
            "Glacier2.InstanceName=Glacier2\n\
             Glacier2.Client.Endpoints=tcp -h 127.0.0.1 -p {client_port}\n\
             Glacier2.Server.Endpoints=tcp -h 127.0.0.1\n\
             Ice.PrintAdapterReady=1\n"
        );
        let own_verifier = extra
            .iter()
            .any(|(k, _)| *k == "Glacier2.PermissionsVerifier" || *k == "Glacier2.CryptPasswords");
        if !own_verifier {
            config.push_str("Glacier2.PermissionsVerifier=Glacier2/NullPermissionsVerifier\n");
        }
        for (k, v) in extra {
            config.push_str(&format!("{k}={v}\n"));
        }
        let path = env::temp_dir()
            .join(format!("ice-rs-glacier2-{}-{client_port}.cfg", std::process::id()));
        fs::write(&path, config)?;
        let mut child = Command::new(binary)
            .args(args)
            // The router's configuration alone sizes `glacier`'s async-std executor.
            .env_remove("ASYNC_STD_THREAD_COUNT")
            .arg(format!("--Ice.Config={}", path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let rx = crate::peers::stdout_lines(&mut child)?;
        let pid = child.id();
        let router = Glacier2Router { child: Some(child), pid, client_port, config: path };
        let mut ready = 0;
        while ready < 2 {
            match rx.recv_timeout(READY_TIMEOUT) {
                Ok(line) if line.ends_with(" ready") => ready += 1,
                Ok(_) => {}
                Err(_) => {
                    return Err(io::Error::other("glacier2router exited or never became ready"))
                }
            }
        }
        Ok(router)
    }

    /// Waits for the router to exit (after its admin `Process::shutdown`, say); an error, and
    /// the router killed, if it still runs after `READY_TIMEOUT`.
    pub fn wait(&mut self) -> io::Result<std::process::ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err(io::Error::other("already waited for"));
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(READY_TIMEOUT) {
            Ok(status) => status,
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &self.pid.to_string()]).status();
                Err(io::Error::other("the router did not exit"))
            }
        }
    }

    /// The router's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The router proxy string (`Glacier2/router:tcp -h 127.0.0.1 -p <client port>`).
    pub fn router_proxy(&self) -> String {
        format!("Glacier2/router:tcp -h 127.0.0.1 -p {} -t 10000", self.client_port)
    }
}

impl Drop for Glacier2Router {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_file(&self.config);
    }
}
