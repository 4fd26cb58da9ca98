//! The [`Value`] trait that Slice classes implement, and the factories readers create them with.

use std::any::Any;
use std::collections::HashMap;
use std::fmt::Debug;

use super::{SliceType, ValueReader, ValueWriter};
use crate::DecodeError;

/// Lets trait objects of [`Value`] and [`super::UserException`] be downcast to their concrete
/// type. Implemented for every `'static` type; there is nothing to implement by hand.
pub trait AsAny: Any {
    /// `self` as [`Any`].
    fn as_any(&self) -> &dyn Any;
    /// `self` as mutable [`Any`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A Slice class (an Ice "value"), implemented by hand.
///
/// A class is marshaled as one slice per level of its inheritance chain, most derived first.
/// [`Value::slices`] describes the levels; [`Value::write_members`] and [`Value::read_members`]
/// handle the data members of one level, by its index in that list. Class-typed members are
/// `Option<ValueRef>` and go through [`ValueWriter::write_value`] /
/// [`ValueReader::read_value`]; optional members through `write_optional` / `read_optional`.
///
/// ```
/// use ice_proto::value::{SliceType, Value, ValueReader, ValueRef, ValueWriter};
/// use ice_proto::DecodeError;
///
/// // class Base { int i; }  class Derived extends Base { string s; Base next; }
/// #[derive(Debug, Default)]
/// struct Derived { i: i32, s: String, next: Option<ValueRef> }
///
/// impl Value for Derived {
///     fn slices(&self) -> &'static [SliceType] {
///         const SLICES: &[SliceType] =
///             &[SliceType::new("::Test::Derived"), SliceType::new("::Test::Base")];
///         SLICES
///     }
///     fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
///         match slice {
///             0 => {
///                 w.write_string(&self.s);
///                 w.write_value(self.next);
///             }
///             _ => w.write_i32(self.i),
///         }
///     }
///     fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
///         match slice {
///             0 => {
///                 self.s = r.read_string()?;
///                 self.next = r.read_value()?;
///             }
///             _ => self.i = r.read_i32()?,
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait Value: AsAny + Debug + Send + Sync {
    /// The slices of this type, most derived first. Must not be empty.
    fn slices(&self) -> &'static [SliceType];

    /// Writes the data members of slice `slice` (an index into [`Value::slices`]): required
    /// members in declaration order, then optional members by increasing tag.
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>);

    /// Reads the data members of slice `slice`, as [`Value::write_members`] wrote them.
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError>;

    /// The most derived type id.
    fn ice_id(&self) -> &'static str {
        self.slices().first().map_or("", |s| s.type_id)
    }
}

impl dyn Value {
    /// The value as a `T`, if it is one.
    pub fn downcast_ref<T: Value>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    /// The value as a mutable `T`, if it is one.
    pub fn downcast_mut<T: Value>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

/// Creates empty class instances by type id, for a reader to fill in ("value factory").
///
/// Implemented for closures `Fn(&str) -> Option<Box<dyn Value>>` and by [`ValueRegistry`].
pub trait ValueFactory {
    /// A default instance of the class with type id `type_id`, or `None` if it is unknown.
    fn create(&self, type_id: &str) -> Option<Box<dyn Value>>;

    /// A default instance of the class with compact id `compact_id`, or `None` if unknown.
    fn create_compact(&self, compact_id: u32) -> Option<Box<dyn Value>> {
        let _ = compact_id;
        None
    }
}

impl<F: Fn(&str) -> Option<Box<dyn Value>>> ValueFactory for F {
    fn create(&self, type_id: &str) -> Option<Box<dyn Value>> {
        self(type_id)
    }
}

/// A [`ValueFactory`] holding the classes registered with [`ValueRegistry::register`], by type
/// id and by compact id.
#[derive(Debug, Default, Clone)]
pub struct ValueRegistry {
    by_type_id: HashMap<&'static str, fn() -> Box<dyn Value>>,
    by_compact_id: HashMap<u32, fn() -> Box<dyn Value>>,
}

impl ValueRegistry {
    /// An empty registry: every class is unknown.
    pub fn new() -> Self {
        ValueRegistry::default()
    }

    /// Registers class `T` under its most derived type id and compact id.
    pub fn register<T: Value + Default>(&mut self) -> &mut Self {
        let create: fn() -> Box<dyn Value> = || Box::new(T::default());
        if let Some(ty) = T::default().slices().first() {
            self.by_type_id.insert(ty.type_id, create);
            if let Some(id) = ty.compact_id {
                self.by_compact_id.insert(id, create);
            }
        }
        self
    }

    /// [`ValueRegistry::register`], by value.
    pub fn with<T: Value + Default>(mut self) -> Self {
        self.register::<T>();
        self
    }
}

impl ValueFactory for ValueRegistry {
    fn create(&self, type_id: &str) -> Option<Box<dyn Value>> {
        self.by_type_id.get(type_id).map(|f| f())
    }

    fn create_compact(&self, compact_id: u32) -> Option<Box<dyn Value>> {
        self.by_compact_id.get(&compact_id).map(|f| f())
    }
}
