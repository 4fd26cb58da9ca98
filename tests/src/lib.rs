//! Shared helpers for the workspace integration tests (see `tests/`).

pub mod browser;
pub mod certs;
pub mod glacier2router;
pub mod icegrid;
pub mod java;
pub mod memnet;
pub mod peers;
pub mod refused;
pub mod zeroc_trace;

/// `tests/interop/driver/DriverTest.ice` and `DriverTypes.ice` compiled by slice2rs (see
/// `build.rs`).
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/DriverTest.rs"));
    include!(concat!(env!("OUT_DIR"), "/DriverTypes.rs"));
}

/// Every Slice file of ZeroC's `zeroc-ice-slice` package compiled by slice2rs into one
/// source, when the package is installed (see `build.rs`).
#[cfg(ice_slice)]
pub mod ice_slice {
    include!(concat!(env!("OUT_DIR"), "/ice_slice.rs"));
}
