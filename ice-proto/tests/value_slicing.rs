//! Slicing unknown types down to known bases, preserved slices written back unchanged (what a
//! forwarder relies on), and the reader's defences against hostile input.

mod support;

use ice_proto::encoding::Decode;
use ice_proto::value::{
    decode_user_exception, decode_user_exception_with, decode_value, decode_value_with,
    encode_user_exception_with, encode_value, DecodedException, ExceptionRegistry, Instance,
    SliceTypeId, SlicedFormat, ValueGraph, ValueRef, ValueRegistry,
};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion};
use support::*;

const V1_0: EncodingVersion = EncodingVersion::V1_0;
const V1_1: EncodingVersion = EncodingVersion::V1_1;

fn derived_graph() -> (ValueGraph, ValueRef) {
    let mut g = ValueGraph::new();
    let base = g.add(Base { i: 2 });
    let root = g.add(Derived { i: 1, s: "x".into(), next: Some(base) });
    (g, root)
}

#[test]
fn unknown_most_derived_class_is_sliced_to_its_known_base_and_kept() {
    let (g, root) = derived_graph();
    let encaps = encode_value(&g, Some(root), V1_1, SlicedFormat::Sliced);
    let only_base = ValueRegistry::new().with::<Base>();
    let (r, graph) = decode_value(&encaps, &only_base).unwrap();
    let r = r.unwrap();

    // The root is read as its known base, Base{i=1}, and the Derived slice is kept.
    assert_eq!(graph.get::<Base>(r), Some(&Base { i: 1 }));
    let inst = graph.instance(r).unwrap();
    assert_eq!(inst.most_derived_type_id(), SliceTypeId::from("::Test::Derived"));
    let kept = inst.preserved_slices();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].type_id, SliceTypeId::from("::Test::Derived"));
    assert_eq!(&kept[0].data[..], b"\x01x\x01"); // s = "x", next = indirection index 1
    assert!(!kept[0].is_last);
    // Its indirection table still leads to the nested instance, decoded as usual.
    assert_eq!(graph.get::<Base>(kept[0].instances[0]), Some(&Base { i: 2 }));

    // A forwarder writes it back unchanged.
    assert_eq!(encode_value(&graph, Some(r), V1_1, SlicedFormat::Sliced), encaps);
    // Even asked for the compact format: an instance with preserved slices stays sliced.
    let compact = encode_value(&graph, Some(r), V1_1, SlicedFormat::Compact);
    let (r2, g2) = decode_value(&compact, &all_values()).unwrap();
    let d = g2.get::<Derived>(r2.unwrap()).unwrap();
    assert_eq!((d.i, d.s.as_str()), (1, "x"));
    assert_eq!(g2.get::<Base>(d.next.unwrap()), Some(&Base { i: 2 }));
}

#[test]
fn class_with_compact_id_and_optionals_is_kept_whole() {
    let mut g = ValueGraph::new();
    let leaf = g.add(Base { i: 9 });
    let other = g.add(Derived { i: 3, s: "o".into(), next: Some(leaf) });
    let root = g.add(Node {
        i: 5,
        child: Some(leaf),
        other: Some(other),
        label: Some("lbl".into()),
        extra: Some(Some(other)),
        weight: Some(-4),
    });
    let encaps = encode_value(&g, Some(root), V1_1, SlicedFormat::Sliced);

    // Fully known: every member comes back.
    let (r, full) = decode_value(&encaps, &all_values()).unwrap();
    let n = full.get::<Node>(r.unwrap()).unwrap();
    assert_eq!((n.i, n.label.as_deref(), n.weight), (5, Some("lbl"), Some(-4)));
    assert!(full.same_instance(n.other.unwrap(), n.extra.unwrap().unwrap()));
    assert_eq!(full.get::<Base>(n.child.unwrap()), Some(&Base { i: 9 }));

    // Only Base known: the Node slice (compact id 7, optional members) is kept whole.
    let (r, part) = decode_value(&encaps, &ValueRegistry::new().with::<Base>()).unwrap();
    let inst = part.instance(r.unwrap()).unwrap();
    assert_eq!(part.get::<Base>(r.unwrap()), Some(&Base { i: 5 }));
    assert_eq!(inst.preserved_slices()[0].type_id, SliceTypeId::Compact(7));
    assert!(inst.preserved_slices()[0].has_optional_members);
    assert_eq!(encode_value(&part, r, V1_1, SlicedFormat::Sliced), encaps);

    // Nothing known: every instance is an unknown sliced value, still written back unchanged.
    let (r, none) = decode_value(&encaps, &ValueRegistry::new()).unwrap();
    assert!(none.instances().iter().all(|i| matches!(i, Instance::Unknown(_))));
    assert_eq!(none.len(), 3);
    assert_eq!(encode_value(&none, r, V1_1, SlicedFormat::Sliced), encaps);
}

#[test]
fn compact_format_unknown_class_fails_with_unknown_type() {
    let (g, root) = derived_graph();
    let encaps = encode_value(&g, Some(root), V1_1, SlicedFormat::Compact);
    let err = decode_value(&encaps, &ValueRegistry::new().with::<Base>()).unwrap_err();
    assert_eq!(err, DecodeError::UnknownType("::Test::Derived".into()));
}

#[test]
fn encoding_1_0_skips_unknown_class_slices() {
    let (g, root) = derived_graph();
    let encaps = encode_value(&g, Some(root), V1_0, SlicedFormat::Compact);
    let (r, graph) = decode_value(&encaps, &ValueRegistry::new().with::<Base>()).unwrap();
    assert_eq!(graph.get::<Base>(r.unwrap()), Some(&Base { i: 1 }));
    // With nothing known, 1.0 has no way to keep the instance.
    let err = decode_value(&encaps, &ValueRegistry::new()).unwrap_err();
    assert_eq!(err, DecodeError::UnknownType("::Test::Derived".into()));
}

fn rich_ex(g: &mut ValueGraph) -> RichEx {
    let obj = g.add(Base { i: 42 });
    RichEx { code: 1, msg: "m".into(), obj: Some(obj), level: Some(3), note: None }
}

#[test]
fn unknown_exception_slices_are_kept_and_forwarded_unchanged() {
    let mut g = ValueGraph::new();
    let ex = rich_ex(&mut g);
    let encaps = encode_user_exception_with(&ex, &g, V1_1, SlicedFormat::Sliced);

    // Known as ::Test::Ex only: two slices kept, with the class instance of the first.
    let only_ex = ExceptionRegistry::new().with::<Ex>();
    let d = decode_user_exception(&encaps, &only_ex).unwrap();
    let DecodedException::Known(k) = &d else { panic!("expected a known base: {d:?}") };
    assert_eq!(k.exception.downcast_ref::<Ex>(), Some(&Ex { code: 1 }));
    assert_eq!(d.type_id(), "::Test::RichEx");
    let ids: Vec<_> = k.preserved.iter().map(|s| s.type_id.to_string()).collect();
    assert_eq!(ids, ["::Test::RichEx", "::Test::DerivedEx"]);
    assert_eq!(k.preserved[0].instances.len(), 1);
    assert_eq!(d.to_encapsulation(V1_1, SlicedFormat::Sliced), encaps);

    // The same with the class known: the kept slice's instance is a Base.
    let d = decode_user_exception_with(&encaps, &only_ex, &all_values(), 100).unwrap();
    let DecodedException::Known(k) = &d else { panic!() };
    assert_eq!(k.values.get::<Base>(k.preserved[0].instances[0]), Some(&Base { i: 42 }));
    assert_eq!(d.to_encapsulation(V1_1, SlicedFormat::Sliced), encaps);

    // Nothing known: an UnknownUserException carrying every slice, forwarded unchanged.
    let d = decode_user_exception(&encaps, &ExceptionRegistry::new()).unwrap();
    let DecodedException::Unknown(u) = &d else { panic!("expected unknown: {d:?}") };
    assert_eq!(u.type_id, "::Test::RichEx");
    assert_eq!(u.slices.len(), 3);
    assert!(u.slices[2].is_last);
    assert_eq!(d.to_encapsulation(V1_1, SlicedFormat::Sliced), encaps);

    // Fully known: members, optionals and the class member come back.
    let d = decode_user_exception_with(&encaps, &all_exceptions(), &all_values(), 100).unwrap();
    let got = d.downcast_ref::<RichEx>().unwrap();
    assert_eq!(
        (got.code, got.msg.as_str(), got.level, got.note.as_deref()),
        (1, "m", Some(3), None)
    );
    assert_eq!(d.values().get::<Base>(got.obj.unwrap()), Some(&Base { i: 42 }));
}

#[test]
fn compact_unknown_exception_fails_with_unknown_type() {
    let mut g = ValueGraph::new();
    let ex = rich_ex(&mut g);
    let encaps = encode_user_exception_with(&ex, &g, V1_1, SlicedFormat::Compact);
    let only_ex = ExceptionRegistry::new().with::<Ex>();
    let err = decode_user_exception(&encaps, &only_ex).unwrap_err();
    assert_eq!(err, DecodeError::UnknownType("::Test::RichEx".into()));
}

#[test]
fn exception_with_classes_in_1_0_carries_pending_instances() {
    let mut g = ValueGraph::new();
    let ex = rich_ex(&mut g);
    let encaps = encode_user_exception_with(&ex, &g, V1_0, SlicedFormat::Compact);
    assert_eq!(encaps.data[0], 1, "usesClasses");
    let d = decode_user_exception_with(&encaps, &all_exceptions(), &all_values(), 100).unwrap();
    let got = d.downcast_ref::<RichEx>().unwrap();
    // 1.0 has no optionals.
    assert_eq!((got.code, got.level), (1, None));
    assert_eq!(d.values().get::<Base>(got.obj.unwrap()), Some(&Base { i: 42 }));
    assert_eq!(d.to_encapsulation(V1_0, SlicedFormat::Compact), encaps);
}

#[test]
fn cycles_decode_to_the_same_instance() {
    for (enc, format) in
        [(V1_1, SlicedFormat::Compact), (V1_1, SlicedFormat::Sliced), (V1_0, SlicedFormat::Compact)]
    {
        let mut g = ValueGraph::new();
        let root = g.add(Derived { i: 1, s: "loop".into(), next: None });
        g.get_mut::<Derived>(root).unwrap().next = Some(root);
        let encaps = encode_value(&g, Some(root), enc, format);
        let (r, graph) = decode_value(&encaps, &all_values()).unwrap();
        let r = r.unwrap();
        let d = graph.get::<Derived>(r).unwrap();
        assert!(graph.same_instance(r, d.next.unwrap()), "{enc} {format:?}");
        assert_eq!(graph.len(), 1);
        assert_eq!(encode_value(&graph, Some(r), enc, format), encaps);
    }
}

fn chain(len: usize) -> (ValueGraph, ValueRef) {
    let mut g = ValueGraph::new();
    let mut next = None;
    for i in 0..len {
        next = Some(g.add(Derived { i: i as i32, s: String::new(), next }));
    }
    (g, next.unwrap())
}

#[test]
fn class_graph_depth_is_limited() {
    for (enc, format) in
        [(V1_1, SlicedFormat::Compact), (V1_1, SlicedFormat::Sliced), (V1_0, SlicedFormat::Compact)]
    {
        let (g, root) = chain(150);
        let encaps = encode_value(&g, Some(root), enc, format);
        assert_eq!(decode_value(&encaps, &all_values()).unwrap_err(), DecodeError::TooDeep(100));
        let (r, graph) = decode_value_with(&encaps, &all_values(), 150).unwrap();
        assert_eq!(graph.len(), 150);
        assert_eq!(graph.get::<Derived>(r.unwrap()).unwrap().i, 149);
        assert_eq!(
            decode_value_with(&encaps, &all_values(), 149).unwrap_err(),
            DecodeError::TooDeep(149)
        );
        // Unknown types are skipped through the same depth check.
        if enc == V1_1 && format == SlicedFormat::Sliced {
            let err = decode_value(&encaps, &ValueRegistry::new()).unwrap_err();
            assert_eq!(err, DecodeError::TooDeep(100));
        }
    }
}

#[test]
fn depth_1_0_counts_the_deepest_earlier_reference() {
    // Root -> a -> b, and root -> b directly: b is first referred to at depth 1 (by root) and
    // then at depth 2 (by a), before it is read, so it is at depth 3.
    let mut g = ValueGraph::new();
    let b = g.add(Base { i: 2 });
    let a = g.add(Derived { i: 1, s: String::new(), next: Some(b) });
    let root = g.add(Node { child: Some(a), other: Some(b), ..Node::default() });
    let encaps = encode_value(&g, Some(root), V1_0, SlicedFormat::Compact);
    assert!(decode_value_with(&encaps, &all_values(), 3).is_ok());
    assert_eq!(decode_value_with(&encaps, &all_values(), 2).unwrap_err(), DecodeError::TooDeep(2));
}

#[test]
#[should_panic(expected = "nested deeper than the writer's limit of 500")]
fn writer_panics_rather_than_overflowing_the_stack() {
    let (g, root) = chain(501);
    encode_value(&g, Some(root), V1_1, SlicedFormat::Compact);
}

#[test]
fn writer_depth_limit_allows_what_it_says() {
    // Nesting costs stack: a few KiB per level in debug builds, so a deep limit needs a thread
    // with a stack sized for it.
    std::thread::Builder::new()
        .stack_size(16 << 20)
        .spawn(|| {
            let (g, root) = chain(500);
            let encaps = encode_value(&g, Some(root), V1_1, SlicedFormat::Sliced);
            let (r, graph) = decode_value_with(&encaps, &all_values(), 500).unwrap();
            assert_eq!(graph.get::<Derived>(r.unwrap()).unwrap().i, 499);
        })
        .unwrap()
        .join()
        .unwrap();
}

fn encaps(enc: EncodingVersion, data: Vec<u8>) -> Encapsulation {
    Encapsulation::new(enc, data.into())
}

#[test]
fn hostile_deep_nesting_fails_without_exhausting_the_stack() {
    const LEVELS: usize = 200_000;
    // Compact, known type: Derived{s="", next=<next level>} nested LEVELS deep.
    let mut data = Vec::new();
    for level in 0..LEVELS {
        data.push(1);
        if level == 0 {
            data.extend_from_slice(b"\x01\x0f::Test::Derived");
        } else {
            data.extend_from_slice(b"\x02\x01");
        }
        data.push(0);
    }
    data.push(0);
    for _ in 0..LEVELS {
        data.extend_from_slice(&[0x20, 0, 0, 0, 0]);
    }
    let err = decode_value(&encaps(V1_1, data), &all_values()).unwrap_err();
    assert_eq!(err, DecodeError::TooDeep(100));

    // Sliced, unknown type: each instance's indirection table holds the next level.
    let mut data = Vec::new();
    for level in 0..LEVELS {
        data.push(1);
        if level == 0 {
            data.extend_from_slice(b"\x39\x03::X");
        } else {
            data.extend_from_slice(b"\x3a\x01");
        }
        data.extend_from_slice(&[4, 0, 0, 0, 1]);
    }
    data.extend_from_slice(&[1, 0x32, 1, 4, 0, 0, 0]);
    let err = decode_value(&encaps(V1_1, data), &ValueRegistry::new()).unwrap_err();
    assert_eq!(err, DecodeError::TooDeep(100));
}

fn is_invalid(r: Result<(Option<ValueRef>, ValueGraph), DecodeError>) -> bool {
    matches!(r, Err(DecodeError::Invalid(_)))
}

#[test]
fn references_to_undefined_instances_are_rejected() {
    // 1.1: instance id 5 was never defined.
    assert!(is_invalid(decode_value(&encaps(V1_1, vec![5]), &all_values())));
    // 1.0: reference -5 but no pending instance 5.
    assert!(is_invalid(decode_value(
        &encaps(V1_0, vec![0xfb, 0xff, 0xff, 0xff, 0]),
        &all_values()
    )));
    // 1.0: positive references are not references.
    assert!(is_invalid(decode_value(&encaps(V1_0, vec![5, 0, 0, 0, 0]), &all_values())));
    // 1.0: reference -1, then instance 1 defined twice.
    let (g, root) = chain(1);
    let good = encode_value(&g, Some(root), V1_0, SlicedFormat::Compact);
    let body = &good.data[4..good.data.len() - 1]; // "01 <id 1> <instance>"
    let mut twice = good.data[..4].to_vec();
    twice.extend_from_slice(body);
    twice.extend_from_slice(body);
    twice.push(0);
    assert!(is_invalid(decode_value(&encaps(V1_0, twice), &all_values())));
}

#[test]
fn malformed_slices_are_rejected() {
    let (g, root) = derived_graph();
    let sliced = encode_value(&g, Some(root), V1_1, SlicedFormat::Sliced).data.to_vec();
    // "next" is indirection index 1 at offset 24 (marker, flags, type id, size, "01 78").
    assert_eq!(&sliced[22..25], b"\x01x\x01");
    let mut bad = sliced.clone();
    bad[24] = 2;
    assert!(is_invalid(decode_value(&encaps(V1_1, bad), &all_values())));

    // A type-id index that was never registered.
    let mut bad = sliced.clone();
    let last_slice = sliced.len() - 10;
    assert_eq!(&sliced[last_slice..last_slice + 2], b"\x32\x02");
    bad[last_slice + 1] = 9;
    assert!(is_invalid(decode_value(&encaps(V1_1, bad), &all_values())));

    // A slice size that disagrees with the members read.
    let mut bad = sliced.clone();
    bad[18] = 8;
    assert!(decode_value(&encaps(V1_1, bad), &all_values()).is_err());

    // The known type's chain does not match: Derived's second slice claims to be the last but
    // is followed by nothing of Base.
    let (g, root) = derived_graph();
    let compact = encode_value(&g, Some(root), V1_1, SlicedFormat::Compact).data.to_vec();
    let mut bad = compact.clone();
    assert_eq!(bad[1], 0x01);
    bad[1] = 0x21;
    assert!(is_invalid(decode_value(&encaps(V1_1, bad), &all_values())));
}

#[test]
fn exception_whose_base_chain_differs_is_rejected() {
    // DerivedEx whose second slice names ::Test::Ey instead of ::Test::Ex.
    let data = b"\x00\x11::Test::DerivedEx\x01m\x20\x0a::Test::Ey\x07\x00\x00\x00".to_vec();
    let r = decode_user_exception(&encaps(V1_1, data), &all_exceptions());
    assert!(matches!(r, Err(DecodeError::Invalid(_))), "{r:?}");
    // An empty encapsulation holds no exception.
    assert!(decode_user_exception(&encaps(V1_1, vec![]), &all_exceptions()).is_err());
    assert!(decode_user_exception(&encaps(V1_0, vec![0]), &all_exceptions()).is_err());
}

/// What a newer peer sends: a known parameter, then an optional class parameter the reader's
/// Slice does not have.
fn with_unknown_optional_class(format: SlicedFormat) -> Encapsulation {
    let (g, root) = derived_graph();
    Encapsulation::build(V1_1, |out| {
        out.write_i32(7);
        let mut w = ice_proto::value::ValueWriter::new(out, &g, format);
        w.write_optional_value(1, Some(Some(root)));
        w.write_optional_value(2, Some(None));
    })
}

#[test]
fn unknown_optional_class_parameters_are_skipped_as_ice_skips_them() {
    // Sliced: the instance is sliced off and dropped, with or without a class reader.
    let encaps = with_unknown_optional_class(SlicedFormat::Sliced);
    assert_eq!(encaps.decode::<i32>().unwrap(), 7);
    let mut input = encaps.reader().unwrap();
    let registry = all_values();
    let mut r = ice_proto::value::ValueReader::new(&mut input, &registry);
    assert_eq!(i32::decode(r.stream()).unwrap(), 7);
    assert!(!r.skip_remaining_optionals().unwrap());
    r.finish().unwrap();
    encaps.finish(&mut input).unwrap();
    // Compact: an instance of a class the reader does not know cannot be skipped, as in Ice.
    let compact = with_unknown_optional_class(SlicedFormat::Compact);
    assert!(compact.decode::<i32>().is_err());
}
