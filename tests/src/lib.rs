//! Shared helpers for the workspace integration tests (see `tests/`).

pub mod browser;
pub mod certs;
pub mod glacier2router;
pub mod icegrid;
pub mod memnet;
pub mod peers;
pub mod zeroc_trace;
