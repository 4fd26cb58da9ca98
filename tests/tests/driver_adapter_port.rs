//! An adapter's port after `destroy`: refused at once, and free to be bound again, as a
//! server restarted on a fixed port needs. A test binary of its own, running one runtime after
//! the other: a server of another test in the same process could otherwise be given the port
//! the moment it is free, and the check would be of that server.

#[macro_use]
mod common;

use std::sync::Arc;

use common::*;
use ice_driver::{Communicator, Endpoint, Identity, OperationMode, Runtime};

async fn destroyed_adapter_frees_its_port(rt: Arc<dyn Runtime>) {
    let first = Communicator::new(rt.clone());
    let adapter = first.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.activate().unwrap();
    let port = match &adapter.endpoints()[0] {
        Endpoint::Tcp(ip) => ip.port,
        other => panic!("{other}"),
    };
    first.destroy().await;
    let refused = std::net::TcpStream::connect(("127.0.0.1", port));
    assert_eq!(
        refused.map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionRefused)
    );
    let again = Communicator::new(rt.clone());
    let endpoint = format!("tcp -h 127.0.0.1 -p {port}");
    let adapter = again.create_object_adapter_with_endpoints("", &endpoint).unwrap();
    let hello = HelloI::new();
    adapter.add(Identity::new("hello"), hello.clone()).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let proxy = client.string_to_proxy(&format!("hello:{endpoint}")).unwrap();
    proxy.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    assert_eq!(hello.count.load(std::sync::atomic::Ordering::SeqCst), 1);
    client.destroy().await;
    again.destroy().await;
}

#[test]
fn destroyed_adapter_frees_its_port_on_each_runtime() {
    on_tokio(destroyed_adapter_frees_its_port);
    on_async_std(destroyed_adapter_frees_its_port);
}
