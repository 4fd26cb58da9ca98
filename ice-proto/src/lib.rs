//! `ice-proto`: the sans-IO core of a ZeroC Ice implementation.
//!
//! Everything here is deterministic and free of IO: no sockets, no clocks, no threads, no
//! async. Drivers feed bytes and time in and take bytes and events out.
//!
//! This crate currently provides:
//! - [`encoding`]: Ice encodings 1.0 and 1.1 — [`OutputStream`] / [`InputStream`], the
//!   [`Encode`] / [`Decode`] traits, sizes, strings, sequences, dictionaries, enums, optionals
//!   and encapsulations.
//! - [`identity`]: identities, facets, operation modes and contexts.
//! - [`properties`]: Ice properties with the exact syntax of Ice configuration files and
//!   `--Prefix.Name=value` command-line options.
//! - [`proxy`]: proxies and endpoints as data — marshaled in encodings 1.0 and 1.1, and
//!   stringified and parsed as ZeroC Ice 3.7 does.
//! - [`frame`]: protocol messages (requests, batch requests, replies, validate and close),
//!   their framing on streams and datagrams, and bzip2 compression.
//! - [`value`]: class instances and user exceptions (compact and sliced formats, preserved
//!   slices, encoding 1.0).
//!
//! Peer input is hostile: every decoder returns a typed [`DecodeError`] instead of panicking,
//! and sizes read from the wire are checked against the bytes left before anything is allocated.
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod connection;
pub mod encoding;
mod error;
pub mod frame;
pub mod identity;
pub mod locator;
pub mod properties;
pub mod proxy;
pub mod retry;
pub mod router;
mod split;
pub mod text;
pub mod value;

/// The `bytes` crate, for `Bytes` in generated code (`sequence<byte>`).
pub use bytes;
pub use encoding::{
    Decode, Encapsulation, Encode, EncodingVersion, InputStream, OptionalFormat, OutputStream,
    ProtocolVersion,
};
pub use error::DecodeError;
pub use identity::{Context, Identity, OperationMode};
pub use properties::{Properties, PropertiesError};
pub use proxy::{
    Endpoint, EndpointParseError, ProxyData, ProxyMode, ProxyParseError, ToStringMode,
};
pub use value::{
    DecodedException, SliceInfo, SlicedFormat, UserException, Value, ValueGraph, ValueReader,
    ValueRef, ValueWriter,
};
