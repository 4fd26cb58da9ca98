//! [`ValueReader`]: the per-encapsulation state for reading class instances and user
//! exceptions, and the calls class and exception types make to read their members.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::slice::{FLAG_HAS_INDIRECTION_TABLE, FLAG_HAS_OPTIONAL_MEMBERS};
use super::{Instance, ValueFactory, ValueGraph, ValueRef};
use crate::encoding::{Decode, EncodingVersion, InputStream, OptionalFormat};
use crate::DecodeError;

/// Default for the deepest nesting of class instances a reader accepts (ZeroC Ice 3.7's
/// `Ice.ClassGraphDepthMax`).
pub const DEFAULT_CLASS_GRAPH_DEPTH_MAX: usize = 100;

const OPTIONAL_END_MARKER: u8 = 0xFF;

/// Reads class instances and user exceptions from one encapsulation (spec §3.11, §3.12).
///
/// It keeps what Ice keeps per encapsulation: the type-id table, the instances read so far by
/// instance id, and the references still to be resolved. Instances go into a [`ValueGraph`]
/// returned by [`ValueReader::finish`]; class members read by [`ValueReader::read_value`] are
/// refs into it. Plain members are read through the underlying [`InputStream`], which the
/// reader dereferences to.
///
/// Peer input is hostile: nesting deeper than the class graph depth limit fails with
/// [`DecodeError::TooDeep`], so reading never recurses without bound (in encoding 1.0, where
/// instances are not nested on the wire, an instance's depth is one more than the deepest
/// reference to it read before it, as in Ice); references to instances
/// that never arrive fail in [`ValueReader::finish`]. After an error the reader must be dropped.
pub struct ValueReader<'a> {
    pub(super) input: &'a mut InputStream,
    pub(super) factory: &'a dyn ValueFactory,
    pub(super) depth_max: usize,
    pub(super) depth: usize,
    /// Type ids registered by value slices, index `i` at position `i - 1`.
    pub(super) type_ids: Vec<Arc<str>>,
    /// Next instance id in encoding 1.1.
    pub(super) next_id: i32,
    /// What each handed-out [`ValueRef`] names.
    pub(super) refs: Vec<RefTarget>,
    pub(super) nodes: Vec<Instance>,
    pub(super) id_to_node: HashMap<i32, u32>,
    /// Encoding 1.0: the deepest nesting any reference to an instance id was read at, which
    /// gives the depth of that instance when it is read (as Ice computes it).
    pub(super) ref_depth: HashMap<i32, usize>,
    /// The slice whose members are being read, if any.
    pub(super) slice: Option<ReadSlice>,
}

/// What a [`ValueRef`] handed out by a reader names, until [`ValueReader::finish`].
#[derive(Debug, Clone, Copy)]
pub(super) enum RefTarget {
    /// The instance with this instance id.
    Instance(i32),
    /// An entry of the current slice's indirection table, which has not been read yet.
    Indirect,
}

/// The state of the slice whose members are being read.
#[derive(Debug)]
pub(super) struct ReadSlice {
    pub(super) flags: u8,
    /// Where the slice size says the slice ends.
    pub(super) end: Option<usize>,
    /// Refs read as indirection-table indexes (0-based), patched when the table is read.
    pub(super) indirect: Vec<(u32, usize)>,
}

impl<'a> ValueReader<'a> {
    /// A reader over `input` (positioned inside an encapsulation), creating class instances
    /// with `factory`.
    pub fn new(input: &'a mut InputStream, factory: &'a dyn ValueFactory) -> Self {
        ValueReader {
            input,
            factory,
            depth_max: DEFAULT_CLASS_GRAPH_DEPTH_MAX,
            depth: 0,
            type_ids: Vec::new(),
            next_id: 2,
            refs: Vec::new(),
            nodes: Vec::new(),
            id_to_node: HashMap::new(),
            ref_depth: HashMap::new(),
            slice: None,
        }
    }

    /// Sets the deepest nesting of class instances accepted (`Ice.ClassGraphDepthMax`). Each
    /// level costs stack (about 1 KiB in release builds, a few KiB in debug builds), so a large
    /// limit needs a thread stack sized for it.
    pub fn with_class_graph_depth_max(mut self, max: usize) -> Self {
        self.depth_max = max;
        self
    }

    /// The underlying stream.
    pub fn stream(&mut self) -> &mut InputStream {
        self.input
    }

    pub(super) fn is_1_0(&self) -> bool {
        self.input.encoding() == EncodingVersion::V1_0
    }

    pub(super) fn new_ref(&mut self, target: RefTarget) -> Result<ValueRef, DecodeError> {
        let r = u32::try_from(self.refs.len())
            .map_err(|_| DecodeError::invalid("too many class references"))?;
        self.refs.push(target);
        Ok(ValueRef(r))
    }

    /// Reads a class-typed value: a member, parameter or sequence element. `None` is null.
    ///
    /// The ref may name an instance that is read later (encoding 1.0 pending instances, sliced
    /// format indirection tables); it is only usable in the graph [`ValueReader::finish`]
    /// returns.
    pub fn read_value(&mut self) -> Result<Option<ValueRef>, DecodeError> {
        // This is on the recursive path of nested instances: the other cases live in their own
        // functions to keep its stack frame small.
        if self.is_1_0() {
            return self.read_value_1_0();
        }
        if self.slice.as_ref().is_some_and(|s| s.flags & FLAG_HAS_INDIRECTION_TABLE != 0) {
            return self.read_indirect_value();
        }
        let marker = self.input.read_size()?;
        match self.read_instance(marker)? {
            Some(id) => self.new_ref(RefTarget::Instance(id)).map(Some),
            None => Ok(None),
        }
    }

    /// Encoding 1.0: an `int`, `0` for null or minus the instance id.
    #[inline(never)]
    fn read_value_1_0(&mut self) -> Result<Option<ValueRef>, DecodeError> {
        let r = self.input.read_i32()?;
        if r == 0 {
            return Ok(None);
        }
        if r > 0 {
            return Err(DecodeError::invalid(format!("positive class reference {r}")));
        }
        let id = r.checked_neg().ok_or_else(|| DecodeError::invalid("bad class reference"))?;
        let depth = self.ref_depth.entry(id).or_insert(0);
        *depth = (*depth).max(self.depth);
        self.new_ref(RefTarget::Instance(id)).map(Some)
    }

    /// Inside a slice with an indirection table: a 1-based index into the table, which
    /// follows the slice, so the ref is patched when the slice ends.
    #[inline(never)]
    fn read_indirect_value(&mut self) -> Result<Option<ValueRef>, DecodeError> {
        let index = self.input.read_size()?;
        if index == 0 {
            return Ok(None);
        }
        let r = self.new_ref(RefTarget::Indirect)?;
        if let Some(s) = self.slice.as_mut() {
            s.indirect.push((r.0, index - 1));
        }
        Ok(Some(r))
    }

    /// Reads the optional member or parameter with `tag`, or `None` if it is absent. Inside a
    /// slice that declares no optional members every optional is absent.
    pub fn read_optional<T: Decode>(&mut self, tag: u32) -> Result<Option<T>, DecodeError> {
        if self.find_optional(tag, T::OPTIONAL_FORMAT)? {
            T::decode_optional(self.input).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads the optional class-typed member or parameter with `tag`: `None` if absent,
    /// `Some(None)` if present and null.
    pub fn read_optional_value(
        &mut self,
        tag: u32,
    ) -> Result<Option<Option<ValueRef>>, DecodeError> {
        if self.find_optional(tag, OptionalFormat::Class)? {
            self.read_value().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads the optional member or parameter with `tag` written by
    /// [`ValueWriter::write_optional_with`](super::ValueWriter::write_optional_with) (a type
    /// holding class instances), or `None` if it is absent. The payload must fill exactly the
    /// size it declares.
    pub fn read_optional_with<T>(
        &mut self,
        tag: u32,
        read: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        if !self.find_optional(tag, OptionalFormat::FSize)? {
            return Ok(None);
        }
        let n = self.input.read_i32()?;
        let n = usize::try_from(n).map_err(|_| DecodeError::NegativeSize(n))?;
        let left = self.input.remaining();
        let end = left.checked_sub(n).ok_or(DecodeError::OutOfBounds { needed: n, left })?;
        let value = read(self)?;
        if self.input.remaining() != end {
            return Err(DecodeError::invalid("optional member does not fill its size"));
        }
        Ok(Some(value))
    }

    /// Positions the stream on the payload of optional `tag` and returns `true`, or returns
    /// `false` if it is absent. Optionals with smaller tags are skipped; a larger tag or the end
    /// marker is left unread.
    fn find_optional(&mut self, tag: u32, format: OptionalFormat) -> Result<bool, DecodeError> {
        if self.is_1_0() {
            return Ok(false);
        }
        if let Some(s) = &self.slice {
            if s.flags & FLAG_HAS_OPTIONAL_MEMBERS == 0 {
                return Ok(false);
            }
        }
        loop {
            let before = self.input.clone();
            let Some(v) = self.input.peek_u8() else {
                return Ok(false);
            };
            if v == OPTIONAL_END_MARKER {
                return Ok(false);
            }
            let (found_tag, found_format) = self.read_optional_tag()?;
            if found_tag > tag {
                *self.input = before;
                return Ok(false);
            }
            if found_tag < tag {
                self.skip_optional(found_format)?;
                continue;
            }
            if found_format != format {
                return Err(DecodeError::OptionalFormatMismatch {
                    tag,
                    found: found_format as u8,
                    expected: format as u8,
                });
            }
            return Ok(true);
        }
    }

    fn read_optional_tag(&mut self) -> Result<(u32, OptionalFormat), DecodeError> {
        let v = self.input.read_u8()?;
        let format = OptionalFormat::from_bits(v);
        let mut tag = u32::from(v >> 3);
        if tag == 30 {
            tag = u32::try_from(self.input.read_size()?)
                .map_err(|_| DecodeError::invalid("optional tag too large"))?;
        }
        Ok((tag, format))
    }

    /// Skips an optional's payload; class instances are read (and dropped) like any other.
    fn skip_optional(&mut self, format: OptionalFormat) -> Result<(), DecodeError> {
        match format {
            OptionalFormat::Class => self.read_value().map(drop),
            f => self.input.skip_optional(f),
        }
    }

    /// Skips the optional parameters left after those read (ones a newer peer sent that this
    /// side's Slice does not have), up to the end of the data or a `0xFF` end marker (which
    /// is consumed), class instances included. Returns whether an end marker was found.
    pub fn skip_remaining_optionals(&mut self) -> Result<bool, DecodeError> {
        loop {
            match self.input.peek_u8() {
                None => return Ok(false),
                Some(OPTIONAL_END_MARKER) => return self.input.skip(1).map(|()| true),
                Some(_) => {
                    let (_, format) = self.read_optional_tag()?;
                    self.skip_optional(format)?;
                }
            }
        }
    }

    /// Skips the optionals left in the current slice and its `0xFF` end marker.
    pub(super) fn skip_slice_optionals(&mut self) -> Result<(), DecodeError> {
        loop {
            match self.input.peek_u8() {
                None => {
                    return Err(DecodeError::invalid(
                        "slice optional members lack their end marker",
                    ))
                }
                Some(OPTIONAL_END_MARKER) => return self.input.skip(1),
                Some(_) => {
                    let (_, format) = self.read_optional_tag()?;
                    self.skip_optional(format)?;
                }
            }
        }
    }

    /// Reads the class instances that follow the parameters (or the exception) in encoding 1.0
    /// (spec §3.12): batches of `(instance id, instance)` ended by an empty batch. Call it once,
    /// after the last parameter, when the parameters' types use classes. Does nothing in 1.1.
    pub fn read_pending_values(&mut self) -> Result<(), DecodeError> {
        if !self.is_1_0() {
            return Ok(());
        }
        loop {
            let count = self.input.read_count(4)?;
            if count == 0 {
                return Ok(());
            }
            for _ in 0..count {
                let id = self.input.read_i32()?;
                if id <= 0 {
                    return Err(DecodeError::invalid(format!("bad class instance id {id}")));
                }
                let depth = self.ref_depth.get(&id).copied().unwrap_or(0) + 1;
                if depth > self.depth_max {
                    return Err(DecodeError::TooDeep(self.depth_max));
                }
                let outer = std::mem::replace(&mut self.depth, depth);
                self.read_instance_body_1_0(id)?;
                self.depth = outer;
            }
        }
    }

    pub(super) fn add_node(&mut self, id: i32, instance: Instance) -> Result<(), DecodeError> {
        let node = u32::try_from(self.nodes.len())
            .map_err(|_| DecodeError::invalid("too many class instances"))?;
        if self.id_to_node.insert(id, node).is_some() {
            return Err(DecodeError::invalid(format!("class instance id {id} defined twice")));
        }
        self.nodes.push(instance);
        Ok(())
    }

    /// Ends reading: resolves every ref handed out and returns the instances. Fails if a
    /// reference names an instance that was never read.
    pub fn finish(self) -> Result<ValueGraph, DecodeError> {
        let id_to_node = self.id_to_node;
        let refs = self
            .refs
            .into_iter()
            .map(|t| match t {
                RefTarget::Instance(id) => id_to_node.get(&id).copied().ok_or_else(|| {
                    DecodeError::invalid(format!("reference to undefined class instance {id}"))
                }),
                RefTarget::Indirect => {
                    Err(DecodeError::invalid("unresolved indirection table reference"))
                }
            })
            .collect::<Result<Vec<u32>, DecodeError>>()?;
        Ok(ValueGraph::from_parts(refs, self.nodes))
    }
}

impl Deref for ValueReader<'_> {
    type Target = InputStream;
    fn deref(&self) -> &InputStream {
        self.input
    }
}

impl DerefMut for ValueReader<'_> {
    fn deref_mut(&mut self) -> &mut InputStream {
        self.input
    }
}
