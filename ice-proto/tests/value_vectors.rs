//! The class and exception vectors of spec §12.3 and the captured user-exception replies
//! (vectors 08, 20, 21): each decodes to the expected value and our encoder reproduces it byte
//! for byte.

mod support;

use ice_proto::value::{
    decode_user_exception, decode_value, encode_user_exception, encode_value, DecodedException,
    SlicedFormat, ValueGraph, ValueReader, ValueRef, ValueWriter,
};
use ice_proto::{Encapsulation, EncodingVersion};
use support::*;

const V1_0: EncodingVersion = EncodingVersion::V1_0;
const V1_1: EncodingVersion = EncodingVersion::V1_1;

const DERIVED_COMPACT: &str = r#"32 00 00 00 01 01
01
01 0f <"::Test::Derived">
01 78
01
  21 0c <"::Test::Base">
  02 00 00 00
20
01 00 00 00"#;

const DERIVED_SLICED: &str = r#"41 00 00 00 01 01
01
19 0f <"::Test::Derived">
07 00 00 00
01 78
01
01
  01
  31 0c <"::Test::Base">
  08 00 00 00 02 00 00 00
32 02
08 00 00 00 01 00 00 00"#;

const DERIVED_1_0: &str = r#"6b 00 00 00 01 00
ff ff ff ff
01
01 00 00 00
00 0f <"::Test::Derived"> 0a 00 00 00 01 78 fe ff ff ff
00 0c <"::Test::Base">    08 00 00 00 01 00 00 00
00 0d <"::Ice::Object">   05 00 00 00 00
01
02 00 00 00
01 02 08 00 00 00 02 00 00 00
01 03 05 00 00 00 00
00"#;

const SAME_TWICE: &str = r#"1a 00 00 00 01 01 | 01 21 0c <"::Test::Base"> 02 00 00 00 | 02"#;
const NULL_1_1: &str = "07 00 00 00 01 01 00";
const NULL_1_0: &str = "0b 00 00 00 01 00 00 00 00 00 00";

const DERIVED_EX_COMPACT: &str =
    r#"2b 00 00 00 01 01 | 00 11 <"::Test::DerivedEx"> 01 6d | 20 0a <"::Test::Ex"> 07 00 00 00"#;
const DERIVED_EX_SLICED: &str = r#"33 00 00 00 01 01 | 10 11 <"::Test::DerivedEx"> 06 00 00 00 01 6d | 30 0a <"::Test::Ex"> 08 00 00 00 07 00 00 00"#;
const DERIVED_EX_1_0: &str = r#"32 00 00 00 01 00 | 00 | 11 <"::Test::DerivedEx"> 06 00 00 00 01 6d | 0a <"::Test::Ex"> 08 00 00 00 07 00 00 00"#;

/// Checks `graph` holds `Derived{i=1, s="x", next=Base{i=2}}` at `root`.
fn check_derived(graph: &ValueGraph, root: Option<ValueRef>) {
    let d = graph.get::<Derived>(root.expect("non-null root")).expect("a Derived");
    assert_eq!((d.i, d.s.as_str()), (1, "x"));
    let next = graph.get::<Base>(d.next.expect("non-null next")).expect("a Base");
    assert_eq!(next, &Base { i: 2 });
    assert_eq!(graph.len(), 2);
}

fn derived_graph() -> (ValueGraph, ValueRef) {
    let mut g = ValueGraph::new();
    let base = g.add(Base { i: 2 });
    let root = g.add(Derived { i: 1, s: "x".into(), next: Some(base) });
    (g, root)
}

fn check_derived_vector(text: &str, encoding: EncodingVersion, format: SlicedFormat) {
    let bytes = spec_hex(text);
    let encaps = encaps_of(&bytes);
    assert_eq!(encaps.encoding, encoding);
    let (root, graph) = decode_value(&encaps, &all_values()).expect("decodes");
    check_derived(&graph, root);

    let (g, r) = derived_graph();
    assert_eq!(encode_value(&g, Some(r), encoding, format).to_bytes()[..], bytes[..]);
    // Re-encoding what was decoded gives the same bytes too.
    assert_eq!(encode_value(&graph, root, encoding, format).to_bytes()[..], bytes[..]);
}

#[test]
fn derived_1_1_compact() {
    check_derived_vector(DERIVED_COMPACT, V1_1, SlicedFormat::Compact);
}

#[test]
fn derived_1_1_sliced() {
    check_derived_vector(DERIVED_SLICED, V1_1, SlicedFormat::Sliced);
}

#[test]
fn derived_1_0_with_pending_instances() {
    check_derived_vector(DERIVED_1_0, V1_0, SlicedFormat::Compact);
}

#[test]
fn same_instance_twice_1_1_compact() {
    let bytes = spec_hex(SAME_TWICE);
    let encaps = encaps_of(&bytes);
    let mut input = encaps.reader().unwrap();
    let registry = all_values();
    let mut r = ValueReader::new(&mut input, &registry);
    let a = r.read_value().unwrap().unwrap();
    let b = r.read_value().unwrap().unwrap();
    let graph = r.finish().unwrap();
    encaps.finish(&mut input).unwrap();
    assert!(graph.same_instance(a, b));
    assert_eq!(graph.len(), 1);
    assert_eq!(graph.get::<Base>(a), Some(&Base { i: 2 }));

    let mut g = ValueGraph::new();
    let base = g.add(Base { i: 2 });
    let out = Encapsulation::build(V1_1, |out| {
        let mut w = ValueWriter::new(out, &g, SlicedFormat::Compact);
        w.write_value(Some(base));
        w.write_value(Some(base));
    });
    assert_eq!(out.to_bytes()[..], bytes[..]);
}

#[test]
fn null_value() {
    for (text, enc) in [(NULL_1_1, V1_1), (NULL_1_0, V1_0)] {
        let bytes = spec_hex(text);
        let (root, graph) = decode_value(&encaps_of(&bytes), &all_values()).unwrap();
        assert_eq!(root, None);
        assert!(graph.is_empty());
        let out = encode_value(&ValueGraph::new(), None, enc, SlicedFormat::Compact);
        assert_eq!(out.to_bytes()[..], bytes[..]);
    }
}

fn check_derived_ex(text: &str, encoding: EncodingVersion, format: SlicedFormat) {
    let bytes = spec_hex(text);
    let encaps = encaps_of(&bytes);
    let decoded = decode_user_exception(&encaps, &all_exceptions()).expect("decodes");
    assert_eq!(decoded.type_id(), "::Test::DerivedEx");
    assert_eq!(decoded.downcast_ref::<DerivedEx>(), Some(&DerivedEx { code: 7, msg: "m".into() }));
    let ex = DerivedEx { code: 7, msg: "m".into() };
    assert_eq!(encode_user_exception(&ex, encoding, format).to_bytes()[..], bytes[..]);
    assert_eq!(decoded.to_encapsulation(encoding, format).to_bytes()[..], bytes[..]);
}

#[test]
fn derived_ex_1_1_compact() {
    check_derived_ex(DERIVED_EX_COMPACT, V1_1, SlicedFormat::Compact);
}

#[test]
fn derived_ex_1_1_sliced() {
    check_derived_ex(DERIVED_EX_SLICED, V1_1, SlicedFormat::Sliced);
}

#[test]
fn derived_ex_1_0() {
    check_derived_ex(DERIVED_EX_1_0, V1_0, SlicedFormat::Compact);
}

#[test]
fn derived_ex_known_only_as_its_base() {
    // A reader that knows only ::Test::Ex gets an Ex, in every format that allows slicing.
    let only_ex = ice_proto::value::ExceptionRegistry::new().with::<Ex>();
    for text in [DERIVED_EX_SLICED, DERIVED_EX_1_0] {
        let decoded = decode_user_exception(&encaps_of(&spec_hex(text)), &only_ex).unwrap();
        assert_eq!(decoded.downcast_ref::<Ex>(), Some(&Ex { code: 7 }));
        assert_eq!(decoded.type_id(), "::Test::DerivedEx");
    }
}

fn check_capture(
    file: &str,
    encoding: EncodingVersion,
    format: SlicedFormat,
    check: impl Fn(&DecodedException) -> Box<dyn ice_proto::UserException>,
) {
    let encaps = user_exception_reply(file);
    assert_eq!(encaps.encoding, encoding);
    let decoded = decode_user_exception(&encaps, &all_exceptions()).expect("decodes");
    let expected = check(&decoded);
    assert_eq!(encode_user_exception(&*expected, encoding, format), encaps);
    assert_eq!(decoded.to_encapsulation(encoding, format), encaps);
}

#[test]
fn capture_08_hello_error_1_1_compact() {
    check_capture("08_user_exception.hex", V1_1, SlicedFormat::Compact, |d| {
        let expected = HelloError { code: 7, reason: "seven".into() };
        assert_eq!(d.downcast_ref::<HelloError>(), Some(&expected));
        assert_eq!(d.type_id(), "::Lab::HelloError");
        Box::new(expected)
    });
}

#[test]
fn capture_20_hello_error_1_0() {
    check_capture("20_encoding_1_0.hex", V1_0, SlicedFormat::Compact, |d| {
        let expected = HelloError { code: 7, reason: "seven".into() };
        assert_eq!(d.downcast_ref::<HelloError>(), Some(&expected));
        Box::new(expected)
    });
}

#[test]
fn capture_21_glacier2_permission_denied_sliced() {
    check_capture("21_glacier2_permission_denied.hex", V1_1, SlicedFormat::Sliced, |d| {
        let expected = PermissionDeniedException { reason: "permission denied".into() };
        assert_eq!(d.downcast_ref::<PermissionDeniedException>(), Some(&expected));
        assert_eq!(d.type_id(), "::Glacier2::PermissionDeniedException");
        Box::new(expected)
    });
}

#[test]
fn unknown_captures_are_kept_or_rejected_by_format() {
    let none = ice_proto::value::ExceptionRegistry::new();
    // Compact (08): an unknown type cannot be skipped.
    let e = decode_user_exception(&user_exception_reply("08_user_exception.hex"), &none);
    assert_eq!(e.unwrap_err(), ice_proto::DecodeError::UnknownType("::Lab::HelloError".into()));
    // 1.0 (20): skipped to the end, only the type id is known.
    let d = decode_user_exception(&user_exception_reply("20_encoding_1_0.hex"), &none).unwrap();
    assert!(matches!(&d, DecodedException::Unknown(u) if u.type_id == "::Lab::HelloError"));
    // Sliced (21): kept whole and written back unchanged.
    let encaps = user_exception_reply("21_glacier2_permission_denied.hex");
    let d = decode_user_exception(&encaps, &none).unwrap();
    assert_eq!(d.type_id(), "::Glacier2::PermissionDeniedException");
    assert!(d.exception().is_none());
    assert_eq!(d.to_encapsulation(V1_1, SlicedFormat::Sliced), encaps);
    assert_eq!(d.to_encapsulation(V1_1, SlicedFormat::Compact), encaps);
}
