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
//! ```slice
//! module Demo {
//!     interface CallbackReceiver { void callback(int num); }
//!     interface CallbackSender { void addClient(CallbackReceiver* receiver); }
//! }
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ice_driver::{
    string_to_identity, BoxFuture, Communicator, Current, DispatchError, DispatchResult,
    Encapsulation, Error, ObjectAdapter, OperationMode, Proxy, Servant,
};

/// The `Demo::CallbackSender` servant: the receivers added so far.
#[derive(Default)]
pub struct CallbackSenderI {
    clients: Mutex<Vec<Proxy>>,
}

impl Servant for CallbackSenderI {
    fn ice_id(&self) -> &str {
        "::Demo::CallbackSender"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "addClient" => {
                    let communicator = current
                        .adapter
                        .as_ref()
                        .and_then(|a| a.communicator())
                        .ok_or_else(|| DispatchError::UnknownLocal("no communicator".into()))?;
                    let receiver = communicator
                        .proxy_from_encapsulation(&params)
                        .map_err(|e| DispatchError::UnknownLocal(e.to_string()))?;
                    if let Some(receiver) = receiver {
                        println!("adding client `{}'", receiver.ice_get_identity());
                        // Call it back over the connection this request came in on.
                        let fixed = receiver.ice_fixed(current.connection.clone());
                        if let Ok(mut clients) = self.clients.lock() {
                            clients.push(fixed);
                        }
                    }
                    current.void()
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

impl CallbackSenderI {
    /// Calls every receiver every `interval` with a growing number, until the communicator
    /// is destroyed.
    pub async fn run(self: Arc<Self>, communicator: Communicator, interval: Duration) {
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
                    let result =
                        client.invoke_typed::<_, ()>("callback", OperationMode::Normal, &num).await;
                    if let Err(e) = result {
                        sender.remove(&client, &e);
                    }
                }));
            }
        }
    }

    fn remove(&self, client: &Proxy, error: &Error) {
        eprintln!("removing client `{}': {error}", client.ice_get_identity());
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|c| c != client);
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
    let sender = Arc::new(CallbackSenderI::default());
    adapter.add(string_to_identity("sender")?, sender.clone())?;
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
