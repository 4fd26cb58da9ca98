//! `DriverTypes` (`tests/interop/driver/DriverTypes.ice`) written by hand with ice-proto's
//! `Encode` / `Decode`, `IceEnum`, `Value` and `UserException`, as a user of the crates would:
//! the Slice types here, the servant in [`servant`], the client checks in [`client`].
#![allow(dead_code)]

pub mod client;
pub mod servant;

use ice_proto::encoding::IceEnum;
use ice_proto::value::{
    ExceptionRegistry, SliceType, UserException, Value, ValueReader, ValueRef, ValueRegistry,
    ValueWriter,
};
use ice_proto::{Decode, DecodeError, Encode, InputStream, OutputStream};

pub const TYPES_ID: &str = "::DriverTypes::Types";
pub const SHAPE_ID: &str = "::DriverTypes::Shape";
pub const CIRCLE_ID: &str = "::DriverTypes::Circle";
pub const NODE_ID: &str = "::DriverTypes::Node";
pub const BASE_ERROR_ID: &str = "::DriverTypes::BaseError";
pub const DERIVED_ERROR_ID: &str = "::DriverTypes::DerivedError";

/// `enum Color { Red, Green = 5, Blue }`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Color {
    Red = 0,
    Green = 5,
    Blue = 6,
}

impl IceEnum for Color {
    const MAX_VALUE: i32 = 6;
    fn value(&self) -> i32 {
        *self as i32
    }
    fn from_value(v: i32) -> Option<Self> {
        match v {
            0 => Some(Color::Red),
            5 => Some(Color::Green),
            6 => Some(Color::Blue),
            _ => None,
        }
    }
}
ice_proto::ice_enum!(Color);

impl Color {
    /// `nextColor`: Red -> Green -> Blue -> Red.
    pub fn next(self) -> Color {
        match self {
            Color::Red => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::Red,
        }
    }
}

/// `struct Point { short x; short y; }` (fixed size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Point {
    pub x: i16,
    pub y: i16,
}

impl Encode for Point {
    const FIXED_SIZE: Option<usize> = Some(4);
    fn encode(&self, out: &mut OutputStream) {
        out.write_i16(self.x);
        out.write_i16(self.y);
    }
}

impl Decode for Point {
    const FIXED_SIZE: Option<usize> = Some(4);
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Point { x: input.read_i16()?, y: input.read_i16()? })
    }
}

pub fn point(x: i16, y: i16) -> Point {
    Point { x, y }
}

/// `struct Line { Point start; Point end; string label; Color color; }`
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub start: Point,
    pub end: Point,
    pub label: String,
    pub color: Color,
}

impl Encode for Line {
    fn encode(&self, out: &mut OutputStream) {
        out.write(&self.start);
        out.write(&self.end);
        out.write_string(&self.label);
        out.write(&self.color);
    }
}

impl Decode for Line {
    const MIN_WIRE_SIZE: usize = 10;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Line {
            start: input.read()?,
            end: input.read()?,
            label: input.read_string()?,
            color: input.read()?,
        })
    }
}

pub fn line(start: Point, end: Point, label: &str, color: Color) -> Line {
    Line { start, end, label: label.to_owned(), color }
}

/// `struct Seqs`: one sequence of each kind.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seqs {
    pub bools: Vec<bool>,
    pub bytes: Vec<u8>,
    pub shorts: Vec<i16>,
    pub ints: Vec<i32>,
    pub longs: Vec<i64>,
    pub floats: Vec<f32>,
    pub doubles: Vec<f64>,
    pub strings: Vec<String>,
    pub colors: Vec<Color>,
    pub points: Vec<Point>,
    pub lines: Vec<Line>,
}

impl Encode for Seqs {
    fn encode(&self, out: &mut OutputStream) {
        out.write(&self.bools);
        out.write(&self.bytes);
        out.write(&self.shorts);
        out.write(&self.ints);
        out.write(&self.longs);
        out.write(&self.floats);
        out.write(&self.doubles);
        out.write(&self.strings);
        out.write(&self.colors);
        out.write(&self.points);
        out.write(&self.lines);
    }
}

impl Decode for Seqs {
    const MIN_WIRE_SIZE: usize = 11;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Seqs {
            bools: input.read()?,
            bytes: input.read()?,
            shorts: input.read()?,
            ints: input.read()?,
            longs: input.read()?,
            floats: input.read()?,
            doubles: input.read()?,
            strings: input.read()?,
            colors: input.read()?,
            points: input.read()?,
            lines: input.read()?,
        })
    }
}

impl Seqs {
    /// `reverseSeqs`: every sequence reversed.
    pub fn reversed(&self) -> Seqs {
        fn rev<T: Clone>(v: &[T]) -> Vec<T> {
            v.iter().rev().cloned().collect()
        }
        Seqs {
            bools: rev(&self.bools),
            bytes: rev(&self.bytes),
            shorts: rev(&self.shorts),
            ints: rev(&self.ints),
            longs: rev(&self.longs),
            floats: rev(&self.floats),
            doubles: rev(&self.doubles),
            strings: rev(&self.strings),
            colors: rev(&self.colors),
            points: rev(&self.points),
            lines: rev(&self.lines),
        }
    }
}

/// A string reversed by code point, as `primitives`, `flipLine` and `optionals` do.
pub fn reversed(s: &str) -> String {
    s.chars().rev().collect()
}

/// `class Shape { string name; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    pub name: String,
}

impl Value for Shape {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[SliceType::new(SHAPE_ID)];
        SLICES
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_string(&self.name);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.name = r.read_string()?;
        Ok(())
    }
}

/// `class Circle extends Shape { Point center; int radius; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Circle {
    pub name: String,
    pub center: Point,
    pub radius: i32,
}

impl Value for Circle {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[SliceType::new(CIRCLE_ID), SliceType::new(SHAPE_ID)];
        SLICES
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        match slice {
            0 => {
                w.write(&self.center);
                w.write_i32(self.radius);
            }
            _ => w.write_string(&self.name),
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        match slice {
            0 => {
                self.center = r.read()?;
                self.radius = r.read_i32()?;
            }
            _ => self.name = r.read_string()?,
        }
        Ok(())
    }
}

/// `class Node { int value; Node next; Shape shape; optional(1) string note;
/// optional(2) Point where; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub value: i32,
    pub next: Option<ValueRef>,
    pub shape: Option<ValueRef>,
    pub note: Option<String>,
    pub location: Option<Point>,
}

impl Value for Node {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[SliceType::new(NODE_ID).with_optional_members()];
        SLICES
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_i32(self.value);
        w.write_value(self.next);
        w.write_value(self.shape);
        w.write_optional(1, &self.note);
        w.write_optional(2, &self.location);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.value = r.read_i32()?;
        self.next = r.read_value()?;
        self.shape = r.read_value()?;
        self.note = r.read_optional(1)?;
        self.location = r.read_optional(2)?;
        Ok(())
    }
}

/// The classes of `DriverTypes`.
pub fn values() -> ValueRegistry {
    ValueRegistry::new().with::<Shape>().with::<Circle>().with::<Node>()
}

/// `exception BaseError { string reason; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BaseError {
    pub reason: String,
}

impl UserException for BaseError {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[SliceType::new(BASE_ERROR_ID)];
        SLICES
    }
    fn write_members(&self, _slice: usize, w: &mut ValueWriter<'_>) {
        w.write_string(&self.reason);
    }
    fn read_members(&mut self, _slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        self.reason = r.read_string()?;
        Ok(())
    }
}

/// `exception DerivedError extends BaseError { int code; optional(1) string detail; }`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DerivedError {
    pub reason: String,
    pub code: i32,
    pub detail: Option<String>,
}

impl UserException for DerivedError {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] = &[
            SliceType::new(DERIVED_ERROR_ID).with_optional_members(),
            SliceType::new(BASE_ERROR_ID),
        ];
        SLICES
    }
    fn write_members(&self, slice: usize, w: &mut ValueWriter<'_>) {
        match slice {
            0 => {
                w.write_i32(self.code);
                w.write_optional(1, &self.detail);
            }
            _ => w.write_string(&self.reason),
        }
    }
    fn read_members(&mut self, slice: usize, r: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        match slice {
            0 => {
                self.code = r.read_i32()?;
                self.detail = r.read_optional(1)?;
            }
            _ => self.reason = r.read_string()?,
        }
        Ok(())
    }
}

/// The exceptions `throwError` declares.
pub fn exceptions() -> ExceptionRegistry {
    ExceptionRegistry::new().with::<BaseError>().with::<DerivedError>()
}
