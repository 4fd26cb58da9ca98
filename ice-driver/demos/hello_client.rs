//! The client of ZeroC's "minimal" demo (`Demo::Hello`).
//!
//! Shared by the `hello_client` examples of `ice-driver-tokio` and `ice-driver-async-std`, which
//! only pick the runtime.
//!
//! Like the C++ demo it checks that `hello:default -h localhost -p 10000` is a `Demo::Hello`
//! (`ice_isA`, as `checkedCast` does) and calls `sayHello` once. An optional argument replaces
//! the proxy string.

use ice_driver::{Communicator, OperationMode};

/// Checks that `proxy` is a `Demo::Hello` and calls `sayHello` on it.
pub async fn run(
    communicator: &Communicator,
    proxy: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let hello = communicator.string_to_proxy(proxy)?;
    if !hello.ice_is_a("::Demo::Hello").await? {
        return Err("invalid proxy: not a ::Demo::Hello".into());
    }
    hello.invoke_typed::<_, ()>("sayHello", OperationMode::Normal, &()).await?;
    Ok(())
}

/// The example's `main`, on whichever runtime `communicator` uses.
pub async fn main(
    communicator: Communicator,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let proxy =
        std::env::args().nth(1).unwrap_or_else(|| "hello:default -h localhost -p 10000".to_owned());
    let result = run(&communicator, &proxy).await;
    communicator.destroy().await;
    result
}
