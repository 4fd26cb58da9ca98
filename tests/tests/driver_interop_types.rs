//! Every Slice type family across implementations (`DriverTypes.ice`): primitives, enums,
//! structs (nested), sequences and dictionaries (of primitives and of structs), classes
//! (inheritance, a graph sharing an instance, null), optional parameters and data members
//! (present and absent), proxies as parameters and results, and user exceptions with data and
//! inheritance (derived caught as base), in encodings 1.1 and 1.0.
//!
//! Both directions against ZeroC Ice 3.7 and 3.8: our client (`types::client`) calls ZeroC's
//! `driver/types_server.py`, and ZeroC's `driver/types_client.py`, which asserts every result
//! and exits non-zero on a mismatch, calls our servant (`types::servant`). Both also run Rust
//! against Rust. A missing ZeroC peer fails these tests (see `ice_tests::peers::require_peer`).

mod common;
mod types;

use std::sync::Arc;

use common::*;
use ice_driver::{Communicator, EncodingVersion, Identity, Runtime};
use ice_tests::peers::{IceVersion, Python};

const ENCODINGS: [EncodingVersion; 2] = [EncodingVersion::V1_1, EncodingVersion::V1_0];

/// What `types_client.py` prints when every check passed.
const PYTHON_CHECKS: [&str; 9] = [
    "primitives",
    "enum",
    "struct",
    "sequences",
    "dictionaries",
    "classes",
    "optionals",
    "proxies",
    "exceptions",
];

fn start_rust_server(server: &Communicator) -> String {
    let adapter =
        server.create_object_adapter_with_endpoints("Types", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("types"), Arc::new(types::servant::TypesI)).unwrap();
    adapter.activate().unwrap();
    format!("types:{}", adapter.endpoints()[0])
}

async fn rust_client_calls(rt: Arc<dyn Runtime>, proxy: &str) {
    let client = Communicator::new(rt);
    let types = client.string_to_proxy(proxy).unwrap();
    for encoding in ENCODINGS {
        types::client::check_all(&types.ice_encoding_version(encoding)).await;
    }
    client.destroy().await;
}

async fn rust_client_calls_rust_server(rt: Arc<dyn Runtime>) {
    let server = Communicator::new(rt.clone());
    let proxy = start_rust_server(&server);
    rust_client_calls(rt, &proxy).await;
    server.destroy().await;
}

async fn zeroc_client_calls_rust_server(rt: Arc<dyn Runtime>, python: Python) {
    let server = Communicator::new(rt);
    let proxy = start_rust_server(&server);
    for encoding in ["1.1", "1.0"] {
        let args = ["--proxy", &proxy, "--encoding", encoding];
        let out = run_peer(&python, "driver/types_client.py", &args).await;
        let stdout = out.stdout.join("\n") + "\n";
        assert!(
            out.status.success(),
            "ZeroC client failed in encoding {encoding} (stderr above)\nstdout:\n{stdout}"
        );
        for check in PYTHON_CHECKS {
            assert!(stdout.contains(&format!("OK {check}\n")), "missing check {check}:\n{stdout}");
        }
    }
    server.destroy().await;
}

#[test]
fn tokio_client_calls_rust_server() {
    on_tokio(rust_client_calls_rust_server);
}

#[test]
fn async_std_client_calls_rust_server() {
    on_async_std(rust_client_calls_rust_server);
}

/// The scenarios above against one ZeroC release line, on both runtimes.
macro_rules! interop_tests {
    ($module:ident, $version:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn tokio_client_calls_zeroc_server() {
                let Some(python) = python_for($version) else { return };
                let peer = start_peer(&python, "driver/types_server.py", &[]);
                let proxy = format!("types:tcp -h 127.0.0.1 -p {}", peer.port());
                on_tokio(|rt| async move { rust_client_calls(rt, &proxy).await });
            }

            #[test]
            fn async_std_client_calls_zeroc_server() {
                let Some(python) = python_for($version) else { return };
                let peer = start_peer(&python, "driver/types_server.py", &[]);
                let proxy = format!("types:tcp -h 127.0.0.1 -p {}", peer.port());
                on_async_std(|rt| async move { rust_client_calls(rt, &proxy).await });
            }

            #[test]
            fn zeroc_client_calls_tokio_server() {
                let Some(python) = python_for($version) else { return };
                on_tokio(|rt| zeroc_client_calls_rust_server(rt, python));
            }

            #[test]
            fn zeroc_client_calls_async_std_server() {
                let Some(python) = python_for($version) else { return };
                on_async_std(|rt| zeroc_client_calls_rust_server(rt, python));
            }
        }
    };
}

interop_tests!(ice37, IceVersion::V37);
interop_tests!(ice38, IceVersion::V38);
