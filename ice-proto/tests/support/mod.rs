//! Slice types used by the value and exception tests, written by hand as users would, and
//! helpers to read test vectors.
#![allow(dead_code)]

use ice_proto::value::{
    ExceptionRegistry, SliceType, UserException, Value, ValueReader, ValueRef, ValueRegistry,
    ValueWriter,
};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion, InputStream};

pub const BASE: SliceType = SliceType::new("::Test::Base");
pub const DERIVED: SliceType = SliceType::new("::Test::Derived");
/// Has a compact id and optional members, to exercise both.
pub const NODE: SliceType =
    SliceType::new("::Test::Node").with_compact_id(7).with_optional_members();

/// `class Base { int i; }`
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Base {
    pub i: i32,
}

impl Value for Base {
    fn slices(&self) -> &'static [SliceType] {
        &[BASE]
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.i);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.i = r.read_i32()?;
        Ok(())
    }
}

/// `class Derived extends Base { string s; Base next; }`
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Derived {
    pub i: i32,
    pub s: String,
    pub next: Option<ValueRef>,
}

impl Value for Derived {
    fn slices(&self) -> &'static [SliceType] {
        &[DERIVED, BASE]
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        if slice == 0 {
            w.write_string(&self.s);
            w.write_value(self.next);
        } else {
            w.write_i32(self.i);
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        if slice == 0 {
            self.s = r.read_string()?;
            self.next = r.read_value()?;
        } else {
            self.i = r.read_i32()?;
        }
        Ok(())
    }
}

/// `class Node(7) extends Base { Base child; Base other; optional(1) string label;
/// optional(2) Base extra; optional(40) long weight; }`
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Node {
    pub i: i32,
    pub child: Option<ValueRef>,
    pub other: Option<ValueRef>,
    pub label: Option<String>,
    pub extra: Option<Option<ValueRef>>,
    pub weight: Option<i64>,
}

impl Value for Node {
    fn slices(&self) -> &'static [SliceType] {
        &[NODE, BASE]
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        if slice == 0 {
            w.write_value(self.child);
            w.write_value(self.other);
            w.write_optional(1, &self.label);
            w.write_optional_value(2, self.extra);
            w.write_optional(40, &self.weight);
        } else {
            w.write_i32(self.i);
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        if slice == 0 {
            self.child = r.read_value()?;
            self.other = r.read_value()?;
            self.label = r.read_optional(1)?;
            self.extra = r.read_optional_value(2)?;
            self.weight = r.read_optional(40)?;
        } else {
            self.i = r.read_i32()?;
        }
        Ok(())
    }
}

pub fn all_values() -> ValueRegistry {
    ValueRegistry::new().with::<Base>().with::<Derived>().with::<Node>()
}

pub const EX: SliceType = SliceType::new("::Test::Ex");
pub const DERIVED_EX: SliceType = SliceType::new("::Test::DerivedEx");
pub const RICH_EX: SliceType = SliceType::new("::Test::RichEx").with_optional_members();

/// `exception Ex { int code; }`
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Ex {
    pub code: i32,
}

impl UserException for Ex {
    fn slices(&self) -> &'static [SliceType] {
        &[EX]
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.code);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.code = r.read_i32()?;
        Ok(())
    }
}

/// `exception DerivedEx extends Ex { string msg; }`
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DerivedEx {
    pub code: i32,
    pub msg: String,
}

impl UserException for DerivedEx {
    fn slices(&self) -> &'static [SliceType] {
        &[DERIVED_EX, EX]
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        match slice {
            0 => w.write_string(&self.msg),
            _ => w.write_i32(self.code),
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        match slice {
            0 => self.msg = r.read_string()?,
            _ => self.code = r.read_i32()?,
        }
        Ok(())
    }
}

/// `exception RichEx extends DerivedEx { Base obj; optional(1) int level; optional(5) string
/// note; }`
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RichEx {
    pub code: i32,
    pub msg: String,
    pub obj: Option<ValueRef>,
    pub level: Option<i32>,
    pub note: Option<String>,
}

impl UserException for RichEx {
    fn slices(&self) -> &'static [SliceType] {
        &[RICH_EX, DERIVED_EX, EX]
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        match slice {
            0 => {
                w.write_value(self.obj);
                w.write_optional(1, &self.level);
                w.write_optional(5, &self.note);
            }
            1 => w.write_string(&self.msg),
            _ => w.write_i32(self.code),
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        match slice {
            0 => {
                self.obj = r.read_value()?;
                self.level = r.read_optional(1)?;
                self.note = r.read_optional(5)?;
            }
            1 => self.msg = r.read_string()?,
            _ => self.code = r.read_i32()?,
        }
        Ok(())
    }
    fn uses_classes(&self) -> bool {
        true
    }
}

/// `exception Lab::HelloError { int code; string reason; }` (vectors/Hello.ice)
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HelloError {
    pub code: i32,
    pub reason: String,
}

impl UserException for HelloError {
    fn slices(&self) -> &'static [SliceType] {
        const S: &[SliceType] = &[SliceType::new("::Lab::HelloError")];
        S
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.code);
        w.write_string(&self.reason);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.code = r.read_i32()?;
        self.reason = r.read_string()?;
        Ok(())
    }
}

/// `exception Glacier2::PermissionDeniedException { string reason; }` (sliced format)
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PermissionDeniedException {
    pub reason: String,
}

impl UserException for PermissionDeniedException {
    fn slices(&self) -> &'static [SliceType] {
        const S: &[SliceType] = &[SliceType::new("::Glacier2::PermissionDeniedException")];
        S
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_string(&self.reason);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.reason = r.read_string()?;
        Ok(())
    }
}

pub fn all_exceptions() -> ExceptionRegistry {
    ExceptionRegistry::new()
        .with::<Ex>()
        .with::<DerivedEx>()
        .with::<RichEx>()
        .with::<HelloError>()
        .with::<PermissionDeniedException>()
}

/// Parses spec-style hex: hex digits, spaces and `|` separators, and `<"text">` for the bytes
/// of `text`.
pub fn spec_hex(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<\"") {
            let end = rest[2..].find("\">").expect("unterminated <\"...\">") + 2;
            out.extend_from_slice(&rest.as_bytes()[2..end]);
            rest = &rest[end + 2..];
        } else if c.is_ascii_hexdigit() {
            out.push(u8::from_str_radix(&rest[..2], 16).expect("hex pair"));
            rest = &rest[2..];
        } else {
            assert!(c.is_whitespace() || c == '|', "unexpected {c:?} in hex vector");
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Reads an encapsulation (header included) from the start of `bytes`, requiring nothing after.
pub fn encaps_of(bytes: &[u8]) -> Encapsulation {
    let mut input = InputStream::new(bytes.to_vec(), EncodingVersion::V1_0);
    let e = input.read_encapsulation().expect("encapsulation");
    assert!(input.is_empty(), "bytes after the encapsulation");
    e
}

/// The encapsulation of the first reply with status 1 (UserException) in a vectors/*.hex file.
pub fn user_exception_reply(file: &str) -> Encapsulation {
    let path = format!("{}/../vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("vector file");
    for line in text.lines() {
        let Some(h) = line.strip_prefix("< ") else {
            continue;
        };
        let msg = spec_hex(h);
        // 14-byte header (type at 8), request id, reply status.
        if msg[8] == 2 && msg[18] == 1 {
            let mut input = InputStream::new(msg[19..].to_vec(), EncodingVersion::V1_0);
            let e = input.read_encapsulation().expect("reply encapsulation");
            assert!(input.is_empty());
            return e;
        }
    }
    panic!("no user exception reply in {file}");
}
