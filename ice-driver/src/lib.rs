//! Runtime-agnostic async driver for [`ice_proto`].
//!
//! This crate will hold the `Runtime` trait, the per-connection driver task and the user API
//! (`Communicator`, `ObjectAdapter`, `Proxy`). It is not written yet: nothing here works.
