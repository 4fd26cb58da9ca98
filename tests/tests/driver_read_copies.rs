//! A large message is read into the room reserved for it once its header has arrived: the
//! driver's read buffer never grows (and so never copies what it already holds) part-way
//! through a message. Before, the last read of every message larger than 64 KiB asked for a
//! full 64 KiB past that room, and the buffer copied the whole message to make it.

#[macro_use]
mod common;

use bytes::Bytes;
use common::*;
use ice_driver::{Communicator, Endpoint, Identity, OperationMode};
use ice_tests::memnet;

#[test]
fn large_messages_are_read_without_copying_the_read_buffer() {
    memnet::run(|net| async move {
        let rt = net.runtime();
        let limit = properties(&[("Ice.MessageSizeMax", "8192")]);
        let server = Communicator::with_properties(rt.clone(), limit.clone());
        let adapter =
            server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
        adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
        adapter.activate().unwrap();
        let port = match &adapter.endpoints()[0] {
            Endpoint::Tcp(ip) => ip.port,
            other => panic!("not a TCP endpoint: {other}"),
        };
        let client = Communicator::with_properties(rt.clone(), limit);
        let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
        hello.ice_ping().await.unwrap();
        let before = net.read_copies();
        // Sizes just past a multiple of 64 KiB, just short of one, and not near one.
        for size in [4 * 1024 * 1024 + 10, 1024 * 1024 - 10, 3_000_017] {
            let big: Bytes = (0..size).map(|i| (i % 251) as u8).collect::<Vec<_>>().into();
            let back: Bytes =
                hello.invoke_typed("echo", OperationMode::Normal, &big).await.unwrap();
            assert_eq!(back, big);
        }
        // Six large messages were read (three requests, three replies). Small ones may
        // still grow their buffer, at a cost of a few KiB each.
        let copied = net.read_copies() - before;
        assert!(copied < 64 * 1024, "{copied} bytes copied by read buffers growing");
        client.destroy().await;
        server.destroy().await;
    });
}
