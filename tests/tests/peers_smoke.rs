//! Proves the peer harness and the ZeroC Python peers against each other (Python ↔ Python):
//! every scenario that Rust ↔ ZeroC tests will use must already pass between two ZeroC peers.

use std::time::Duration;

use ice_tests::peers::{parse_scenarios, require_peer, IceVersion, Python};

const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

fn lab_client_scenario_names(python: &Python) -> Vec<String> {
    let out =
        python.run("lab_client.py", &["--list"], CLIENT_TIMEOUT).expect("lab_client.py --list");
    assert!(out.status.success(), "lab_client.py --list: {}", out.status);
    out.stdout
}

fn lab_client_against_lab_server(version: IceVersion) {
    let Some(python) = require_peer(version) else {
        return;
    };
    let server = python.spawn("lab_server.py", &[]).expect("lab_server.py");
    assert_ne!(server.port(), 0);
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", server.port());
    let out =
        python.run("lab_client.py", &["--proxy", &proxy], CLIENT_TIMEOUT).expect("lab_client.py");
    let results = parse_scenarios(&out.stdout);
    let failed: Vec<_> = results.iter().filter(|r| r.failure.is_some()).collect();
    assert!(failed.is_empty(), "failed scenarios: {failed:#?}");
    assert!(out.status.success(), "lab_client.py exited with {}", out.status);

    // Every scenario but `shutdown` ran, so none can silently disappear from the list.
    let ran: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    let expected: Vec<String> =
        lab_client_scenario_names(&python).into_iter().filter(|name| name != "shutdown").collect();
    assert_eq!(ran, expected);
    assert!(ran.contains(&"callback_bidir") && ran.contains(&"batch_oneway"));

    // `shutdown` stops the server: its process exits by itself.
    let out = python
        .run("lab_client.py", &["--proxy", &proxy, "--scenarios", "shutdown"], CLIENT_TIMEOUT)
        .expect("lab_client.py shutdown");
    assert_eq!(out.stdout, ["OK shutdown"]);
    let exited = server.wait_exit(CLIENT_TIMEOUT).expect("lab_server.py exit");
    assert!(exited.status.success(), "lab_server.py exited with {}", exited.status);
}

fn demo_hello(version: IceVersion) {
    let Some(python) = require_peer(version) else {
        return;
    };
    let endpoints = "tcp -h 127.0.0.1 -p 0";
    let mut server = python
        .spawn("demo_hello_server.py", &["--endpoints", endpoints])
        .expect("demo_hello_server.py");
    let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", server.port());
    let out = python
        .run("demo_hello_client.py", &["--proxy", &proxy, "--count", "2"], CLIENT_TIMEOUT)
        .expect("demo_hello_client.py");
    assert!(out.status.success(), "demo_hello_client.py exited with {}", out.status);
    for _ in 0..2 {
        let line = server.next_line(CLIENT_TIMEOUT);
        assert_eq!(line.as_deref(), Some("Hello World!"));
    }
}

fn demo_bidir(version: IceVersion) {
    let Some(python) = require_peer(version) else {
        return;
    };
    let args = ["--endpoints", "tcp -h 127.0.0.1 -p 0", "--interval", "0.2"];
    let server = python.spawn("demo_bidir_server.py", &args).expect("demo_bidir_server.py");
    let proxy = format!("sender:tcp -h 127.0.0.1 -p {}", server.port());
    let out = python
        .run("demo_bidir_client.py", &["--proxy", &proxy, "--count", "3"], CLIENT_TIMEOUT)
        .expect("demo_bidir_client.py");
    assert!(out.status.success(), "demo_bidir_client.py exited with {}", out.status);
    assert_eq!(out.stdout.last().map(String::as_str), Some("OK 3 callbacks"));
}

#[test]
fn ice37_lab_client_against_lab_server() {
    lab_client_against_lab_server(IceVersion::V37);
}

#[test]
fn ice37_demo_hello() {
    demo_hello(IceVersion::V37);
}

#[test]
fn ice37_demo_bidir() {
    demo_bidir(IceVersion::V37);
}

#[test]
fn ice38_lab_client_against_lab_server() {
    lab_client_against_lab_server(IceVersion::V38);
}

#[test]
fn ice38_demo_hello() {
    demo_hello(IceVersion::V38);
}

#[test]
fn ice38_demo_bidir() {
    demo_bidir(IceVersion::V38);
}

#[test]
fn cross_version_lab_clients_and_servers() {
    let (Some(v37), Some(v38)) = (require_peer(IceVersion::V37), require_peer(IceVersion::V38))
    else {
        return;
    };
    for (server_python, client_python) in [(&v37, &v38), (&v38, &v37)] {
        let server = server_python.spawn("lab_server.py", &[]).expect("lab_server.py");
        let proxy = format!("hello:tcp -h 127.0.0.1 -p {}", server.port());
        let out = client_python
            .run("lab_client.py", &["--proxy", &proxy], CLIENT_TIMEOUT)
            .expect("lab_client.py");
        let results = parse_scenarios(&out.stdout);
        let failed: Vec<_> = results.iter().filter(|r| r.failure.is_some()).collect();
        assert!(
            failed.is_empty() && out.status.success() && !results.is_empty(),
            "{} client against {} server: {failed:#?}",
            client_python.ice_version,
            server_python.ice_version
        );
    }
}

#[test]
fn dropping_a_peer_kills_it() {
    let Some(python) = require_peer(IceVersion::V37) else {
        return;
    };
    let server = python.spawn("lab_server.py", &[]).expect("lab_server.py");
    let address = ("127.0.0.1", server.port());
    assert!(std::net::TcpStream::connect(address).is_ok(), "server not listening");
    drop(server);
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "port still accepting after the peer was dropped"
    );
}
