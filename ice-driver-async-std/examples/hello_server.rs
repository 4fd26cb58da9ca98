//! The server of ZeroC's "minimal" demo (`Demo::Hello`), on async-std.
//!
//! The demo itself is in `ice-driver/demos/hello_server.rs`, shared with the other runtime's example.

#[path = "../../ice-driver/demos/hello_server.rs"]
mod demo;

#[async_std::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    demo::main(ice_driver_async_std::communicator()).await
}
