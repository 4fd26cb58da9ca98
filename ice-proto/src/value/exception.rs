//! User exceptions: the [`UserException`] trait, factories, and the encapsulation-level API a
//! driver uses for replies with status 1 (UserException).

use std::collections::HashMap;
use std::fmt::Debug;

use super::{
    AsAny, SliceInfo, SliceType, SlicedFormat, ValueFactory, ValueGraph, ValueReader,
    ValueRegistry, ValueWriter, DEFAULT_CLASS_GRAPH_DEPTH_MAX,
};
use crate::{DecodeError, Encapsulation, EncodingVersion};

/// A Slice user exception, implemented by hand.
///
/// Like a class, an exception is marshaled as one slice per level of its inheritance chain,
/// most derived first; see [`super::Value`] for how the methods divide the work. Exception
/// slices always carry their type id as a string.
///
/// ```
/// use ice_proto::value::{SliceType, UserException, ValueReader, ValueWriter};
/// use ice_proto::DecodeError;
///
/// // exception HelloError { int code; string reason; }
/// #[derive(Debug, Default, PartialEq)]
/// struct HelloError { code: i32, reason: String }
///
/// impl UserException for HelloError {
///     fn slices(&self) -> &'static [SliceType] {
///         const SLICES: &[SliceType] = &[SliceType::new("::Lab::HelloError")];
///         SLICES
///     }
///     fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
///         w.write_i32(self.code);
///         w.write_string(&self.reason);
///     }
///     fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
///         self.code = r.read_i32()?;
///         self.reason = r.read_string()?;
///         Ok(())
///     }
/// }
/// ```
pub trait UserException: AsAny + Debug + Send + Sync {
    /// The slices of this exception type, most derived first. Must not be empty.
    fn slices(&self) -> &'static [SliceType];

    /// Writes the data members of slice `slice` (an index into [`UserException::slices`]).
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>);

    /// Reads the data members of slice `slice`, as [`UserException::write_members`] wrote them.
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError>;

    /// Whether the type or one of its bases has class members. Only encoding 1.0 needs it: the
    /// exception then starts with `true` and is followed by the pending class instances.
    fn uses_classes(&self) -> bool {
        false
    }

    /// The most derived type id.
    fn ice_id(&self) -> &'static str {
        self.slices().first().map_or("", |s| s.type_id)
    }
}

impl dyn UserException {
    /// The exception as a `T`, if it is one.
    pub fn downcast_ref<T: UserException>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    /// The exception as a mutable `T`, if it is one.
    pub fn downcast_mut<T: UserException>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

/// Creates empty user exceptions by type id, for a reader to fill in. An operation's caller
/// knows which exceptions it declares; anything else arrives as an [`UnknownUserException`].
///
/// Implemented for closures `Fn(&str) -> Option<Box<dyn UserException>>` and by
/// [`ExceptionRegistry`].
pub trait ExceptionFactory {
    /// A default exception with type id `type_id`, or `None` if it is unknown.
    fn create(&self, type_id: &str) -> Option<Box<dyn UserException>>;
}

impl<F: Fn(&str) -> Option<Box<dyn UserException>>> ExceptionFactory for F {
    fn create(&self, type_id: &str) -> Option<Box<dyn UserException>> {
        self(type_id)
    }
}

/// An [`ExceptionFactory`] holding the exceptions registered with
/// [`ExceptionRegistry::register`].
#[derive(Debug, Default, Clone)]
pub struct ExceptionRegistry {
    by_type_id: HashMap<&'static str, fn() -> Box<dyn UserException>>,
}

impl ExceptionRegistry {
    /// An empty registry: every exception is unknown.
    pub fn new() -> Self {
        ExceptionRegistry::default()
    }

    /// Registers exception `T` under its most derived type id.
    pub fn register<T: UserException + Default>(&mut self) -> &mut Self {
        let create: fn() -> Box<dyn UserException> = || Box::new(T::default());
        if let Some(ty) = T::default().slices().first() {
            self.by_type_id.insert(ty.type_id, create);
        }
        self
    }

    /// [`ExceptionRegistry::register`], by value.
    pub fn with<T: UserException + Default>(mut self) -> Self {
        self.register::<T>();
        self
    }
}

impl ExceptionFactory for ExceptionRegistry {
    fn create(&self, type_id: &str) -> Option<Box<dyn UserException>> {
        self.by_type_id.get(type_id).map(|f| f())
    }
}

/// A user exception read from an encapsulation.
#[derive(Debug)]
pub enum DecodedException {
    /// The exception, or one of its base exceptions, was known.
    Known(KnownUserException),
    /// No slice of the exception was known (sliced format, or encoding 1.0).
    Unknown(UnknownUserException),
}

/// A user exception of a known type, possibly sliced from a more derived unknown type.
#[derive(Debug)]
pub struct KnownUserException {
    /// The most derived type id as sent, which is the exception's own unless it was sliced.
    pub type_id: String,
    /// The exception, of the most derived type that was known.
    pub exception: Box<dyn UserException>,
    /// The slices of the more derived types that were not known, most derived first (sliced
    /// format only); written back by [`DecodedException::to_encapsulation`].
    pub preserved: Vec<SliceInfo>,
    /// The class instances the exception's class members refer to.
    pub values: ValueGraph,
}

/// A user exception none of whose types the reader knew.
#[derive(Debug)]
pub struct UnknownUserException {
    /// The most derived type id, such as `"::Demo::NotFound"`.
    pub type_id: String,
    /// Every slice, most derived first, kept whole (encoding 1.1 only: encoding 1.0 slices are
    /// skipped and not kept).
    pub slices: Vec<SliceInfo>,
    /// The class instances the slices' indirection tables refer to.
    pub values: ValueGraph,
}

impl DecodedException {
    /// The most derived type id as sent, known or not.
    pub fn type_id(&self) -> &str {
        match self {
            DecodedException::Known(k) => &k.type_id,
            DecodedException::Unknown(u) => &u.type_id,
        }
    }

    /// The decoded exception, if a type was known.
    pub fn exception(&self) -> Option<&dyn UserException> {
        match self {
            DecodedException::Known(k) => Some(k.exception.as_ref()),
            DecodedException::Unknown(_) => None,
        }
    }

    /// The decoded exception, if it is a `T` (the most derived known type).
    pub fn downcast_ref<T: UserException>(&self) -> Option<&T> {
        self.exception()?.downcast_ref()
    }

    /// The class instances the exception refers to.
    pub fn values(&self) -> &ValueGraph {
        match self {
            DecodedException::Known(k) => &k.values,
            DecodedException::Unknown(u) => &u.values,
        }
    }

    /// Marshals the exception again, preserved slices included, for forwarding. Read in the
    /// sliced format and written in it, the result is the encapsulation that was read.
    /// Encoding 1.0 writes no preserved slices.
    pub fn to_encapsulation(
        &self,
        encoding: EncodingVersion,
        format: SlicedFormat,
    ) -> Encapsulation {
        Encapsulation::build(encoding, |out| {
            let mut w = ValueWriter::new(out, self.values(), format);
            match self {
                DecodedException::Known(k) => w.write_user_exception(&*k.exception, &k.preserved),
                DecodedException::Unknown(u) => w.write_unknown_exception(&u.slices),
            }
        })
    }
}

/// Reads the user exception that fills `encaps` (the body of a reply with status 1), creating
/// exceptions with `exceptions`. The exception's class members, if any, must be of no known
/// class: use [`decode_user_exception_with`] to decode them.
///
/// An exception of unknown type decodes to [`DecodedException::Unknown`] when its slices can
/// be skipped (sliced format, encoding 1.0); in the compact format it fails with
/// [`DecodeError::UnknownType`].
pub fn decode_user_exception(
    encaps: &Encapsulation,
    exceptions: &dyn ExceptionFactory,
) -> Result<DecodedException, DecodeError> {
    decode_user_exception_with(
        encaps,
        exceptions,
        &ValueRegistry::new(),
        DEFAULT_CLASS_GRAPH_DEPTH_MAX,
    )
}

/// [`decode_user_exception`], creating class instances with `values` and limiting class graph
/// depth to `class_graph_depth_max` (`Ice.ClassGraphDepthMax`).
pub fn decode_user_exception_with(
    encaps: &Encapsulation,
    exceptions: &dyn ExceptionFactory,
    values: &dyn ValueFactory,
    class_graph_depth_max: usize,
) -> Result<DecodedException, DecodeError> {
    let mut input = encaps.reader()?;
    let decoded = ValueReader::new(&mut input, values)
        .with_class_graph_depth_max(class_graph_depth_max)
        .read_user_exception(exceptions)?;
    encaps.finish(&mut input)?;
    Ok(decoded)
}

/// Marshals `exception` into a new encapsulation in `encoding`, as the body of a reply with
/// status 1. Its class members, if any, must be null: use [`encode_user_exception_with`]
/// otherwise.
pub fn encode_user_exception(
    exception: &dyn UserException,
    encoding: EncodingVersion,
    format: SlicedFormat,
) -> Encapsulation {
    encode_user_exception_with(exception, &ValueGraph::new(), encoding, format)
}

/// [`encode_user_exception`] for an exception whose class members refer to instances of
/// `values`.
pub fn encode_user_exception_with(
    exception: &dyn UserException,
    values: &ValueGraph,
    encoding: EncodingVersion,
    format: SlicedFormat,
) -> Encapsulation {
    Encapsulation::build(encoding, |out| {
        ValueWriter::new(out, values, format).write_user_exception(exception, &[])
    })
}
