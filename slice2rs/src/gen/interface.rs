//! Interfaces: a typed proxy (`HelloPrx`) with one async method per operation, a servant
//! trait (`Hello`) with one async method per operation, and the dispatcher that turns an
//! implementation of the trait into an `ice_driver::Servant` (`HelloServant`).

use std::fmt::Write as _;

use super::names::{camel, snake};
use super::{GenResult, Scope, ICE, PROTO};
use crate::ast::{Builtin, Definition, Member, Operation, TypeRef};

/// An operation with the interface that declares it.
struct Op<'a> {
    op: &'a Operation,
    /// The full Slice name of the declaring interface.
    owner: String,
    /// Its module (names in the operation resolve from there).
    modules: Vec<String>,
}

/// Every base interface of `full` (transitively, each once), then `full` itself.
fn chain(scope: &Scope<'_>, full: &str) -> GenResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    fn visit(scope: &Scope<'_>, full: &str, out: &mut Vec<String>, depth: usize) -> GenResult<()> {
        if depth > 64 || out.iter().any(|f| f == full) {
            return Ok(());
        }
        let sym = scope.symbols.get(full).ok_or_else(|| format!("`{full}' is not defined"))?;
        let Definition::Interface { bases, .. } = &sym.definition else {
            return Err(format!("`{full}' is not an interface"));
        };
        for b in bases {
            let bf = scope
                .symbols
                .resolve(b, &sym.modules)
                .ok_or_else(|| format!("`{b}' is not defined"))?;
            visit(scope, &bf, out, depth + 1)?;
        }
        if !out.iter().any(|f| f == full) {
            out.push(full.to_owned());
        }
        Ok(())
    }
    visit(scope, full, &mut out, 0)?;
    Ok(out)
}

fn ops<'a>(scope: &'a Scope<'_>, chain: &[String]) -> Vec<Op<'a>> {
    let mut out = Vec::new();
    for full in chain {
        if let Some(sym) = scope.symbols.get(full) {
            if let Definition::Interface { operations, .. } = &sym.definition {
                for op in operations {
                    out.push(Op { op, owner: full.clone(), modules: sym.modules.clone() });
                }
            }
        }
    }
    out
}

fn mode(op: &Operation) -> &'static str {
    if op.metadata.iter().any(|m| m == "nonmutating") {
        "Nonmutating"
    } else if op.idempotent {
        "Idempotent"
    } else {
        "Normal"
    }
}

/// Whether the operation marshals class instances (it then takes and gives encapsulations).
fn raw(scope: &Scope<'_>, op: &Operation) -> bool {
    op.params.iter().chain(&op.outs).any(|m| scope.uses_classes(&m.ty))
        || op.ret.as_ref().is_some_and(|t| scope.uses_classes(t))
}

fn is_copy(scope: &Scope<'_>, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Builtin(Builtin::String) => false,
        TypeRef::Builtin(_) => true,
        TypeRef::Named(n) => scope
            .symbols
            .resolve(n, scope.modules)
            .and_then(|f| scope.symbols.get(&f))
            .is_some_and(|s| matches!(s.definition, Definition::Enum { .. })),
        _ => false,
    }
}

/// The typed proxy of a proxy type, or `None`.
fn proxy_type(scope: &Scope<'_>, ty: &TypeRef) -> GenResult<Option<String>> {
    Ok(match ty {
        TypeRef::ObjectProxy => Some(format!("{ICE}::Proxy")),
        TypeRef::Proxy(n) => {
            let full = scope
                .symbols
                .resolve(n, scope.modules)
                .ok_or_else(|| format!("`{n}' is not defined"))?;
            match scope.symbols.get(&full).map(|s| &s.definition) {
                Some(Definition::Interface { .. }) => Some(scope.path(&full)),
                // A proxy of a class (Ice 3.7 classes with operations): untyped.
                Some(Definition::Class { .. }) => Some(format!("{ICE}::Proxy")),
                // Declared but not defined here: its typed proxy is unknown.
                Some(Definition::Forward { .. }) => Some(format!("{ICE}::Proxy")),
                _ => return Err(format!("`{n}*': `{n}' is not an interface")),
            }
        }
        _ => None,
    })
}

/// A parameter as the proxy method takes it, and the expression that encodes it.
fn in_param(scope: &Scope<'_>, m: &Member) -> GenResult<(String, String)> {
    let name = snake(&m.name);
    if let Some(p) = proxy_type(scope, &m.ty)? {
        let plain = p == format!("{ICE}::Proxy");
        let to_data = if plain { "p.data().clone()" } else { "p.0.data().clone()" };
        let expr = format!("{name}.map(|p| {to_data})");
        return Ok((format!("{name}: Option<&{p}>"), expr));
    }
    let t = scope.data_type(&m.ty)?;
    let (ty, expr) = match &m.ty {
        TypeRef::Builtin(Builtin::String) => ("&str".to_owned(), name.clone()),
        ty if is_copy(scope, ty) => (t, name.clone()),
        _ => (format!("&{t}"), name.clone()),
    };
    Ok(if m.tag.is_some() {
        (format!("{name}: Option<{ty}>"), expr)
    } else {
        (format!("{name}: {ty}"), expr)
    })
}

/// The Rust type of a value the peer sends (a reply value at the proxy, a parameter at the
/// servant), with proxies typed.
fn out_type(scope: &Scope<'_>, ty: &TypeRef, tag: Option<u32>) -> GenResult<String> {
    let t = match proxy_type(scope, ty)? {
        Some(p) => format!("Option<{p}>"),
        None => scope.data_type(ty)?,
    };
    Ok(if tag.is_some() { format!("Option<{t}>") } else { t })
}

/// Statements reading `name` (of `ty`, optional `tag`) from the generated code's `ice_in`,
/// converting proxies with its `ice_communicator`.
fn read_value(scope: &Scope<'_>, name: &str, ty: &TypeRef, tag: Option<u32>) -> GenResult<String> {
    let proxy = proxy_type(scope, ty)?;
    let wire = if proxy.is_some() {
        format!("Option<{PROTO}::ProxyData>")
    } else {
        scope.data_type(ty)?
    };
    let read = match tag {
        None => format!("let {name}: {wire} = {PROTO}::encoding::Decode::decode(&mut ice_in)?;"),
        Some(t) => format!("let {name}: Option<{wire}> = ice_in.read_optional({t})?;"),
    };
    let Some(p) = proxy else { return Ok(read) };
    let wrap = if p == format!("{ICE}::Proxy") {
        "ice_communicator.proxy_from_data(d)".to_owned()
    } else {
        format!("{p}(ice_communicator.proxy_from_data(d))")
    };
    let convert = match tag {
        None => format!("let {name} = {name}.map(|d| {wrap});"),
        Some(_) => format!("let {name} = {name}.map(|o| o.map(|d| {wrap}));"),
    };
    Ok(format!("{read}\n{convert}"))
}

/// The members written or read for an operation's reply: required outs, the required
/// return value, then optional ones by tag. Each is (expression name, type, tag).
fn reply_members(op: &Operation) -> Vec<(String, TypeRef, Option<u32>)> {
    let mut req: Vec<(String, TypeRef, Option<u32>)> = op
        .outs
        .iter()
        .filter(|m| m.tag.is_none())
        .map(|m| (snake(&m.name), m.ty.clone(), None))
        .collect();
    let mut opt: Vec<(String, TypeRef, Option<u32>)> = op
        .outs
        .iter()
        .filter(|m| m.tag.is_some())
        .map(|m| (snake(&m.name), m.ty.clone(), m.tag))
        .collect();
    if let Some(r) = &op.ret {
        if op.ret_tag.is_some() {
            opt.push(("ice_ret".to_owned(), r.clone(), op.ret_tag));
        } else {
            req.push(("ice_ret".to_owned(), r.clone(), None));
        }
    }
    opt.sort_by_key(|m| m.2);
    req.extend(opt);
    req
}

/// The result type of an operation (return value first, then outs; a lone value bare) and
/// the names in that order.
fn result_shape(scope: &Scope<'_>, op: &Operation) -> GenResult<(String, Vec<String>)> {
    let mut types = Vec::new();
    let mut names = Vec::new();
    if let Some(r) = &op.ret {
        types.push(out_type(scope, r, op.ret_tag)?);
        names.push("ice_ret".to_owned());
    }
    for m in &op.outs {
        types.push(out_type(scope, &m.ty, m.tag)?);
        names.push(snake(&m.name));
    }
    Ok(match types.len() {
        0 => ("()".to_owned(), names),
        1 => (types.remove(0), names),
        _ => (format!("({})", types.join(", ")), names),
    })
}

fn tuple(names: &[String]) -> String {
    match names.len() {
        0 => "()".to_owned(),
        1 => names[0].clone(),
        _ => format!("({})", names.join(", ")),
    }
}

/// Exceptions an operation may raise: the listed ones and every known exception derived
/// from them (full names).
fn throws(scope: &Scope<'_>, op: &Op<'_>) -> Vec<String> {
    let inner = scope.inside(&op.modules);
    let listed: Vec<String> =
        op.op.throws.iter().filter_map(|t| inner.symbols.resolve(t, &op.modules)).collect();
    let mut out = listed.clone();
    let mut names: Vec<&String> = scope.symbols.map.keys().collect();
    names.sort();
    for full in names {
        let mut cur = full.clone();
        for _ in 0..64 {
            let Some(sym) = scope.symbols.get(&cur) else { break };
            let Definition::Exception { base: Some(b), .. } = &sym.definition else { break };
            let Some(bf) = scope.symbols.resolve(b, &sym.modules) else { break };
            if listed.contains(&bf) && !out.contains(full) {
                out.push(full.clone());
                break;
            }
            cur = bf;
        }
    }
    out
}

/// The error enum's variant for each exception of `list` (full names): its own name, or,
/// where two share a name (`::Test::A`, `::Test::Mod::A`) or it would be `Ice`, its scoped
/// name (`TestModA`).
fn variant_names(list: &[String]) -> Vec<String> {
    let short = |ex: &String| camel(ex.rsplit("::").next().unwrap_or(ex));
    let mut names: Vec<String> = list
        .iter()
        .map(|ex| {
            let name = short(ex);
            if name == "Ice" || list.iter().filter(|other| short(other) == name).count() > 1 {
                ex.split("::").filter(|s| !s.is_empty()).map(camel).collect()
            } else {
                name
            }
        })
        .collect();
    // Scoped names can still meet (`A::B::X` and `AB::X`), or meet the `Ice` variant: a
    // number keeps each variant its own.
    for i in 0..names.len() {
        let mut n = 2;
        let base = names[i].clone();
        while names[i] == "Ice" || names[..i].contains(&names[i]) {
            names[i] = format!("{base}{n}");
            n += 1;
        }
    }
    names
}

fn error_enum_name(iface: &str, op: &Operation) -> String {
    format!("{}{}Error", camel(iface), camel(&op.name))
}

pub(crate) fn interface(
    scope: &Scope<'_>,
    d: &Definition,
    full: &str,
    out: &mut String,
) -> GenResult<()> {
    let Definition::Interface { name, .. } = d else { return Ok(()) };
    let chain = chain(scope, full)?;
    let all_ops = ops(scope, &chain);
    let prx = format!("{}Prx", camel(name));
    let trait_name = camel(name);
    let servant = format!("{}Servant", camel(name));

    // Error enums of this interface's own operations with a throws clause.
    for op in all_ops.iter().filter(|o| o.owner == full && !o.op.throws.is_empty()) {
        let inner = scope.inside(&op.modules);
        let e = error_enum_name(name, op.op);
        let list = throws(scope, op);
        let variants = variant_names(&list);
        let _ = writeln!(out, "/// The failures of `{full}::{}`: its user exceptions, or an Ice error.\n#[derive(Debug, Clone)]\npub enum {e} {{", op.op.name);
        for (ex, short) in list.iter().zip(&variants) {
            let _ = writeln!(out, "    /// `{ex}`\n    {short}({}),", inner.path(ex));
        }
        let _ = writeln!(out, "    /// Any other failure.\n    Ice({ICE}::Error),\n}}");
        let _ = writeln!(out, "impl ::core::fmt::Display for {e} {{\n    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{\n        match self {{");
        for short in &variants {
            let _ =
                writeln!(out, "            Self::{short}(e) => ::core::fmt::Display::fmt(e, f),");
        }
        let _ = writeln!(out, "            Self::Ice(e) => ::core::fmt::Display::fmt(e, f),\n        }}\n    }}\n}}\nimpl ::std::error::Error for {e} {{}}");
        let _ = writeln!(out, "impl ::core::convert::From<{ICE}::Error> for {e} {{\n    fn from(error: {ICE}::Error) -> Self {{\n        if let {ICE}::Error::UserException(_) = &error {{\n            let registry = {PROTO}::value::ExceptionRegistry::new()");
        for ex in &list {
            let _ = writeln!(out, "                .with::<{}>()", inner.path(ex));
        }
        let _ = writeln!(out, "                ;\n            if let Some(Ok({PROTO}::value::DecodedException::Known(k))) = error.decode_user_exception(&registry) {{");
        for (ex, short) in list.iter().zip(&variants) {
            let _ = writeln!(out, "                if let Some(e) = k.exception.downcast_ref::<{}>() {{ return Self::{short}(e.clone()); }}", inner.path(ex));
        }
        let _ = writeln!(out, "            }}\n        }}\n        Self::Ice(error)\n    }}\n}}");
        let _ = writeln!(out, "impl ::core::convert::From<{PROTO}::DecodeError> for {e} {{\n    fn from(e: {PROTO}::DecodeError) -> Self {{ Self::Ice(e.into()) }}\n}}");
    }

    // The proxy.
    let _ = writeln!(out, "/// A proxy of Slice interface `{full}`.\n#[derive(Debug, Clone)]\npub struct {prx}(pub {ICE}::Proxy);");
    let _ = writeln!(out, "impl {prx} {{\n    /// The Slice type id.\n    pub const TYPE_ID: &'static str = {full:?};");
    let _ = writeln!(out, "    /// `proxy` as this type, unchecked.\n    pub fn unchecked_cast(proxy: {ICE}::Proxy) -> Self {{ Self(proxy) }}");
    let _ = writeln!(out, "    /// `proxy` as this type if its object implements it (`ice_isA`), else `None`.\n    pub async fn checked_cast(proxy: &{ICE}::Proxy) -> {ICE}::Result<Option<Self>> {{\n        Ok(proxy.checked_cast(Self::TYPE_ID).await?.map(Self))\n    }}");
    let _ = writeln!(
        out,
        "    /// The untyped proxy.\n    pub fn proxy(&self) -> &{ICE}::Proxy {{ &self.0 }}"
    );
    for op in &all_ops {
        proxy_method(scope, op, out)?;
    }
    let _ = writeln!(out, "}}\nimpl ::core::convert::From<{prx}> for {ICE}::Proxy {{\n    fn from(p: {prx}) -> Self {{ p.0 }}\n}}");

    // The servant trait.
    let supers: Vec<String> = chain
        .iter()
        .filter(|f| f.as_str() != full)
        .map(|f| {
            let p = scope.path(f);
            p.strip_suffix("Prx").unwrap_or(&p).to_owned()
        })
        .collect();
    let bounds = if supers.is_empty() {
        "Send + Sync + 'static".to_owned()
    } else {
        format!("{} + Send + Sync + 'static", supers.join(" + "))
    };
    let _ = writeln!(out, "/// The servant side of Slice interface `{full}`: implement it, then serve it with [`{servant}`].\npub trait {trait_name}: {bounds} {{");
    for op in all_ops.iter().filter(|o| o.owner == full) {
        let inner = scope.inside(&op.modules);
        let m = snake(&op.op.name);
        if raw(&inner, op.op) {
            let _ = writeln!(out, "    /// `{}` (its parameters hold class instances: given and returned encoded).\n    fn {m}(&self, params: {ICE}::Encapsulation, current: &{ICE}::Current) -> impl ::core::future::Future<Output = Result<{ICE}::Encapsulation, {ICE}::DispatchError>> + Send;", op.op.name);
            continue;
        }
        let mut args = Vec::new();
        for p in &op.op.params {
            args.push(format!("{}: {}", snake(&p.name), out_type(&inner, &p.ty, p.tag)?));
        }
        let (ret, _) = result_shape(&inner, op.op)?;
        // `current` reads best in the implementations a user writes from this; a Slice
        // parameter may take the name (Slice reserves `ice`, so `ice_current` is free).
        let current = if op.op.params.iter().any(|p| snake(&p.name) == "current") {
            "ice_current"
        } else {
            "current"
        };
        let _ = writeln!(out, "    /// `{}`.\n    fn {m}(&self, {}{current}: &{ICE}::Current) -> impl ::core::future::Future<Output = Result<{ret}, {ICE}::DispatchError>> + Send;", op.op.name, args.iter().map(|a| format!("{a}, ")).collect::<String>());
    }
    let _ = writeln!(out, "}}");

    // The dispatcher.
    let mut ids: Vec<String> = chain.clone();
    ids.push("::Ice::Object".to_owned());
    ids.sort();
    ids.dedup();
    let _ = writeln!(out, "/// Serves an implementation of [`{trait_name}`] (add it to an object adapter).\npub struct {servant}<T>(pub T);");
    let _ = writeln!(out, "impl<T: {trait_name}> {servant}<T> {{\n    /// `implementation`, ready for `ObjectAdapter::add`.\n    pub fn new(implementation: T) -> ::std::sync::Arc<Self> {{ ::std::sync::Arc::new(Self(implementation)) }}\n}}");
    let _ = writeln!(out, "impl<T: {trait_name}> {ICE}::Servant for {servant}<T> {{\n    fn ice_id(&self) -> &str {{ {full:?} }}\n    fn ice_ids(&self) -> Vec<String> {{ vec![{}] }}", ids.iter().map(|i| format!("{i:?}.to_owned()")).collect::<Vec<_>>().join(", "));
    let _ = writeln!(out, "    fn dispatch<'a>(&'a self, ice_current: &'a {ICE}::Current, ice_params: {ICE}::Encapsulation) -> {ICE}::BoxFuture<'a, {ICE}::DispatchResult> {{\n        Box::pin(async move {{\n            match ice_current.operation.as_str() {{");
    for op in &all_ops {
        dispatch_arm(scope, op, out)?;
    }
    let _ = writeln!(out, "                _ => Err({ICE}::DispatchError::OperationNotExist),\n            }}\n        }})\n    }}\n}}");
    Ok(())
}

fn proxy_method(scope: &Scope<'_>, op: &Op<'_>, out: &mut String) -> GenResult<()> {
    let inner = scope.inside(&op.modules);
    let iface = op.owner.rsplit("::").next().unwrap_or(&op.owner);
    let m = snake(&op.op.name);
    let slice_name = &op.op.name;
    let mode = mode(op.op);
    if raw(&inner, op.op) {
        let _ = writeln!(out, "    /// `{slice_name}`, with its parameters encoded (they hold class instances).\n    pub async fn {m}(&self, params: {ICE}::Encapsulation) -> {ICE}::Result<{ICE}::Encapsulation> {{\n        self.0.invoke({slice_name:?}, {ICE}::OperationMode::{mode}, params).await\n    }}");
        return Ok(());
    }
    let mut sig = Vec::new();
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for p in &op.op.params {
        let (s, expr) = in_param(&inner, p)?;
        sig.push(s);
        match p.tag {
            None => required.push(expr),
            Some(t) => optional.push((t, expr)),
        }
    }
    optional.sort_by_key(|o| o.0);
    let (ret, names) = result_shape(&inner, op.op)?;
    let error = if op.op.throws.is_empty() {
        format!("{ICE}::Error")
    } else {
        let owner_scope: Vec<String> =
            op.owner.trim_start_matches("::").split("::").map(str::to_owned).collect();
        let owner_modules = &owner_scope[..owner_scope.len() - 1];
        let local = error_enum_name(iface, op.op);
        if owner_modules == scope.modules {
            local
        } else {
            let mut p = "super::".repeat(scope.modules.len());
            for md in owner_modules {
                p.push_str(&snake(md));
                p.push_str("::");
            }
            p + &local
        }
    };
    let args: String = sig.iter().map(|s| format!(", {s}")).collect();
    let arg_names: String = op.op.params.iter().map(|p| format!("{}, ", snake(&p.name))).collect();
    let _ = writeln!(out, "    /// `{slice_name}`.\n    pub async fn {m}(&self{args}) -> Result<{ret}, {error}> {{\n        self.{m}_with_context({arg_names}&{ICE}::Context::new()).await\n    }}");
    let _ = writeln!(out, "    /// `{slice_name}` with a request context.\n    pub async fn {m}_with_context(&self{args}, ice_context: &{ICE}::Context) -> Result<{ret}, {error}> {{");
    let _ = writeln!(out, "        let ice_params = {ICE}::Encapsulation::build(self.0.ice_get_encoding_version(), |ice_out| {{");
    for e in &required {
        let _ = writeln!(out, "            {PROTO}::encoding::Encode::encode(&{e}, ice_out);");
    }
    for (t, e) in &optional {
        let _ = writeln!(out, "            ice_out.write_optional({t}, &{e});");
    }
    let _ = writeln!(out, "        }});\n        let ice_reply = self.0.invoke_with_context({slice_name:?}, {ICE}::OperationMode::{mode}, ice_params, ice_context).await?;");
    let members = reply_members(op.op);
    if members.iter().any(|(_, ty, _)| proxy_type(&inner, ty).ok().flatten().is_some()) {
        let _ = writeln!(out, "        let ice_communicator = self.0.communicator();");
    }
    let _ = writeln!(out, "        let mut ice_in = ice_reply.reader()?;");
    for (name, ty, tag) in &members {
        let _ = writeln!(out, "        {}", read_value(&inner, name, ty, *tag)?);
    }
    let _ = writeln!(
        out,
        "        ice_reply.{}?;\n        Ok({})\n    }}",
        finish(scope),
        tuple(&names)
    );
    Ok(())
}

/// Whether `["format:sliced"]` is on the operation, or on its interface and the operation
/// does not say `["format:compact"]` (or `["format:default"]`).
fn sliced(scope: &Scope<'_>, op: &Op<'_>) -> bool {
    let format =
        |m: &[String]| m.iter().find_map(|m| m.strip_prefix("format:")).map(|f| f == "sliced");
    format(&op.op.metadata).unwrap_or_else(|| {
        match scope.symbols.get(&op.owner).map(|s| &s.definition) {
            Some(Definition::Interface { metadata, .. }) => format(metadata).unwrap_or(false),
            _ => false,
        }
    })
}

/// How parameters or results are finished: skipping unknown optional class instances with
/// the compilation's classes when there are any (see `class_factory`).
fn finish(scope: &Scope<'_>) -> &'static str {
    if crate::gen::classes(scope.symbols).is_empty() {
        "finish(&mut ice_in)"
    } else {
        "finish_with(&mut ice_in, &ice_classes)"
    }
}

fn dispatch_arm(scope: &Scope<'_>, op: &Op<'_>, out: &mut String) -> GenResult<()> {
    let inner = scope.inside(&op.modules);
    let slice_name = &op.op.name;
    let m = snake(slice_name);
    let owner_trait = {
        let p = scope.path(&op.owner);
        p.strip_suffix("Prx").unwrap_or(&p).to_owned()
    };
    let expected = mode(op.op);
    let _ = writeln!(out, "                {slice_name:?} => {{");
    // Idempotent and nonmutating are interchangeable (3.8 dropped nonmutating); a normal
    // operation must come as one, as ZeroC checks.
    if expected == "Normal" {
        let _ = writeln!(out, "                    if ice_current.mode != {ICE}::OperationMode::Normal {{ return Err({ICE}::DispatchError::UnknownLocal(format!(\"operation mode mismatch for {slice_name}: expected normal, received {{:?}}\", ice_current.mode))); }}");
    } else {
        let _ = writeln!(out, "                    if ice_current.mode == {ICE}::OperationMode::Normal {{ return Err({ICE}::DispatchError::UnknownLocal(\"operation mode mismatch for {slice_name}: expected idempotent, received normal\".into())); }}");
    }
    if sliced(scope, op) {
        // User exceptions (and classes the servant encodes) in the sliced format.
        let _ = writeln!(out, "                    let ice_sliced = {{ let mut c = ice_current.clone(); c.format = {PROTO}::value::SlicedFormat::Sliced; c }};\n                    let ice_current = &ice_sliced;");
    }
    if raw(&inner, op.op) {
        let _ = writeln!(out, "                    <T as {owner_trait}>::{m}(&self.0, ice_params, ice_current).await\n                }}");
        return Ok(());
    }
    let needs_communicator =
        op.op.params.iter().any(|p| proxy_type(&inner, &p.ty).ok().flatten().is_some());
    if needs_communicator {
        let _ = writeln!(out, "                    let ice_communicator = ice_current.communicator().ok_or_else(|| {ICE}::DispatchError::UnknownLocal(\"no communicator\".into()))?;");
    }
    let _ = writeln!(out, "                    let mut ice_in = ice_params.reader()?;");
    let mut required: Vec<&Member> = op.op.params.iter().filter(|p| p.tag.is_none()).collect();
    let mut optional: Vec<&Member> = op.op.params.iter().filter(|p| p.tag.is_some()).collect();
    optional.sort_by_key(|p| p.tag);
    for p in required.drain(..).chain(optional) {
        let _ = writeln!(
            out,
            "                    {}",
            read_value(&inner, &snake(&p.name), &p.ty, p.tag)?
        );
    }
    let _ = writeln!(out, "                    ice_params.{}?;", finish(scope));
    let args: String = op.op.params.iter().map(|p| format!("{}, ", snake(&p.name))).collect();
    let (_, names) = result_shape(&inner, op.op)?;
    let _ = writeln!(
        out,
        "                    let {} = <T as {owner_trait}>::{m}(&self.0, {args}ice_current).await?;",
        tuple(&names)
    );
    let _ = writeln!(
        out,
        "                    Ok({ICE}::Encapsulation::build(ice_current.encoding, |ice_out| {{"
    );
    for (name, ty, tag) in reply_members(op.op) {
        let value = match proxy_type(&inner, &ty)? {
            Some(p) => {
                let plain = p == format!("{ICE}::Proxy");
                let d = if plain { "p.data().clone()" } else { "p.0.data().clone()" };
                match tag {
                    None => format!("{name}.as_ref().map(|p| {d})"),
                    Some(_) => format!("{name}.as_ref().map(|o| o.as_ref().map(|p| {d}))"),
                }
            }
            None => name.clone(),
        };
        match tag {
            None => {
                let _ = writeln!(
                    out,
                    "                        {PROTO}::encoding::Encode::encode(&{value}, ice_out);"
                );
            }
            Some(t) => {
                let _ =
                    writeln!(out, "                        ice_out.write_optional({t}, &{value});");
            }
        }
    }
    let _ = writeln!(out, "                    }}))\n                }}");
    Ok(())
}

#[cfg(test)]
mod variant_tests {
    use super::variant_names;

    #[test]
    fn variants_stay_distinct() {
        let list = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(variant_names(&list(&["::M::Bad", "::M::Worse"])), ["Bad", "Worse"]);
        assert_eq!(variant_names(&list(&["::A::X", "::B::X"])), ["AX", "BX"]);
        assert_eq!(variant_names(&list(&["::A::B::X", "::AB::X"])), ["ABX", "ABX2"]);
        assert_eq!(variant_names(&list(&["::M::Ice"])), ["MIce"]);
    }
}
