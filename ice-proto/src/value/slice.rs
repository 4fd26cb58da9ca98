//! The slice model shared by class instances and user exceptions (spec §3.11).

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::ValueRef;

/// Slice flag: the slice carries a type id string (values: registered in the type-id table).
pub(crate) const FLAG_TYPE_ID_STRING: u8 = 0x01;
/// Slice flag: the slice carries an index into the type-id table.
pub(crate) const FLAG_TYPE_ID_INDEX: u8 = 0x02;
/// Both type-id bits: the slice carries a compact type id.
pub(crate) const FLAG_TYPE_ID_COMPACT: u8 = 0x03;
/// Slice flag: optional members follow the required ones, ended by `0xFF`.
pub(crate) const FLAG_HAS_OPTIONAL_MEMBERS: u8 = 0x04;
/// Slice flag: an indirection table follows the slice.
pub(crate) const FLAG_HAS_INDIRECTION_TABLE: u8 = 0x08;
/// Slice flag: an `int` slice size follows the type id.
pub(crate) const FLAG_HAS_SLICE_SIZE: u8 = 0x10;
/// Slice flag: this is the last slice of the instance or exception.
pub(crate) const FLAG_IS_LAST_SLICE: u8 = 0x20;

/// The type id of the root slice every encoding 1.0 class instance ends with.
pub(crate) const ICE_OBJECT_TYPE_ID: &str = "::Ice::Object";

/// How class instances and user exceptions are laid out in encoding 1.1 (spec §3.11). Encoding
/// 1.0 has a single layout and ignores this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SlicedFormat {
    /// No slice sizes and nested instances inline: smaller, but a receiver must know the
    /// most-derived type (Ice's default, `Ice.Default.SlicedFormat=0`).
    #[default]
    Compact,
    /// Every slice carries its type id and size, and class references go through indirection
    /// tables, so a receiver can skip (and keep) the slices of types it does not know
    /// (`["format:sliced"]`; Ice 3.8 always uses it for user exceptions).
    Sliced,
}

/// The type id of a slice as found on the wire: a Slice type id string such as `"::Demo::Base"`,
/// or a class's numeric compact id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SliceTypeId {
    /// A type id string. Shared, because the type-id table lets many slices name one string.
    Name(Arc<str>),
    /// A compact type id (`class Name(id)` in Slice).
    Compact(u32),
}

impl SliceTypeId {
    /// The type id string, if this is not a compact id.
    pub fn name(&self) -> Option<&str> {
        match self {
            SliceTypeId::Name(n) => Some(n),
            SliceTypeId::Compact(_) => None,
        }
    }

    /// Whether this names the slice described by `ty`.
    pub fn matches(&self, ty: &SliceType) -> bool {
        match self {
            SliceTypeId::Name(n) => **n == *ty.type_id,
            SliceTypeId::Compact(c) => ty.compact_id == Some(*c),
        }
    }
}

impl From<&str> for SliceTypeId {
    fn from(s: &str) -> Self {
        SliceTypeId::Name(Arc::from(s))
    }
}

impl fmt::Display for SliceTypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SliceTypeId::Name(n) => f.write_str(n),
            SliceTypeId::Compact(c) => write!(f, "compact id {c}"),
        }
    }
}

/// The static description of one slice of a class or exception type: what a Slice compiler
/// would know about one level of the inheritance chain.
///
/// A type lists its slices most derived first, ending with its most basic user type (for
/// `class Derived extends Base`: `[Derived, Base]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SliceType {
    /// The Slice type id of this level, such as `"::Demo::Base"`.
    pub type_id: &'static str,
    /// The class's compact id, if it declares one (classes only). Written instead of the type
    /// id string.
    pub compact_id: Option<u32>,
    /// Whether this level declares optional members. Ice then sets slice flag `0x04` and ends
    /// the slice with `0xFF`, even when no optional member is present.
    pub has_optional_members: bool,
}

impl SliceType {
    /// A slice with type id `type_id`, no compact id and no optional members.
    pub const fn new(type_id: &'static str) -> Self {
        SliceType { type_id, compact_id: None, has_optional_members: false }
    }

    /// The same slice with compact id `id`.
    pub const fn with_compact_id(mut self, id: u32) -> Self {
        self.compact_id = Some(id);
        self
    }

    /// The same slice, declaring optional members.
    pub const fn with_optional_members(mut self) -> Self {
        self.has_optional_members = true;
        self
    }
}

/// One slice that the reader did not know, kept whole so that it can be written again unchanged
/// (Ice's "preserved slices"): a forwarder that decodes an instance or exception only partly
/// still passes on every byte of the types it does not know.
///
/// Only slices with a slice size (the sliced format) can be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceInfo {
    /// The slice's type id as it was on the wire (exceptions always use a string).
    pub type_id: SliceTypeId,
    /// Everything the slice size covers: required members, optional members and the `0xFF`
    /// end marker. Class references inside are 1-based indexes into `instances`.
    pub data: Bytes,
    /// The slice's indirection table: the instances its class references point to, in order.
    pub instances: Vec<ValueRef>,
    /// Whether the slice declared optional members (flag `0x04`).
    pub has_optional_members: bool,
    /// Whether this was the last slice on the wire. Writers work it out again from the slice's
    /// position, so it is informational.
    pub is_last: bool,
}
