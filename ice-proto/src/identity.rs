//! Identity, facet, operation mode and context (spec §4): the addressing data carried by every
//! request and proxy.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::encoding::{Decode, Encode, InputStream, OutputStream};
use crate::text::same_text;
use crate::DecodeError;

/// The identity of an Ice object: a name within an optional category. Marshaled name first.
#[derive(Debug, Clone, Default, Eq, PartialOrd, Ord)]
pub struct Identity {
    /// The name; empty only in the null identity.
    pub name: String,
    /// The category; empty for most objects. Glacier2 routes callbacks by it.
    pub category: String,
}

// By hand, to compare the (usually empty) category without `memcmp`: see `crate::text`.
impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        same_text(&self.name, &other.name) && same_text(&self.category, &other.category)
    }
}

impl Hash for Identity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.category.hash(state);
    }
}

impl Identity {
    /// An identity with `name` and no category.
    pub fn new(name: impl Into<String>) -> Self {
        Identity { name: name.into(), category: String::new() }
    }

    /// An identity with `category` and `name`.
    pub fn with_category(category: impl Into<String>, name: impl Into<String>) -> Self {
        Identity { name: name.into(), category: category.into() }
    }

    /// Whether this is the null identity (empty name and category), which stands for a null
    /// proxy on the wire.
    pub fn is_null(&self) -> bool {
        self.name.is_empty() && self.category.is_empty()
    }
}

impl fmt::Display for Identity {
    /// Unescaped `category/name` (or just `name`); see `proxy::identity_to_string` for Ice's
    /// escaped form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.category.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}/{}", self.category, self.name)
        }
    }
}

impl Encode for Identity {
    fn encode(&self, out: &mut OutputStream) {
        out.write_string(&self.name);
        out.write_string(&self.category);
    }
}

impl Decode for Identity {
    const MIN_WIRE_SIZE: usize = 2;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        let name = input.read_string()?;
        let category = input.read_string()?;
        Ok(Identity { name, category })
    }
}

/// Writes a facet the way Ice marshals it: an empty sequence for the default facet, else a
/// one-element `sequence<string>`.
pub fn write_facet(out: &mut OutputStream, facet: &str) {
    if facet.is_empty() {
        out.write_size(0);
    } else {
        out.write_size(1);
        out.write_string(facet);
    }
}

/// Reads a facet; a sequence of more than one element is a marshal error.
pub fn read_facet(input: &mut InputStream) -> Result<String, DecodeError> {
    match input.read_size()? {
        0 => Ok(String::new()),
        1 => input.read_string(),
        n => Err(DecodeError::invalid(format!("facet sequence has {n} elements"))),
    }
}

/// How an operation may be retried (`Ice::OperationMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum OperationMode {
    /// May change state: at most once, never retried after it may have been sent.
    #[default]
    Normal = 0,
    /// Deprecated read-only mode; Ice 3.7 sends it for the built-in `ice_*` operations.
    Nonmutating = 1,
    /// Safe to invoke twice: retried after failures.
    Idempotent = 2,
}

impl OperationMode {
    /// Whether a request in this mode may be sent again after it may have reached the server.
    pub fn is_idempotent(self) -> bool {
        self != OperationMode::Normal
    }
}

impl Encode for OperationMode {
    const FIXED_SIZE: Option<usize> = Some(1);
    fn encode(&self, out: &mut OutputStream) {
        out.write_u8(*self as u8)
    }
}

impl Decode for OperationMode {
    const FIXED_SIZE: Option<usize> = Some(1);
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        match input.read_u8()? {
            0 => Ok(OperationMode::Normal),
            1 => Ok(OperationMode::Nonmutating),
            2 => Ok(OperationMode::Idempotent),
            v => Err(DecodeError::InvalidEnumerator(v as i32)),
        }
    }
}

/// A request context (`Ice::Context`). Kept sorted, as ZeroC's C++ runtime sends it, so that
/// encodings are deterministic.
pub type Context = BTreeMap<String, String>;
