//! `--daemon`, `--noclose`, `--nochdir` and `--pidfile FILE`, as ZeroC's `Ice::Service` takes
//! them on Unix: the router detaches from its terminal (a new session, forked twice), works
//! in `/` unless `--nochdir`, and writes its process id to the pid file. The command that
//! started it returns only once the router is ready (status 0), or once it failed to start
//! (status 1, "failure occurred in daemon"), so an init script can rely on its status.
//! Until then the router's messages still reach the terminal; once it is ready its standard
//! input, output and error go to `/dev/null`, unless `--noclose`.
//!
//! [`Daemon::start`] forks: call it before any thread exists (before a runtime starts).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

/// The daemon options of the command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DaemonOptions {
    /// `--daemon`.
    pub daemonize: bool,
    /// Not `--noclose`: standard input, output and error go to `/dev/null` once ready.
    pub close_files: bool,
    /// Not `--nochdir`: the daemon works in `/`.
    pub change_directory: bool,
    /// `--pidfile FILE`.
    pub pid_file: Option<PathBuf>,
}

impl DaemonOptions {
    /// Takes the daemon options out of `args` (the program name first), with ZeroC's rules:
    /// `--noclose` and `--pidfile` only with `--daemon`, `--pidfile` followed by a file.
    pub fn take(args: &mut Vec<String>) -> Result<DaemonOptions, String> {
        let mut options =
            DaemonOptions { close_files: true, change_directory: true, ..Default::default() };
        let mut i = 1;
        while i < args.len() {
            match args[i].as_str() {
                "--daemon" => options.daemonize = true,
                "--noclose" => options.close_files = false,
                "--nochdir" => options.change_directory = false,
                "--pidfile" => {
                    if i + 1 >= args.len() {
                        return Err("--pidfile must be followed by an argument".into());
                    }
                    options.pid_file = Some(PathBuf::from(args.remove(i + 1)));
                }
                _ => {
                    i += 1;
                    continue;
                }
            }
            args.remove(i);
        }
        if !options.close_files && !options.daemonize {
            return Err("--noclose must be used with --daemon".into());
        }
        if options.pid_file.is_some() && !options.daemonize {
            return Err("--pidfile <file> must be used with --daemon".into());
        }
        Ok(options)
    }
}

/// The daemon's side of the hand-over: [`Daemon::ready`] lets the starting command return.
pub struct Daemon {
    ready: UnixStream,
    close_files: bool,
}

impl Daemon {
    /// Detaches from the terminal. Returns only in the daemon; the starting process waits
    /// for [`Daemon::ready`] (exit status 0) or for the daemon to exit first (status 1).
    /// Call it while the process has a single thread, before any runtime or logger starts:
    /// only the calling thread survives a fork.
    pub fn start(options: &DaemonOptions) -> Result<Daemon, String> {
        let describe = |what: &str, e: std::io::Error| format!("{what}: {e}");
        // Absolute before the directory changes, so that a relative pid file lands where
        // the operator meant.
        let pid_file = match &options.pid_file {
            Some(p) => Some(std::path::absolute(p).map_err(|e| describe("--pidfile", e))?),
            None => None,
        };
        let (mut waiting, ready) = UnixStream::pair().map_err(|e| describe("socketpair", e))?;
        match fork::fork().map_err(|e| describe("fork", e))? {
            fork::Fork::Parent(_) => {
                drop(ready);
                let mut byte = [1u8];
                let status = loop {
                    match waiting.read(&mut byte) {
                        Ok(1) if byte[0] == 0 => break 0,
                        Ok(_) => {
                            eprintln!("glacier: failure occurred in daemon");
                            break 1;
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            eprintln!("glacier: {e}");
                            break 1;
                        }
                    }
                };
                std::process::exit(status);
            }
            fork::Fork::Child => {}
        }
        drop(waiting);
        fork::setsid().map_err(|e| describe("setsid", e))?;
        // Forked again, the daemon is no session leader and can never acquire a terminal.
        match fork::fork().map_err(|e| describe("fork", e))? {
            fork::Fork::Parent(_) => std::process::exit(0),
            fork::Fork::Child => {}
        }
        if options.change_directory {
            std::env::set_current_dir("/").map_err(|e| describe("chdir /", e))?;
        }
        if let Some(path) = pid_file {
            if let Err(e) = std::fs::write(&path, format!("{}\n", std::process::id())) {
                eprintln!("glacier: warning: could not write PID file {}: {e}", path.display());
            }
        }
        Ok(Daemon { ready, close_files: options.close_files })
    }

    /// The router is ready: the starting command returns with status 0, and standard input,
    /// output and error go to `/dev/null` (unless `--noclose`).
    pub fn ready(mut self) {
        if self.close_files {
            if let Err(e) = fork::redirect_stdio() {
                tracing::warn!("cannot redirect standard input and output to /dev/null: {e}");
            }
        }
        let _ = self.ready.write_all(&[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(args: &[&str]) -> Result<(DaemonOptions, Vec<String>), String> {
        let mut args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        DaemonOptions::take(&mut args).map(|o| (o, args))
    }

    #[test]
    fn daemon_options_follow_ice_service_rules() {
        let (options, rest) =
            take(&["glacier", "--daemon", "--Ice.Config=x", "--pidfile", "p", "--nochdir"])
                .unwrap();
        assert!(options.daemonize && options.close_files && !options.change_directory);
        assert_eq!(options.pid_file, Some(PathBuf::from("p")));
        assert_eq!(rest, ["glacier", "--Ice.Config=x"]);
        let (options, _) = take(&["glacier"]).unwrap();
        assert!(!options.daemonize);
        assert!(take(&["glacier", "--noclose"]).unwrap_err().contains("with --daemon"));
        assert!(take(&["glacier", "--pidfile", "p"]).unwrap_err().contains("with --daemon"));
        assert!(take(&["glacier", "--daemon", "--pidfile"]).unwrap_err().contains("followed"));
    }
}
