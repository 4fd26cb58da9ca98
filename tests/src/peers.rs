//! Finding and spawning the real ZeroC Ice peers of `tests/interop/` (Python programs).
//!
//! A test asks for a ZeroC installation with [`require_peer`], then starts servers with
//! [`Python::spawn`] (which waits for their `READY <port>` line) and runs clients to completion
//! with [`Python::run`]. Every spawned process is killed when its handle is dropped, and is
//! started with `--watch-stdin` so it also exits when the test process dies.
//!
//! A missing peer never passes silently: see [`require_peer`] for the policy and the two
//! environment variables that control it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};
use std::{env, fmt, io};

/// Set to `1` (CI does) to make a missing ZeroC peer a test failure, whatever else is set.
pub const REQUIRED_VAR: &str = "ICE_INTEROP_REQUIRED";
/// Set to `1` to let tests skip (with a loud notice) when a ZeroC peer is missing.
pub const ALLOW_SKIP_VAR: &str = "ICE_INTEROP_ALLOW_SKIP";

/// How long a server may take to print `READY <port>`.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A ZeroC Ice release line whose Python mapping can run the peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IceVersion {
    /// Ice 3.7: Debian's `python3-zeroc-ice` under `/usr/bin/python3` (`scripts/install-peers`),
    /// or the interpreter named by `ICE_PYTHON37`.
    V37,
    /// Ice 3.8: PyPI's `zeroc-ice` in `.cache/ice38-venv` (`scripts/install-ice38`), or the
    /// interpreter named by `ICE_PYTHON38`.
    V38,
}

impl IceVersion {
    fn override_var(self) -> &'static str {
        match self {
            IceVersion::V37 => "ICE_PYTHON37",
            IceVersion::V38 => "ICE_PYTHON38",
        }
    }

    fn default_python(self) -> PathBuf {
        match self {
            IceVersion::V37 => PathBuf::from("/usr/bin/python3"),
            IceVersion::V38 => workspace_dir().join(".cache/ice38-venv/bin/python"),
        }
    }

    fn version_prefix(self) -> &'static str {
        match self {
            IceVersion::V37 => "3.7.",
            IceVersion::V38 => "3.8.",
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            IceVersion::V37 => "run scripts/install-peers (Debian packages python3-zeroc-ice etc.)",
            IceVersion::V38 => "run scripts/install-ice38 (builds PyPI zeroc-ice 3.8 once)",
        }
    }
}

impl fmt::Display for IceVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IceVersion::V37 => "ZeroC Ice 3.7",
            IceVersion::V38 => "ZeroC Ice 3.8",
        })
    }
}

/// The workspace root (the parent of the `ice-tests` crate).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The folder that holds the Python peers and their Slice files.
pub fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// A Python interpreter that can `import Ice` at the wanted release line.
#[derive(Debug, Clone)]
pub struct Python {
    /// The interpreter.
    pub path: PathBuf,
    /// The release line it was checked against.
    pub version: IceVersion,
    /// `Ice.stringVersion()`, e.g. `3.7.8`.
    pub ice_version: String,
}

/// Looks for a Python interpreter with ZeroC Ice `version`; the error says what is missing.
pub fn find_python(version: IceVersion) -> Result<Python, String> {
    let path = env::var_os(version.override_var())
        .map(PathBuf::from)
        .unwrap_or_else(|| version.default_python());
    let output = Command::new(&path)
        .args(["-c", "import Ice; print(Ice.stringVersion())"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} cannot import Ice: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("").trim()
        ));
    }
    let ice_version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !ice_version.starts_with(version.version_prefix()) {
        return Err(format!("{} has ZeroC Ice {ice_version}, not {version}", path.display()));
    }
    Ok(Python { path, version, ice_version })
}

fn env_flag(name: &str) -> bool {
    env::var(name).is_ok_and(|v| v == "1")
}

/// Returns the interpreter for `version`, or applies the missing-peer policy:
///
/// - `ICE_INTEROP_REQUIRED=1` (CI): panic, so the test fails with the reason;
/// - else `ICE_INTEROP_ALLOW_SKIP=1`: print a loud notice on stderr and return `None`, and the
///   caller returns early (the test is reported as passed, so only use this locally);
/// - else: print the notice and panic anyway. Interop tests never skip by accident.
pub fn require_peer(version: IceVersion) -> Option<Python> {
    let reason = match find_python(version) {
        Ok(python) => return Some(python),
        Err(reason) => reason,
    };
    missing_peer(format!(
        "{version} peer unavailable: {reason}\n    to install it: {}",
        version.install_hint()
    ))
}

/// Applies the missing-peer policy of [`require_peer`] to a peer described by `notice`.
pub fn missing_peer<T>(notice: String) -> Option<T> {
    if env_flag(REQUIRED_VAR) {
        panic!("{notice}\n    ({REQUIRED_VAR}=1: a missing interop peer is a failure)");
    }
    let bar = "!".repeat(70);
    // Straight to the stderr handle: libtest captures `eprintln!`, and a skipped test passes, so
    // a captured notice would never be seen.
    let _ = writeln!(io::stderr(), "\n{bar}\n!!! INTEROP TEST NOT RUN: {notice}\n{bar}\n");
    if env_flag(ALLOW_SKIP_VAR) {
        return None;
    }
    panic!("{notice}\n    (set {ALLOW_SKIP_VAR}=1 to skip interop tests locally)");
}

/// A running peer process; killed when dropped.
pub struct PythonPeer {
    child: Child,
    // Held open so that a `--watch-stdin` peer runs until we drop it.
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    port: Option<u16>,
    name: String,
}

/// What a peer printed before it exited.
#[derive(Debug)]
pub struct PeerOutput {
    /// Its exit status.
    pub status: ExitStatus,
    /// Every line it printed on stdout.
    pub stdout: Vec<String>,
}

impl Python {
    fn command(&self, script: &str, args: &[&str]) -> Command {
        let mut command = Command::new(&self.path);
        command
            // The peers check with `icepeer.check`, but an optimising interpreter would also
            // drop any `assert` a new check uses.
            .env_remove("PYTHONOPTIMIZE")
            .current_dir(interop_dir())
            .arg(interop_dir().join(script))
            .arg("--watch-stdin")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        command
    }

    /// Starts a server script of `tests/interop/` and waits for its `READY <port>` line.
    pub fn spawn(&self, script: &str, args: &[&str]) -> io::Result<PythonPeer> {
        let mut peer = self.start(script, args)?;
        peer.port = Some(peer.wait_ready()?);
        Ok(peer)
    }

    /// Starts a script without waiting for anything (a client, usually).
    pub fn start(&self, script: &str, args: &[&str]) -> io::Result<PythonPeer> {
        let mut child = self.command(script, args).spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout pipe"))?;
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(PythonPeer {
            stdin: child.stdin.take(),
            child,
            lines,
            port: None,
            name: format!("{script} ({})", self.ice_version),
        })
    }

    /// Runs a script to completion (at most `timeout`) and returns what it printed.
    pub fn run(&self, script: &str, args: &[&str], timeout: Duration) -> io::Result<PeerOutput> {
        self.start(script, args)?.wait_exit(timeout)
    }
}

impl PythonPeer {
    /// The port from the `READY <port>` line (0 for a peer started with [`Python::start`]).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(0)
    }

    /// The next stdout line, or `None` if none came within `timeout` or the peer exited.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Writes to the peer's stdin.
    pub fn write_stdin(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.stdin {
            Some(stdin) => stdin.write_all(data),
            None => Err(io::Error::other("stdin already closed")),
        }
    }

    fn wait_ready(&mut self) -> io::Result<u16> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(port) = line.strip_prefix("READY ") {
                        return port.trim().parse().map_err(|_| {
                            io::Error::other(format!("{}: bad READY line {line:?}", self.name))
                        });
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(io::Error::other(format!(
                        "{}: no READY line within {READY_TIMEOUT:?}",
                        self.name
                    )))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    return Err(io::Error::other(format!(
                        "{} exited before READY ({status}); see its stderr above",
                        self.name
                    )));
                }
            }
        }
    }

    /// Closes the peer's stdin, which asks a `--watch-stdin` peer to shut down cleanly.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the peer to exit (at most `timeout`, then kills it and fails) and returns
    /// every stdout line not yet read. Call [`close_stdin`](Self::close_stdin) first to stop a
    /// server.
    pub fn wait_exit(mut self, timeout: Duration) -> io::Result<PeerOutput> {
        let deadline = Instant::now() + timeout;
        let mut stdout = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => stdout.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(io::Error::other(format!(
                        "{} still running after {timeout:?}; output so far: {stdout:?}",
                        self.name
                    )))
                }
            }
        }
        let status = self.child.wait()?;
        Ok(PeerOutput { status, stdout })
    }
}

impl Drop for PythonPeer {
    fn drop(&mut self) {
        self.stdin = None;
        // Already exited is fine; anything else we can do nothing about in a destructor.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `OK name` / `FAIL name: reason` line of `lab_client.py`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioResult {
    /// The scenario name.
    pub name: String,
    /// `None` for OK, else the reason printed after `FAIL name:`.
    pub failure: Option<String>,
}

/// Parses `lab_client.py`'s scenario lines; other lines are ignored.
pub fn parse_scenarios(lines: &[String]) -> Vec<ScenarioResult> {
    lines
        .iter()
        .filter_map(|line| {
            if let Some(name) = line.strip_prefix("OK ") {
                Some(ScenarioResult { name: name.trim().to_owned(), failure: None })
            } else {
                let rest = line.strip_prefix("FAIL ")?;
                let (name, reason) = rest.split_once(": ").unwrap_or((rest, ""));
                Some(ScenarioResult { name: name.to_owned(), failure: Some(reason.to_owned()) })
            }
        })
        .collect()
}

/// The lines `child` prints on its (piped) stdout, read by a thread of their own.
pub fn stdout_lines(
    child: &mut std::process::Child,
) -> io::Result<std::sync::mpsc::Receiver<String>> {
    use std::io::BufRead;
    let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout pipe"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_lines_are_parsed() {
        let lines: Vec<String> =
            ["READY 1", "OK ping", "FAIL mix: AssertionError: x: y", "FAIL odd"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let results = parse_scenarios(&lines);
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].name, "ping");
        assert_eq!(results[0].failure, None);
        assert_eq!(results[1].name, "mix");
        assert_eq!(results[1].failure.as_deref(), Some("AssertionError: x: y"));
        assert_eq!(results[2].name, "odd");
    }
}
