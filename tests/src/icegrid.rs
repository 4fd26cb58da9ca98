//! Running ZeroC's IceGrid registry (`icegridregistry`, Debian package `zeroc-icegrid`) as a
//! test peer on loopback, with dynamic registration on, and `icegridadmin` against it, under
//! the missing-peer policy of [`crate::peers::require_peer`].

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::{env, fs, io};

use crate::glacier2router::free_port;
use crate::peers::{missing_peer, READY_TIMEOUT};

/// The IceGrid instance name the tests use.
pub const INSTANCE_NAME: &str = "TestGrid";

/// Whether `icegridregistry` can run, or the missing-peer policy applied (`None`: skip).
pub fn require_icegrid() -> Option<()> {
    match Command::new("icegridregistry").arg("--version").stdin(Stdio::null()).output() {
        Ok(out) if out.status.success() => Some(()),
        Ok(out) => missing_peer(format!(
            "icegridregistry --version failed ({}); install zeroc-icegrid (scripts/install-peers)",
            out.status
        )),
        Err(e) => missing_peer(format!(
            "cannot run icegridregistry: {e}; install zeroc-icegrid (scripts/install-peers)"
        )),
    }
}

/// A running registry with its own database directory; killed and removed when dropped.
pub struct IceGridRegistry {
    child: Child,
    /// The port of `IceGrid.Registry.Client.Endpoints` on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    node: bool,
}

impl IceGridRegistry {
    /// Starts a registry (dynamic registration, null admin verifier, no discovery, a Glacier2
    /// session manager `TestGrid/SessionManager` that sets session filters) and returns
    /// once its client endpoints are ready.
    pub fn start() -> io::Result<IceGridRegistry> {
        IceGridRegistry::start_retrying(false)
    }

    /// Starts an IceGrid node, `node1`, with the same registry collocated
    /// (`icegridnode`, `IceGrid.Node.CollocateRegistry=1`): applications deployed with
    /// [`IceGridRegistry::admin`] (`application add`) have their servers started by it. The
    /// node runs servers as its own user, root included. Dropping it stops the node, which
    /// stops the servers it started.
    pub fn start_with_node() -> io::Result<IceGridRegistry> {
        IceGridRegistry::start_retrying(true)
    }

    fn start_retrying(node: bool) -> io::Result<IceGridRegistry> {
        // The free port is found by binding and releasing it: another process may take it
        // before the registry binds it ("Address already in use"). Try another then.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match IceGridRegistry::start_once(node) {
                Err(e) if attempt < 5 => eprintln!("icegrid did not start ({e}): again"),
                result => return result,
            }
        }
    }

    fn start_once(node: bool) -> io::Result<IceGridRegistry> {
        let port = free_port()?;
        let dir = env::temp_dir().join(format!("ice-rs-icegrid-{}-{port}", std::process::id()));
        fs::create_dir_all(dir.join("db"))?;
        let mut config = format!(
            "IceGrid.InstanceName={INSTANCE_NAME}\n\
             IceGrid.Registry.Client.Endpoints=tcp -h 127.0.0.1 -p {port}\n\
             IceGrid.Registry.Server.Endpoints=tcp -h 127.0.0.1\n\
             IceGrid.Registry.Internal.Endpoints=tcp -h 127.0.0.1\n\
             IceGrid.Registry.LMDB.Path={}\n\
             IceGrid.Registry.DynamicRegistration=1\n\
             IceGrid.Registry.SessionManager.Endpoints=tcp -h 127.0.0.1\n\
             IceGrid.Registry.SessionFilters=1\n\
             IceGrid.Registry.Discovery.Enabled=0\n\
             IceGrid.Registry.AdminPermissionsVerifier={INSTANCE_NAME}/NullPermissionsVerifier\n\
             Ice.PrintAdapterReady=1\n",
            dir.join("db").display()
        );
        let mut waiting = vec!["IceGrid.Registry.Client ready"];
        if node {
            fs::create_dir_all(dir.join("node"))?;
            config.push_str(&format!(
                "IceGrid.Node.CollocateRegistry=1\n\
                 IceGrid.Node.Name=node1\n\
                 IceGrid.Node.Endpoints=tcp -h 127.0.0.1\n\
                 IceGrid.Node.Data={}\n\
                 IceGrid.Node.AllowRunningServersAsRoot=1\n\
                 IceGrid.Node.Trace.Server=1\n\
                 Ice.Default.Locator={INSTANCE_NAME}/Locator:tcp -h 127.0.0.1 -p {port}\n",
                dir.join("node").display()
            ));
            waiting.push("IceGrid.Node ready");
        }
        let path = dir.join("registry.cfg");
        fs::write(&path, config)?;
        let program = if node { "icegridnode" } else { "icegridregistry" };
        let mut child = Command::new(program)
            .arg(format!("--Ice.Config={}", path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let rx = crate::peers::stdout_lines(&mut child)?;
        let registry = IceGridRegistry { child, port, dir, node };
        while !waiting.is_empty() {
            match rx.recv_timeout(READY_TIMEOUT) {
                Ok(line) => waiting.retain(|w| *w != line),
                Err(_) => {
                    return Err(io::Error::other(format!("{program} exited or never became ready")))
                }
            }
        }
        Ok(registry)
    }

    /// Deploys the IceGrid application described by `xml` (`application add`).
    pub fn deploy(&self, xml: &str) -> io::Result<()> {
        let path = self.dir.join(format!("app-{}.xml", self.dir.read_dir()?.count()));
        fs::write(&path, xml)?;
        self.admin(&format!("application add {}", path.display())).map(drop)
    }

    /// The locator proxy string.
    pub fn locator(&self) -> String {
        format!("{INSTANCE_NAME}/Locator:tcp -h 127.0.0.1 -p {}", self.port)
    }

    /// Runs `icegridadmin -e <command>` against this registry; fails with its output if it
    /// does not succeed.
    pub fn admin(&self, command: &str) -> io::Result<String> {
        let out = Command::new("icegridadmin")
            .arg(format!("--Ice.Default.Locator={}", self.locator()))
            .args(["-u", "test", "-p", "test", "-e", command])
            .stdin(Stdio::null())
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "icegridadmin -e {command:?} failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(text)
    }
}

impl Drop for IceGridRegistry {
    fn drop(&mut self) {
        // A node stopped by SIGTERM stops the servers it started first; one killed leaves
        // them running.
        if self.node {
            let pid = self.child.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            for _ in 0..300 {
                if !matches!(self.child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
