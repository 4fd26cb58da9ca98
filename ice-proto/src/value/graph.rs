//! Graphs of class instances: the arena that decoded instances live in and that writers read.

use super::{SliceInfo, SliceTypeId, Value};

/// A non-null reference to a class instance in a [`ValueGraph`]. Class-typed members are
/// `Option<ValueRef>` (`None` is Ice's null).
///
/// Two refs may name the same instance (Ice shares instances and allows cycles); compare
/// instances with [`ValueGraph::same_instance`], not with `==`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueRef(pub(crate) u32);

/// A class instance held by a [`ValueGraph`].
#[derive(Debug)]
pub enum Instance {
    /// An instance of a type the reader knows, perhaps sliced from a more derived type it does
    /// not know.
    Known {
        /// The decoded value (of the most derived type the reader knew).
        value: Box<dyn Value>,
        /// The slices of the more derived types the reader did not know, most derived first,
        /// kept so that writing the instance again reproduces them. Empty when the type was
        /// known.
        preserved: Vec<SliceInfo>,
    },
    /// An instance none of whose slices the reader knew (sliced format only).
    Unknown(UnknownSlicedValue),
}

impl Instance {
    /// A known instance with no preserved slices.
    pub fn new(value: Box<dyn Value>) -> Self {
        Instance::Known { value, preserved: Vec::new() }
    }

    /// The decoded value, unless no slice of the instance was known.
    pub fn value(&self) -> Option<&dyn Value> {
        match self {
            Instance::Known { value, .. } => Some(value.as_ref()),
            Instance::Unknown(_) => None,
        }
    }

    /// The type id of the most derived slice as written by the sender.
    pub fn most_derived_type_id(&self) -> SliceTypeId {
        match self {
            Instance::Known { value, preserved } => match preserved.first() {
                Some(s) => s.type_id.clone(),
                None => SliceTypeId::from(value.ice_id()),
            },
            Instance::Unknown(u) => u.type_id(),
        }
    }

    /// The preserved slices: those of unknown types, most derived first.
    pub fn preserved_slices(&self) -> &[SliceInfo] {
        match self {
            Instance::Known { preserved, .. } => preserved,
            Instance::Unknown(u) => &u.slices,
        }
    }
}

/// A class instance whose type, and whose every base type, the reader did not know: Ice's
/// "unknown sliced value". Its slices are kept whole, so it is written again unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSlicedValue {
    /// Every slice of the instance, most derived first.
    pub slices: Vec<SliceInfo>,
}

impl UnknownSlicedValue {
    /// The type id of the most derived slice.
    pub fn type_id(&self) -> SliceTypeId {
        match self.slices.first() {
            Some(s) => s.type_id.clone(),
            None => SliceTypeId::from(""),
        }
    }
}

/// An arena of class instances. Instances refer to each other through [`ValueRef`]s, so shared
/// instances and cycles need no reference counting.
///
/// Readers fill a graph while decoding an encapsulation ([`super::ValueReader::finish`]);
/// writers read one ([`super::ValueWriter::new`]). To build one, [`ValueGraph::add`] instances
/// and set their class members to the returned refs.
#[derive(Debug, Default)]
pub struct ValueGraph {
    /// Ref id → index in `nodes`. Decoders hand out one ref per reference read, before they know
    /// which instance it names, so refs and instances are numbered apart.
    refs: Vec<u32>,
    nodes: Vec<Instance>,
}

impl ValueGraph {
    /// An empty graph.
    pub fn new() -> Self {
        ValueGraph::default()
    }

    pub(crate) fn from_parts(refs: Vec<u32>, nodes: Vec<Instance>) -> Self {
        ValueGraph { refs, nodes }
    }

    /// Adds an instance of a known type and returns a ref to it.
    pub fn add(&mut self, value: impl Value) -> ValueRef {
        self.add_instance(Instance::new(Box::new(value)))
    }

    /// Adds an instance and returns a ref to it.
    ///
    /// # Panics
    /// If the graph already holds `u32::MAX` refs.
    pub fn add_instance(&mut self, instance: Instance) -> ValueRef {
        let too_many = |_| panic!("a ValueGraph holds at most u32::MAX refs");
        let node = u32::try_from(self.nodes.len()).unwrap_or_else(too_many);
        self.nodes.push(instance);
        let r = u32::try_from(self.refs.len()).unwrap_or_else(too_many);
        self.refs.push(node);
        ValueRef(r)
    }

    /// Number of distinct instances.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph holds no instance.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every instance, in the order they were added (decoders add an instance once its body
    /// is read, so nested instances come before the instances holding them).
    pub fn instances(&self) -> &[Instance] {
        &self.nodes
    }

    /// The index in [`ValueGraph::instances`] of the instance `r` names, or `None` if `r` is not
    /// a ref of this graph.
    pub fn index_of(&self, r: ValueRef) -> Option<usize> {
        self.refs.get(r.0 as usize).map(|&n| n as usize)
    }

    /// The instance `r` names.
    pub fn instance(&self, r: ValueRef) -> Option<&Instance> {
        self.nodes.get(self.index_of(r)?)
    }

    /// The instance `r` names, to modify.
    pub fn instance_mut(&mut self, r: ValueRef) -> Option<&mut Instance> {
        let i = self.index_of(r)?;
        self.nodes.get_mut(i)
    }

    /// The value `r` names, if its type (or one of its base types) was known.
    pub fn value(&self, r: ValueRef) -> Option<&dyn Value> {
        self.instance(r)?.value()
    }

    /// The value `r` names, if it is a `T`.
    pub fn get<T: Value>(&self, r: ValueRef) -> Option<&T> {
        self.value(r)?.downcast_ref::<T>()
    }

    /// The value `r` names, to modify, if it is a `T`.
    pub fn get_mut<T: Value>(&mut self, r: ValueRef) -> Option<&mut T> {
        match self.instance_mut(r)? {
            Instance::Known { value, .. } => value.downcast_mut::<T>(),
            Instance::Unknown(_) => None,
        }
    }

    /// Whether `a` and `b` name the same instance.
    pub fn same_instance(&self, a: ValueRef, b: ValueRef) -> bool {
        match (self.index_of(a), self.index_of(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }
}
