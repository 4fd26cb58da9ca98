//! The client of ZeroC's Glacier2 callback demo: through the router (default
//! `DemoGlacier2/router:tcp -h localhost -p 4063`), commands from stdin (`t o O f v F s x`).
//!
//! `cargo run -p glacier --example callback_client -- [--runtime tokio|async-std]
//! [--router PROXY] [--callback PROXY] [--user NAME]`

#[path = "../demos/callback.rs"]
mod demo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| args.windows(2).find(|w| w[0] == name).map(|w| w[1].clone());
    let router = opt("--router").unwrap_or_else(|| demo::DEFAULT_ROUTER.to_owned());
    let callback = opt("--callback").unwrap_or_else(|| demo::DEFAULT_CALLBACK.to_owned());
    let user = opt("--user").unwrap_or_else(|| "demo".to_owned());
    // Commands are read as they are typed; callbacks are served meanwhile.
    let commands = std::io::stdin().lines().map_while(Result::ok);
    let props = demo::client_properties(&router);
    let result = if opt("--runtime").as_deref() == Some("async-std") {
        let c = ice_driver_async_std::communicator_with_properties(props);
        async_std::task::block_on(demo::client(c, &router, &callback, &user, commands))
    } else {
        let rt = tokio::runtime::Runtime::new().expect("tokio");
        let c = rt.block_on(async { ice_driver_tokio::communicator_with_properties(props) });
        rt.block_on(demo::client(c, &router, &callback, &user, commands))
    };
    if let Err(e) = result {
        eprintln!("callback_client: {e}");
        std::process::exit(1);
    }
}
