//! ZeroC's Glacier2 "callback" demo (ice-demos 3.7, `Glacier2/callback`), in Rust, shared by the
//! `callback_server` and `callback_client` examples (`--runtime tokio|async-std`).
//!
//! ```slice
//! module Demo {
//!     interface CallbackReceiver { void callback(); }
//!     interface Callback { void initiateCallback(CallbackReceiver* proxy); void shutdown(); }
//! }
//! ```
//!
//! The server serves `callback` on `tcp -h localhost -p 10000` (adapter `Callback.Server`).
//! The client goes through the router `DemoGlacier2/router:tcp -h localhost -p 4063` (the
//! `glacier` command's default configuration), creates a session, registers
//! `<category>/callbackReceiver` on a routed adapter and reads the demo's commands from stdin:
//! `t` twoway, `o` oneway, `O` batch oneway, `f` flush, `v` toggle `_ovrd`, `F` toggle a fake
//! category, `s` shut the server down, `x` exit.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ice_driver::glacier2::SessionRouter;
use ice_driver::{
    BoxFuture, Communicator, Context, Current, DispatchError, DispatchResult, Encapsulation,
    Identity, ObjectAdapter, OperationMode, Properties, Proxy, Servant,
};

/// The router the client uses unless told otherwise.
pub const DEFAULT_ROUTER: &str = "DemoGlacier2/router:tcp -h localhost -p 4063";
/// The server's object.
pub const DEFAULT_CALLBACK: &str = "callback:tcp -h localhost -p 10000";

/// `Demo::Callback`: calls the receiver back.
struct CallbackI {
    communicator: Communicator,
}

impl Servant for CallbackI {
    fn ice_id(&self) -> &str {
        "::Demo::Callback"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "initiateCallback" => {
                    let receiver = self
                        .communicator
                        .proxy_from_encapsulation(&params)
                        .map_err(|e| DispatchError::UnknownLocal(e.to_string()))?
                        .ok_or(DispatchError::ObjectNotExist)?;
                    println!("initiating callback to: {receiver}");
                    // The request's context (with `_fwd`) goes on to the router.
                    let receiver = receiver.ice_context(current.context.clone());
                    let empty = Encapsulation::empty(receiver.ice_get_encoding_version());
                    match receiver.invoke("callback", OperationMode::Normal, empty).await {
                        Ok(_) => current.void(),
                        Err(e) => {
                            eprintln!("callback failed: {e}");
                            // As ZeroC's demo server, which lets the exception propagate.
                            Err(match e {
                                ice_driver::Error::ObjectNotExist { .. } => {
                                    DispatchError::ObjectNotExist
                                }
                                e => DispatchError::UnknownLocal(e.to_string()),
                            })
                        }
                    }
                }
                "shutdown" => {
                    params.expect_empty()?;
                    println!("shutting down...");
                    self.communicator.shutdown();
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// Serves `callback` on `endpoints` (adapter `Callback.Server`).
pub fn start_server(
    communicator: &Communicator,
    endpoints: &str,
) -> Result<ObjectAdapter, ice_driver::Error> {
    let adapter =
        communicator.create_object_adapter_with_endpoints("Callback.Server", endpoints)?;
    adapter.add(
        Identity::new("callback"),
        Arc::new(CallbackI { communicator: communicator.clone() }),
    )?;
    adapter.activate()?;
    Ok(adapter)
}

/// The server: `callback` on `endpoints`, until a client calls `shutdown`.
pub async fn server(communicator: Communicator, endpoints: &str) -> Result<(), ice_driver::Error> {
    let adapter = start_server(&communicator, endpoints)?;
    for e in adapter.endpoints() {
        println!("listening on {e}");
    }
    communicator.wait_for_shutdown().await;
    communicator.destroy().await;
    Ok(())
}

/// How many callbacks this process's receivers got (for the demo's tests).
pub static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// `Demo::CallbackReceiver`.
struct CallbackReceiverI;

impl Servant for CallbackReceiverI {
    fn ice_id(&self) -> &str {
        "::Demo::CallbackReceiver"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "callback" => {
                    params.expect_empty()?;
                    println!("received callback");
                    RECEIVED.fetch_add(1, Ordering::SeqCst);
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// The client's properties: the router as `Ice.Default.Router`.
pub fn client_properties(router: &str) -> Properties {
    let mut p = Properties::new();
    p.set("Ice.Default.Router", router).expect("router property");
    p
}

/// The client: a session as `user`, then the demo's commands, one per item of `commands`.
pub async fn client(
    communicator: Communicator,
    router: &str,
    callback: &str,
    user: &str,
    commands: impl Iterator<Item = String>,
) -> Result<(), ice_driver::Error> {
    let router = communicator.string_to_proxy(router)?.ice_router(None);
    let session = SessionRouter::new(&router);
    session.create_session(user, "").await?;
    let category = session.get_category_for_client().await?;
    let adapter = communicator.create_object_adapter_with_router("", &router).await?;
    let receiver = Identity::with_category(category, "callbackReceiver");
    let fake = Identity::with_category("fake", "callbackReceiver");
    adapter.add(receiver.clone(), Arc::new(CallbackReceiverI))?;
    adapter.add(fake.clone(), Arc::new(CallbackReceiverI))?;
    adapter.activate()?;
    let twoway = communicator.string_to_proxy(callback)?;
    let batch = twoway.ice_batch_oneway();
    let mut override_value = String::new();
    let mut target = receiver.clone();
    println!("session created; commands: t o O f v F s x");
    for command in commands {
        let context = |fwd: &str| -> Context {
            let mut c = Context::new();
            c.insert("_fwd".into(), fwd.into());
            if !override_value.is_empty() {
                c.insert("_ovrd".into(), override_value.clone());
            }
            c
        };
        let receiver_proxy: Proxy = adapter.create_proxy(target.clone())?;
        match command.trim() {
            "t" => call(&twoway, &receiver_proxy, context("t")).await?,
            "o" => call(&twoway.ice_oneway(), &receiver_proxy.ice_oneway(), context("o")).await?,
            "O" => call(&batch, &receiver_proxy.ice_oneway(), context("O")).await?,
            "f" => batch.ice_flush_batch_requests().await?,
            "v" => {
                override_value =
                    if override_value.is_empty() { "some_value".into() } else { String::new() };
                println!("override context field is now `{override_value}'");
            }
            "F" => {
                target = if target == receiver { fake.clone() } else { receiver.clone() };
                println!("callback receiver is now `{target}'");
            }
            "s" => twoway
                .invoke(
                    "shutdown",
                    OperationMode::Normal,
                    Encapsulation::empty(twoway.ice_get_encoding_version()),
                )
                .await
                .map(|_| ())?,
            "x" => break,
            "" => {}
            other => println!("unknown command `{other}'"),
        }
    }
    session.destroy_session().await?;
    communicator.destroy().await;
    Ok(())
}

async fn call(
    callback: &Proxy,
    receiver: &Proxy,
    context: Context,
) -> Result<(), ice_driver::Error> {
    let params = Encapsulation::build(callback.ice_get_encoding_version(), |out| {
        ice_proto::Encode::encode(&Some(receiver.data().clone()), out);
    });
    match callback
        .invoke_with_context("initiateCallback", OperationMode::Normal, params, &context)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            println!("initiateCallback failed: {e}");
            Ok(())
        }
    }
}
