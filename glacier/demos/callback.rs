//! ZeroC's Glacier2 "callback" demo (ice-demos 3.7, `Glacier2/callback`), in Rust, shared by the
//! `callback_server` and `callback_client` examples (`--runtime tokio|async-std`).
//!
//! The Slice is `slice/Callback.ice`; `generated/Callback.rs` is what slice2rs makes of it.
//!
//! The server serves `callback` on `tcp -h localhost -p 10000` (adapter `Callback.Server`).
//! The client goes through the router `DemoGlacier2/router:tcp -h localhost -p 4063` (the
//! `glacier` command's default configuration), creates a session, registers
//! `<category>/callbackReceiver` on a routed adapter and reads the demo's commands from stdin:
//! `t` twoway, `o` oneway, `O` batch oneway, `f` flush, `v` toggle `_ovrd`, `F` toggle a fake
//! category, `s` shut the server down, `x` exit.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use ice_driver::glacier2::SessionRouter;
use ice_driver::{
    Communicator, Context, Current, DispatchError, Identity, ObjectAdapter, Properties,
};

// `Demo::Callback` and `Demo::CallbackReceiver`, from slice/Callback.ice (slice2rs).
include!("generated/Callback.rs");

/// The router the client uses unless told otherwise.
pub const DEFAULT_ROUTER: &str = "DemoGlacier2/router:tcp -h localhost -p 4063";
/// The server's object.
pub const DEFAULT_CALLBACK: &str = "callback:tcp -h localhost -p 10000";

/// `Demo::Callback`: calls the receiver back.
struct CallbackI {
    communicator: Communicator,
}

impl demo::Callback for CallbackI {
    async fn initiate_callback(
        &self,
        receiver: Option<demo::CallbackReceiverPrx>,
        current: &Current,
    ) -> Result<(), DispatchError> {
        let receiver = receiver.ok_or(DispatchError::ObjectNotExist)?;
        println!("initiating callback to: {}", receiver.proxy());
        // The request's context (with `_fwd`) goes on to the router.
        match receiver.callback_with_context(&current.context).await {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!("callback failed: {e}");
                // As ZeroC's demo server, which lets the exception propagate.
                Err(match e {
                    ice_driver::Error::ObjectNotExist { .. } => DispatchError::ObjectNotExist,
                    e => DispatchError::UnknownLocal(e.to_string()),
                })
            }
        }
    }

    async fn shutdown(&self, _current: &Current) -> Result<(), DispatchError> {
        println!("shutting down...");
        self.communicator.shutdown();
        Ok(())
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
        demo::CallbackServant::new(CallbackI { communicator: communicator.clone() }),
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

impl demo::CallbackReceiver for CallbackReceiverI {
    async fn callback(&self, _current: &Current) -> Result<(), DispatchError> {
        println!("received callback");
        RECEIVED.fetch_add(1, Ordering::SeqCst);
        Ok(())
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
    adapter.add(receiver.clone(), demo::CallbackReceiverServant::new(CallbackReceiverI))?;
    adapter.add(fake.clone(), demo::CallbackReceiverServant::new(CallbackReceiverI))?;
    adapter.activate()?;
    let base = communicator.string_to_proxy(callback)?;
    let twoway = demo::CallbackPrx::unchecked_cast(base.clone());
    let oneway = demo::CallbackPrx::unchecked_cast(base.ice_oneway());
    let batch = demo::CallbackPrx::unchecked_cast(base.ice_batch_oneway());
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
        let proxy = adapter.create_proxy(target.clone())?;
        let twoway_receiver = demo::CallbackReceiverPrx::unchecked_cast(proxy.clone());
        let oneway_receiver = demo::CallbackReceiverPrx::unchecked_cast(proxy.ice_oneway());
        match command.trim() {
            "t" => call(&twoway, &twoway_receiver, context("t")).await,
            "o" => call(&oneway, &oneway_receiver, context("o")).await,
            "O" => call(&batch, &oneway_receiver, context("O")).await,
            "f" => batch.proxy().ice_flush_batch_requests().await?,
            "v" => {
                override_value =
                    if override_value.is_empty() { "some_value".into() } else { String::new() };
                println!("override context field is now `{override_value}'");
            }
            "F" => {
                target = if target == receiver { fake.clone() } else { receiver.clone() };
                println!("callback receiver is now `{target}'");
            }
            "s" => twoway.shutdown().await?,
            "x" => break,
            "" => {}
            other => println!("unknown command `{other}'"),
        }
    }
    session.destroy_session().await?;
    communicator.destroy().await;
    Ok(())
}

/// `initiateCallback(receiver)`; like ZeroC's demo client, a failure is printed, not fatal.
async fn call(
    callback: &demo::CallbackPrx,
    receiver: &demo::CallbackReceiverPrx,
    context: Context,
) {
    if let Err(e) = callback.initiate_callback_with_context(Some(receiver), &context).await {
        println!("initiateCallback failed: {e}");
    }
}
