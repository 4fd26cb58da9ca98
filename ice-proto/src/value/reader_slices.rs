//! The slice-level half of [`ValueReader`]: slice headers, instance bodies, skipped and
//! preserved slices, and user exceptions, in encodings 1.1 and 1.0.

use std::sync::Arc;

use super::reader::{ReadSlice, RefTarget};
use super::slice::{
    FLAG_HAS_INDIRECTION_TABLE, FLAG_HAS_OPTIONAL_MEMBERS, FLAG_HAS_SLICE_SIZE, FLAG_IS_LAST_SLICE,
    FLAG_TYPE_ID_COMPACT, FLAG_TYPE_ID_INDEX, FLAG_TYPE_ID_STRING, ICE_OBJECT_TYPE_ID,
};
use super::{
    DecodedException, ExceptionFactory, Instance, KnownUserException, SliceInfo, SliceType,
    SliceTypeId, UnknownSlicedValue, UnknownUserException, UserException, Value, ValueReader,
};
use crate::DecodeError;

/// Whether slices belong to a class instance or to an exception: their type ids differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SliceKind {
    Value,
    Exception,
}

/// A slice header as read.
#[derive(Debug)]
pub(super) struct SliceHeader {
    flags: u8,
    type_id: Option<SliceTypeId>,
    /// Where the slice ends, if it has a size.
    end: Option<usize>,
}

/// Reads one slice's members into a value or exception being decoded.
type ReadMembers<'r, 'a> = dyn FnMut(usize, &mut ValueReader<'a>) -> Result<(), DecodeError> + 'r;

/// What reading an exception's slices found, before the instance graph is finished.
enum ExceptionOutcome {
    /// The exception, its most derived type id as sent, and the slices kept.
    Known(Box<dyn UserException>, String, Vec<SliceInfo>),
    Unknown(String, Vec<SliceInfo>),
}

impl<'a> ValueReader<'a> {
    /// Reads the user exception that fills the rest of the encapsulation, then any class
    /// instances it refers to, and returns it with them.
    pub fn read_user_exception(
        mut self,
        factory: &dyn ExceptionFactory,
    ) -> Result<DecodedException, DecodeError> {
        let outcome = if self.is_1_0() {
            self.read_exception_1_0(factory)?
        } else {
            self.read_exception_1_1(factory)?
        };
        let values = self.finish()?;
        Ok(match outcome {
            ExceptionOutcome::Known(exception, type_id, preserved) => {
                DecodedException::Known(KnownUserException {
                    type_id,
                    exception,
                    preserved,
                    values,
                })
            }
            ExceptionOutcome::Unknown(type_id, slices) => {
                DecodedException::Unknown(UnknownUserException { type_id, slices, values })
            }
        })
    }

    fn read_exception_1_1(
        &mut self,
        factory: &dyn ExceptionFactory,
    ) -> Result<ExceptionOutcome, DecodeError> {
        let mut preserved: Vec<SliceInfo> = Vec::new();
        let mut header = self.read_slice_header(SliceKind::Exception)?;
        loop {
            let name = match &header.type_id {
                Some(SliceTypeId::Name(n)) => n.clone(),
                _ => return Err(DecodeError::invalid("exception slice without a type id")),
            };
            if let Some(mut ex) = factory.create(&name) {
                let slices = ex.slices();
                self.read_known_slices(SliceKind::Exception, slices, header, &mut |i, r| {
                    ex.read_members(i, r)
                })?;
                let most_derived = match preserved.first().and_then(|s| s.type_id.name()) {
                    Some(id) => id.to_owned(),
                    None => ex.ice_id().to_owned(),
                };
                return Ok(ExceptionOutcome::Known(ex, most_derived, preserved));
            }
            if header.end.is_none() {
                return Err(DecodeError::UnknownType(name.to_string()));
            }
            match self.preserve_slice(SliceKind::Exception, header, &mut preserved)? {
                Some(next) => header = next,
                None => {
                    let most_derived =
                        preserved.first().and_then(|s| s.type_id.name()).unwrap_or_default();
                    return Ok(ExceptionOutcome::Unknown(most_derived.to_owned(), preserved));
                }
            }
        }
    }

    /// Encoding 1.0: a `usesClasses` flag, then slices with no last-slice marker: an unknown
    /// exception is recognized by reaching the end of the encapsulation.
    fn read_exception_1_0(
        &mut self,
        factory: &dyn ExceptionFactory,
    ) -> Result<ExceptionOutcome, DecodeError> {
        let uses_classes = self.input.read_bool()?;
        let mut most_derived: Option<String> = None;
        let outcome = loop {
            if self.input.is_empty() {
                match most_derived {
                    Some(id) => break ExceptionOutcome::Unknown(id, Vec::new()),
                    None => return Err(DecodeError::invalid("user exception without slices")),
                }
            }
            let header = self.read_slice_header(SliceKind::Exception)?;
            let name = header.type_id.as_ref().and_then(SliceTypeId::name).unwrap_or_default();
            let name = name.to_owned();
            if let Some(mut ex) = factory.create(&name) {
                let slices = ex.slices();
                self.read_known_slices(SliceKind::Exception, slices, header, &mut |i, r| {
                    ex.read_members(i, r)
                })?;
                let most_derived = most_derived.unwrap_or(name);
                break ExceptionOutcome::Known(ex, most_derived, Vec::new());
            }
            most_derived.get_or_insert(name);
            self.skip_to(header.end)?;
        };
        if uses_classes {
            self.read_pending_values()?;
        }
        Ok(outcome)
    }

    /// Reads the instance marker that starts a class reference outside a sliced slice (or an
    /// indirection table entry): `0` null, `1` a new instance that follows, else an instance id.
    pub(super) fn read_instance(&mut self, marker: usize) -> Result<Option<i32>, DecodeError> {
        match marker {
            0 => Ok(None),
            1 => {
                let id = self.next_id;
                self.next_id = id
                    .checked_add(1)
                    .ok_or_else(|| DecodeError::invalid("too many class instances"))?;
                self.read_instance_body_1_1(id)?;
                Ok(Some(id))
            }
            n => i32::try_from(n)
                .map(Some)
                .map_err(|_| DecodeError::invalid("class instance id too large")),
        }
    }

    fn read_instance_body_1_1(&mut self, id: i32) -> Result<(), DecodeError> {
        if self.depth >= self.depth_max {
            return Err(DecodeError::TooDeep(self.depth_max));
        }
        self.depth += 1;
        let outer = self.slice.take();
        let instance = self.read_value_slices_1_1()?;
        self.slice = outer;
        self.depth -= 1;
        self.add_node(id, instance)
    }

    fn read_value_slices_1_1(&mut self) -> Result<Instance, DecodeError> {
        let mut preserved = Vec::new();
        let mut header = self.read_slice_header(SliceKind::Value)?;
        loop {
            if let Some(mut value) = self.create_value(&header)? {
                let slices = value.slices();
                self.read_known_slices(SliceKind::Value, slices, header, &mut |i, r| {
                    value.read_members(i, r)
                })?;
                return Ok(Instance::Known { value, preserved });
            }
            match self.preserve_slice(SliceKind::Value, header, &mut preserved)? {
                Some(next) => header = next,
                None => return Ok(Instance::Unknown(UnknownSlicedValue { slices: preserved })),
            }
        }
    }

    /// Creates the value a slice names, or returns `None` if its type is unknown but the slice
    /// can be skipped.
    #[inline(never)]
    fn create_value(&self, header: &SliceHeader) -> Result<Option<Box<dyn Value>>, DecodeError> {
        let created = match &header.type_id {
            Some(SliceTypeId::Name(n)) => self.factory.create(n),
            Some(SliceTypeId::Compact(c)) => self.factory.create_compact(*c),
            None => {
                return Err(DecodeError::invalid(
                    "class slice without a type id (the compact format cannot be sliced)",
                ))
            }
        };
        match (created, &header.type_id, header.end) {
            (Some(v), _, _) => Ok(Some(v)),
            (None, Some(t), None) => Err(unknown_type(t)),
            (None, _, _) => Ok(None),
        }
    }

    /// Keeps the slice `header` starts and returns the header of the next slice, or `None`
    /// if it was the last.
    #[inline(never)]
    fn preserve_slice(
        &mut self,
        kind: SliceKind,
        header: SliceHeader,
        preserved: &mut Vec<SliceInfo>,
    ) -> Result<Option<SliceHeader>, DecodeError> {
        let info = self.read_preserved_slice(header)?;
        let last = info.is_last;
        preserved.push(info);
        if last {
            return Ok(None);
        }
        self.read_slice_header(kind).map(Some)
    }

    /// Encoding 1.0: slices each with a type id and a size, ending with `::Ice::Object`.
    /// Unknown slices are skipped (not kept).
    pub(super) fn read_instance_body_1_0(&mut self, id: i32) -> Result<(), DecodeError> {
        let mut most_derived: Option<SliceTypeId> = None;
        loop {
            let header = self.read_slice_header(SliceKind::Value)?;
            let type_id = header.type_id.clone().unwrap_or_else(|| SliceTypeId::from(""));
            let name = type_id.name().unwrap_or_default();
            if name == ICE_OBJECT_TYPE_ID {
                let id = most_derived.unwrap_or(type_id);
                return Err(DecodeError::UnknownType(id.to_string()));
            }
            let created = self.factory.create(name);
            most_derived.get_or_insert(type_id);
            if let Some(mut value) = created {
                let slices = value.slices();
                self.read_known_slices(SliceKind::Value, slices, header, &mut |i, r| {
                    value.read_members(i, r)
                })?;
                let root = self.read_slice_header(SliceKind::Value)?;
                if root.type_id.as_ref().and_then(SliceTypeId::name) != Some(ICE_OBJECT_TYPE_ID) {
                    return Err(DecodeError::invalid(
                        "class instance lacks its ::Ice::Object slice",
                    ));
                }
                self.skip_to(root.end)?;
                return self.add_node(id, Instance::new(value));
            }
            self.skip_to(header.end)?;
        }
    }

    /// Reads the slices `slices` of a known type, the first of which starts with `first`.
    fn read_known_slices(
        &mut self,
        kind: SliceKind,
        slices: &[SliceType],
        first: SliceHeader,
        read: &mut ReadMembers<'_, 'a>,
    ) -> Result<(), DecodeError> {
        if slices.is_empty() {
            return Err(DecodeError::invalid("a registered type declares no slices"));
        }
        let mut first = Some(first);
        for i in 0..slices.len() {
            self.start_known_slice(kind, slices, i, first.take())?;
            read(i, self)?;
            self.end_known_slice()?;
        }
        Ok(())
    }

    /// Reads (unless given) the header of slice `i` of a known type, checks it against the
    /// type's definition and makes it the current slice.
    #[inline(never)]
    fn start_known_slice(
        &mut self,
        kind: SliceKind,
        slices: &[SliceType],
        i: usize,
        header: Option<SliceHeader>,
    ) -> Result<(), DecodeError> {
        let header = match header {
            Some(h) => h,
            None => self.read_slice_header(kind)?,
        };
        let Some(ty) = slices.get(i) else {
            return Err(unexpected_last_slice(slices));
        };
        if let Some(t) = &header.type_id {
            if !t.matches(ty) {
                return Err(unexpected_slice(t, ty));
            }
        }
        let expect_last = i + 1 == slices.len();
        if !self.is_1_0() && (header.flags & FLAG_IS_LAST_SLICE != 0) != expect_last {
            return Err(unexpected_last_slice(slices));
        }
        self.slice = Some(ReadSlice { flags: header.flags, end: header.end, indirect: Vec::new() });
        Ok(())
    }

    /// Ends a slice whose members were read: skips unknown optionals, checks the slice size,
    /// and resolves indirection-table references.
    fn end_known_slice(&mut self) -> Result<(), DecodeError> {
        let flags = self.slice.as_ref().map_or(0, |s| s.flags);
        if flags & FLAG_HAS_OPTIONAL_MEMBERS != 0 && !self.is_1_0() {
            self.skip_slice_optionals()?;
        }
        let Some(slice) = self.slice.take() else {
            return Ok(());
        };
        if let Some(end) = slice.end {
            if self.input.position() != end {
                return Err(DecodeError::invalid("slice size does not match its members"));
            }
        }
        if flags & FLAG_HAS_INDIRECTION_TABLE == 0 {
            return Ok(());
        }
        let table = self.read_indirection_table()?;
        if slice.indirect.is_empty() && flags & FLAG_HAS_OPTIONAL_MEMBERS == 0 {
            return Err(DecodeError::invalid("indirection table with no reference to it"));
        }
        for (r, index) in slice.indirect {
            let id = *table
                .get(index)
                .ok_or_else(|| DecodeError::invalid("indirection table index out of range"))?;
            if let Some(t) = self.refs.get_mut(r as usize) {
                *t = RefTarget::Instance(id);
            }
        }
        Ok(())
    }

    /// Reads an indirection table: a count, then that many non-null instance references.
    fn read_indirection_table(&mut self) -> Result<Vec<i32>, DecodeError> {
        let count = self.input.read_count(1)?;
        if count == 0 {
            return Err(DecodeError::invalid("empty indirection table"));
        }
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let marker = self.input.read_size()?;
            match self.read_instance(marker)? {
                Some(id) => ids.push(id),
                None => return Err(DecodeError::invalid("null entry in an indirection table")),
            }
        }
        Ok(ids)
    }

    /// Keeps a slice of unknown type whole: its data and its indirection table's instances.
    fn read_preserved_slice(&mut self, header: SliceHeader) -> Result<SliceInfo, DecodeError> {
        let end = header.end.unwrap_or(self.input.position());
        let len = end.saturating_sub(self.input.position());
        let data = self.input.read_bytes(len)?;
        let mut instances = Vec::new();
        if header.flags & FLAG_HAS_INDIRECTION_TABLE != 0 {
            for id in self.read_indirection_table()? {
                instances.push(self.new_ref(RefTarget::Instance(id))?);
            }
        }
        Ok(SliceInfo {
            type_id: header.type_id.unwrap_or_else(|| SliceTypeId::from("")),
            data,
            instances,
            has_optional_members: header.flags & FLAG_HAS_OPTIONAL_MEMBERS != 0,
            is_last: header.flags & FLAG_IS_LAST_SLICE != 0,
        })
    }

    fn skip_to(&mut self, end: Option<usize>) -> Result<(), DecodeError> {
        let end = end.unwrap_or(self.input.position());
        self.input.skip(end.saturating_sub(self.input.position()))
    }

    fn read_slice_header(&mut self, kind: SliceKind) -> Result<SliceHeader, DecodeError> {
        if self.is_1_0() {
            let type_id = match kind {
                SliceKind::Exception => SliceTypeId::Name(Arc::from(self.input.read_string()?)),
                SliceKind::Value if self.input.read_bool()? => self.read_type_id_index()?,
                SliceKind::Value => self.read_registered_type_id()?,
            };
            let end = Some(self.read_slice_size()?);
            return Ok(SliceHeader { flags: FLAG_HAS_SLICE_SIZE, type_id: Some(type_id), end });
        }
        let flags = self.input.read_u8()?;
        let type_id = match kind {
            SliceKind::Exception => Some(SliceTypeId::Name(Arc::from(self.input.read_string()?))),
            SliceKind::Value => match flags & FLAG_TYPE_ID_COMPACT {
                FLAG_TYPE_ID_COMPACT => {
                    let id = u32::try_from(self.input.read_size()?)
                        .map_err(|_| DecodeError::invalid("compact id too large"))?;
                    Some(SliceTypeId::Compact(id))
                }
                FLAG_TYPE_ID_STRING => Some(self.read_registered_type_id()?),
                FLAG_TYPE_ID_INDEX => Some(self.read_type_id_index()?),
                _ => None,
            },
        };
        let end = match flags & FLAG_HAS_SLICE_SIZE {
            0 => None,
            _ => Some(self.read_slice_size()?),
        };
        Ok(SliceHeader { flags, type_id, end })
    }

    /// Reads a type id string and registers it in the type-id table.
    fn read_registered_type_id(&mut self) -> Result<SliceTypeId, DecodeError> {
        let name: Arc<str> = Arc::from(self.input.read_string()?);
        self.type_ids.push(name.clone());
        Ok(SliceTypeId::Name(name))
    }

    fn read_type_id_index(&mut self) -> Result<SliceTypeId, DecodeError> {
        let index = self.input.read_size()?;
        index
            .checked_sub(1)
            .and_then(|i| self.type_ids.get(i))
            .map(|n| SliceTypeId::Name(n.clone()))
            .ok_or_else(|| DecodeError::invalid(format!("type id index {index} not defined")))
    }

    /// Reads a slice size (which counts its own 4 bytes) and returns where the slice ends.
    fn read_slice_size(&mut self) -> Result<usize, DecodeError> {
        let size = self.input.read_i32()?;
        let len = usize::try_from(size)
            .ok()
            .and_then(|s| s.checked_sub(4))
            .ok_or_else(|| DecodeError::invalid(format!("bad slice size {size}")))?;
        let left = self.input.remaining();
        if len > left {
            return Err(DecodeError::OutOfBounds { needed: len, left });
        }
        Ok(self.input.position() + len)
    }
}

// Errors are built out of line so that the functions on the recursive path of nested
// instances keep small stack frames.

#[cold]
#[inline(never)]
fn unexpected_slice(found: &SliceTypeId, expected: &SliceType) -> DecodeError {
    DecodeError::invalid(format!("slice {found} found where {} was expected", expected.type_id))
}

#[cold]
#[inline(never)]
fn unexpected_last_slice(slices: &[SliceType]) -> DecodeError {
    let id = slices.first().map_or("", |s| s.type_id);
    DecodeError::invalid(format!("the slices of {id} do not match its definition"))
}

#[cold]
#[inline(never)]
fn unknown_type(type_id: &SliceTypeId) -> DecodeError {
    DecodeError::UnknownType(type_id.to_string())
}
