//! Structs, enums, sequences, dictionaries, constants, exceptions and classes.

use std::fmt::Write as _;

use super::names::{camel, screaming, snake};
use super::{GenResult, Scope, PROTO};
use crate::ast::{Builtin, Definition, Member, TypeRef};

fn doc(out: &mut String, what: &str, full: &str) {
    let _ = writeln!(out, "/// Slice {what} `{full}`.");
}

/// The `Default` value of a member: its Slice default, else Rust's.
fn default_value(scope: &Scope<'_>, m: &Member) -> GenResult<String> {
    match (&m.default, m.tag) {
        (Some(v), None) => scope.literal(&m.ty, v, true),
        (Some(v), Some(_)) => Ok(format!("Some({})", scope.literal(&m.ty, v, true)?)),
        (None, _) => Ok("::core::default::Default::default()".to_owned()),
    }
}

fn member_type(scope: &Scope<'_>, m: &Member) -> GenResult<String> {
    let t = scope.data_type(&m.ty)?;
    Ok(if m.tag.is_some() { format!("Option<{t}>") } else { t })
}

fn fields(scope: &Scope<'_>, members: &[Member], out: &mut String) -> GenResult<()> {
    for m in members {
        let _ = writeln!(out, "    /// `{}`", m.name);
        let _ = writeln!(out, "    pub {}: {},", snake(&m.name), member_type(scope, m)?);
    }
    Ok(())
}

fn default_impl(
    scope: &Scope<'_>,
    name: &str,
    members: &[Member],
    out: &mut String,
) -> GenResult<()> {
    let _ = writeln!(
        out,
        "impl ::core::default::Default for {name} {{\n    fn default() -> Self {{\n        Self {{"
    );
    for m in members {
        let _ = writeln!(out, "            {}: {},", snake(&m.name), default_value(scope, m)?);
    }
    let _ = writeln!(out, "        }}\n    }}\n}}");
    Ok(())
}

pub(crate) fn structure(
    scope: &Scope<'_>,
    d: &Definition,
    full: &str,
    out: &mut String,
) -> GenResult<()> {
    let Definition::Struct { name, members, .. } = d else { return Ok(()) };
    let name = camel(name);
    let ty = TypeRef::Named(full.to_owned());
    let orderable = scope.orderable(&ty);
    doc(out, "struct", full);
    let derives = if orderable {
        "Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash"
    } else {
        "Debug, Clone, PartialEq"
    };
    let _ = writeln!(out, "#[derive({derives})]\npub struct {name} {{");
    fields(scope, members, out)?;
    let _ = writeln!(out, "}}");
    default_impl(scope, &name, members, out)?;
    if scope.uses_classes(&ty) {
        // It holds class instances: marshaled through a class graph's writer and reader.
        let _ = writeln!(out, "impl {name} {{\n    /// Writes the struct (it holds class instances) with `w`.\n    pub fn ice_write(&self, w: &mut {PROTO}::value::ValueWriter<'_>) {{");
        for m in members {
            let _ = writeln!(
                out,
                "        {}",
                value_write(scope, &m.ty, &format!("self.{}", snake(&m.name)), 0)
            );
        }
        let _ = writeln!(out, "    }}\n    /// Reads the struct with `r`.\n    pub fn ice_read(r: &mut {PROTO}::value::ValueReader<'_>) -> Result<Self, {PROTO}::DecodeError> {{\n        Ok(Self {{");
        for m in members {
            let _ =
                writeln!(out, "            {}: {},", snake(&m.name), value_read(scope, &m.ty, 0));
        }
        let _ = writeln!(out, "        }})\n    }}\n}}");
        return Ok(());
    }
    let fixed = match scope.fixed_size(&ty) {
        Some(n) => format!("Some({n})"),
        None => "None".to_owned(),
    };
    let _ = writeln!(out, "impl {PROTO}::encoding::Encode for {name} {{\n    const FIXED_SIZE: Option<usize> = {fixed};\n    fn encode(&self, out: &mut {PROTO}::encoding::OutputStream) {{");
    for m in members {
        let _ = writeln!(
            out,
            "        {PROTO}::encoding::Encode::encode(&self.{}, out);",
            snake(&m.name)
        );
    }
    let _ = writeln!(out, "    }}\n}}");
    let _ = writeln!(out, "impl {PROTO}::encoding::Decode for {name} {{\n    const FIXED_SIZE: Option<usize> = {fixed};\n    fn decode(input: &mut {PROTO}::encoding::InputStream) -> Result<Self, {PROTO}::DecodeError> {{\n        Ok(Self {{");
    for m in members {
        let _ = writeln!(
            out,
            "            {}: {PROTO}::encoding::Decode::decode(input)?,",
            snake(&m.name)
        );
    }
    let _ = writeln!(out, "        }})\n    }}\n}}");
    Ok(())
}

pub(crate) fn enumeration(d: &Definition, full: &str, out: &mut String) -> GenResult<()> {
    let Definition::Enum { name, enumerators } = d else { return Ok(()) };
    let name = camel(name);
    doc(out, "enum", full);
    let _ = writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]\n#[repr(i32)]\npub enum {name} {{");
    for (i, (e, v)) in enumerators.iter().enumerate() {
        let default = if i == 0 { "#[default] " } else { "" };
        let _ = writeln!(out, "    /// `{e}`\n    {default}{} = {v},", camel(e));
    }
    let max = enumerators.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let _ = writeln!(out, "}}\nimpl {PROTO}::encoding::IceEnum for {name} {{\n    const MAX_VALUE: i32 = {max};\n    fn value(&self) -> i32 {{ *self as i32 }}\n    fn from_value(v: i32) -> Option<Self> {{\n        match v {{");
    for (e, v) in enumerators {
        let _ = writeln!(out, "            {v} => Some(Self::{}),", camel(e));
    }
    let _ = writeln!(
        out,
        "            _ => None,\n        }}\n    }}\n}}\n{PROTO}::ice_enum!({name});"
    );
    Ok(())
}

pub(crate) fn sequence(scope: &Scope<'_>, d: &Definition, out: &mut String) -> GenResult<()> {
    let Definition::Sequence { name, element, .. } = d else { return Ok(()) };
    let t = match element {
        TypeRef::Builtin(Builtin::Byte) => format!("{PROTO}::bytes::Bytes"),
        other => format!("Vec<{}>", scope.data_type(other)?),
    };
    let _ = writeln!(out, "/// Slice sequence `{name}`.\npub type {} = {t};", camel(name));
    Ok(())
}

pub(crate) fn dictionary(scope: &Scope<'_>, d: &Definition, out: &mut String) -> GenResult<()> {
    let Definition::Dictionary { name, key, value } = d else { return Ok(()) };
    if !scope.orderable(key) {
        return Err(format!("dictionary `{name}': its key type cannot be ordered"));
    }
    let _ = writeln!(
        out,
        "/// Slice dictionary `{name}`.\npub type {} = ::std::collections::BTreeMap<{}, {}>;",
        camel(name),
        scope.data_type(key)?,
        scope.data_type(value)?
    );
    Ok(())
}

pub(crate) fn constant(scope: &Scope<'_>, d: &Definition, out: &mut String) -> GenResult<()> {
    let Definition::Const { name, ty, value } = d else { return Ok(()) };
    let t = match ty {
        TypeRef::Builtin(Builtin::String) => "&str".to_owned(),
        other => scope.data_type(other)?,
    };
    let _ = writeln!(
        out,
        "/// Slice constant `{name}`.\npub const {}: {t} = {};",
        screaming(name),
        scope.literal(ty, value, false)?
    );
    Ok(())
}

/// The levels of an exception or class, most derived first: (type id, compact id, members,
/// the module the level was declared in).
type Levels = Vec<(String, Option<i32>, Vec<Member>, Vec<String>)>;

fn levels(scope: &Scope<'_>, d: &Definition, full: &str) -> GenResult<Levels> {
    let mut out: Levels = Vec::new();
    let mut current = Some((full.to_owned(), d.clone(), scope.modules.to_vec()));
    while let Some((id, def, modules)) = current.take() {
        if out.len() > 64 {
            return Err(format!("`{full}' derives from itself"));
        }
        let (base, members, compact) = match &def {
            Definition::Exception { base, members, .. } => (base.clone(), members.clone(), None),
            Definition::Class { base, members, compact_id, .. } => {
                (base.clone(), members.clone(), *compact_id)
            }
            _ => return Err(format!("`{id}' is not an exception or class")),
        };
        out.push((id, compact, members, modules.clone()));
        if let Some(b) = base {
            let inner = scope.inside(&modules);
            let full = inner
                .symbols
                .resolve(&b, &modules)
                .ok_or_else(|| format!("`{b}' is not defined"))?;
            let sym = inner.symbols.get(&full).ok_or_else(|| format!("`{b}' is not defined"))?;
            current = Some((full, sym.definition.clone(), sym.modules.clone()));
        }
    }
    Ok(out)
}

fn is_class_member(scope: &Scope<'_>, m: &Member) -> bool {
    match &m.ty {
        TypeRef::Value => true,
        TypeRef::Named(n) => {
            scope.symbols.resolve(n, scope.modules).and_then(|f| scope.symbols.get(&f)).is_some_and(
                |s| {
                    matches!(
                        s.definition,
                        Definition::Class { .. }
                            | Definition::Interface { .. }
                            | Definition::Forward { .. }
                    )
                },
            )
        }
        _ => false,
    }
}

/// What a definition named in `ty` is, seen from `scope`.
fn named<'a>(scope: &'a Scope<'_>, ty: &TypeRef) -> Option<(String, &'a crate::gen::Symbol)> {
    let TypeRef::Named(n) = ty else { return None };
    let full = scope.symbols.resolve(n, scope.modules)?;
    let sym = scope.symbols.get(&full)?;
    Some((full, sym))
}

/// A statement writing `expr` (a place of type `ty`) with the class-graph writer `w`.
pub(crate) fn value_write(scope: &Scope<'_>, ty: &TypeRef, expr: &str, depth: usize) -> String {
    if !scope.uses_classes(ty) {
        return format!("{PROTO}::encoding::Encode::encode(&{expr}, w.stream());");
    }
    if matches!(ty, TypeRef::Value) {
        return format!("w.write_value({expr});");
    }
    let Some((_, sym)) = named(scope, ty) else { return String::new() };
    let inner = scope.inside(&sym.modules);
    let e = format!("e{depth}");
    match &sym.definition {
        Definition::Class { .. } | Definition::Interface { .. } | Definition::Forward { .. } => {
            format!("w.write_value({expr});")
        }
        Definition::Struct { .. } => format!("{expr}.ice_write(w);"),
        Definition::Sequence { element, .. } => format!(
            "{{ w.stream().write_size({expr}.len()); for {e} in {expr}.iter() {{ {} }} }}",
            value_write(&inner, element, &format!("(*{e})"), depth + 1)
        ),
        Definition::Dictionary { value, .. } => format!(
            "{{ w.stream().write_size({expr}.len()); for (k{depth}, {e}) in {expr}.iter() {{ {PROTO}::encoding::Encode::encode(k{depth}, w.stream()); {} }} }}",
            value_write(&inner, value, &format!("(*{e})"), depth + 1)
        ),
        _ => String::new(),
    }
}

/// An expression reading a value of `ty` with the class-graph reader `r`.
pub(crate) fn value_read(scope: &Scope<'_>, ty: &TypeRef, depth: usize) -> String {
    if !scope.uses_classes(ty) {
        return format!("{PROTO}::encoding::Decode::decode(r.stream())?");
    }
    if matches!(ty, TypeRef::Value) {
        return "r.read_value()?".to_owned();
    }
    let Some((full, sym)) = named(scope, ty) else { return "Default::default()".to_owned() };
    let inner = scope.inside(&sym.modules);
    match &sym.definition {
        Definition::Class { .. } | Definition::Interface { .. } | Definition::Forward { .. } => {
            "r.read_value()?".to_owned()
        }
        Definition::Struct { .. } => format!("{}::ice_read(r)?", scope.path(&full)),
        // Each element takes at least a byte: a count beyond the bytes left fails first.
        Definition::Sequence { element, .. } => format!(
            "{{ let n{depth} = r.stream().read_size()?; let mut v{depth} = Vec::new(); for _ in 0..n{depth} {{ v{depth}.push({}); }} v{depth} }}",
            value_read(&inner, element, depth + 1)
        ),
        Definition::Dictionary { value, .. } => format!(
            "{{ let n{depth} = r.stream().read_size()?; let mut m{depth} = ::std::collections::BTreeMap::new(); for _ in 0..n{depth} {{ let k = {PROTO}::encoding::Decode::decode(r.stream())?; m{depth}.insert(k, {}); }} m{depth} }}",
            value_read(&inner, value, depth + 1)
        ),
        _ => "Default::default()".to_owned(),
    }
}

/// How a tagged member is encoded.
#[derive(Clone, Copy)]
enum Tagged {
    /// With its type's `Encode`.
    Plain,
    /// A class instance (`Class` format).
    Class,
    /// A type holding class instances (`FSize`, instances inline).
    HoldsClasses,
}

/// The body of `write_members` / `read_members` for one level.
fn level_code(scope: &Scope<'_>, members: &[Member], write: bool, out: &mut String) {
    let mut required: Vec<&Member> = members.iter().filter(|m| m.tag.is_none()).collect();
    let mut optional: Vec<&Member> = members.iter().filter(|m| m.tag.is_some()).collect();
    optional.sort_by_key(|m| m.tag);
    for m in required.drain(..).chain(optional) {
        let f = snake(&m.name);
        // A tagged sequence, dictionary or struct of classes has no `Encode`: it is written
        // size-prefixed with its instances, as ZeroC's `FSize` helpers do.
        let kind = if is_class_member(scope, m) {
            Tagged::Class
        } else if scope.uses_classes(&m.ty) {
            Tagged::HoldsClasses
        } else {
            Tagged::Plain
        };
        let line = match (write, m.tag, kind) {
            (true, None, _) => value_write(scope, &m.ty, &format!("self.{f}"), 0),
            (true, Some(t), Tagged::Plain) => format!("w.stream().write_optional({t}, &self.{f});"),
            (true, Some(t), Tagged::Class) => format!("w.write_optional_value({t}, self.{f});"),
            (true, Some(t), Tagged::HoldsClasses) => format!(
                "w.write_optional_with({t}, self.{f}.as_ref(), |w, v| {{ {} }});",
                value_write(scope, &m.ty, "(*v)", 0)
            ),
            (false, None, _) => format!("self.{f} = {};", value_read(scope, &m.ty, 0)),
            (false, Some(t), Tagged::Plain) => format!("self.{f} = r.read_optional({t})?;"),
            (false, Some(t), Tagged::Class) => format!("self.{f} = r.read_optional_value({t})?;"),
            (false, Some(t), Tagged::HoldsClasses) => format!(
                "self.{f} = r.read_optional_with({t}, |r| Ok({}))?;",
                value_read(scope, &m.ty, 0)
            ),
        };
        let _ = writeln!(out, "                {line}");
    }
}

/// An exception (`UserException`) or a class (`Value`).
fn value_like(
    scope: &Scope<'_>,
    d: &Definition,
    full: &str,
    exception: bool,
    out: &mut String,
) -> GenResult<()> {
    let levels = levels(scope, d, full)?;
    let name = camel(d.name());
    doc(out, if exception { "exception" } else { "class" }, full);
    let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]\npub struct {name} {{");
    // Base members first, as the Slice inheritance chain lists them.
    let mut all = Vec::new();
    for (_, _, members, modules) in levels.iter().rev() {
        fields(&scope.inside(modules), members, out)?;
        all.extend(members.iter().cloned().map(|m| (m, modules.clone())));
    }
    let _ = writeln!(out, "}}");
    let _ = writeln!(
        out,
        "impl ::core::default::Default for {name} {{\n    fn default() -> Self {{\n        Self {{"
    );
    for (m, modules) in &all {
        let _ = writeln!(
            out,
            "            {}: {},",
            snake(&m.name),
            default_value(&scope.inside(modules), m)?
        );
    }
    let _ = writeln!(out, "        }}\n    }}\n}}");
    let trait_name = if exception { "UserException" } else { "Value" };
    let _ = writeln!(out, "impl {PROTO}::value::{trait_name} for {name} {{\n    fn slices(&self) -> &'static [{PROTO}::value::SliceType] {{\n        const SLICES: &[{PROTO}::value::SliceType] = &[");
    for (id, compact, members, _) in &levels {
        let mut s = format!("{PROTO}::value::SliceType::new({id:?})");
        if let Some(c) = compact {
            let _ = write!(s, ".with_compact_id({c})");
        }
        if members.iter().any(|m| m.tag.is_some()) {
            s.push_str(".with_optional_members()");
        }
        let _ = writeln!(out, "            {s},");
    }
    let _ = writeln!(out, "        ];\n        SLICES\n    }}");
    let _ = writeln!(out, "    fn write_members(&self, slice: usize, w: &mut {PROTO}::value::ValueWriter<'_>) {{\n        match slice {{");
    for (i, (_, _, members, modules)) in levels.iter().enumerate() {
        let _ = writeln!(out, "            {i} => {{");
        level_code(&scope.inside(modules), members, true, out);
        let _ = writeln!(out, "            }}");
    }
    let _ = writeln!(out, "            _ => {{}}\n        }}\n    }}");
    let _ = writeln!(out, "    fn read_members(&mut self, slice: usize, r: &mut {PROTO}::value::ValueReader<'_>) -> Result<(), {PROTO}::DecodeError> {{\n        match slice {{");
    for (i, (_, _, members, modules)) in levels.iter().enumerate() {
        let _ = writeln!(out, "            {i} => {{");
        level_code(&scope.inside(modules), members, false, out);
        let _ = writeln!(out, "            }}");
    }
    let _ = writeln!(out, "            _ => {{}}\n        }}\n        Ok(())\n    }}");
    if exception {
        let uses = all.iter().any(|(m, modules)| scope.inside(modules).uses_classes(&m.ty));
        let _ = writeln!(out, "    fn uses_classes(&self) -> bool {{ {uses} }}");
    }
    let _ = writeln!(out, "}}");
    if exception {
        let _ = writeln!(out, "impl ::core::fmt::Display for {name} {{\n    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{\n        f.write_str({full:?})\n    }}\n}}\nimpl ::std::error::Error for {name} {{}}");
    }
    Ok(())
}

pub(crate) fn exception(
    scope: &Scope<'_>,
    d: &Definition,
    full: &str,
    out: &mut String,
) -> GenResult<()> {
    value_like(scope, d, full, true, out)
}

pub(crate) fn class(
    scope: &Scope<'_>,
    d: &Definition,
    full: &str,
    out: &mut String,
) -> GenResult<()> {
    value_like(scope, d, full, false, out)
}
