//! [`ValueWriter`]: the per-encapsulation state for writing class instances and user
//! exceptions, and the calls class and exception types make to write their members.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

use super::slice::{
    FLAG_HAS_INDIRECTION_TABLE, FLAG_HAS_OPTIONAL_MEMBERS, FLAG_HAS_SLICE_SIZE, FLAG_IS_LAST_SLICE,
    FLAG_TYPE_ID_COMPACT, FLAG_TYPE_ID_INDEX, FLAG_TYPE_ID_STRING, ICE_OBJECT_TYPE_ID,
};
use super::{Instance, SliceInfo, SliceType, SliceTypeId, SlicedFormat, UserException};
use super::{ValueGraph, ValueRef};
use crate::encoding::{EncodingVersion, OptionalFormat, OutputStream, SizeMark};

const OPTIONAL_END_MARKER: u8 = 0xFF;

/// Default for the deepest nesting of class instances a [`ValueWriter`] writes: several times
/// what Ice readers accept by default (100 in Ice 3.7, 10 in 3.8), and shallow enough for a
/// 2 MiB thread stack.
pub const DEFAULT_WRITE_DEPTH_MAX: usize = 500;

/// Writes class instances and user exceptions into one encapsulation (spec §3.11, §3.12).
///
/// It keeps what Ice keeps per encapsulation: the type-id table and the instance ids of the
/// instances already written, so a shared instance is written once and referred to by id.
/// Class members refer to instances of the [`ValueGraph`] given to [`ValueWriter::new`].
/// Plain members are written through the underlying [`OutputStream`], which the writer
/// dereferences to.
///
/// An instance or exception carrying preserved slices is written in the sliced format whatever
/// the writer's format, so that its slices stay skippable. Encoding 1.0 has no preserved
/// slices: they are left out.
///
/// Nested instances are written recursively (encoding 1.1): a graph nested deeper than the
/// writer's limit ([`DEFAULT_WRITE_DEPTH_MAX`] unless set with
/// [`ValueWriter::with_class_graph_depth_max`]) panics instead of exhausting the stack. A graph
/// written in the order and format it was read in nests exactly as deep as it did on the wire.
///
/// # Panics
/// Writing a [`ValueRef`] that does not belong to the graph, a type with no slices, or
/// instances nested deeper than the limit.
pub struct ValueWriter<'a> {
    out: &'a mut OutputStream,
    graph: &'a ValueGraph,
    format: SlicedFormat,
    /// Type id → its index in the type-id table (from 1).
    type_ids: HashMap<String, usize>,
    /// Instance (index in the graph) → its instance id.
    written: HashMap<usize, i32>,
    next_id: i32,
    depth: usize,
    depth_max: usize,
    /// Encoding 1.0: instances referred to but not yet written.
    pending: Vec<usize>,
    /// The slice whose members are being written, if any.
    slice: Option<WriteSlice>,
}

#[derive(Debug)]
struct WriteSlice {
    /// Where the flags byte is (1.1), patched when the slice ends.
    flags_pos: Option<usize>,
    flags: u8,
    size: Option<SizeMark>,
    /// Class references are written as indexes into this table (sliced format).
    sliced: bool,
    table: Vec<usize>,
    table_index: HashMap<usize, usize>,
}

impl<'a> ValueWriter<'a> {
    /// A writer appending to `out` (inside an encapsulation), whose class members refer to
    /// instances of `graph`, laying out instances and exceptions in `format` (1.1 only).
    pub fn new(out: &'a mut OutputStream, graph: &'a ValueGraph, format: SlicedFormat) -> Self {
        let first_id = if out.encoding() == EncodingVersion::V1_0 { 1 } else { 2 };
        ValueWriter {
            out,
            graph,
            format,
            type_ids: HashMap::new(),
            written: HashMap::new(),
            next_id: first_id,
            depth: 0,
            depth_max: DEFAULT_WRITE_DEPTH_MAX,
            pending: Vec::new(),
            slice: None,
        }
    }

    /// Sets the deepest nesting of class instances written before panicking.
    pub fn with_class_graph_depth_max(mut self, max: usize) -> Self {
        self.depth_max = max;
        self
    }

    /// The underlying stream.
    pub fn stream(&mut self) -> &mut OutputStream {
        self.out
    }

    /// The graph class members refer to.
    pub fn graph(&self) -> &'a ValueGraph {
        self.graph
    }

    fn is_1_0(&self) -> bool {
        self.out.encoding() == EncodingVersion::V1_0
    }

    fn node_of(&self, r: ValueRef) -> usize {
        match self.graph.index_of(r) {
            Some(n) if n < self.graph.len() => n,
            _ => panic!("{r:?} does not belong to the ValueGraph being written"),
        }
    }

    fn take_id(&mut self) -> i32 {
        let id = self.next_id;
        self.next_id = id.checked_add(1).unwrap_or_else(|| panic!("too many class instances"));
        id
    }

    /// Writes a class-typed value: a member, parameter or sequence element. `None` is null.
    pub fn write_value(&mut self, value: Option<ValueRef>) {
        let Some(r) = value else {
            if self.is_1_0() {
                self.out.write_i32(0);
            } else {
                self.out.write_size(0);
            }
            return;
        };
        let node = self.node_of(r);
        if self.is_1_0() {
            let id = match self.written.get(&node) {
                Some(&id) => id,
                None => {
                    let id = self.take_id();
                    self.written.insert(node, id);
                    self.pending.push(node);
                    id
                }
            };
            self.out.write_i32(-id);
            return;
        }
        if let Some(s) = self.slice.as_mut().filter(|s| s.sliced) {
            let next = s.table.len();
            let index = *s.table_index.entry(node).or_insert(next);
            if index == next {
                s.table.push(node);
            }
            self.out.write_size(index + 1);
        } else {
            self.write_instance(node);
        }
    }

    /// Writes the optional class-typed member or parameter `tag` if `value` is `Some` (the
    /// inner `None` is a present null). Nothing is written in encoding 1.0.
    pub fn write_optional_value(&mut self, tag: u32, value: Option<Option<ValueRef>>) {
        if let Some(v) = value {
            if self.out.write_optional_header(tag, OptionalFormat::Class) {
                self.write_value(v);
            }
        }
    }

    /// Writes the optional member or parameter `tag` if `value` is `Some`, for a type that
    /// holds class instances without being a class (a sequence, dictionary or struct of
    /// them): size-prefixed (`FSize`), `write` putting its instances inline. Nothing is
    /// written in encoding 1.0.
    pub fn write_optional_with<T: ?Sized>(
        &mut self,
        tag: u32,
        value: Option<&T>,
        write: impl FnOnce(&mut Self, &T),
    ) {
        if let Some(v) = value {
            if self.out.write_optional_header(tag, OptionalFormat::FSize) {
                let mark = self.out.start_size();
                write(self, v);
                self.out.end_size_exclusive(mark);
            }
        }
    }

    /// Encoding 1.1: an instance already written is referred to by id, a new one is written
    /// inline after the marker `1`.
    fn write_instance(&mut self, node: usize) {
        if let Some(&id) = self.written.get(&node) {
            self.out.write_size(id as usize);
            return;
        }
        let id = self.take_id();
        self.written.insert(node, id);
        self.out.write_size(1);
        self.depth += 1;
        assert!(
            self.depth <= self.depth_max,
            "class instances nested deeper than the writer's limit of {}",
            self.depth_max
        );
        let outer = self.slice.take();
        let graph = self.graph;
        match graph.instances().get(node) {
            Some(Instance::Known { value, preserved }) => {
                let sliced = self.format == SlicedFormat::Sliced || !preserved.is_empty();
                for p in preserved {
                    self.write_preserved_slice(true, p, false);
                }
                let slices = value.slices();
                assert!(!slices.is_empty(), "{value:?} declares no slices");
                for (i, ty) in slices.iter().enumerate() {
                    let first = i == 0 && preserved.is_empty();
                    self.start_slice(true, ty, first, i + 1 == slices.len(), sliced);
                    value.write_members(i, self);
                    self.end_slice();
                }
            }
            Some(Instance::Unknown(u)) => {
                for (i, p) in u.slices.iter().enumerate() {
                    self.write_preserved_slice(true, p, i + 1 == u.slices.len());
                }
            }
            None => {}
        }
        self.slice = outer;
        self.depth -= 1;
    }

    /// Writes the instances referred to so far in encoding 1.0 (spec §3.12): batches of
    /// `(instance id, instance)` until none is left, then an empty batch. Call it once after
    /// the last parameter when the parameters' types use classes. Does nothing in 1.1.
    pub fn write_pending_values(&mut self) {
        if !self.is_1_0() {
            return;
        }
        loop {
            let batch = std::mem::take(&mut self.pending);
            self.out.write_size(batch.len());
            if batch.is_empty() {
                return;
            }
            for node in batch {
                let id = self.written.get(&node).copied().unwrap_or_default();
                self.out.write_i32(id);
                self.write_instance_body_1_0(node);
            }
        }
    }

    fn write_instance_body_1_0(&mut self, node: usize) {
        let graph = self.graph;
        if let Some(Instance::Known { value, .. }) = graph.instances().get(node) {
            let slices = value.slices();
            for (i, ty) in slices.iter().enumerate() {
                self.start_slice(true, ty, i == 0, false, true);
                value.write_members(i, self);
                self.end_slice();
            }
        }
        self.write_value_type_id_1_0(ICE_OBJECT_TYPE_ID);
        let mark = self.out.start_size();
        self.out.write_size(0);
        self.out.end_size_inclusive(mark);
    }

    /// Writes `exception` as the whole content of the encapsulation, after the slices
    /// `preserved` of more derived types that were not known when it was read (sliced format
    /// only; pass `&[]` otherwise). In encoding 1.0 the instances its class members refer to
    /// follow it.
    pub fn write_user_exception(&mut self, exception: &dyn UserException, preserved: &[SliceInfo]) {
        let slices = exception.slices();
        assert!(!slices.is_empty(), "{exception:?} declares no slices");
        if self.is_1_0() {
            self.out.write_bool(exception.uses_classes());
        } else {
            for p in preserved {
                self.write_preserved_slice(false, p, false);
            }
        }
        let sliced = self.format == SlicedFormat::Sliced || !preserved.is_empty();
        for (i, ty) in slices.iter().enumerate() {
            let first = i == 0 && preserved.is_empty();
            self.start_slice(false, ty, first, i + 1 == slices.len(), sliced);
            exception.write_members(i, self);
            self.end_slice();
        }
        if self.is_1_0() && exception.uses_classes() {
            self.write_pending_values();
        }
    }

    /// Writes a user exception none of whose types were known, from its preserved slices
    /// (encoding 1.1; encoding 1.0 writes only an empty `usesClasses` flag).
    pub fn write_unknown_exception(&mut self, slices: &[SliceInfo]) {
        if self.is_1_0() {
            self.out.write_bool(false);
            return;
        }
        for (i, p) in slices.iter().enumerate() {
            self.write_preserved_slice(false, p, i + 1 == slices.len());
        }
    }

    fn start_slice(
        &mut self,
        is_value: bool,
        ty: &SliceType,
        first: bool,
        last: bool,
        sliced: bool,
    ) {
        if self.is_1_0() {
            if is_value {
                self.write_value_type_id_1_0(ty.type_id);
            } else {
                self.out.write_string(ty.type_id);
            }
            let size = Some(self.out.start_size());
            self.slice = Some(WriteSlice {
                flags_pos: None,
                flags: 0,
                size,
                sliced: false,
                table: Vec::new(),
                table_index: HashMap::new(),
            });
            return;
        }
        let flags_pos = self.out.len();
        self.out.write_u8(0);
        let mut flags = 0;
        if !is_value {
            self.out.write_string(ty.type_id);
        } else if first || sliced {
            flags |= match ty.compact_id {
                Some(c) => self.write_compact_type_id(c),
                None => self.write_value_type_id(ty.type_id),
            };
        }
        let mut size = None;
        if sliced {
            flags |= FLAG_HAS_SLICE_SIZE;
            size = Some(self.out.start_size());
        }
        if ty.has_optional_members {
            flags |= FLAG_HAS_OPTIONAL_MEMBERS;
        }
        if last {
            flags |= FLAG_IS_LAST_SLICE;
        }
        self.slice = Some(WriteSlice {
            flags_pos: Some(flags_pos),
            flags,
            size,
            sliced,
            table: Vec::new(),
            table_index: HashMap::new(),
        });
    }

    fn end_slice(&mut self) {
        let Some(mut s) = self.slice.take() else {
            return;
        };
        if s.flags & FLAG_HAS_OPTIONAL_MEMBERS != 0 {
            self.out.write_u8(OPTIONAL_END_MARKER);
        }
        if let Some(mark) = s.size {
            self.out.end_size_inclusive(mark);
        }
        if !s.table.is_empty() {
            s.flags |= FLAG_HAS_INDIRECTION_TABLE;
            self.out.write_size(s.table.len());
            for node in s.table {
                self.write_instance(node);
            }
        }
        if let Some(pos) = s.flags_pos {
            self.out.buf_mut()[pos] = s.flags;
        }
    }

    /// Writes a preserved slice as it was read (encoding 1.1 only).
    fn write_preserved_slice(&mut self, is_value: bool, info: &SliceInfo, last: bool) {
        if self.is_1_0() {
            return;
        }
        let flags_pos = self.out.len();
        self.out.write_u8(0);
        let mut flags = FLAG_HAS_SLICE_SIZE;
        match (&info.type_id, is_value) {
            (SliceTypeId::Name(n), false) => self.out.write_string(n),
            (SliceTypeId::Name(n), true) => flags |= self.write_value_type_id(n),
            (SliceTypeId::Compact(c), true) => flags |= self.write_compact_type_id(*c),
            (SliceTypeId::Compact(c), false) => {
                panic!("exception slice with compact type id {c}: exceptions need a string")
            }
        }
        if info.has_optional_members {
            flags |= FLAG_HAS_OPTIONAL_MEMBERS;
        }
        if last {
            flags |= FLAG_IS_LAST_SLICE;
        }
        let mark = self.out.start_size();
        self.out.write_raw(&info.data);
        self.out.end_size_inclusive(mark);
        if !info.instances.is_empty() {
            flags |= FLAG_HAS_INDIRECTION_TABLE;
            self.out.write_size(info.instances.len());
            for &r in &info.instances {
                let node = self.node_of(r);
                self.write_instance(node);
            }
        }
        self.out.buf_mut()[flags_pos] = flags;
    }

    fn write_compact_type_id(&mut self, id: u32) -> u8 {
        self.out.write_size(id as usize);
        FLAG_TYPE_ID_COMPACT
    }

    /// Writes a value slice's type id through the type-id table and returns its flag bits.
    fn write_value_type_id(&mut self, name: &str) -> u8 {
        if let Some(&index) = self.type_ids.get(name) {
            self.out.write_size(index);
            return FLAG_TYPE_ID_INDEX;
        }
        self.type_ids.insert(name.to_owned(), self.type_ids.len() + 1);
        self.out.write_string(name);
        FLAG_TYPE_ID_STRING
    }

    /// Encoding 1.0: `bool isIndex`, then the index or the (newly registered) string.
    fn write_value_type_id_1_0(&mut self, name: &str) {
        if let Some(&index) = self.type_ids.get(name) {
            self.out.write_bool(true);
            self.out.write_size(index);
        } else {
            self.type_ids.insert(name.to_owned(), self.type_ids.len() + 1);
            self.out.write_bool(false);
            self.out.write_string(name);
        }
    }
}

impl Deref for ValueWriter<'_> {
    type Target = OutputStream;
    fn deref(&self) -> &OutputStream {
        self.out
    }
}

impl DerefMut for ValueWriter<'_> {
    fn deref_mut(&mut self) -> &mut OutputStream {
        self.out
    }
}
