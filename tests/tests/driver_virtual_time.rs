//! The driver's timeouts in virtual time (`ice_tests::memnet`): a paused tokio clock and
//! in-memory connections, so that the server's read timeout, inactivity timeout, close
//! timeout and a long dispatch play out in milliseconds, at exactly the virtual instants the
//! configuration says, the same way on every run.

#[macro_use]
mod common;

use std::time::Duration;

use common::*;
use ice_driver::{Communicator, Endpoint, Error, OperationMode};
use ice_tests::memnet;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::time::Instant;

const VALIDATE_CONNECTION: u8 = 3;
const CLOSE_CONNECTION: u8 = 4;

/// Reads Ice messages from a hand-driven peer until the server closes the pipe: each
/// message's type and when it arrived, then when the pipe closed (relative to `start`).
async fn read_until_closed(
    mut io: DuplexStream,
    start: Instant,
) -> (Vec<(u8, Duration)>, Duration) {
    let mut messages = Vec::new();
    let mut header = [0u8; 14];
    loop {
        if io.read_exact(&mut header).await.is_err() {
            return (messages, start.elapsed());
        }
        let size = i32::from_le_bytes([header[10], header[11], header[12], header[13]]);
        let mut body = vec![0u8; usize::try_from(size).unwrap_or(14).saturating_sub(14)];
        if io.read_exact(&mut body).await.is_err() {
            return (messages, start.elapsed());
        }
        messages.push((header[8], start.elapsed()));
    }
}

fn port_of(endpoint: &Endpoint) -> u16 {
    match endpoint {
        Endpoint::Tcp(ip) => ip.port,
        other => panic!("not a TCP endpoint: {other}"),
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn server_timeouts_play_out_at_their_virtual_instants() {
    memnet::run(|net| async move {
        let rt = net.runtime();
        // 1.5 s for a message stuck half-way, 2 s of inactivity before a graceful close.
        let server = Communicator::with_properties(
            rt.clone(),
            properties(&[
                ("Ice.Default.Timeout", "1500"),
                ("Ice.Connection.Server.InactivityTimeout", "2"),
            ]),
        );
        let (servant, port) = serve_hello(&server);
        let start = Instant::now();

        let idle: Vec<_> = (0..50)
            .map(|_| spawn(&rt, read_until_closed(net.connect_raw(port).unwrap(), start)))
            .collect();
        let mut stalled = net.connect_raw(port).unwrap();
        let mut partial = vec![b'I', b'c', b'e', b'P', 1, 0, 1, 0, 0, 0];
        partial.extend_from_slice(&1000i32.to_le_bytes());
        partial.extend_from_slice(&[0u8; 20]);
        stalled.write_all(&partial).await.unwrap();
        let stalled = spawn(&rt, read_until_closed(stalled, start));
        let mut garbage = net.connect_raw(port).unwrap();
        garbage.write_all(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n").await.unwrap();
        let garbage = spawn(&rt, read_until_closed(garbage, start));

        // A dispatch longer than both timeouts, alone on its connection: neither aborted nor
        // closed as inactive.
        let client = Communicator::new(rt.clone());
        let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
        let slow_client = Communicator::new(rt.clone());
        let slow = slow_client.string_to_proxy(&hello.to_string()).unwrap();
        let blocked = spawn(&rt, async move {
            slow.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await
        });
        // A connection in use every 500 ms for four times the inactivity timeout stays open.
        let greet = |p: &ice_driver::Proxy, n: i32| {
            let p = p.clone();
            async move {
                p.invoke_typed::<_, String>("sayHello", OperationMode::Normal, &n.to_string()).await
            }
        };
        assert_eq!(greet(&hello, 0).await.unwrap(), "Hello, 0!");
        let busy = hello.ice_get_connection().await.unwrap();
        for i in 1..=16 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(greet(&hello, i).await.unwrap(), format!("Hello, {i}!"));
        }
        assert_eq!(hello.ice_get_connection().await.unwrap(), busy);
        assert!(!busy.is_closed(), "{:?}", busy.close_reason());

        // Garbage: aborted at once, with no CloseConnection.
        let (messages, closed) = garbage.await.unwrap();
        assert!(messages.iter().all(|(t, _)| *t == VALIDATE_CONNECTION), "{messages:?}");
        assert_eq!(closed, Duration::ZERO);
        // Stalled half-way: aborted when the read timeout (1.5 s) runs out, no CloseConnection.
        let (messages, closed) = stalled.await.unwrap();
        assert_eq!(messages.iter().map(|m| m.0).collect::<Vec<_>>(), vec![VALIDATE_CONNECTION]);
        assert!(closed >= secs(1.5) && closed < secs(1.6), "aborted at {closed:?}");
        // Idle: CloseConnection after 2 s of inactivity, then, as these peers never close
        // their end, aborted when the close timeout (10 s) runs out.
        for peer in idle {
            let (messages, closed) = peer.await.unwrap();
            let kinds: Vec<u8> = messages.iter().map(|m| m.0).collect();
            assert_eq!(kinds, vec![VALIDATE_CONNECTION, CLOSE_CONNECTION]);
            let close_sent = messages[1].1;
            assert!(close_sent >= secs(2.0) && close_sent < secs(3.0), "closed at {close_sent:?}");
            assert!(closed >= close_sent + secs(10.0), "aborted at {closed:?}");
        }
        // The long dispatch has run for over 8 s of virtual time; released, it completes.
        servant.release(1);
        blocked.await.unwrap().unwrap();
        assert!(start.elapsed() >= secs(8.0));
        client.destroy().await;
        slow_client.destroy().await;
        server.destroy().await;
    });
}

/// Serves a `HelloI` as `hello` on a new adapter of `server`; the servant, and the port the
/// adapter listens on.
fn serve_hello(server: &Communicator) -> (std::sync::Arc<HelloI>, u16) {
    let adapter =
        server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
    let servant = HelloI::new();
    adapter.add(ice_driver::Identity::new("hello"), servant.clone()).unwrap();
    adapter.activate().unwrap();
    (servant, port_of(&adapter.endpoints()[0]))
}

#[test]
fn invocation_timeout_and_retry_intervals_in_virtual_time() {
    memnet::run(|net| async move {
        let rt = net.runtime();
        let server = Communicator::new(rt.clone());
        let (_, port) = serve_hello(&server);
        let client = Communicator::with_properties(
            rt.clone(),
            properties(&[("Ice.RetryIntervals", "0 1000 5000")]),
        );
        // An invocation timeout ends a call that does not return, at exactly that instant.
        let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
        let start = Instant::now();
        let impatient = hello.ice_invocation_timeout(Some(Duration::from_millis(750)));
        let r = impatient.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await;
        assert_eq!(r, Err(Error::InvocationTimeout));
        assert_eq!(start.elapsed(), Duration::from_millis(750));
        // Nothing listens on the next port: the connection is refused at once, and retried
        // after 0, 1 and 5 s (Ice.RetryIntervals) before the failure is reported.
        let nobody =
            client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {}", port + 1000)).unwrap();
        let start = Instant::now();
        let r = nobody.ice_ping().await;
        assert!(matches!(r, Err(Error::ConnectFailed { .. })), "{r:?}");
        assert_eq!(start.elapsed(), Duration::from_secs(6));
        client.destroy().await;
        server.destroy().await;
    });
}

/// Busy-polling connections and callers on a clock that does not move while tasks run:
/// polling ends after `MAX_PROBES` empty probes, so virtual time still passes, timeouts
/// fire at their instants, and replies arrive.
#[test]
fn busy_polling_ends_when_the_clock_stands_still() {
    memnet::run(|net| async move {
        let rt = ice_driver::runtime::BusyPoll::wrap(net.runtime(), Duration::from_secs(3600));
        let server = Communicator::new(rt.clone());
        let (_, port) = serve_hello(&server);
        let client = Communicator::new(rt.clone());
        let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
        for i in 0..3 {
            let name = format!("poll {i}");
            let greeting: String =
                hello.invoke_typed("sayHello", OperationMode::Normal, &name).await.unwrap();
            assert_eq!(greeting, format!("Hello, {name}!"));
        }
        let start = Instant::now();
        let impatient = hello.ice_invocation_timeout(Some(Duration::from_millis(750)));
        let r = impatient.invoke_typed::<_, ()>("block", OperationMode::Normal, &()).await;
        assert_eq!(r, Err(Error::InvocationTimeout));
        assert_eq!(start.elapsed(), Duration::from_millis(750));
        client.destroy().await;
        server.destroy().await;
    });
}

/// A locator whose `findAdapterById` takes 500 ms (virtual) to answer, and counts its calls.
fn slow_locator(
    adapter: &ice_driver::ObjectAdapter,
    backend: String,
) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let locator = ice_driver::FnServant::new(
        "::Ice::Locator",
        move |current: ice_driver::Current, params| {
            let (counted, backend) = (counted.clone(), backend.clone());
            async move {
                let _id: String = params.decode()?;
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(500)).await;
                let found: ice_driver::ProxyData = format!("dummy:{backend}").parse().unwrap();
                current.ok(&Some(found))
            }
        },
    );
    adapter.add(ice_driver::Identity::new("locator"), locator).unwrap();
    calls
}

#[test]
fn stale_locator_answers_are_refreshed_in_the_background_when_asked() {
    memnet::run(|net| async move {
        let rt = net.runtime();
        let server = Communicator::new(rt.clone());
        let adapter =
            server.create_object_adapter_with_endpoints("Test", "tcp -h 127.0.0.1 -p 0").unwrap();
        adapter.add(ice_driver::Identity::new("hello"), HelloI::new()).unwrap();
        let endpoint = adapter.endpoints()[0].to_string();
        let calls = slow_locator(&adapter, endpoint.clone());
        adapter.activate().unwrap();
        let locator = format!("locator:{endpoint}");
        for background in ["0", "1"] {
            let client = Communicator::with_properties(
                rt.clone(),
                properties(&[
                    ("Ice.Default.Locator", &locator),
                    ("Ice.Default.LocatorCacheTimeout", "2"),
                    ("Ice.BackgroundLocatorCacheUpdates", background),
                ]),
            );
            let before = calls.load(std::sync::atomic::Ordering::SeqCst);
            let hello = client.string_to_proxy("hello@X").unwrap().ice_connection_cached(false);
            let start = Instant::now();
            hello.ice_ping().await.unwrap();
            assert_eq!(start.elapsed(), Duration::from_millis(500), "first resolution");
            // Fresh: no call.
            let start = Instant::now();
            hello.ice_ping().await.unwrap();
            assert_eq!(start.elapsed(), Duration::ZERO);
            tokio::time::sleep(Duration::from_secs(3)).await;
            // Stale: asked again, in the background (the ping does not wait) or not.
            let start = Instant::now();
            hello.ice_ping().await.unwrap();
            let waited = start.elapsed();
            if background == "1" {
                assert_eq!(waited, Duration::ZERO, "waited for a background update");
                tokio::time::sleep(Duration::from_secs(1)).await;
            } else {
                assert_eq!(waited, Duration::from_millis(500), "did not ask again");
            }
            assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst) - before, 2);
            client.destroy().await;
        }
        server.destroy().await;
    });
}

/// A caller waiting for the reply to the request it wrote may be the one the socket wakes
/// (`Runtime::reads_in_caller`, as on async-std). Once it gives up, the connection reads on
/// its own again: it takes in the late reply, then reads the server's CloseConnection at
/// once and closes, instead of leaving the server to wait out its close timeout (10 s).
#[test]
fn a_caller_that_gives_up_leaves_the_connection_reading() {
    use std::sync::atomic::Ordering::SeqCst;
    memnet::run(|net| async move {
        let rt = net.runtime_reading_in_caller();
        let server = Communicator::new(rt.clone());
        let (servant, port) = serve_hello(&server);
        let client = Communicator::new(rt.clone());
        let hello = client.string_to_proxy(&format!("hello:tcp -h 127.0.0.1 -p {port}")).unwrap();
        let connection = hello.ice_get_connection().await.unwrap();
        hello.ice_ping().await.unwrap();
        // A lone twoway: written, then read for, by its caller; abandoned while it waits.
        {
            let call = hello.invoke_typed::<_, ()>("block", OperationMode::Normal, &());
            let started =
                wait_for(&rt, "block() started", || async { servant.blocked.load(SeqCst) }, 1);
            tokio::select! {
                r = call => panic!("block() returned {r:?} while blocked"),
                () = started => {}
            }
        }
        servant.release(1);
        wait_for(&rt, "block() finished", || async { servant.unblocked.load(SeqCst) }, 1).await;
        let start = Instant::now();
        tokio::select! {
            (_, ()) = async { tokio::join!(connection.closed(), server.destroy()) } => {}
            () = tokio::time::sleep(secs(60.0)) => panic!("the client never read the close"),
        }
        assert!(connection.is_closed());
        assert!(start.elapsed() < secs(1.0), "closed after {:?}", start.elapsed());
        client.destroy().await;
    });
}
