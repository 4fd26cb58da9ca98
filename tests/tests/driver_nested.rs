//! Nested invocations: servants that call other servers, themselves, and back the client
//! during a dispatch, on tokio's multi-threaded and current-thread runtimes and on async-std;
//! and a destroyed communicator closing its connections gracefully.

mod common;

use std::future::Future;
use std::sync::Arc;

use common::*;
use ice_driver::{
    Communicator, DispatchError, Error, FnServant, Identity, OperationMode, Proxy, Runtime,
};

async fn relay_depth(p: &Proxy, depth: i32) -> Result<String, Error> {
    p.invoke_typed("relay", OperationMode::Normal, &depth).await
}

/// `relay(depth)`: at 0 asks the third server for a greeting and calls the client back over
/// the incoming connection; above 0 calls itself (through its own endpoints) with depth - 1.
async fn nested_invocations(rt: Arc<dyn Runtime>) {
    // The third server.
    let third = Communicator::new(rt.clone());
    let third_adapter =
        third.create_object_adapter_with_endpoints("Third", "tcp -h 127.0.0.1 -p 0").unwrap();
    third_adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    third_adapter.activate().unwrap();
    let third_hello = format!("hello:{}", third_adapter.endpoints()[0]);

    let middle = Communicator::new(rt.clone());
    let adapter =
        middle.create_object_adapter_with_endpoints("Middle", "tcp -h 127.0.0.1 -p 0").unwrap();
    let myself = format!("relay:{}", adapter.endpoints()[0]);
    let hello = middle.string_to_proxy(&third_hello).unwrap();
    let me = middle.string_to_proxy(&myself).unwrap();
    let relay = FnServant::new("::Test::Relay", move |current, params| {
        let (hello, me) = (hello.clone(), me.clone());
        async move {
            let fail = |e: Error| DispatchError::UnknownLocal(e.to_string());
            let depth: i32 = params.decode()?;
            if depth > 0 {
                let inner = relay_depth(&me, depth - 1).await.map_err(fail)?;
                return current.ok(&format!("{depth}>{inner}"));
            }
            let greeting: String = hello
                .invoke_typed("sayHello", OperationMode::Normal, "middle")
                .await
                .map_err(fail)?;
            let receiver = current
                .connection
                .create_proxy(Identity::new("receiver"))
                .map_err(|e| DispatchError::UnknownLocal(format!("no fixed proxy: {e}")))?;
            let back: String = receiver
                .invoke_typed("notify", OperationMode::Normal, "deep")
                .await
                .map_err(fail)?;
            current.ok(&format!("{greeting}|{back}"))
        }
    });
    adapter.add(Identity::new("relay"), relay).unwrap();
    adapter.activate().unwrap();

    let client = Communicator::new(rt.clone());
    let callbacks = client.create_object_adapter_with_endpoints("", "").unwrap();
    callbacks
        .add(
            Identity::new("receiver"),
            Arc::new(ReceiverI { prefix: "client".into(), connections: Default::default() }),
        )
        .unwrap();
    client.set_default_object_adapter(Some(callbacks));
    let relay = client.string_to_proxy(&myself).unwrap();
    // At depth 0 the middle server calls back the client directly.
    assert_eq!(relay_depth(&relay, 0).await.unwrap(), "Hello, middle!|client:deep");
    // Deeper, the innermost dispatch's caller is the middle server itself, which has no
    // receiver: the failure travels back up intact.
    let err = relay_depth(&relay, 3).await.unwrap_err();
    assert!(matches!(&err, Error::UnknownLocal(m) if m.contains("does not exist")), "{err:?}");
    // Several at once, interleaved on the same connections.
    let calls: Vec<_> = (0..8).map(|_| relay_depth(&relay, 0)).collect();
    for result in join_all(calls).await {
        assert_eq!(result.unwrap(), "Hello, middle!|client:deep");
    }

    // The client's destroy closes its connection gracefully: the server sees CloseConnection.
    let local = relay.ice_get_connection().await.unwrap().local_addr();
    let incoming = adapter
        .connections()
        .into_iter()
        .find(|c| c.remote_addr() == local)
        .expect("the client's connection on the server side");
    client.destroy().await;
    let reason = incoming.closed().await;
    assert!(matches!(reason, Error::CloseConnection), "{reason:?}");
    middle.destroy().await;
    third.destroy().await;
}

/// Polls all `futures` together, returning their outputs in order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *output = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("completed")).collect()
}

/// Runs a scenario on a single-threaded tokio runtime, where a blocked task would stall
/// everything.
fn on_tokio_current_thread<F, Fut>(scenario: F)
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _guard = rt.enter();
    let runtime = ice_driver_tokio::TokioRuntime::shared();
    rt.block_on(scenario(runtime));
}

#[test]
fn nested_on_tokio() {
    on_tokio(nested_invocations);
}

#[test]
fn nested_on_tokio_current_thread() {
    on_tokio_current_thread(nested_invocations);
}

#[test]
fn nested_on_async_std() {
    on_async_std(nested_invocations);
}
