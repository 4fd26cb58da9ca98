//! The server of ZeroC's "minimal" demo (`Demo::Hello`).
//!
//! Shared by the `hello_server` examples of `ice-driver-tokio` and `ice-driver-async-std`, which
//! only pick the runtime.
//!
//! Serves the object `hello` in the adapter `Hello` on `default -h localhost -p 10000`, like
//! the C++ and Python demos, so their clients can call it. Run `cargo run -p ice-driver-tokio
//! --example hello_server`, then a ZeroC client or `--example hello_client`. An optional
//! argument replaces the endpoints, e.g. `"tcp -h 127.0.0.1 -p 0"`.
//!
//! The Slice is `slice/Hello.ice`; `generated/Hello.rs` is what slice2rs makes of it.

use ice_driver::{string_to_identity, Communicator, Current, DispatchError, Error, ObjectAdapter};

// `Demo::Hello`, from slice/Hello.ice (slice2rs).
include!("generated/Hello.rs");

/// The `Demo::Hello` servant.
struct HelloI;

impl demo::Hello for HelloI {
    async fn say_hello(&self, _current: &Current) -> Result<(), DispatchError> {
        println!("Hello World!");
        Ok(())
    }
}

/// Creates the adapter `Hello` on `endpoints`, adds the servant `hello`, and activates it.
pub fn start(communicator: &Communicator, endpoints: &str) -> Result<ObjectAdapter, Error> {
    let adapter = communicator.create_object_adapter_with_endpoints("Hello", endpoints)?;
    adapter.add(string_to_identity("hello")?, demo::HelloServant::new(HelloI))?;
    adapter.activate()?;
    Ok(adapter)
}

/// The example's `main`, on whichever runtime `communicator` uses.
pub async fn main(communicator: Communicator) -> Result<(), Box<dyn std::error::Error>> {
    let endpoints =
        std::env::args().nth(1).unwrap_or_else(|| "default -h localhost -p 10000".to_owned());
    let adapter = start(&communicator, &endpoints)?;
    for e in adapter.endpoints() {
        println!("listening on {e}");
    }
    // Serve until the process is stopped (Ctrl-C).
    std::future::pending::<()>().await;
    Ok(())
}
