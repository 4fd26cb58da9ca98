//! A Rust server written as IceGrid deploys one (used by `tests/tests/icegrid_interop.rs`): the
//! node starts it with `--Ice.Config=<the file it wrote>`, its adapter `Hello` takes its
//! endpoints and adapter id from there, and it runs until its communicator is shut down,
//! which the node does through the admin `Process` facet (`Ice.Admin.*`, also in that file).

use ice_driver::{FnServant, Identity, Properties};
use ice_proto::properties::FileSystem;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (properties, _) =
        Properties::from_args(std::env::args(), Properties::new(), &mut FileSystem)?;
    let communicator = ice_driver_tokio::communicator_with_properties(properties);
    let adapter = communicator.create_object_adapter("Hello")?;
    let hello = FnServant::new("::Demo::Hello", |current, _| async move { current.void() });
    adapter.add(Identity::new("hello"), hello)?;
    adapter.activate_async().await?;
    communicator.wait_for_shutdown().await;
    communicator.destroy().await;
    Ok(())
}
