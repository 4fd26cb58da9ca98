//! `Glacier2.CryptPasswords` files made by the tools sites use: ZeroC's `icehashpassword`
//! (PyPI `zeroc-icehashpassword`: SHA-512 and SHA-256 crypt, 656,000 rounds by default),
//! passlib's PBKDF2 hashes (what `icehashpassword` makes on macOS and Windows), and
//! `openssl passwd -1/-5/-6`. Each must accept its password and refuse another.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use glacier::crypt::CryptPasswords;
use ice_tests::peers::{missing_peer, workspace_dir};

fn venv() -> Option<PathBuf> {
    let dir = workspace_dir().join(".cache/icehashpassword-venv/bin");
    if dir.join("icehashpassword").exists() {
        Some(dir)
    } else {
        missing_peer(format!("{} has no icehashpassword: run scripts/install-peers", dir.display()))
    }
}

fn run(program: &PathBuf, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{} {args:?} failed", program.display());
    String::from_utf8(out.stdout).unwrap().trim().lines().last().unwrap_or("").to_owned()
}

fn check(hash: &str) {
    let file = CryptPasswords::parse(&format!("userid {hash}\n"), "test").unwrap();
    assert!(file.check("userid", "abc123"), "{hash} refused its password");
    assert!(!file.check("userid", "abc124"), "{hash} accepted another password");
    assert!(!file.check("other", "abc123"));
}

#[test]
fn hashes_made_by_icehashpassword() {
    let Some(bin) = venv() else { return };
    let tool = bin.join("icehashpassword");
    let default = run(&tool, &[], "abc123\r\n");
    assert!(default.starts_with("$6$"), "{default}");
    check(&default);
    let sha256 = run(&tool, &["-d", "sha256"], "abc123\r\n");
    assert!(sha256.starts_with("$5$"), "{sha256}");
    check(&sha256);
    let rounds = run(&tool, &["-r", "20000"], "abc123\r\n");
    assert!(rounds.contains("rounds=20000"), "{rounds}");
    check(&rounds);
}

#[test]
fn passlib_pbkdf2_hashes() {
    let Some(bin) = venv() else { return };
    let python = bin.join("python");
    for scheme in ["pbkdf2_sha1", "pbkdf2_sha256", "pbkdf2_sha512"] {
        let script = format!("import passlib.hash as h; print(h.{scheme}.hash('abc123'))");
        let hash = run(&python, &["-c", &script], "");
        assert!(hash.starts_with("$pbkdf2"), "{hash}");
        check(&hash);
    }
}

#[test]
fn openssl_passwd_hashes() {
    for flag in ["-1", "-5", "-6"] {
        let out =
            Command::new("openssl").args(["passwd", flag, "abc123"]).output().expect("openssl");
        assert!(out.status.success());
        check(String::from_utf8(out.stdout).unwrap().trim());
    }
}
