//! The client of ZeroC's "minimal" demo (`Demo::Hello`), on tokio.
//!
//! The demo itself is in `ice-driver/demos/hello_client.rs`, shared with the other runtime's example.

#[path = "../../ice-driver/demos/hello_client.rs"]
mod demo;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    demo::main(ice_driver_tokio::communicator()).await
}
