//! Connections give back everything they held: 1,000 connections opened and closed, three
//! times over, and 200 raw sockets that connect and go away without a byte, leave
//! `ice_driver::live_connections()` where it started, on tokio and on async-std. (One test:
//! the count is process-wide.)

#[macro_use]
mod common;

use std::sync::Arc;

use common::*;
use ice_driver::{live_connections, Communicator, Identity, Runtime};

/// Waits (polling, up to ~10 s) until every connection beyond `baseline` is gone.
async fn wait_for_release(rt: &Arc<dyn Runtime>, baseline: usize) {
    for _ in 0..1000 {
        if live_connections() == baseline {
            return;
        }
        sleep(rt, std::time::Duration::from_millis(10)).await;
    }
    panic!("{} connections still held, {baseline} expected", live_connections());
}

async fn open_and_close_rounds(rt: Arc<dyn Runtime>) {
    let baseline = live_connections();
    let server = Communicator::new(rt.clone());
    let adapter = server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.activate().unwrap();
    let endpoint = adapter.endpoints()[0].to_string();
    for round in 0..3 {
        let client = Communicator::new(rt.clone());
        let base = client.string_to_proxy(&format!("hello:{endpoint}")).unwrap();
        // One connection per connection id.
        for i in 0..1000 {
            base.ice_connection_id(format!("{round}-{i}")).ice_ping().await.unwrap();
        }
        assert!(live_connections() >= baseline + 2000, "client and server sides");
        client.destroy().await;
        wait_for_release(&rt, baseline).await;
    }
    // Raw sockets that never send a byte, then close.
    let port = match &adapter.endpoints()[0] {
        ice_driver::Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    let raw: Vec<_> =
        (0..200).map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    wait_until(&rt, "accepted", || async { adapter.connections().len().min(200) }, 200).await;
    drop(raw);
    wait_for_release(&rt, baseline).await;
    server.destroy().await;
    assert_eq!(live_connections(), baseline);
}

#[test]
fn connections_give_back_what_they_held() {
    on_tokio(open_and_close_rounds);
    on_async_std(open_and_close_rounds);
}
