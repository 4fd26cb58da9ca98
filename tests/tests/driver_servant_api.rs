//! What a servant that calls out gets from the API: `Current::communicator()` to make
//! proxies, and `?` on a call's error, which passes the failure on to its own caller as
//! ZeroC's runtime does. Runs on tokio and async-std.

#[macro_use]
mod common;

use std::sync::Arc;

use common::*;
use ice_driver::{
    Communicator, Current, DispatchError, Error, FnServant, Identity, OperationMode, Runtime,
};

/// `relay(target, operation)`: calls `operation` (no parameters, no result) on the proxy
/// string `target`, made with the dispatching communicator, and lets its error escape with `?`.
async fn relay(current: Current, params: ice_driver::Encapsulation) -> ice_driver::DispatchResult {
    let (target, operation): (String, String) = params.decode()?;
    let communicator = current.communicator().ok_or(DispatchError::ObjectNotExist)?;
    let proxy = communicator.string_to_proxy(&target)?;
    let answer: String = proxy.invoke_typed(&operation, OperationMode::Normal, "x").await?;
    current.ok(&answer)
}

async fn a_servant_passes_on_the_failures_of_its_calls(rt: Arc<dyn Runtime>) {
    let server = Communicator::new(rt.clone());
    let adapter = server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    adapter.add(Identity::new("relay"), FnServant::new("::Test::Relay", relay)).unwrap();
    adapter.activate().unwrap();
    let endpoint = adapter.endpoints()[0].to_string();
    let client = Communicator::new(rt.clone());
    let relay = client.string_to_proxy(&format!("relay:{endpoint}")).unwrap();
    let call = |target: String, operation: &str| {
        let relay = relay.clone();
        let operation = operation.to_owned();
        async move {
            relay
                .invoke_typed::<_, String>("relay", OperationMode::Normal, &(target, operation))
                .await
        }
    };
    let hello = format!("hello:{endpoint}");
    let typed = client.string_to_proxy(&hello).unwrap();
    assert!(typed.checked_cast(HELLO_ID).await.unwrap().is_some());
    assert!(typed.checked_cast("::Other::Type").await.unwrap().is_none());
    assert_eq!(call(hello.clone(), "sayHello").await.unwrap(), "Hello, x!");
    // "fail" expects (int, string): the nested call's marshal failure comes back as the
    // relay's UnknownLocalException.
    assert!(matches!(call(hello.clone(), "fail").await, Err(Error::UnknownLocal(_))));
    assert!(matches!(
        call(format!("nobody:{endpoint}"), "sayHello").await,
        Err(Error::ObjectNotExist { .. })
    ));
    assert!(matches!(
        call(hello.clone(), "noSuchOperation").await,
        Err(Error::OperationNotExist { .. })
    ));
    match call("hello:tcp -h 127.0.0.1 -p 1".into(), "sayHello").await {
        Err(Error::UnknownLocal(text)) => assert!(text.contains("connect"), "{text}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(call("not a proxy ::".into(), "sayHello").await, Err(Error::UnknownLocal(_))));
    client.destroy().await;
    server.destroy().await;
}

/// A user exception raised by the nested call reaches the relay's caller unchanged.
async fn a_nested_user_exception_is_relayed(rt: Arc<dyn Runtime>) {
    let server = Communicator::new(rt.clone());
    let adapter = server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("hello"), HelloI::new()).unwrap();
    let boom_relay = FnServant::new("::Test::Relay", |current: Current, _params| async move {
        let communicator = current.communicator().ok_or(DispatchError::ObjectNotExist)?;
        let endpoint = current.adapter.as_ref().map(|a| a.endpoints()[0].to_string());
        let hello = communicator.string_to_proxy(&format!("hello:{}", endpoint.unwrap()))?;
        hello.invoke_typed::<_, ()>("fail", OperationMode::Normal, &(7, "nested")).await?;
        current.void()
    });
    adapter.add(Identity::new("relay"), boom_relay).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let relay = client.string_to_proxy(&format!("relay:{}", adapter.endpoints()[0])).unwrap();
    let error = relay.invoke_typed::<_, ()>("go", OperationMode::Normal, &()).await.unwrap_err();
    assert_eq!(expect_boom(&error), (7, "nested".to_owned()));
    client.destroy().await;
    server.destroy().await;
}

/// Wraps a servant and keeps the context of every call, `ice_isA` included, as ZeroC's
/// Ice/proxy test server does by overriding `ice_isA`.
struct ContextKeeper {
    inner: Arc<dyn ice_driver::Servant>,
    seen: std::sync::Mutex<Vec<(String, ice_driver::Context)>>,
}

impl ice_driver::Servant for ContextKeeper {
    fn ice_id(&self) -> &str {
        self.inner.ice_id()
    }

    fn ice_ids(&self) -> Vec<String> {
        self.inner.ice_ids()
    }

    fn dispatches_builtins(&self) -> bool {
        true
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: ice_driver::Encapsulation,
    ) -> ice_driver::runtime::BoxFuture<'a, ice_driver::DispatchResult> {
        let seen = (current.operation.clone(), current.context.clone());
        self.seen.lock().unwrap().push(seen);
        match ice_driver::dispatch_builtin(self.inner.as_ref(), current, &params) {
            Some(answer) => Box::pin(async move { answer }),
            None => self.inner.dispatch(current, params),
        }
    }
}

async fn a_servant_can_see_the_builtin_operations(rt: Arc<dyn Runtime>) {
    let server = Communicator::new(rt.clone());
    let adapter = server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    let keeper = Arc::new(ContextKeeper { inner: HelloI::new(), seen: Default::default() });
    adapter.add(Identity::new("hello"), keeper.clone()).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let context: ice_driver::Context = [("one".to_owned(), "hello".to_owned())].into();
    let hello = client
        .create_proxy(Identity::new("hello"), adapter.endpoints())
        .ice_context(context.clone());
    let type_id = ice_driver::Servant::ice_id(keeper.inner.as_ref()).to_owned();
    assert!(hello.ice_is_a(&type_id).await.unwrap());
    assert!(!hello.ice_is_a("::Nope").await.unwrap());
    hello.ice_ping().await.unwrap();
    let seen = keeper.seen.lock().unwrap().clone();
    let ops: Vec<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(ops, ["ice_isA", "ice_isA", "ice_ping"]);
    assert!(seen.iter().all(|(_, c)| *c == context), "{seen:?}");
    client.destroy().await;
    server.destroy().await;
}

/// `DispatchError::user` writes the format the dispatch asks for in `Current::format`
/// (slice2rs's dispatchers set it for `["format:sliced"]`): compact unless told.
async fn user_exceptions_are_written_in_the_current_format(rt: Arc<dyn Runtime>) {
    use ice_proto::value::{encode_user_exception, SlicedFormat};
    let server = Communicator::new(rt.clone());
    let adapter = server.create_object_adapter_with_endpoints("", "tcp -h 127.0.0.1 -p 0").unwrap();
    let raise = FnServant::new("::Test::Raise", |current: Current, _params| async move {
        let mut current = current;
        if current.operation == "sliced" {
            current.format = SlicedFormat::Sliced;
        }
        Err(DispatchError::user(&Boom { code: 1, reason: "r".into() }, &current))
    });
    adapter.add(Identity::new("raise"), raise).unwrap();
    adapter.activate().unwrap();
    let client = Communicator::new(rt.clone());
    let proxy = client.string_to_proxy(&format!("raise:{}", adapter.endpoints()[0])).unwrap();
    let boom = Boom { code: 1, reason: "r".into() };
    for (operation, format) in
        [("compact", SlicedFormat::Compact), ("sliced", SlicedFormat::Sliced)]
    {
        let error = proxy.invoke_typed::<_, ()>(operation, OperationMode::Normal, &()).await;
        let Err(Error::UserException(encaps)) = error else { panic!("{error:?}") };
        assert_eq!(encaps, encode_user_exception(&boom, encaps.encoding, format), "{operation}");
    }
    client.destroy().await;
    server.destroy().await;
}

on_both_runtimes!(
    a_servant_passes_on_the_failures_of_its_calls,
    a_nested_user_exception_is_relayed,
    a_servant_can_see_the_builtin_operations,
    user_exceptions_are_written_in_the_current_format
);
