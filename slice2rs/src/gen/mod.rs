//! Rust code for parsed Slice files: the symbol table of every definition the compiled
//! files can see (their includes too), the mapping of Slice types to Rust types, and the
//! emission of each file's modules.

mod data;
mod interface;
pub(crate) mod names;

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::ast::{Builtin, Definition, Literal, SliceFile, TypeRef};
use names::{camel, screaming, snake};

/// Paths generated code uses.
pub(crate) const ICE: &str = "::ice_driver";
pub(crate) const PROTO: &str = "::ice_driver::ice_proto";

/// Definitions mapped to the runtime's own types instead of being generated.
const WELL_KNOWN: &[(&str, &str)] =
    &[("::Ice::Identity", "::ice_driver::Identity"), ("::Ice::Context", "::ice_driver::Context")];

/// Ice's own sequences and dictionaries (Ice/BuiltinSequences.ice...), written out where
/// they are used so that files using them need not compile Ice's Slice (where it is
/// compiled, they are the same types).
const BUILTIN_SEQUENCES: &[(&str, &str)] = &[
    ("::Ice::BoolSeq", "Vec<bool>"),
    ("::Ice::ByteSeq", "::ice_driver::ice_proto::bytes::Bytes"),
    ("::Ice::ShortSeq", "Vec<i16>"),
    ("::Ice::IntSeq", "Vec<i32>"),
    ("::Ice::LongSeq", "Vec<i64>"),
    ("::Ice::FloatSeq", "Vec<f32>"),
    ("::Ice::DoubleSeq", "Vec<f64>"),
    ("::Ice::StringSeq", "Vec<String>"),
    ("::Ice::ObjectSeq", "Vec<Option<::ice_driver::ice_proto::value::ValueRef>>"),
    ("::Ice::ObjectProxySeq", "Vec<Option<::ice_driver::ice_proto::ProxyData>>"),
    // Ice/PropertiesAdmin.ice and Ice/SliceChecksumDict.ice.
    ("::Ice::PropertyDict", "::std::collections::BTreeMap<String, String>"),
    ("::Ice::SliceChecksumDict", "::std::collections::BTreeMap<String, String>"),
];

/// One named definition, by its full Slice name (`::Demo::Hello`).
#[derive(Debug, Clone)]
pub(crate) struct Symbol {
    /// The Slice module path (`["Demo"]`).
    pub(crate) modules: Vec<String>,
    pub(crate) definition: Definition,
}

/// Every definition visible to the files being compiled.
#[derive(Debug, Default)]
pub(crate) struct Symbols {
    pub(crate) map: HashMap<String, Symbol>,
}

impl Symbols {
    pub(crate) fn add_file(&mut self, file: &SliceFile) {
        self.add(&file.definitions, &mut Vec::new());
    }

    fn add(&mut self, definitions: &[Definition], modules: &mut Vec<String>) {
        for d in definitions {
            if let Definition::Module { name, definitions } = d {
                modules.push(name.clone());
                self.add(definitions, modules);
                modules.pop();
                continue;
            }
            let full = format!("::{}::{}", modules.join("::"), d.name());
            // A forward declaration never hides the definition, whichever file comes first.
            if matches!(d, Definition::Forward { .. }) && self.map.contains_key(&full) {
                continue;
            }
            self.map.insert(full, Symbol { modules: modules.clone(), definition: d.clone() });
        }
    }

    /// The full name of `name` as seen from module `scope`: the innermost enclosing module
    /// that defines it, as Slice looks names up.
    pub(crate) fn resolve(&self, name: &str, scope: &[String]) -> Option<String> {
        if let Some(abs) = name.strip_prefix("::") {
            let full = format!("::{abs}");
            return self.map.contains_key(&full).then_some(full);
        }
        for depth in (0..=scope.len()).rev() {
            let prefix = scope[..depth].join("::");
            let full =
                if prefix.is_empty() { format!("::{name}") } else { format!("::{prefix}::{name}") };
            if self.map.contains_key(&full) {
                return Some(full);
            }
        }
        None
    }

    pub(crate) fn get(&self, full: &str) -> Option<&Symbol> {
        self.map.get(full)
    }
}

/// Where code is being generated: the module (to reach other modules with `super::`) and the
/// symbol table.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) symbols: &'a Symbols,
    pub(crate) modules: &'a [String],
}

/// Why a type cannot be mapped.
pub(crate) type GenResult<T> = Result<T, String>;

impl Scope<'_> {
    fn resolve(&self, name: &str) -> GenResult<(String, &Symbol)> {
        let full = self
            .symbols
            .resolve(name, self.modules)
            .ok_or_else(|| format!("`{name}' is not defined"))?;
        let sym = self.symbols.get(&full).ok_or_else(|| format!("`{name}' is not defined"))?;
        Ok((full, sym))
    }

    /// The Rust path of the definition `full` from this module.
    pub(crate) fn path(&self, full: &str) -> String {
        if let Some((_, p)) = WELL_KNOWN.iter().chain(BUILTIN_SEQUENCES).find(|(s, _)| *s == full) {
            return (*p).to_owned();
        }
        let Some(sym) = self.symbols.get(full) else { return "()".into() };
        let mut p = "super::".repeat(self.modules.len());
        for m in &sym.modules {
            p.push_str(&snake(m));
            p.push_str("::");
        }
        let name = sym.definition.name();
        p.push_str(&match sym.definition {
            Definition::Const { .. } => screaming(name),
            Definition::Interface { .. } => format!("{}Prx", camel(name)),
            _ => camel(name),
        });
        p
    }

    /// The Rust type of `ty` in data (struct members, sequence elements...): proxies are
    /// `Option<ProxyData>`, class instances `Option<ValueRef>`.
    pub(crate) fn data_type(&self, ty: &TypeRef) -> GenResult<String> {
        Ok(match ty {
            TypeRef::Builtin(b) => builtin(*b).to_owned(),
            TypeRef::Value => format!("Option<{PROTO}::value::ValueRef>"),
            TypeRef::ObjectProxy | TypeRef::Proxy(_) => format!("Option<{PROTO}::ProxyData>"),
            TypeRef::Named(n) => {
                let (full, sym) = self.resolve(n)?;
                match &sym.definition {
                    Definition::Class { .. }
                    | Definition::Interface { .. }
                    | Definition::Forward { .. } => {
                        format!("Option<{PROTO}::value::ValueRef>")
                    }
                    Definition::Exception { .. }
                    | Definition::Const { .. }
                    | Definition::Module { .. } => return Err(format!("`{n}' is not a type")),
                    _ => self.path(&full),
                }
            }
        })
    }

    /// Whether values of `ty` hold class instances (and so need a class graph to marshal).
    pub(crate) fn uses_classes(&self, ty: &TypeRef) -> bool {
        self.uses_classes_depth(ty, 0)
    }

    fn uses_classes_depth(&self, ty: &TypeRef, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match ty {
            TypeRef::Value => true,
            TypeRef::Named(n) => match self.resolve(n) {
                Ok((_, sym)) => match &sym.definition {
                    Definition::Class { .. }
                    | Definition::Interface { .. }
                    | Definition::Forward { .. } => true,
                    Definition::Struct { members, .. } => {
                        let inner = self.inside(&sym.modules);
                        members.iter().any(|m| inner.uses_classes_depth(&m.ty, depth + 1))
                    }
                    Definition::Sequence { element, .. } => {
                        self.inside(&sym.modules).uses_classes_depth(element, depth + 1)
                    }
                    Definition::Dictionary { key, value, .. } => {
                        let inner = self.inside(&sym.modules);
                        inner.uses_classes_depth(key, depth + 1)
                            || inner.uses_classes_depth(value, depth + 1)
                    }
                    _ => false,
                },
                Err(_) => false,
            },
            _ => false,
        }
    }

    /// The same symbols seen from `modules` (where a definition was declared, to resolve
    /// the names it uses).
    pub(crate) fn inside<'b>(&self, modules: &'b [String]) -> Scope<'b>
    where
        Self: 'b,
    {
        Scope { symbols: self.symbols, modules }
    }

    /// The wire size of `ty` when it is fixed (Slice's "fixed-size" types), for
    /// `Encode::FIXED_SIZE` and optional formats.
    pub(crate) fn fixed_size(&self, ty: &TypeRef) -> Option<usize> {
        match ty {
            TypeRef::Builtin(b) => match b {
                Builtin::Bool | Builtin::Byte => Some(1),
                Builtin::Short => Some(2),
                Builtin::Int | Builtin::Float => Some(4),
                Builtin::Long | Builtin::Double => Some(8),
                Builtin::String => None,
            },
            TypeRef::Named(n) => {
                let (_, sym) = self.resolve(n).ok()?;
                match &sym.definition {
                    Definition::Struct { members, .. } => {
                        let inner = self.inside(&sym.modules);
                        members.iter().map(|m| inner.fixed_size(&m.ty)).sum()
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `ty` can derive `Eq`, `Ord` and `Hash` (no floating point, class or proxy).
    pub(crate) fn orderable(&self, ty: &TypeRef) -> bool {
        self.orderable_depth(ty, 0)
    }

    fn orderable_depth(&self, ty: &TypeRef, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        match ty {
            TypeRef::Builtin(Builtin::Float | Builtin::Double) => false,
            TypeRef::Builtin(_) => true,
            TypeRef::Value | TypeRef::ObjectProxy | TypeRef::Proxy(_) => false,
            TypeRef::Named(n) => match self.resolve(n) {
                Ok((full, sym)) => {
                    if WELL_KNOWN.iter().any(|(s, _)| *s == full) {
                        return full == "::Ice::Identity";
                    }
                    let inner = self.inside(&sym.modules);
                    match &sym.definition {
                        Definition::Enum { .. } => true,
                        Definition::Struct { members, .. } => {
                            members.iter().all(|m| inner.orderable_depth(&m.ty, depth + 1))
                        }
                        Definition::Sequence { element, .. } => {
                            inner.orderable_depth(element, depth + 1)
                        }
                        Definition::Dictionary { key, value, .. } => {
                            inner.orderable_depth(key, depth + 1)
                                && inner.orderable_depth(value, depth + 1)
                        }
                        _ => false,
                    }
                }
                Err(_) => false,
            },
        }
    }

    /// A Rust expression for `literal` as a value of `ty`.
    pub(crate) fn literal(
        &self,
        ty: &TypeRef,
        literal: &Literal,
        owned: bool,
    ) -> GenResult<String> {
        Ok(match (ty, literal) {
            (TypeRef::Builtin(Builtin::Bool), Literal::Bool(b)) => b.to_string(),
            (TypeRef::Builtin(Builtin::String), Literal::String(s)) => {
                if owned {
                    format!("{s:?}.to_owned()")
                } else {
                    format!("{s:?}")
                }
            }
            (TypeRef::Builtin(b @ (Builtin::Float | Builtin::Double)), Literal::Int(n)) => {
                format!("{n}.0{}", builtin(*b))
            }
            (TypeRef::Builtin(b @ (Builtin::Float | Builtin::Double)), Literal::Float(f)) => {
                let mut s = format!("{f:?}");
                if !s.contains('.') && !s.contains('e') {
                    s.push_str(".0");
                }
                format!("{s}{}", builtin(*b))
            }
            (TypeRef::Builtin(b), Literal::Int(n)) => format!("{n}{}", builtin(*b)),
            // String constants are `&str`.
            (TypeRef::Builtin(Builtin::String), Literal::Name(name)) if owned => {
                format!("{}.to_owned()", self.enumerator_or_const(ty, name)?)
            }
            (_, Literal::Name(name)) => self.enumerator_or_const(ty, name)?,
            (TypeRef::Named(_), _) => self.enumerator_or_const(ty, "")?,
            (ty, l) => return Err(format!("the value {l:?} does not fit the type {ty:?}")),
        })
    }

    fn enumerator_or_const(&self, ty: &TypeRef, name: &str) -> GenResult<String> {
        // A constant of the same module (or a scoped one)?
        if let Ok((full, sym)) = self.resolve(name) {
            if matches!(sym.definition, Definition::Const { .. }) {
                return Ok(self.path(&full));
            }
        }
        // An enumerator of the enum type, possibly scoped (`Color::red` or `::M::red`).
        let TypeRef::Named(type_name) = ty else {
            return Err(format!("`{name}' is not a constant"));
        };
        let (full, sym) = self.resolve(type_name)?;
        let Definition::Enum { enumerators, .. } = &sym.definition else {
            return Err(format!("`{name}' is not a constant of type `{type_name}'"));
        };
        let last = name.rsplit("::").next().unwrap_or(name);
        if enumerators.iter().any(|(e, _)| e == last) {
            Ok(format!("{}::{}", self.path(&full), camel(last)))
        } else {
            Err(format!("`{name}' is not an enumerator of `{type_name}'"))
        }
    }
}

pub(crate) fn builtin(b: Builtin) -> &'static str {
    match b {
        Builtin::Bool => "bool",
        Builtin::Byte => "u8",
        Builtin::Short => "i16",
        Builtin::Int => "i32",
        Builtin::Long => "i64",
        Builtin::Float => "f32",
        Builtin::Double => "f64",
        Builtin::String => "String",
    }
}

/// The Rust source of one Slice file (unformatted).
pub(crate) fn file(symbols: &Symbols, file: &SliceFile) -> GenResult<String> {
    self_containment(symbols)?;
    let mut out = String::new();
    let mut modules = Vec::new();
    for d in &file.definitions {
        match d {
            Definition::Module { .. } => module(symbols, d, &mut modules, &mut out)?,
            other => {
                return Err(format!("`{}' is outside of any module", other.name()));
            }
        }
    }
    Ok(out)
}

/// Refuses a struct that contains itself through its members (directly or through other
/// structs), as ZeroC's compilers do: its size would be infinite, and the generator's walks
/// over members would never end.
fn self_containment(symbols: &Symbols) -> GenResult<()> {
    for (full, sym) in &symbols.map {
        if !matches!(sym.definition, Definition::Struct { .. }) {
            continue;
        }
        let mut todo = vec![full.clone()];
        let mut seen = std::collections::HashSet::new();
        while let Some(current) = todo.pop() {
            let Some(Symbol { modules, definition: Definition::Struct { members, .. } }) =
                symbols.get(&current)
            else {
                continue;
            };
            for m in members {
                let TypeRef::Named(n) = &m.ty else { continue };
                let Some(inner) = symbols.resolve(n, modules) else { continue };
                if inner == *full {
                    return Err(format!("struct `{full}' cannot contain itself"));
                }
                if seen.insert(inner.clone()) {
                    todo.push(inner);
                }
            }
        }
    }
    Ok(())
}

/// The full names of the classes the compilation defines, in order.
pub(crate) fn classes(symbols: &Symbols) -> Vec<&str> {
    let mut v: Vec<&str> = symbols
        .map
        .iter()
        .filter(|(_, s)| matches!(s.definition, Definition::Class { .. }))
        .map(|(full, _)| full.as_str())
        .collect();
    v.sort_unstable();
    v
}

/// `ice_classes`, the value factory of every class the compilation knows: the operations of
/// the module's interfaces skip with it the optional class parameters a newer peer sends.
fn class_factory(scope: &Scope<'_>, out: &mut String) {
    let classes = classes(scope.symbols);
    if classes.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "fn ice_classes(type_id: &str) -> Option<Box<dyn {PROTO}::value::Value>> {{
    match type_id {{"
    );
    for full in classes {
        let _ = writeln!(
            out,
            "        {full:?} => Some(Box::new(<{} as ::core::default::Default>::default())),",
            scope.path(full)
        );
    }
    let _ = writeln!(
        out,
        "        _ => None,
    }}
}}"
    );
}

fn module(
    symbols: &Symbols,
    d: &Definition,
    modules: &mut Vec<String>,
    out: &mut String,
) -> GenResult<()> {
    let Definition::Module { name, definitions } = d else { return Ok(()) };
    modules.push(name.clone());
    let _ = writeln!(out, "/// Slice module `{}`.", modules.join("::"));
    let _ = writeln!(out, "#[allow(clippy::all, clippy::pedantic, dead_code, unused_imports, unused_variables, unused_mut, unused_parens, non_camel_case_types, missing_docs)]");
    let _ = writeln!(out, "pub mod {} {{", snake(name));
    if definitions.iter().any(|d| matches!(d, Definition::Interface { .. })) {
        class_factory(&Scope { symbols, modules }, out);
    }
    for d in definitions {
        let scope = Scope { symbols, modules };
        let full = format!("::{}::{}", modules.join("::"), d.name());
        if let Some((_, p)) = WELL_KNOWN.iter().find(|(s, _)| *s == full) {
            let _ = writeln!(out, "pub use {p};");
            continue;
        }
        match d {
            Definition::Module { .. } => module(symbols, d, modules, out)?,
            Definition::Struct { .. } => data::structure(&scope, d, &full, out)?,
            Definition::Enum { .. } => data::enumeration(d, &full, out)?,
            Definition::Sequence { .. } => data::sequence(&scope, d, out)?,
            Definition::Dictionary { .. } => data::dictionary(&scope, d, out)?,
            Definition::Const { .. } => data::constant(&scope, d, out)?,
            Definition::Exception { .. } => data::exception(&scope, d, &full, out)?,
            Definition::Class { .. } => data::class(&scope, d, &full, out)?,
            Definition::Interface { .. } => interface::interface(&scope, d, &full, out)?,
            // Declares nothing of its own: the definition, where there is one, does.
            Definition::Forward { .. } => {}
        }
    }
    let _ = writeln!(out, "}}");
    modules.pop();
    Ok(())
}
