//! A real browser as a peer: Debian's Chromium, headless, loading a page of `tests/browser/`
//! that uses Ice for JavaScript 3.7 (npm `ice`, installed by `scripts/install-peers` into
//! `.cache/icejs`). The page's Slice is compiled with ZeroC's `slice2js` at run time; the page
//! and Ice's scripts are served from loopback, and the page posts its outcome to `/result`.
//! A missing browser, Ice for JavaScript or `slice2js` follows the policy of
//! [`crate::peers::missing_peer`].

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::peers::{missing_peer, workspace_dir};

/// What a browser test needs: Chromium, Ice for JavaScript's browser scripts and `slice2js`.
#[derive(Debug, Clone)]
pub struct Browser {
    chromium: PathBuf,
    ice_lib: PathBuf,
}

fn find(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

impl Browser {
    /// The browser peer, or `None` when the missing-peer policy allows skipping.
    pub fn require() -> Option<Browser> {
        let ice_lib = workspace_dir().join(".cache/icejs/node_modules/ice/lib");
        let chromium =
            std::env::var_os("ICE_CHROMIUM").map(PathBuf::from).or_else(|| find("chromium"));
        let missing = match (&chromium, ice_lib.join("Ice.js").is_file(), find("slice2js")) {
            (None, _, _) => "chromium not found",
            (_, false, _) => "Ice for JavaScript not found in .cache/icejs",
            (_, _, None) => "slice2js not found",
            (Some(_), true, Some(_)) => "",
        };
        if !missing.is_empty() {
            return missing_peer(format!(
                "browser peer unavailable: {missing}\n    to install it: run scripts/install-peers"
            ));
        }
        Some(Browser { chromium: chromium.unwrap_or_default(), ice_lib })
    }

    /// Serves `tests/browser/<page>` with `query`, opens it in headless Chromium and returns
    /// what the page posted to `/result` (or why nothing came within `timeout`).
    pub fn run_page(&self, page: &str, query: &str, timeout: Duration) -> String {
        let site = tempdir("ice-rs-browser");
        let here = workspace_dir().join("tests/browser");
        for entry in std::fs::read_dir(&here).expect("tests/browser") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, site.join(path.file_name().unwrap())).expect("copy page");
        }
        for script in ["Ice.js", "Glacier2.js"] {
            std::fs::copy(self.ice_lib.join(script), site.join(script))
                .expect("copy Ice for JavaScript");
        }
        let status = Command::new("slice2js")
            .arg("--output-dir")
            .arg(&site)
            .arg(here.join("Callback.ice"))
            .status()
            .expect("run slice2js");
        assert!(status.success(), "slice2js failed");

        let server = tiny_http::Server::http("127.0.0.1:0").expect("http server");
        let port = server.server_addr().to_ip().expect("ip address").port();
        let (tx, rx) = mpsc::channel();
        let root = site.clone();
        std::thread::spawn(move || serve(server, &root, tx));
        let profile = tempdir("ice-rs-chromium");
        let url = format!("http://127.0.0.1:{port}/{page}?{query}");
        let mut chromium = BrowserProcess(
            Command::new(&self.chromium)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // The test's own CA signs the router's wss certificate.
                    "--ignore-certificate-errors",
                    "--remote-debugging-port=0",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg(&url)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start chromium"),
        );
        let result = rx.recv_timeout(timeout);
        let stderr = chromium.stop();
        let _ = std::fs::remove_dir_all(&site);
        let _ = std::fs::remove_dir_all(&profile);
        match result {
            Ok(text) => text,
            Err(_) => format!("NO RESULT within {timeout:?} from {url}\nchromium said:\n{stderr}"),
        }
    }
}

/// Chromium, killed when dropped.
struct BrowserProcess(Child);

impl BrowserProcess {
    fn stop(&mut self) -> String {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let mut err = String::new();
        if let Some(mut e) = self.0.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for BrowserProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tempdir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    dir
}

/// Serves the files of `root`; the body of a `POST /result` goes to `result`.
fn serve(server: tiny_http::Server, root: &Path, result: mpsc::Sender<String>) {
    for mut request in server.incoming_requests() {
        let url = request.url().split('?').next().unwrap_or("/").to_owned();
        if url == "/result" {
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            let _ = request.respond(tiny_http::Response::from_string("thanks"));
            let _ = result.send(body);
            continue;
        }
        let name = url.trim_start_matches('/');
        let path = root.join(name);
        let response = match std::fs::read(&path) {
            Ok(data) if !name.contains("..") => {
                let kind = if name.ends_with(".js") { "text/javascript" } else { "text/html" };
                let header = tiny_http::Header::from_bytes("Content-Type", kind).expect("header");
                tiny_http::Response::from_data(data).with_header(header).boxed()
            }
            _ => tiny_http::Response::from_string("not found").with_status_code(404).boxed(),
        };
        let _ = request.respond(response);
    }
}
