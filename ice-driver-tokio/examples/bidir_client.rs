//! The client of ZeroC's "bidir" demo (`Demo::CallbackReceiver`), on tokio.
//!
//! The demo itself is in `ice-driver/demos/bidir_client.rs`, shared with the other runtime's example.

#[path = "../../ice-driver/demos/bidir_client.rs"]
mod demo;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    demo::main(ice_driver_tokio::communicator()).await
}
