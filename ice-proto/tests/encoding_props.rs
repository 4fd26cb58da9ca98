//! Property tests for the Ice encoding: every type family round-trips in encodings 1.0 and 1.1,
//! optionals are found or skipped by tag, and arbitrary or lying input never panics.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use bytes::Bytes;
use ice_proto::encoding::{Decode, Encode, IceEnum, InputStream, OptionalFormat, OutputStream};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion, Identity};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const V10: EncodingVersion = EncodingVersion::V1_0;
const V11: EncodingVersion = EncodingVersion::V1_1;

fn encoding() -> impl Strategy<Value = EncodingVersion> {
    prop_oneof![Just(V10), Just(V11)]
}

// ---- test types -----------------------------------------------------------------------------

/// A variable-size Slice struct.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    name: String,
    age: i32,
    tags: Vec<String>,
}

impl Encode for Person {
    fn encode(&self, out: &mut OutputStream) {
        out.write_string(&self.name);
        out.write_i32(self.age);
        out.write(&self.tags);
    }
}

impl Decode for Person {
    const MIN_WIRE_SIZE: usize = 6;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Person { name: input.read()?, age: input.read()?, tags: input.read()? })
    }
}

fn person() -> impl Strategy<Value = Person> {
    (any::<String>(), any::<i32>(), prop::collection::vec(any::<String>(), 0..4))
        .prop_map(|(name, age, tags)| Person { name, age, tags })
}

/// A fixed-size Slice struct (6 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pt {
    x: i32,
    y: i16,
}

impl Encode for Pt {
    const FIXED_SIZE: Option<usize> = Some(6);
    fn encode(&self, out: &mut OutputStream) {
        out.write_i32(self.x);
        out.write_i16(self.y);
    }
}

impl Decode for Pt {
    const FIXED_SIZE: Option<usize> = Some(6);
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Pt { x: input.read_i32()?, y: input.read_i16()? })
    }
}

fn pt() -> impl Strategy<Value = Pt> {
    (any::<i32>(), any::<i16>()).prop_map(|(x, y)| Pt { x, y })
}

/// Enums whose largest enumerators need 1, 2 and 4 bytes in encoding 1.0.
macro_rules! test_enum {
    ($name:ident, $max:expr) => {
        #[derive(Debug, Clone, Copy, PartialEq)]
        struct $name(i32);
        impl IceEnum for $name {
            const MAX_VALUE: i32 = $max;
            fn value(&self) -> i32 {
                self.0
            }
            fn from_value(v: i32) -> Option<Self> {
                (0..=$max).contains(&v).then_some($name(v))
            }
        }
        ice_proto::ice_enum!($name);
    };
}
test_enum!(SmallEnum, 2);
test_enum!(MidEnum, 300);
test_enum!(BigEnum, 70_000);

// ---- helpers --------------------------------------------------------------------------------

fn encode<T: Encode + ?Sized>(value: &T, encoding: EncodingVersion) -> Bytes {
    let mut out = OutputStream::new(encoding);
    value.encode(&mut out);
    out.into_bytes()
}

fn decoded<T: Decode>(bytes: Bytes, encoding: EncodingVersion) -> Result<T, TestCaseError> {
    let mut input = InputStream::new(bytes, encoding);
    let value = T::decode(&mut input).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(input.remaining(), 0, "bytes left after decoding");
    Ok(value)
}

/// Encodes, checks the fixed size if the type has one, and decodes back.
fn round_trip<T>(value: &T, encoding: EncodingVersion) -> Result<(), TestCaseError>
where
    T: Encode + Decode + PartialEq + Debug,
{
    let bytes = encode(value, encoding);
    if let Some(n) = <T as Encode>::FIXED_SIZE {
        prop_assert_eq!(bytes.len(), n);
    }
    prop_assert!(bytes.len() >= <T as Decode>::MIN_WIRE_SIZE);
    prop_assert_eq!(&decoded::<T>(bytes, encoding)?, value);
    Ok(())
}

// ---- round trips ----------------------------------------------------------------------------

proptest! {
    #[test]
    fn primitives(
        enc in encoding(),
        b in any::<bool>(), u in any::<u8>(), s in any::<i16>(), i in any::<i32>(),
        l in any::<i64>(), f in any::<f32>(), d in any::<f64>(),
    ) {
        round_trip(&b, enc)?;
        round_trip(&u, enc)?;
        round_trip(&s, enc)?;
        round_trip(&i, enc)?;
        round_trip(&l, enc)?;
        // NaN != NaN: compare floats bit for bit.
        prop_assert_eq!(decoded::<f32>(encode(&f, enc), enc)?.to_bits(), f.to_bits());
        prop_assert_eq!(decoded::<f64>(encode(&d, enc), enc)?.to_bits(), d.to_bits());
        prop_assert_eq!(encode(&f, enc).len(), 4);
        prop_assert_eq!(encode(&d, enc).len(), 8);
    }

    #[test]
    fn strings(enc in encoding(), s in any::<String>(), t in "[a-zé€日本😀\\x00-\\x7f]{0,300}") {
        round_trip(&s, enc)?;
        round_trip(&t, enc)?;
        let bytes = encode(&t, enc);
        let prefix = if t.len() < 255 { 1 } else { 5 };
        prop_assert_eq!(bytes.len(), prefix + t.len());
    }

    #[test]
    fn byte_sequences(enc in encoding(), v in prop::collection::vec(any::<u8>(), 0..600)) {
        round_trip(&v, enc)?;
        let b = Bytes::from(v.clone());
        round_trip(&b, enc)?;
        prop_assert_eq!(encode(&b, enc), encode(&v, enc));
    }

    #[test]
    fn sequences_of_primitives(
        enc in encoding(),
        bools in prop::collection::vec(any::<bool>(), 0..50),
        shorts in prop::collection::vec(any::<i16>(), 0..50),
        ints in prop::collection::vec(any::<i32>(), 0..300),
        longs in prop::collection::vec(any::<i64>(), 0..50),
        doubles in prop::collection::vec(-1e300f64..1e300, 0..50),
    ) {
        round_trip(&bools, enc)?;
        round_trip(&shorts, enc)?;
        round_trip(&ints, enc)?;
        round_trip(&longs, enc)?;
        round_trip(&doubles, enc)?;
    }

    #[test]
    fn sequences_of_strings_and_structs(
        enc in encoding(),
        strings in prop::collection::vec(any::<String>(), 0..10),
        people in prop::collection::vec(person(), 0..5),
        points in prop::collection::vec(pt(), 0..50),
    ) {
        round_trip(&strings, enc)?;
        round_trip(&people, enc)?;
        round_trip(&points, enc)?;
    }

    #[test]
    fn nested_sequences(
        enc in encoding(),
        ints in prop::collection::vec(prop::collection::vec(any::<i32>(), 0..5), 0..5),
        strings in prop::collection::vec(prop::collection::vec(any::<String>(), 0..3), 0..4),
        deep in prop::collection::vec(
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..4), 0..3), 0..3),
    ) {
        round_trip(&ints, enc)?;
        round_trip(&strings, enc)?;
        round_trip(&deep, enc)?;
    }

    #[test]
    fn dictionaries(
        enc in encoding(),
        hash in prop::collection::hash_map(any::<String>(), any::<i32>(), 0..8),
        tree in prop::collection::btree_map(any::<i32>(), any::<String>(), 0..8),
        points in prop::collection::btree_map(any::<String>(), prop::collection::vec(pt(), 0..3), 0..4),
        people in prop::collection::hash_map(any::<i64>(), person(), 0..4),
    ) {
        round_trip(&hash, enc)?;
        round_trip(&tree, enc)?;
        round_trip(&points, enc)?;
        round_trip(&people, enc)?;
    }

    #[test]
    fn tuples(
        enc in encoding(),
        a in (any::<bool>(), any::<u8>(), any::<i16>(), any::<i32>()),
        b in (any::<i64>(), any::<String>(), prop::collection::vec(any::<u8>(), 0..8),
              prop::collection::btree_map(any::<String>(), any::<String>(), 0..3)),
        p in pt(),
    ) {
        let eight = (a.0, a.1, a.2, a.3, b.0, b.1.clone(), b.2.clone(), b.3.clone());
        round_trip(&eight, enc)?;
        round_trip(&(p, a.3), enc)?;
        prop_assert_eq!(<(Pt, i32) as Encode>::FIXED_SIZE, Some(10));
        round_trip(&(b.1, (p, b.2)), enc)?;
    }

    #[test]
    fn enums(enc in encoding(), s in 0..=2i32, m in 0..=300i32, b in 0..=70_000i32) {
        round_trip(&SmallEnum(s), enc)?;
        round_trip(&MidEnum(m), enc)?;
        round_trip(&BigEnum(b), enc)?;
        round_trip(&vec![SmallEnum(s), SmallEnum(2 - s)], enc)?;
        let size11 = |v: i32| if v < 255 { 1 } else { 5 };
        let (ws, wm, wb) = if enc == V10 { (1, 2, 4) } else { (1, size11(m), size11(b)) };
        prop_assert_eq!(encode(&SmallEnum(s), enc).len(), ws);
        prop_assert_eq!(encode(&MidEnum(m), enc).len(), wm);
        prop_assert_eq!(encode(&BigEnum(b), enc).len(), wb);
    }

    #[test]
    fn enumerators_above_the_maximum_are_rejected(enc in encoding(), v in 3..127i32) {
        let mut out = OutputStream::new(enc);
        out.write_enum(v, SmallEnum::MAX_VALUE);
        let mut input = InputStream::new(out.into_bytes(), enc);
        prop_assert_eq!(input.read::<SmallEnum>(), Err(DecodeError::InvalidEnumerator(v)));
    }

    #[test]
    fn nested_encapsulations(
        inner_enc in encoding(),
        middle_enc in encoding(),
        ints in prop::collection::vec(any::<i32>(), 0..10),
        name in any::<String>(),
    ) {
        let inner = Encapsulation::from_value(inner_enc, &ints);
        let middle = Encapsulation::from_value(middle_enc, &(name.clone(), inner.clone()));
        let outer = Encapsulation::from_value(V11, &(middle.clone(), 7i32));
        let bytes = outer.to_bytes();
        prop_assert_eq!(bytes.len(), outer.encoded_len());

        let mut input = InputStream::new(bytes, V10);
        let outer_back = input.read_encapsulation().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(input.is_empty());
        let (middle_back, seven): (Encapsulation, i32) =
            outer_back.decode().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(seven, 7);
        prop_assert_eq!(&middle_back, &middle);
        let (name_back, inner_back): (String, Encapsulation) =
            middle_back.decode().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(name_back, name);
        prop_assert_eq!(inner_back.encoding, inner_enc);
        prop_assert_eq!(inner_back.decode::<Vec<i32>>().map_err(|e| TestCaseError::fail(e.to_string()))?, ints);
    }
}

// ---- optionals ------------------------------------------------------------------------------

/// One optional value of each optional format.
#[derive(Debug, Clone, PartialEq)]
enum Opt {
    Bool(bool),
    Byte(u8),
    Short(i16),
    Int(i32),
    Float(u32),
    Long(i64),
    Double(u64),
    Enum(MidEnum),
    Str(String),
    ByteSeq(Vec<u8>),
    Ints(Vec<i32>),
    Fixed(Pt),
    FixedDict(BTreeMap<i32, i16>),
    Strings(Vec<String>),
    Person(Person),
    Dict(HashMap<String, String>),
    Identity(Identity),
}

fn opt() -> impl Strategy<Value = Opt> {
    prop_oneof![
        any::<bool>().prop_map(Opt::Bool),
        any::<u8>().prop_map(Opt::Byte),
        any::<i16>().prop_map(Opt::Short),
        any::<i32>().prop_map(Opt::Int),
        any::<u32>().prop_map(Opt::Float),
        any::<i64>().prop_map(Opt::Long),
        any::<u64>().prop_map(Opt::Double),
        (0..=300i32).prop_map(|v| Opt::Enum(MidEnum(v))),
        any::<String>().prop_map(Opt::Str),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(Opt::ByteSeq),
        prop::collection::vec(any::<i32>(), 0..300).prop_map(Opt::Ints),
        pt().prop_map(Opt::Fixed),
        prop::collection::btree_map(any::<i32>(), any::<i16>(), 0..300).prop_map(Opt::FixedDict),
        prop::collection::vec(any::<String>(), 0..4).prop_map(Opt::Strings),
        person().prop_map(Opt::Person),
        prop::collection::hash_map(any::<String>(), any::<String>(), 0..4).prop_map(Opt::Dict),
        (any::<String>(), any::<String>())
            .prop_map(|(name, category)| Opt::Identity(Identity { name, category })),
    ]
}

impl Opt {
    fn write(&self, tag: u32, out: &mut OutputStream) {
        match self {
            Opt::Bool(v) => out.write_optional(tag, &Some(*v)),
            Opt::Byte(v) => out.write_optional(tag, &Some(*v)),
            Opt::Short(v) => out.write_optional(tag, &Some(*v)),
            Opt::Int(v) => out.write_optional(tag, &Some(*v)),
            Opt::Float(v) => out.write_optional(tag, &Some(f32::from_bits(*v))),
            Opt::Long(v) => out.write_optional(tag, &Some(*v)),
            Opt::Double(v) => out.write_optional(tag, &Some(f64::from_bits(*v))),
            Opt::Enum(v) => out.write_optional(tag, &Some(*v)),
            Opt::Str(v) => out.write_optional(tag, &Some(v)),
            Opt::ByteSeq(v) => out.write_optional(tag, &Some(v)),
            Opt::Ints(v) => out.write_optional(tag, &Some(v)),
            Opt::Fixed(v) => out.write_optional(tag, &Some(*v)),
            Opt::FixedDict(v) => out.write_optional(tag, &Some(v)),
            Opt::Strings(v) => out.write_optional(tag, &Some(v)),
            Opt::Person(v) => out.write_optional(tag, &Some(v)),
            Opt::Dict(v) => out.write_optional(tag, &Some(v)),
            Opt::Identity(v) => out.write_optional(tag, &Some(v)),
        }
    }

    /// Reads the optional `tag` as this value's type.
    fn read_same(&self, tag: u32, input: &mut InputStream) -> Result<Option<Opt>, DecodeError> {
        Ok(match self {
            Opt::Bool(_) => input.read_optional(tag)?.map(Opt::Bool),
            Opt::Byte(_) => input.read_optional(tag)?.map(Opt::Byte),
            Opt::Short(_) => input.read_optional(tag)?.map(Opt::Short),
            Opt::Int(_) => input.read_optional(tag)?.map(Opt::Int),
            Opt::Float(_) => input.read_optional::<f32>(tag)?.map(|v| Opt::Float(v.to_bits())),
            Opt::Long(_) => input.read_optional(tag)?.map(Opt::Long),
            Opt::Double(_) => input.read_optional::<f64>(tag)?.map(|v| Opt::Double(v.to_bits())),
            Opt::Enum(_) => input.read_optional(tag)?.map(Opt::Enum),
            Opt::Str(_) => input.read_optional(tag)?.map(Opt::Str),
            Opt::ByteSeq(_) => input.read_optional(tag)?.map(Opt::ByteSeq),
            Opt::Ints(_) => input.read_optional(tag)?.map(Opt::Ints),
            Opt::Fixed(_) => input.read_optional(tag)?.map(Opt::Fixed),
            Opt::FixedDict(_) => input.read_optional(tag)?.map(Opt::FixedDict),
            Opt::Strings(_) => input.read_optional(tag)?.map(Opt::Strings),
            Opt::Person(_) => input.read_optional(tag)?.map(Opt::Person),
            Opt::Dict(_) => input.read_optional(tag)?.map(Opt::Dict),
            Opt::Identity(_) => input.read_optional(tag)?.map(Opt::Identity),
        })
    }

    /// The format spec §3.10 assigns to this value's type.
    fn spec_format(&self) -> OptionalFormat {
        use OptionalFormat::*;
        match self {
            Opt::Bool(_) | Opt::Byte(_) => F1,
            Opt::Short(_) => F2,
            Opt::Int(_) | Opt::Float(_) => F4,
            Opt::Long(_) | Opt::Double(_) => F8,
            Opt::Enum(_) => Size,
            Opt::Str(_) | Opt::ByteSeq(_) | Opt::Ints(_) | Opt::Fixed(_) | Opt::FixedDict(_) => {
                VSize
            }
            Opt::Strings(_) | Opt::Person(_) | Opt::Dict(_) | Opt::Identity(_) => FSize,
        }
    }
}

/// Optionals keyed by tag (so sorted and unique), with tags on both sides of 30.
fn optionals() -> impl Strategy<Value = BTreeMap<u32, Opt>> {
    prop::collection::btree_map(prop_oneof![0u32..40, 0u32..400], opt(), 0..12)
}

proptest! {
    #[test]
    fn optionals_round_trip_with_the_spec_format(tag in prop_oneof![0u32..30, 30u32..100_000], value in opt()) {
        let mut out = OutputStream::new(V11);
        value.write(tag, &mut out);
        let bytes = out.into_bytes();
        // The header carries the format in its low bits; tags >= 30 follow as a size.
        prop_assert_eq!(OptionalFormat::from_bits(bytes[0]), value.spec_format());
        prop_assert_eq!(u32::from(bytes[0] >> 3), tag.min(30));
        let mut input = InputStream::new(bytes, V11);
        prop_assert_eq!(value.read_same(tag, &mut input).map_err(|e| TestCaseError::fail(e.to_string()))?, Some(value));
        prop_assert!(input.is_empty());
    }

    #[test]
    fn readers_skip_the_optionals_they_do_not_know(values in optionals(), known_mask in any::<u64>(), probe in 0u32..500) {
        let encaps = Encapsulation::build(V11, |out| {
            for (tag, v) in &values {
                v.write(*tag, out);
            }
        });
        let mut r = encaps.reader().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (i, (tag, v)) in values.iter().enumerate() {
            if known_mask & (1 << (i % 64)) != 0 {
                let got = v.read_same(*tag, &mut r).map_err(|e| TestCaseError::fail(format!("tag {tag}: {e}")))?;
                prop_assert_eq!(got.as_ref(), Some(v), "tag {}", tag);
            }
        }
        // A tag past every written one is absent; the rest are skipped by `finish`.
        let last = values.keys().next_back().copied().unwrap_or(0);
        prop_assert_eq!(r.read_optional::<i32>(last + 1 + probe).map_err(|e| TestCaseError::fail(e.to_string()))?, None);
        encaps.finish(&mut r).map_err(|e| TestCaseError::fail(e.to_string()))?;

        // A reader knowing none of them skips them all, or ignores them unread.
        let mut r = encaps.reader().map_err(|e| TestCaseError::fail(e.to_string()))?;
        encaps.finish(&mut r).map_err(|e| TestCaseError::fail(e.to_string()))?;
        encaps.expect_empty().map_err(|e| TestCaseError::fail(e.to_string()))?;
    }

    #[test]
    fn absent_tags_leave_later_optionals_readable(values in optionals()) {
        let encaps = Encapsulation::build(V11, |out| {
            for (tag, v) in &values {
                v.write(*tag, out);
            }
        });
        let mut r = encaps.reader().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut prev: Option<u32> = None;
        for (tag, v) in &values {
            // Ask for a missing tag between the previous one and this one, if there is room.
            let gap = prev.map_or(0, |p| p + 1);
            if gap < *tag {
                prop_assert_eq!(r.read_optional::<u8>(gap).map_err(|e| TestCaseError::fail(e.to_string()))?, None);
            }
            let got = v.read_same(*tag, &mut r).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(got.as_ref(), Some(v));
            prev = Some(*tag);
        }
        r.expect_end().map_err(|e| TestCaseError::fail(e.to_string()))?;
    }

    #[test]
    fn encoding_1_0_has_no_optionals(values in optionals()) {
        let encaps = Encapsulation::build(V10, |out| {
            for (tag, v) in &values {
                v.write(*tag, out);
            }
            out.write_i32(9);
        });
        prop_assert_eq!(encaps.data.len(), 4);
        let mut r = encaps.reader().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (tag, v) in &values {
            prop_assert_eq!(v.read_same(*tag, &mut r).map_err(|e| TestCaseError::fail(e.to_string()))?, None);
        }
        prop_assert_eq!(r.read_i32().map_err(|e| TestCaseError::fail(e.to_string()))?, 9);
    }
}

// ---- hostile input --------------------------------------------------------------------------

/// Decodes `bytes` as `T`, discarding the outcome: only a panic (or a hang) can fail this.
fn poke<T: Decode>(bytes: &Bytes, encoding: EncodingVersion) {
    let mut input = InputStream::new(bytes.clone(), encoding);
    let _ = T::decode(&mut input);
    let mut input = InputStream::new(bytes.clone(), encoding);
    let _ = T::decode_optional(&mut input);
}

fn poke_all(bytes: &Bytes, encoding: EncodingVersion) {
    poke::<bool>(bytes, encoding);
    poke::<u8>(bytes, encoding);
    poke::<i16>(bytes, encoding);
    poke::<i32>(bytes, encoding);
    poke::<i64>(bytes, encoding);
    poke::<f32>(bytes, encoding);
    poke::<f64>(bytes, encoding);
    poke::<String>(bytes, encoding);
    poke::<Bytes>(bytes, encoding);
    poke::<Vec<u8>>(bytes, encoding);
    poke::<Vec<bool>>(bytes, encoding);
    poke::<Vec<i32>>(bytes, encoding);
    poke::<Vec<f64>>(bytes, encoding);
    poke::<Vec<String>>(bytes, encoding);
    poke::<Vec<Person>>(bytes, encoding);
    poke::<Vec<Pt>>(bytes, encoding);
    poke::<Vec<Vec<i64>>>(bytes, encoding);
    poke::<Vec<Vec<String>>>(bytes, encoding);
    poke::<HashMap<String, i32>>(bytes, encoding);
    poke::<BTreeMap<i32, String>>(bytes, encoding);
    poke::<BTreeMap<String, Vec<Pt>>>(bytes, encoding);
    poke::<(bool, u8, i16, i32, i64, String, Vec<u8>, BTreeMap<String, String>)>(bytes, encoding);
    poke::<SmallEnum>(bytes, encoding);
    poke::<MidEnum>(bytes, encoding);
    poke::<BigEnum>(bytes, encoding);
    poke::<Vec<MidEnum>>(bytes, encoding);
    poke::<Identity>(bytes, encoding);
    poke::<Encapsulation>(bytes, encoding);
    poke::<(Encapsulation, Encapsulation)>(bytes, encoding);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..96), tag in 0u32..64) {
        let bytes = Bytes::from(data);
        poke_all(&bytes, V10);
        poke_all(&bytes, V11);

        let mut input = InputStream::new(bytes.clone(), V11);
        let _ = input.skip_remaining_optionals();
        let mut input = InputStream::new(bytes.clone(), V11);
        let _ = input.read_optional::<Vec<String>>(tag);
        let _ = input.read_optional::<Person>(tag + 1);
        let _ = input.read_optional::<MidEnum>(tag + 40);
        let mut input = InputStream::new(bytes.clone(), V11);
        if let Ok(encaps) = input.read_encapsulation() {
            let _ = encaps.decode::<Vec<Person>>();
            let _ = encaps.expect_empty();
        }
    }

    #[test]
    fn arbitrary_optional_streams_never_panic(
        body in prop::collection::vec(prop_oneof![any::<u8>(), Just(0xf0u8), Just(0xffu8), Just(0xf6)], 0..64),
        tags in prop::collection::vec(0u32..64, 0..6),
    ) {
        let bytes = Bytes::from(body);
        let mut input = InputStream::new(bytes.clone(), V11);
        for tag in tags {
            let _ = input.read_optional::<String>(tag);
        }
        let _ = input.skip_remaining_optionals();
        let encaps = Encapsulation::new(V11, bytes);
        let _ = encaps.expect_empty();
    }

    #[test]
    fn huge_declared_sizes_fail_without_allocating(
        size in prop_oneof![Just(i32::MAX), 100_000i32..i32::MAX],
        tail in prop::collection::vec(any::<u8>(), 0..16),
        enc in encoding(),
    ) {
        // A 5-byte size announcing far more elements than there are bytes left. The count is
        // checked against the bytes left before any element is allocated.
        let mut wire = vec![0xff];
        wire.extend_from_slice(&size.to_le_bytes());
        wire.extend_from_slice(&tail);
        let bytes = Bytes::from(wire);

        macro_rules! must_fail {
            ($($t:ty),+) => {$({
                let mut input = InputStream::new(bytes.clone(), enc);
                let result = input.read::<$t>();
                prop_assert!(
                    matches!(result, Err(DecodeError::OutOfBounds { .. })),
                    "{}: {:?}", stringify!($t), result
                );
            })+};
        }
        must_fail!(
            String, Bytes, Vec<u8>, Vec<bool>, Vec<i32>, Vec<i64>, Vec<String>, Vec<Person>,
            Vec<Pt>, Vec<Vec<u8>>, Vec<MidEnum>, HashMap<String, String>, BTreeMap<i32, i32>
        );

        // The same lie one level down: an outer sequence of one element.
        let mut nested = vec![1u8];
        nested.extend_from_slice(&bytes);
        let mut input = InputStream::new(nested, enc);
        let result = input.read::<Vec<Vec<i64>>>();
        prop_assert!(matches!(result, Err(DecodeError::OutOfBounds { .. })), "{:?}", result);

        // An encapsulation and an FSize optional announcing more than there is.
        let mut encaps = size.to_le_bytes().to_vec();
        encaps.extend_from_slice(&[1, 1]);
        encaps.extend_from_slice(&tail);
        let mut input = InputStream::new(encaps, enc);
        let result = input.read_encapsulation();
        prop_assert!(matches!(result, Err(DecodeError::OutOfBounds { .. })), "{:?}", result);

        let mut optional = vec![(1 << 3) | OptionalFormat::FSize as u8];
        optional.extend_from_slice(&size.to_le_bytes());
        optional.extend_from_slice(&tail);
        let mut input = InputStream::new(optional, V11);
        let result = input.read_optional::<i32>(2);
        prop_assert!(matches!(result, Err(DecodeError::OutOfBounds { .. })), "{:?}", result);
    }
}
