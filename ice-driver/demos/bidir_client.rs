//! The client of ZeroC's "bidir" demo (`Demo::CallbackReceiver`).
//!
//! Shared by the `bidir_client` examples of `ice-driver-tokio` and `ice-driver-async-std`, which
//! only pick the runtime.
//!
//! Checks that `sender:tcp -h localhost -p 10000` is a `Demo::CallbackSender`, creates an
//! object adapter with no endpoints holding a receiver, attaches it to the connection to the
//! server, and registers the receiver with `addClient`; the server then calls it back over that
//! connection, and each callback prints `received callback #<num>`.

use ice_driver::{Communicator, Current, DispatchError, ObjectAdapter};

// `Demo::CallbackSender` and `Demo::CallbackReceiver`, from slice/Bidir.ice (slice2rs).
include!("generated/Bidir.rs");

/// The `Demo::CallbackReceiver` servant: hands each number to a function.
pub struct CallbackReceiverI<F> {
    on_callback: F,
}

impl<F: Fn(i32) + Send + Sync + 'static> demo::CallbackReceiver for CallbackReceiverI<F> {
    async fn callback(&self, num: i32, _current: &Current) -> Result<(), DispatchError> {
        (self.on_callback)(num);
        Ok(())
    }
}

/// Registers a receiver calling `on_callback` with the sender `proxy`; returns the adapter
/// that holds the receiver.
pub async fn run(
    communicator: &Communicator,
    proxy: &str,
    on_callback: impl Fn(i32) + Send + Sync + 'static,
) -> Result<ObjectAdapter, Box<dyn std::error::Error + Send + Sync>> {
    let base = communicator.string_to_proxy(proxy)?;
    let Some(server) = demo::CallbackSenderPrx::checked_cast(&base).await? else {
        return Err("invalid proxy: not a ::Demo::CallbackSender".into());
    };
    // An adapter with no name and no endpoints, reachable only over bidirectional
    // connections.
    let adapter = communicator.create_object_adapter("")?;
    let servant = demo::CallbackReceiverServant::new(CallbackReceiverI { on_callback });
    let receiver = demo::CallbackReceiverPrx::unchecked_cast(adapter.add_with_uuid(servant)?);
    adapter.activate()?;
    server.proxy().ice_get_connection().await?.set_adapter(Some(adapter.clone()));
    server.add_client(Some(&receiver)).await?;
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
