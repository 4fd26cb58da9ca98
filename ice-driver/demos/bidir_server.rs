//! The server of ZeroC's "bidir" demo (`Demo::CallbackSender`).
//!
//! Shared by the `bidir_server` examples of `ice-driver-tokio` and `ice-driver-async-std`, which
//! only pick the runtime.
//!
//! Serves `sender` on `tcp -h localhost -p 10000`. Clients call `addClient` with a receiver
//! that has no endpoints; the server calls `callback(num)` on every receiver every two
//! seconds over the connection that client opened (a bidirectional connection), and drops a
//! receiver whose call fails.
//!
//! The Slice is `slice/Bidir.ice`; `generated/Bidir.rs` is what slice2rs makes of it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ice_driver::{string_to_identity, Communicator, Current, DispatchError, Error, ObjectAdapter};

// `Demo::CallbackSender` and `Demo::CallbackReceiver`, from slice/Bidir.ice (slice2rs).
include!("generated/Bidir.rs");

/// The `Demo::CallbackSender` servant: the receivers added so far.
#[derive(Default, Clone)]
pub struct CallbackSenderI {
    clients: Arc<Mutex<Vec<demo::CallbackReceiverPrx>>>,
}

impl demo::CallbackSender for CallbackSenderI {
    async fn add_client(
        &self,
        receiver: Option<demo::CallbackReceiverPrx>,
        current: &Current,
    ) -> Result<(), DispatchError> {
        if let Some(receiver) = receiver {
            println!("adding client `{}'", receiver.proxy().ice_get_identity());
            // Call it back over the connection this request came in on.
            let fixed = receiver.proxy().ice_fixed(current.connection.clone());
            if let Ok(mut clients) = self.clients.lock() {
                clients.push(demo::CallbackReceiverPrx::unchecked_cast(fixed));
            }
        }
        Ok(())
    }
}

impl CallbackSenderI {
    /// Calls every receiver every `interval` with a growing number, until the communicator
    /// is destroyed.
    pub async fn run(self, communicator: Communicator, interval: Duration) {
        let rt = communicator.runtime().clone();
        let mut num = 0;
        while !communicator.is_destroyed() {
            rt.sleep_until(rt.now() + interval).await;
            let clients = self.clients.lock().map(|c| c.clone()).unwrap_or_default();
            if clients.is_empty() {
                continue;
            }
            num += 1;
            for client in clients {
                let sender = self.clone();
                rt.spawn(Box::pin(async move {
                    if let Err(e) = client.callback(num).await {
                        sender.remove(&client, &e);
                    }
                }));
            }
        }
    }

    fn remove(&self, client: &demo::CallbackReceiverPrx, error: &Error) {
        eprintln!("removing client `{}': {error}", client.proxy().ice_get_identity());
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|c| c.proxy() != client.proxy());
        }
    }
}

/// Creates the adapter `Callback.Server` on `endpoints` with the servant `sender`, activates
/// it, and starts calling receivers back every `interval`.
pub fn start(
    communicator: &Communicator,
    endpoints: &str,
    interval: Duration,
) -> Result<ObjectAdapter, Error> {
    let adapter =
        communicator.create_object_adapter_with_endpoints("Callback.Server", endpoints)?;
    let sender = CallbackSenderI::default();
    adapter.add(string_to_identity("sender")?, demo::CallbackSenderServant::new(sender.clone()))?;
    adapter.activate()?;
    communicator.runtime().spawn(Box::pin(sender.run(communicator.clone(), interval)));
    Ok(adapter)
}

/// The example's `main`, on whichever runtime `communicator` uses.
pub async fn main(communicator: Communicator) -> Result<(), Box<dyn std::error::Error>> {
    let endpoints =
        std::env::args().nth(1).unwrap_or_else(|| "tcp -h localhost -p 10000".to_owned());
    let adapter = start(&communicator, &endpoints, Duration::from_secs(2))?;
    for e in adapter.endpoints() {
        println!("listening on {e}");
    }
    // Serve until the process is stopped (Ctrl-C).
    std::future::pending::<()>().await;
    Ok(())
}
