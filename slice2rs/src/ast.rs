//! The parsed form of Slice definitions.

/// Where something was written: file, line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file, as named on the command line or found on the include path.
    pub file: String,
    /// The line.
    pub line: usize,
    /// The column.
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// `["a", "b"]` metadata on a definition.
pub type Metadata = Vec<String>;

/// A type as written: a builtin, a scoped name, or a proxy (`Name*`).
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `bool`, `byte`, `short`, `int`, `long`, `float`, `double`, `string`.
    Builtin(Builtin),
    /// `Object`: a class instance of any type (`Value` in Ice 3.7).
    Value,
    /// `Object*`: a proxy of any type.
    ObjectProxy,
    /// A user type by (possibly scoped) name.
    Named(String),
    /// `Name*`: a proxy of an interface.
    Proxy(String),
}

/// The builtin types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// `bool`
    Bool,
    /// `byte`
    Byte,
    /// `short`
    Short,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `string`
    String,
}

/// A data member, or a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: TypeRef,
    /// `optional(tag)`.
    pub tag: Option<u32>,
    /// A default value (`= 5`), as written.
    pub default: Option<Literal>,
    /// Its metadata.
    pub metadata: Metadata,
    /// Where it was declared.
    pub location: Location,
}

/// A literal in a constant or a default value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(String),
    /// A name: an enumerator or another constant.
    Name(String),
}

/// An operation of an interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Its name.
    pub name: String,
    /// `idempotent`.
    pub idempotent: bool,
    /// The return type; `None` for `void`.
    pub ret: Option<TypeRef>,
    /// `optional(tag)` on the return type.
    pub ret_tag: Option<u32>,
    /// In-parameters.
    pub params: Vec<Member>,
    /// Out-parameters.
    pub outs: Vec<Member>,
    /// `throws` list.
    pub throws: Vec<String>,
    /// Its metadata (`["nonmutating"]`, `["format:sliced"]`...).
    pub metadata: Metadata,
    /// Where it was declared.
    pub location: Location,
}

/// One Slice definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    /// `module M { ... }`.
    Module {
        /// Its name.
        name: String,
        /// What it holds.
        definitions: Vec<Definition>,
    },
    /// `struct S { ... }`.
    Struct {
        /// Its name.
        name: String,
        /// Its members.
        members: Vec<Member>,
        /// Its metadata.
        metadata: Metadata,
    },
    /// `class C extends B { ... }` (Ice 3.7 classes with operations are skipped).
    Class {
        /// Its name.
        name: String,
        /// Its base class, if any.
        base: Option<String>,
        /// Its compact id, `class C(5)`.
        compact_id: Option<i32>,
        /// Its data members.
        members: Vec<Member>,
        /// Its metadata.
        metadata: Metadata,
    },
    /// `interface I extends A, B { ... }`.
    Interface {
        /// Its name.
        name: String,
        /// Its base interfaces.
        bases: Vec<String>,
        /// Its operations.
        operations: Vec<Operation>,
        /// Its metadata.
        metadata: Metadata,
    },
    /// `exception E extends B { ... }`.
    Exception {
        /// Its name.
        name: String,
        /// Its base exception, if any.
        base: Option<String>,
        /// Its data members.
        members: Vec<Member>,
        /// Its metadata.
        metadata: Metadata,
    },
    /// `enum E { a, b = 5 }`.
    Enum {
        /// Its name.
        name: String,
        /// Its enumerators and their values.
        enumerators: Vec<(String, i32)>,
    },
    /// `sequence<T> S`.
    Sequence {
        /// Its name.
        name: String,
        /// The element type.
        element: TypeRef,
        /// Its metadata.
        metadata: Metadata,
    },
    /// `dictionary<K, V> D`.
    Dictionary {
        /// Its name.
        name: String,
        /// The key type.
        key: TypeRef,
        /// The value type.
        value: TypeRef,
    },
    /// `class C;` or `interface I;`: a forward declaration. The definition may be in a file
    /// this one does not include, as ZeroC's compilers allow; such a type is used as a class
    /// instance or an untyped proxy.
    Forward {
        /// Its name.
        name: String,
        /// `interface I;` rather than `class C;`.
        interface: bool,
    },
    /// `const T N = v`.
    Const {
        /// Its name.
        name: String,
        /// Its type.
        ty: TypeRef,
        /// Its value.
        value: Literal,
    },
}

impl Definition {
    /// The definition's name.
    pub fn name(&self) -> &str {
        match self {
            Definition::Module { name, .. }
            | Definition::Struct { name, .. }
            | Definition::Class { name, .. }
            | Definition::Interface { name, .. }
            | Definition::Exception { name, .. }
            | Definition::Enum { name, .. }
            | Definition::Sequence { name, .. }
            | Definition::Dictionary { name, .. }
            | Definition::Forward { name, .. }
            | Definition::Const { name, .. } => name,
        }
    }
}

/// One parsed `.ice` file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SliceFile {
    /// The file's name.
    pub name: String,
    /// Its global metadata (`[["..."]]`).
    pub metadata: Metadata,
    /// Its top-level definitions (modules).
    pub definitions: Vec<Definition>,
}
