//! UDP: datagram and batch datagram proxies, and object adapters with udp endpoints, on both
//! runtimes, between Rust peers and with ZeroC Ice 3.7 and 3.8 in both directions.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use ice_driver::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, Encapsulation, Endpoint,
    Error, Identity, ObjectAdapter, OperationMode, Proxy, Runtime, Servant,
};
use ice_tests::peers::{IceVersion, Python};

const SINK_ID: &str = "::DatagramTest::Sink";

/// `DatagramTest::Sink` (tests/interop/driver/Datagram.ice).
#[derive(Default)]
struct SinkI {
    count: AtomicI32,
    total: AtomicI64,
}

impl Servant for SinkI {
    fn ice_id(&self) -> &str {
        SINK_ID
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "tick" => {
                    params.expect_empty()?;
                    self.count.fetch_add(1, Ordering::SeqCst);
                    current.void()
                }
                "put" => {
                    let data: Bytes = params.decode()?;
                    self.count.fetch_add(1, Ordering::SeqCst);
                    self.total.fetch_add(data.len() as i64, Ordering::SeqCst);
                    current.void()
                }
                "getCount" => current.ok(&self.count.load(Ordering::SeqCst)),
                "getTotal" => current.ok(&self.total.load(Ordering::SeqCst)),
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

async fn count(sink: &Proxy) -> i32 {
    sink.invoke_typed("getCount", OperationMode::Idempotent, &()).await.expect("getCount")
}

async fn total(sink: &Proxy) -> i64 {
    sink.invoke_typed("getTotal", OperationMode::Idempotent, &()).await.expect("getTotal")
}

async fn put(p: &Proxy, data: Bytes) -> Result<(), Error> {
    p.invoke_typed("put", OperationMode::Normal, &data).await
}

struct Server {
    communicator: Communicator,
    adapter: ObjectAdapter,
    sink: Arc<SinkI>,
}

async fn rust_server(rt: &Arc<dyn Runtime>, endpoints: &str) -> Server {
    let communicator = Communicator::new(rt.clone());
    let adapter =
        communicator.create_object_adapter_with_endpoints("Sink", endpoints).expect("adapter");
    let sink = Arc::new(SinkI::default());
    adapter.add(Identity::new("sink"), sink.clone()).expect("add");
    adapter.activate().expect("activate");
    Server { communicator, adapter, sink }
}

fn udp_port(adapter: &ObjectAdapter) -> u16 {
    adapter
        .endpoints()
        .iter()
        .find_map(|e| match e {
            Endpoint::Udp(u) => Some(u.port),
            _ => None,
        })
        .expect("a udp endpoint")
}

/// Checks a Sink reachable through `sink` (a proxy with a tcp and a udp endpoint) the way
/// udp_client.py does: datagrams, batch datagrams, compression, the datagram limit.
async fn exercise_sink(rt: &Arc<dyn Runtime>, sink: &Proxy) {
    let datagram = sink.ice_datagram();
    assert!(datagram.ice_is_datagram());
    for _ in 0..10 {
        datagram.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    wait_until(rt, "count", || count(sink), 10).await;

    let batch = sink.ice_batch_datagram();
    for _ in 0..5 {
        put(&batch, Bytes::from(vec![b'x'; 100])).await.unwrap();
    }
    // Queued, not sent: nothing can have arrived before the flush.
    sleep(rt, Duration::from_millis(200)).await;
    assert_eq!(count(sink).await, 10, "a batch arrived before it was flushed");
    batch.ice_flush_batch_requests().await.unwrap();
    wait_until(rt, "count", || count(sink), 15).await;
    wait_until(rt, "total", || total(sink), 500).await;

    // 200 000 zero bytes do not fit in a datagram, but compressed they do (ZeroC's runtime
    // checks the limit before compressing and would refuse to send this; it receives it).
    put(&datagram.ice_compress(true), Bytes::from(vec![0u8; 200_000])).await.unwrap();
    wait_until(rt, "total", || total(sink), 200_500).await;

    let random: Vec<u8> =
        (0..70_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let too_big = put(&datagram, Bytes::from(random.clone())).await;
    assert!(matches!(too_big, Err(Error::DatagramLimit { .. })), "{too_big:?}");
    let too_big = put(&batch, Bytes::from(random)).await;
    assert!(matches!(too_big, Err(Error::DatagramLimit { .. })), "{too_big:?}");
    // Nothing of it arrived, and the datagram connection still works.
    datagram.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    wait_until(rt, "count", || count(sink), 17).await;
    assert_eq!(total(sink).await, 200_500);
}

async fn rust_to_rust(rt: Arc<dyn Runtime>) {
    let server = rust_server(&rt, "tcp -h 127.0.0.1 -p 0:udp -h 127.0.0.1 -p 0").await;
    let client = Communicator::new(rt.clone());
    let sink = client.create_proxy(Identity::new("sink"), server.adapter.endpoints().to_vec());
    exercise_sink(&rt, &sink).await;
    assert_eq!(server.sink.count.load(Ordering::SeqCst), 17);

    // Transports are chosen by mode: twoway needs tcp, datagram needs udp.
    let udp_only: Vec<Endpoint> =
        server.adapter.endpoints().iter().filter(|e| e.is_datagram()).cloned().collect();
    let tcp_only: Vec<Endpoint> =
        server.adapter.endpoints().iter().filter(|e| !e.is_datagram()).cloned().collect();
    let twoway_udp = sink.ice_endpoints(udp_only);
    assert!(matches!(twoway_udp.ice_ping().await, Err(Error::NoEndpoint(_))));
    let datagram_tcp = sink.ice_endpoints(tcp_only).ice_datagram();
    assert!(matches!(datagram_tcp.ice_ping().await, Err(Error::NoEndpoint(_))));
    // Operations that return something need a reply, which UDP cannot carry.
    let is_a = sink.ice_datagram().ice_is_a(SINK_ID).await;
    assert!(matches!(is_a, Err(Error::TwowayOnly(_))), "{is_a:?}");
    // ice_ping goes as a datagram.
    twoway_udp.ice_datagram().ice_ping().await.unwrap();
    // The datagram connection is a connection of its own, reused.
    let a = sink.ice_datagram().ice_get_connection().await.unwrap();
    let b = sink.ice_batch_datagram().ice_get_connection().await.unwrap();
    assert!(a.is_datagram() && a == b);
    assert_ne!(a, sink.ice_get_connection().await.unwrap());

    client.destroy().await;
    server.communicator.destroy().await;
}

/// Garbage datagrams are dropped; the adapter's socket keeps serving.
async fn garbage_datagrams(rt: Arc<dyn Runtime>) {
    let server = rust_server(&rt, "tcp -h 127.0.0.1 -p 0:udp -h 127.0.0.1 -p 0").await;
    let target = format!("127.0.0.1:{}", udp_port(&server.adapter));
    let raw = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut header_only = b"IceP\x01\x00\x01\x00\x00\x00".to_vec();
    header_only.extend_from_slice(&1000i32.to_le_bytes());
    for junk in
        [&b"GET / HTTP/1.1\r\n\r\n"[..], &[0u8; 3][..], &header_only[..], &[0xffu8; 1500][..]]
    {
        raw.send_to(junk, &target).unwrap();
    }
    let client = Communicator::new(rt.clone());
    let sink = client.create_proxy(Identity::new("sink"), server.adapter.endpoints().to_vec());
    sink.ice_datagram().invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    wait_until(&rt, "count", || count(&sink), 1).await;
    client.destroy().await;
    // Deactivation closes the udp socket: its port can be bound again.
    let port = udp_port(&server.adapter);
    server.adapter.deactivate().await;
    std::net::UdpSocket::bind(("127.0.0.1", port)).expect("the port was released");
    server.communicator.destroy().await;
}

/// An adapter listening on a multicast group gets the datagrams sent to the group.
async fn multicast(rt: Arc<dyn Runtime>) {
    let server = rust_server(&rt, "tcp -h 127.0.0.1 -p 0:udp -h 239.255.41.7 -p 0").await;
    let group = server.adapter.endpoints().iter().find(|e| e.is_datagram()).unwrap().to_string();
    assert!(group.starts_with("udp -h 239.255.41.7 -p "), "published as the group: {group}");
    let client = Communicator::new(rt.clone());
    let sink = client.create_proxy(Identity::new("sink"), server.adapter.endpoints().to_vec());
    let datagram = client.string_to_proxy(&format!("sink -d:{group} --ttl 1")).unwrap();
    for _ in 0..3 {
        datagram.invoke_typed::<_, ()>("tick", OperationMode::Normal, &()).await.unwrap();
    }
    wait_until(&rt, "count", || count(&sink), 3).await;
    client.destroy().await;
    server.communicator.destroy().await;
}

async fn rust_client_to_zeroc(rt: Arc<dyn Runtime>, python: Python) {
    let mut peer = start_peer(&python, "driver/udp_server.py", &[]);
    let tcp = peer.port();
    let line = peer.next_line(Duration::from_secs(30)).expect("the UDP line");
    let udp: u16 = line.strip_prefix("UDP ").and_then(|p| p.parse().ok()).expect("UDP <port>");
    let client = Communicator::new(rt.clone());
    let sink = client
        .string_to_proxy(&format!("sink:tcp -h 127.0.0.1 -p {tcp}:udp -h 127.0.0.1 -p {udp}"))
        .unwrap();
    assert!(sink.ice_is_a(SINK_ID).await.unwrap());
    exercise_sink(&rt, &sink).await;
    client.destroy().await;
}

async fn zeroc_client_to_rust(rt: Arc<dyn Runtime>, python: Python) {
    let server = rust_server(&rt, "tcp -h 127.0.0.1 -p 0:udp -h 127.0.0.1 -p 0").await;
    let endpoints: Vec<String> = server.adapter.endpoints().iter().map(|e| e.to_string()).collect();
    let proxy = format!("sink:{}", endpoints.join(":"));
    let out = run_peer(&python, "driver/udp_client.py", &["--proxy", &proxy]).await;
    assert!(out.status.success(), "ZeroC client failed: {:?}", out.stdout);
    for check in ["datagram", "batch datagram", "compressed datagram", "datagram limit"] {
        assert!(
            out.stdout.iter().any(|l| l == &format!("OK {check}")),
            "{check}: {:?}",
            out.stdout
        );
    }
    assert_eq!(server.sink.count.load(Ordering::SeqCst), 16);
    assert_eq!(server.sink.total.load(Ordering::SeqCst), 60_500);
    server.communicator.destroy().await;
}

on_both_runtimes!(rust_to_rust, garbage_datagrams, multicast);

macro_rules! interop {
    ($($name:ident: $version:expr, $runner:ident, $scenario:ident;)*) => {
        $(
            #[test]
            fn $name() {
                let Some(python) = python_for($version) else { return };
                $runner(move |rt| $scenario(rt, python));
            }
        )*
    };
}

interop! {
    tokio_client_to_zeroc_37: IceVersion::V37, on_tokio, rust_client_to_zeroc;
    async_std_client_to_zeroc_38: IceVersion::V38, on_async_std, rust_client_to_zeroc;
    zeroc_37_client_to_async_std: IceVersion::V37, on_async_std, zeroc_client_to_rust;
    zeroc_38_client_to_tokio: IceVersion::V38, on_tokio, zeroc_client_to_rust;
}
