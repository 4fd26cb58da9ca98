//! The client of ZeroC's "bidir" demo (`Demo::CallbackReceiver`).
//!
//! Shared by the `bidir_client` examples of `ice-driver-tokio` and `ice-driver-async-std`, which
//! only pick the runtime.
//!
//! Checks that `sender:tcp -h localhost -p 10000` is a `Demo::CallbackSender`, creates an
//! object adapter with no endpoints holding a receiver, attaches it to the connection to the
//! server, and registers the receiver with `addClient`; the server then calls it back over that
//! connection, and each callback prints `received callback #<num>`.

use std::sync::Arc;

use ice_driver::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, Encapsulation, ObjectAdapter,
    OperationMode, Servant,
};

/// The `Demo::CallbackReceiver` servant: hands each number to a function.
pub struct CallbackReceiverI<F> {
    on_callback: F,
}

impl<F: Fn(i32) + Send + Sync + 'static> Servant for CallbackReceiverI<F> {
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
                    let num: i32 = params.decode()?;
                    (self.on_callback)(num);
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

/// Registers a receiver calling `on_callback` with the sender `proxy`; returns the adapter
/// that holds the receiver.
pub async fn run(
    communicator: &Communicator,
    proxy: &str,
    on_callback: impl Fn(i32) + Send + Sync + 'static,
) -> Result<ObjectAdapter, Box<dyn std::error::Error + Send + Sync>> {
    let server = communicator.string_to_proxy(proxy)?;
    if !server.ice_is_a("::Demo::CallbackSender").await? {
        return Err("invalid proxy: not a ::Demo::CallbackSender".into());
    }
    // An adapter with no name and no endpoints, reachable only over bidirectional
    // connections.
    let adapter = communicator.create_object_adapter("")?;
    let receiver = adapter.add_with_uuid(Arc::new(CallbackReceiverI { on_callback }))?;
    adapter.activate()?;
    server.ice_get_connection().await?.set_adapter(Some(adapter.clone()));
    server.invoke("addClient", OperationMode::Normal, receiver.to_encapsulation()?).await?;
    Ok(adapter)
}

/// The example's `main`, on whichever runtime `communicator` uses.
pub async fn main(
    communicator: Communicator,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let proxy =
        std::env::args().nth(1).unwrap_or_else(|| "sender:tcp -h localhost -p 10000".to_owned());
    run(&communicator, &proxy, |num| println!("received callback #{num}")).await?;
    // Receive callbacks until the process is stopped (Ctrl-C).
    std::future::pending::<()>().await;
    Ok(())
}
