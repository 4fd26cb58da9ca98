//! ZeroC Ice for Java 3.7 peers (`tests/interop/java/`): Debian's `libzeroc-ice3.7-java` jars
//! and `slice2java` (`scripts/install-peers`), with the machine's JDK. A client is compiled
//! once per test process, with the Java code `slice2java` makes of `tests/interop/slice/`.
//! A missing JDK, jar or `slice2java` follows the policy of [`crate::peers::require_peer`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// Where Debian puts Ice for Java's jars.
const JARS: &str = "/usr/share/java";

/// A compiled Java client and the class path to run it.
#[derive(Debug, Clone)]
pub struct Java {
    classpath: String,
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// The jar `name-<version>.jar` of Ice for Java 3.7, if installed.
fn jar(name: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(JARS).ok()?;
    entries.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            n.starts_with(&format!("{name}-3.7")) && n.ends_with(".jar") && !n.contains("compat")
        })
    })
}

fn run(command: &mut Command) -> Result<Output, String> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!("{command:?}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Compiles the Java peers (`tests/interop/java/*.java` with `slice2java` of `Hello.ice`).
fn build() -> Result<Java, String> {
    let ice = jar("ice").ok_or("no ice-3.7*.jar in /usr/share/java")?;
    let glacier2 = jar("glacier2").ok_or("no glacier2-3.7*.jar in /usr/share/java")?;
    let classpath_jars = format!("{}:{}", ice.display(), glacier2.display());
    let out = std::env::temp_dir().join(format!("ice-rs-java-{}", std::process::id()));
    let (generated, classes) = (out.join("generated"), out.join("classes"));
    std::fs::create_dir_all(&generated).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&classes).map_err(|e| e.to_string())?;
    let slice = interop_dir().join("slice");
    run(Command::new("slice2java")
        .arg("--output-dir")
        .arg(&generated)
        .arg(format!("-I{}", slice.display()))
        .arg(slice.join("Hello.ice")))?;
    let mut sources = Vec::new();
    for dir in [generated.join("Lab"), interop_dir().join("java")] {
        for e in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            if p.extension().is_some_and(|x| x == "java") {
                sources.push(p);
            }
        }
    }
    run(Command::new("javac")
        .arg("-nowarn")
        .arg("-cp")
        .arg(&classpath_jars)
        .arg("-d")
        .arg(&classes)
        .args(&sources))?;
    Ok(Java { classpath: format!("{}:{classpath_jars}", classes.display()) })
}

/// The Java peers, compiled on first use; `None` (or a panic, in CI) if Java or Ice for Java
/// is missing.
pub fn require_java() -> Option<Java> {
    static BUILT: OnceLock<Result<Java, String>> = OnceLock::new();
    match BUILT.get_or_init(build) {
        Ok(java) => Some(java.clone()),
        Err(reason) => crate::peers::missing_peer(format!(
            "Ice for Java 3.7 peer unavailable: {reason}\n    to install it: scripts/install-peers"
        )),
    }
}

impl Java {
    /// Runs the Java class `main` with `args` to completion; returns its exit status and stdout.
    /// Killed, and an error, if it has not exited within `timeout`.
    pub fn run(
        &self,
        main: &str,
        args: &[&str],
        timeout: std::time::Duration,
    ) -> std::io::Result<crate::peers::PeerOutput> {
        let child = Command::new("java")
            .arg("-cp")
            .arg(&self.classpath)
            .arg(main)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let out = match rx.recv_timeout(timeout) {
            Ok(out) => out?,
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
                return Err(std::io::Error::other(format!(
                    "{main} still running after {timeout:?}"
                )));
            }
        };
        let stdout = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
        Ok(crate::peers::PeerOutput { status: out.status, stdout })
    }
}
