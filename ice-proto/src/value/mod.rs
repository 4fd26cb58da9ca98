//! Class instances ("values") and user exceptions, in encodings 1.1 and 1.0 (spec §3.11,
//! §3.12).
//!
//! Slice classes implement [`Value`] and Slice exceptions [`UserException`], by hand: each
//! lists its inheritance chain as [`SliceType`]s and reads and writes the members of one slice
//! at a time. Readers find types through a [`ValueFactory`] / [`ExceptionFactory`] (such as a
//! [`ValueRegistry`] / [`ExceptionRegistry`]).
//!
//! Class instances live in a [`ValueGraph`]; class members are `Option<ValueRef>` into it, so
//! shared instances and cycles are plain data. A [`ValueReader`] / [`ValueWriter`] holds the
//! per-encapsulation state (type-id table, instance ids, indirection tables, and in 1.0 the
//! pending instances).
//!
//! Types a reader does not know are skipped when the sender used the
//! [`SlicedFormat::Sliced`] format, down to the most derived known base type; the skipped
//! slices are kept as [`SliceInfo`]s and written back unchanged, so a forwarder loses nothing.
//! In the compact format an unknown type fails with [`DecodeError::UnknownType`].
//!
//! For a reply with status 1 (UserException), [`decode_user_exception`] and
//! [`encode_user_exception`] go between an [`Encapsulation`] and a [`DecodedException`] or a
//! [`UserException`].
//!
//! ```
//! use ice_proto::value::{decode_user_exception, DecodedException, ExceptionRegistry};
//! use ice_proto::{Encapsulation, EncodingVersion};
//!
//! // A 1.1 compact exception ::Demo::E of a type this reader does not know.
//! let data = b"\x20\x09::Demo::E".to_vec();
//! let encaps = Encapsulation::new(EncodingVersion::V1_1, data.into());
//! let err = decode_user_exception(&encaps, &ExceptionRegistry::new()).unwrap_err();
//! assert_eq!(err, ice_proto::DecodeError::UnknownType("::Demo::E".into()));
//!
//! // The same exception in the sliced format can be skipped and is kept whole.
//! let data = b"\x30\x09::Demo::E\x04\x00\x00\x00".to_vec();
//! let encaps = Encapsulation::new(EncodingVersion::V1_1, data.into());
//! let ex = decode_user_exception(&encaps, &ExceptionRegistry::new()).unwrap();
//! assert!(matches!(ex, DecodedException::Unknown(_)));
//! assert_eq!(ex.type_id(), "::Demo::E");
//! ```

mod class;
mod exception;
mod graph;
mod reader;
mod reader_slices;
mod slice;
mod writer;

pub use class::{AsAny, Value, ValueFactory, ValueRegistry};
pub use exception::{
    decode_user_exception, decode_user_exception_with, encode_user_exception,
    encode_user_exception_with, DecodedException, ExceptionFactory, ExceptionRegistry,
    KnownUserException, UnknownUserException, UserException,
};
pub use graph::{Instance, UnknownSlicedValue, ValueGraph, ValueRef};
pub use reader::{ValueReader, DEFAULT_CLASS_GRAPH_DEPTH_MAX};
pub use slice::{SliceInfo, SliceType, SliceTypeId, SlicedFormat};
pub use writer::{ValueWriter, DEFAULT_WRITE_DEPTH_MAX};

use crate::{DecodeError, Encapsulation, EncodingVersion};

/// Reads an encapsulation holding one class-typed value (a single class parameter or result),
/// with the pending instances that follow it in encoding 1.0. Returns the value (`None` for
/// null) and the graph it lives in.
pub fn decode_value(
    encaps: &Encapsulation,
    factory: &dyn ValueFactory,
) -> Result<(Option<ValueRef>, ValueGraph), DecodeError> {
    decode_value_with(encaps, factory, DEFAULT_CLASS_GRAPH_DEPTH_MAX)
}

/// [`decode_value`] with a class graph depth limit (`Ice.ClassGraphDepthMax`).
pub fn decode_value_with(
    encaps: &Encapsulation,
    factory: &dyn ValueFactory,
    class_graph_depth_max: usize,
) -> Result<(Option<ValueRef>, ValueGraph), DecodeError> {
    let mut input = encaps.reader()?;
    let mut r =
        ValueReader::new(&mut input, factory).with_class_graph_depth_max(class_graph_depth_max);
    let root = r.read_value()?;
    r.read_pending_values()?;
    let graph = r.finish()?;
    encaps.finish(&mut input)?;
    Ok((root, graph))
}

/// Writes `root` (an instance of `graph`, or null) as the only parameter of a new
/// encapsulation, followed in encoding 1.0 by the pending instances.
pub fn encode_value(
    graph: &ValueGraph,
    root: Option<ValueRef>,
    encoding: EncodingVersion,
    format: SlicedFormat,
) -> Encapsulation {
    Encapsulation::build(encoding, |out| {
        let mut w = ValueWriter::new(out, graph, format);
        w.write_value(root);
        w.write_pending_values();
    })
}
