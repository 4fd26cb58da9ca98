//! The client of ZeroC's "minimal" demo (`Demo::Hello`).
//!
//! Shared by the `hello_client` examples of `ice-driver-tokio` and `ice-driver-async-std`, which
//! only pick the runtime.
//!
//! Like the C++ demo it checks that `hello:default -h localhost -p 10000` is a `Demo::Hello`
//! (`ice_isA`, as `checkedCast` does) and calls `sayHello` once. An optional argument replaces
//! the proxy string.

use ice_driver::Communicator;

// `Demo::Hello`, from slice/Hello.ice (slice2rs).
include!("generated/Hello.rs");

/// Checks that `proxy` is a `Demo::Hello` and calls `sayHello` on it.
pub async fn run(
    communicator: &Communicator,
    proxy: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let base = communicator.string_to_proxy(proxy)?;
    let Some(hello) = demo::HelloPrx::checked_cast(&base).await? else {
        return Err("invalid proxy: not a ::Demo::Hello".into());
    };
    hello.say_hello().await?;
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
