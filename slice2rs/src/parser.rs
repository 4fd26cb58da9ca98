//! A recursive-descent parser of the Slice grammar of Ice 3.7 (and what 3.8 added:
//! `module A::B`). `local` definitions are parsed and dropped; so are the operations of
//! classes. Forward declarations are kept: a type may be declared and never defined.

use crate::ast::*;
use crate::lexer::{Tok, Token};
use crate::Error;

pub(crate) struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    file: String,
    /// Integer constants parsed so far, by unqualified name: Slice lets enumerator values,
    /// compact ids and optional tags name them.
    int_consts: std::collections::HashMap<String, i64>,
}

const KEYWORDS: &[&str] = &[
    "module",
    "struct",
    "class",
    "interface",
    "exception",
    "enum",
    "sequence",
    "dictionary",
    "const",
    "extends",
    "implements",
    "throws",
    "idempotent",
    "optional",
    "out",
    "local",
    "void",
    "bool",
    "byte",
    "short",
    "int",
    "long",
    "float",
    "double",
    "string",
    "Object",
    "LocalObject",
    "Value",
    "true",
    "false",
];

impl Parser {
    pub(crate) fn new(file: &str, tokens: Vec<Token>) -> Parser {
        Parser { tokens, pos: 0, file: file.to_owned(), int_consts: Default::default() }
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn here(&self) -> Location {
        self.tokens.get(self.pos).map(|t| t.at.clone()).unwrap_or_else(|| {
            let mut end = self.tokens.last().map(|t| t.at.clone()).unwrap_or_default();
            if end.file.is_empty() {
                end = Location { file: self.file.clone(), line: 1, column: 1 };
            }
            end
        })
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, Error> {
        Err(Error::syntax(self.here(), message))
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.pos).map(|t| t.tok.clone());
        self.pos += 1;
        t
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<(), Error> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            self.error(format!("expected `{c}'"))
        }
    }

    fn is_keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident { name, escaped: false }) if name == k)
    }

    fn eat_keyword(&mut self, k: &str) -> bool {
        if self.is_keyword(k) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A name being defined: an identifier that is not a keyword (unless escaped).
    fn identifier(&mut self) -> Result<String, Error> {
        match self.peek() {
            Some(Tok::Ident { name, escaped }) => {
                if !escaped && KEYWORDS.contains(&name.as_str()) {
                    return self.error(format!("`{name}' is a keyword (write `\\{name}')"));
                }
                let name = name.clone();
                self.pos += 1;
                Ok(name)
            }
            _ => self.error("expected an identifier"),
        }
    }

    /// A possibly scoped name: `A`, `A::B`, `::A::B`.
    fn scoped_name(&mut self) -> Result<String, Error> {
        let mut s = String::new();
        if self.peek() == Some(&Tok::Scope) {
            self.pos += 1;
            s.push_str("::");
        }
        s.push_str(&self.identifier()?);
        while self.peek() == Some(&Tok::Scope) {
            self.pos += 1;
            s.push_str("::");
            s.push_str(&self.identifier()?);
        }
        Ok(s)
    }

    /// `["a", "b"]`, possibly several in a row.
    fn metadata(&mut self) -> Result<Metadata, Error> {
        let mut out = Vec::new();
        while self.is_punct('[') {
            self.pos += 1;
            loop {
                match self.next() {
                    Some(Tok::Str(s)) => out.push(s),
                    _ => return self.error("expected a metadata string"),
                }
                if self.eat_punct(']') {
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        Ok(out)
    }

    /// The whole file.
    pub(crate) fn file(mut self) -> Result<SliceFile, Error> {
        let mut file = SliceFile { name: self.file.clone(), ..SliceFile::default() };
        while self.peek() == Some(&Tok::OpenGlobal) {
            self.pos += 1;
            loop {
                match self.next() {
                    Some(Tok::Str(s)) => file.metadata.push(s),
                    _ => return self.error("expected a global metadata string"),
                }
                if self.peek() == Some(&Tok::CloseGlobal) {
                    self.pos += 1;
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        while self.peek().is_some() {
            if let Some(d) = self.definition()? {
                file.definitions.push(d);
            }
        }
        Ok(file)
    }

    /// One definition and its `;`; `None` for what is dropped.
    fn definition(&mut self) -> Result<Option<Definition>, Error> {
        let metadata = self.metadata()?;
        let local = self.eat_keyword("local");
        let d = if self.eat_keyword("module") {
            let mut names = vec![self.identifier()?];
            while self.peek() == Some(&Tok::Scope) {
                self.pos += 1;
                names.push(self.identifier()?);
            }
            self.expect_punct('{')?;
            let mut definitions = Vec::new();
            while !self.eat_punct('}') {
                if self.peek().is_none() {
                    return self.error("missing `}' at the end of the module");
                }
                if let Some(d) = self.definition()? {
                    definitions.push(d);
                }
            }
            let mut d = Definition::Module { name: names.pop().unwrap_or_default(), definitions };
            while let Some(outer) = names.pop() {
                d = Definition::Module { name: outer, definitions: vec![d] };
            }
            Some(d)
        } else if self.eat_keyword("struct") {
            let name = self.identifier()?;
            let members = self.members()?;
            Some(Definition::Struct { name, members, metadata })
        } else if self.eat_keyword("class") {
            self.class(metadata)?
        } else if self.eat_keyword("interface") {
            self.interface(metadata)?
        } else if self.eat_keyword("exception") {
            let name = self.identifier()?;
            let base = if self.eat_keyword("extends") { Some(self.scoped_name()?) } else { None };
            let members = self.members()?;
            Some(Definition::Exception { name, base, members, metadata })
        } else if self.eat_keyword("enum") {
            self.enumeration()?
        } else if self.eat_keyword("sequence") {
            self.expect_punct('<')?;
            let element_md = self.metadata()?;
            let element = self.type_ref()?;
            self.expect_punct('>')?;
            let name = self.identifier()?;
            let mut metadata = metadata;
            metadata.extend(element_md.into_iter().map(|m| format!("element:{m}")));
            Some(Definition::Sequence { name, element, metadata })
        } else if self.eat_keyword("dictionary") {
            self.expect_punct('<')?;
            self.metadata()?;
            let key = self.type_ref()?;
            self.expect_punct(',')?;
            self.metadata()?;
            let value = self.type_ref()?;
            self.expect_punct('>')?;
            let name = self.identifier()?;
            Some(Definition::Dictionary { name, key, value })
        } else if self.eat_keyword("const") {
            self.metadata()?;
            let ty = self.type_ref()?;
            let name = self.identifier()?;
            self.expect_punct('=')?;
            let value = self.literal()?;
            if let Some(n) = self.int_value(&value) {
                self.int_consts.insert(name.clone(), n);
            }
            Some(Definition::Const { name, ty, value })
        } else {
            return self.error("expected a definition (module, struct, class, interface, exception, enum, sequence, dictionary or const)");
        };
        // Since Ice 3.7 the `;` after a closing `}` is optional.
        let braced = self.pos > 0 && self.tokens[self.pos - 1].tok == Tok::Punct('}');
        if !braced || self.is_punct(';') {
            self.expect_punct(';')?;
        }
        Ok(if local { None } else { d })
    }

    fn class(&mut self, metadata: Metadata) -> Result<Option<Definition>, Error> {
        let name = self.identifier()?;
        let mut compact_id = None;
        if self.eat_punct('(') {
            let id = self.literal().ok().and_then(|l| self.int_value(&l));
            match id.and_then(|n| i32::try_from(n).ok()) {
                Some(n) if n >= 0 => compact_id = Some(n),
                _ => return self.error("expected a compact id"),
            }
            self.expect_punct(')')?;
        }
        if self.is_punct(';') {
            return Ok(Some(Definition::Forward { name, interface: false }));
        }
        let base = if self.eat_keyword("extends") { Some(self.scoped_name()?) } else { None };
        if self.eat_keyword("implements") {
            self.scoped_name()?;
            while self.eat_punct(',') {
                self.scoped_name()?;
            }
        }
        self.expect_punct('{')?;
        let mut members = Vec::new();
        while !self.eat_punct('}') {
            if self.peek().is_none() {
                return self.error("missing `}'");
            }
            // A data member, or (Ice 3.7 classes with operations) an operation: dropped.
            let start = self.pos;
            let metadata = self.metadata()?;
            if self.is_keyword("idempotent")
                || self.is_keyword("void")
                || self.looks_like_operation()
            {
                self.pos = start;
                self.operation()?;
                continue;
            }
            members.push(self.member(metadata)?);
        }
        Ok(Some(Definition::Class { name, base, compact_id, members, metadata }))
    }

    /// After metadata: does a `type name (` follow (an operation, not a data member)?
    fn looks_like_operation(&self) -> bool {
        let mut i = self.pos;
        while let Some(t) = self.tokens.get(i) {
            match &t.tok {
                // `optional(3)` before a type.
                Tok::Ident { name, escaped: false } if name == "optional" => i += 4,
                Tok::Punct('(') => return true,
                Tok::Punct(';' | '=' | '}' | '{') => return false,
                _ => i += 1,
            }
        }
        false
    }

    fn interface(&mut self, metadata: Metadata) -> Result<Option<Definition>, Error> {
        let name = self.identifier()?;
        if self.is_punct(';') {
            return Ok(Some(Definition::Forward { name, interface: true }));
        }
        let mut bases = Vec::new();
        if self.eat_keyword("extends") {
            bases.push(self.scoped_name()?);
            while self.eat_punct(',') {
                bases.push(self.scoped_name()?);
            }
        }
        self.expect_punct('{')?;
        let mut operations = Vec::new();
        while !self.eat_punct('}') {
            if self.peek().is_none() {
                return self.error("missing `}'");
            }
            operations.push(self.operation()?);
        }
        Ok(Some(Definition::Interface { name, bases, operations, metadata }))
    }

    fn optional_tag(&mut self) -> Result<Option<u32>, Error> {
        if !self.eat_keyword("optional") {
            return Ok(None);
        }
        self.expect_punct('(')?;
        let tag = self.literal().ok().and_then(|l| self.int_value(&l));
        let tag = tag.and_then(|n| u32::try_from(n).ok());
        self.expect_punct(')')?;
        tag.map(Some).ok_or_else(|| Error::syntax(self.here(), "bad optional tag"))
    }

    fn operation(&mut self) -> Result<Operation, Error> {
        let metadata = self.metadata()?;
        let location = self.here();
        let idempotent = self.eat_keyword("idempotent");
        let ret_tag = self.optional_tag()?;
        let ret = if self.eat_keyword("void") { None } else { Some(self.type_ref()?) };
        let name = self.identifier()?;
        self.expect_punct('(')?;
        let mut params = Vec::new();
        let mut outs = Vec::new();
        if !self.eat_punct(')') {
            loop {
                let md = self.metadata()?;
                let out = self.eat_keyword("out");
                let md2 = self.metadata()?;
                let location = self.here();
                let tag = self.optional_tag()?;
                let ty = self.type_ref()?;
                let pname = self.identifier()?;
                let m = Member {
                    name: pname,
                    ty,
                    tag,
                    default: None,
                    metadata: md.into_iter().chain(md2).collect(),
                    location,
                };
                if out {
                    outs.push(m);
                } else {
                    params.push(m);
                }
                if self.eat_punct(')') {
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        let mut throws = Vec::new();
        if self.eat_keyword("throws") {
            throws.push(self.scoped_name()?);
            while self.eat_punct(',') {
                throws.push(self.scoped_name()?);
            }
        }
        self.expect_punct(';')?;
        Ok(Operation { name, idempotent, ret, ret_tag, params, outs, throws, metadata, location })
    }

    /// `{ member; ... }`.
    fn members(&mut self) -> Result<Vec<Member>, Error> {
        self.expect_punct('{')?;
        let mut members = Vec::new();
        while !self.eat_punct('}') {
            if self.peek().is_none() {
                return self.error("missing `}'");
            }
            let metadata = self.metadata()?;
            members.push(self.member(metadata)?);
        }
        Ok(members)
    }

    fn member(&mut self, metadata: Metadata) -> Result<Member, Error> {
        let location = self.here();
        let tag = self.optional_tag()?;
        let ty = self.type_ref()?;
        let name = self.identifier()?;
        let default = if self.eat_punct('=') { Some(self.literal()?) } else { None };
        self.expect_punct(';')?;
        Ok(Member { name, ty, tag, default, metadata, location })
    }

    fn enumeration(&mut self) -> Result<Option<Definition>, Error> {
        let name = self.identifier()?;
        self.expect_punct('{')?;
        let mut enumerators = Vec::new();
        let mut next = 0i64;
        while !self.eat_punct('}') {
            // Ice 3.8 allows metadata on an enumerator (`["deprecated"] B`).
            self.metadata()?;
            let e = self.identifier()?;
            if self.eat_punct('=') {
                let value = self.literal()?;
                next = match self.int_value(&value) {
                    Some(n) => n,
                    None => return self.error("an enumerator's value must be an integer"),
                };
            }
            let v = i32::try_from(next)
                .map_err(|_| Error::syntax(self.here(), "enumerator out of range"))?;
            // An enumerator is a constant for what follows (`class C(First)`, Ice 3.8).
            self.int_consts.insert(e.clone(), next);
            enumerators.push((e, v));
            next += 1;
            if !self.eat_punct(',') {
                self.expect_punct('}')?;
                break;
            }
        }
        if enumerators.is_empty() {
            return self.error(format!("enum `{name}' has no enumerators"));
        }
        Ok(Some(Definition::Enum { name, enumerators }))
    }

    fn type_ref(&mut self) -> Result<TypeRef, Error> {
        let builtin = |n: &str| {
            Some(match n {
                "bool" => Builtin::Bool,
                "byte" => Builtin::Byte,
                "short" => Builtin::Short,
                "int" => Builtin::Int,
                "long" => Builtin::Long,
                "float" => Builtin::Float,
                "double" => Builtin::Double,
                "string" => Builtin::String,
                _ => return None,
            })
        };
        if let Some(Tok::Ident { name, escaped: false }) = self.peek() {
            if let Some(b) = builtin(name) {
                self.pos += 1;
                return Ok(TypeRef::Builtin(b));
            }
            if name == "Object" || name == "LocalObject" {
                self.pos += 1;
                return Ok(if self.eat_punct('*') { TypeRef::ObjectProxy } else { TypeRef::Value });
            }
            if name == "Value" {
                self.pos += 1;
                return Ok(TypeRef::Value);
            }
        }
        let name = self.scoped_name()?;
        Ok(if self.eat_punct('*') { TypeRef::Proxy(name) } else { TypeRef::Named(name) })
    }

    /// The integer `value` stands for: itself, or an integer constant it names.
    fn int_value(&self, value: &Literal) -> Option<i64> {
        match value {
            Literal::Int(n) => Some(*n),
            Literal::Name(name) => {
                let last = name.rsplit("::").next().unwrap_or(name);
                self.int_consts.get(last).copied()
            }
            _ => None,
        }
    }

    fn literal(&mut self) -> Result<Literal, Error> {
        let negative = self.eat_punct('-');
        if !negative {
            self.eat_punct('+');
        }
        match self.peek().cloned() {
            Some(Tok::Int(n)) => {
                self.pos += 1;
                Ok(Literal::Int(if negative { -n } else { n }))
            }
            Some(Tok::Float(f)) => {
                self.pos += 1;
                Ok(Literal::Float(if negative { -f } else { f }))
            }
            Some(Tok::Str(s)) if !negative => {
                self.pos += 1;
                Ok(Literal::String(s))
            }
            Some(Tok::Ident { name, escaped: false }) if name == "true" || name == "false" => {
                self.pos += 1;
                Ok(Literal::Bool(name == "true"))
            }
            Some(Tok::Ident { .. } | Tok::Scope) if !negative => {
                Ok(Literal::Name(self.scoped_name()?))
            }
            _ => self.error("expected a constant value"),
        }
    }
}
