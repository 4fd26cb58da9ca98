//! Property tests: random class graphs and exceptions (shared instances, cycles, optional
//! members, a compact id) round-trip in every format, survive partial knowledge of their types
//! byte for byte, and no input makes the readers panic.

mod support;

use std::collections::HashMap;

use ice_proto::value::{
    decode_user_exception_with, decode_value, decode_value_with, encode_user_exception_with,
    encode_value, DecodedException, ExceptionRegistry, SlicedFormat, UserException, ValueGraph,
    ValueReader, ValueRef, ValueRegistry,
};
use ice_proto::{Encapsulation, EncodingVersion};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use support::*;

const FORMATS: [(EncodingVersion, SlicedFormat); 3] = [
    (EncodingVersion::V1_1, SlicedFormat::Compact),
    (EncodingVersion::V1_1, SlicedFormat::Sliced),
    (EncodingVersion::V1_0, SlicedFormat::Compact),
];

/// One instance of a random graph; class members are indexes of other instances.
#[derive(Debug, Clone)]
enum Spec {
    Base(i32),
    Derived {
        i: i32,
        s: String,
        next: Option<usize>,
    },
    Node {
        i: i32,
        child: Option<usize>,
        other: Option<usize>,
        label: Option<String>,
        extra: Option<Option<usize>>,
        weight: Option<i64>,
    },
}

fn spec(n: usize) -> impl Strategy<Value = Spec> {
    prop_oneof![
        any::<i32>().prop_map(Spec::Base),
        (any::<i32>(), "[a-z\u{e9}]{0,6}", option::of(0..n))
            .prop_map(|(i, s, next)| Spec::Derived { i, s, next }),
        (
            any::<i32>(),
            option::of(0..n),
            option::of(0..n),
            option::of("[a-z]{0,4}"),
            option::of(option::of(0..n)),
            option::of(any::<i64>()),
        )
            .prop_map(|(i, child, other, label, extra, weight)| Spec::Node {
                i,
                child,
                other,
                label,
                extra,
                weight
            }),
    ]
}

fn graph_spec() -> impl Strategy<Value = Vec<Spec>> {
    (1usize..8).prop_flat_map(|n| vec(spec(n), n))
}

fn build(specs: &[Spec]) -> (ValueGraph, Vec<ValueRef>) {
    let mut g = ValueGraph::new();
    let refs: Vec<ValueRef> = specs
        .iter()
        .map(|s| match s {
            Spec::Base(i) => g.add(Base { i: *i }),
            Spec::Derived { i, s, .. } => g.add(Derived { i: *i, s: s.clone(), next: None }),
            Spec::Node { i, label, weight, .. } => {
                g.add(Node { i: *i, label: label.clone(), weight: *weight, ..Node::default() })
            }
        })
        .collect();
    let to_ref = |k: &Option<usize>| k.map(|k| refs[k]);
    for (k, s) in specs.iter().enumerate() {
        match s {
            Spec::Base(_) => {}
            Spec::Derived { next, .. } => {
                g.get_mut::<Derived>(refs[k]).unwrap().next = to_ref(next)
            }
            Spec::Node { child, other, extra, .. } => {
                let n = g.get_mut::<Node>(refs[k]).unwrap();
                n.child = to_ref(child);
                n.other = to_ref(other);
                n.extra = extra.as_ref().map(to_ref);
            }
        }
    }
    (g, refs)
}

/// Whether the graphs reachable from `ra` and `rb` are isomorphic, with equal members and the
/// same sharing. Without `optionals` (encoding 1.0), `b` must have no optional member set.
fn equivalent(
    a: &ValueGraph,
    ra: Option<ValueRef>,
    b: &ValueGraph,
    rb: Option<ValueRef>,
    optionals: bool,
) -> Result<(), String> {
    let mut fwd = HashMap::new();
    let mut back = HashMap::new();
    let mut work = vec![(ra, rb)];
    while let Some(pair) = work.pop() {
        let (x, y) = match pair {
            (None, None) => continue,
            (Some(x), Some(y)) => (x, y),
            _ => return Err(format!("null differs: {pair:?}")),
        };
        let (ix, iy) = (a.index_of(x).unwrap(), b.index_of(y).unwrap());
        match (fwd.get(&ix), back.get(&iy)) {
            (None, None) => {
                fwd.insert(ix, iy);
                back.insert(iy, ix);
            }
            (Some(&j), Some(&i)) if j == iy && i == ix => continue,
            _ => return Err(format!("sharing differs at instance {ix}")),
        }
        if let (Some(p), Some(q)) = (a.get::<Base>(x), b.get::<Base>(y)) {
            if p != q {
                return Err(format!("{p:?} != {q:?}"));
            }
        } else if let (Some(p), Some(q)) = (a.get::<Derived>(x), b.get::<Derived>(y)) {
            if (p.i, &p.s) != (q.i, &q.s) {
                return Err(format!("{p:?} != {q:?}"));
            }
            work.push((p.next, q.next));
        } else if let (Some(p), Some(q)) = (a.get::<Node>(x), b.get::<Node>(y)) {
            let same = if optionals {
                (p.i, &p.label, p.weight, p.extra.is_some())
                    == (q.i, &q.label, q.weight, q.extra.is_some())
            } else {
                p.i == q.i && q.label.is_none() && q.weight.is_none() && q.extra.is_none()
            };
            if !same {
                return Err(format!("{p:?} != {q:?}"));
            }
            if let (true, Some(pe), Some(qe)) = (optionals, p.extra, q.extra) {
                work.push((pe, qe));
            }
            work.push((p.child, q.child));
            work.push((p.other, q.other));
        } else {
            return Err(format!("types differ: {:?} / {:?}", a.instance(x), b.instance(y)));
        }
    }
    Ok(())
}

fn partial_values(choice: usize) -> ValueRegistry {
    match choice % 4 {
        0 => ValueRegistry::new(),
        1 => ValueRegistry::new().with::<Base>(),
        2 => ValueRegistry::new().with::<Base>().with::<Derived>(),
        _ => ValueRegistry::new().with::<Base>().with::<Node>(),
    }
}

/// A random exception: 0 = Ex, 1 = DerivedEx, 2 = RichEx whose `obj` is the graph's first
/// instance (or null).
#[derive(Debug, Clone)]
struct ExSpec {
    kind: u8,
    code: i32,
    msg: String,
    with_obj: bool,
    level: Option<i32>,
    note: Option<String>,
}

fn ex_spec() -> impl Strategy<Value = ExSpec> {
    (
        0u8..3,
        any::<i32>(),
        "[a-z]{0,5}",
        any::<bool>(),
        option::of(any::<i32>()),
        option::of("[a-z]{0,3}"),
    )
        .prop_map(|(kind, code, msg, with_obj, level, note)| ExSpec {
            kind,
            code,
            msg,
            with_obj,
            level,
            note,
        })
}

fn build_ex(s: &ExSpec, root: ValueRef) -> Box<dyn UserException> {
    match s.kind {
        0 => Box::new(Ex { code: s.code }),
        1 => Box::new(DerivedEx { code: s.code, msg: s.msg.clone() }),
        _ => Box::new(RichEx {
            code: s.code,
            msg: s.msg.clone(),
            obj: s.with_obj.then_some(root),
            level: s.level,
            note: s.note.clone(),
        }),
    }
}

fn partial_exceptions(choice: usize) -> ExceptionRegistry {
    match choice % 3 {
        0 => ExceptionRegistry::new(),
        1 => ExceptionRegistry::new().with::<Ex>(),
        _ => ExceptionRegistry::new().with::<Ex>().with::<DerivedEx>(),
    }
}

/// Decodes `encaps` every way the readers allow, re-encoding whatever decodes: nothing may
/// panic.
fn decode_every_way(encaps: &Encapsulation) {
    for values in [all_values(), ValueRegistry::new()] {
        if let Ok((root, graph)) = decode_value_with(encaps, &values, 20) {
            for (_, format) in FORMATS {
                let _ = encode_value(&graph, root, encaps.encoding, format);
            }
        }
        for exceptions in [all_exceptions(), ExceptionRegistry::new()] {
            if let Ok(d) = decode_user_exception_with(encaps, &exceptions, &values, 20) {
                let _ = d.to_encapsulation(encaps.encoding, SlicedFormat::Sliced);
                let _ = d.to_encapsulation(encaps.encoding, SlicedFormat::Compact);
            }
        }
        if let Ok(mut input) = encaps.reader() {
            let mut r = ValueReader::new(&mut input, &values).with_class_graph_depth_max(20);
            let ok = (0..3).all(|_| r.read_value().is_ok()) && r.read_pending_values().is_ok();
            if ok {
                let _ = r.finish();
            }
        }
    }
}

proptest! {
    #[test]
    fn values_round_trip_in_every_format(specs in graph_spec()) {
        let (g, refs) = build(&specs);
        let root = Some(refs[0]);
        for (enc, format) in FORMATS {
            let encaps = encode_value(&g, root, enc, format);
            let (r, decoded) = decode_value(&encaps, &all_values()).unwrap();
            let check = equivalent(&g, root, &decoded, r, enc == EncodingVersion::V1_1);
            prop_assert!(check.is_ok(), "{enc} {format:?}: {check:?}");
            prop_assert_eq!(encode_value(&decoded, r, enc, format), encaps);
        }
    }

    #[test]
    fn sliced_values_are_forwarded_unchanged_with_partial_knowledge(
        specs in graph_spec(),
        choice in 0usize..4,
    ) {
        let (g, refs) = build(&specs);
        let encaps = encode_value(&g, Some(refs[0]), EncodingVersion::V1_1, SlicedFormat::Sliced);
        let (r, partial) = decode_value(&encaps, &partial_values(choice)).unwrap();
        prop_assert_eq!(
            encode_value(&partial, r, EncodingVersion::V1_1, SlicedFormat::Sliced),
            encaps
        );
    }

    #[test]
    fn exceptions_round_trip_in_every_format(s in ex_spec(), specs in graph_spec()) {
        let (g, refs) = build(&specs);
        let ex = build_ex(&s, refs[0]);
        for (enc, format) in FORMATS {
            let encaps = encode_user_exception_with(&*ex, &g, enc, format);
            let d = decode_user_exception_with(&encaps, &all_exceptions(), &all_values(), 100)
                .unwrap();
            prop_assert_eq!(d.type_id(), ex.ice_id());
            let v1_1 = enc == EncodingVersion::V1_1;
            match s.kind {
                0 => prop_assert_eq!(d.downcast_ref::<Ex>(), ex.downcast_ref::<Ex>()),
                1 => prop_assert_eq!(d.downcast_ref::<DerivedEx>(), ex.downcast_ref::<DerivedEx>()),
                _ => {
                    let (want, got) = (ex.downcast_ref::<RichEx>().unwrap(), d.downcast_ref::<RichEx>().unwrap());
                    prop_assert_eq!((want.code, &want.msg), (got.code, &got.msg));
                    if v1_1 {
                        prop_assert_eq!((want.level, &want.note), (got.level, &got.note));
                    } else {
                        prop_assert_eq!((got.level, &got.note), (None, &None));
                    }
                    let check = equivalent(&g, want.obj, d.values(), got.obj, v1_1);
                    prop_assert!(check.is_ok(), "{enc} {format:?}: {check:?}");
                }
            }
            prop_assert_eq!(d.to_encapsulation(enc, format), encaps);
        }
    }

    #[test]
    fn sliced_exceptions_are_forwarded_unchanged_with_partial_knowledge(
        s in ex_spec(),
        specs in graph_spec(),
        ex_choice in 0usize..3,
        value_choice in 0usize..4,
    ) {
        let (g, refs) = build(&specs);
        let ex = build_ex(&s, refs[0]);
        let encaps = encode_user_exception_with(&*ex, &g, EncodingVersion::V1_1, SlicedFormat::Sliced);
        let d = decode_user_exception_with(
            &encaps,
            &partial_exceptions(ex_choice),
            &partial_values(value_choice),
            100,
        )
        .unwrap();
        prop_assert_eq!(d.type_id(), ex.ice_id());
        prop_assert_eq!(matches!(d, DecodedException::Unknown(_)), ex_choice == 0);
        prop_assert_eq!(d.to_encapsulation(EncodingVersion::V1_1, SlicedFormat::Sliced), encaps);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_readers(
        data in vec(any::<u8>(), 0..300),
        v1_0 in any::<bool>(),
    ) {
        let enc = if v1_0 { EncodingVersion::V1_0 } else { EncodingVersion::V1_1 };
        decode_every_way(&Encapsulation::new(enc, data.into()));
    }

    #[test]
    fn mutated_encodings_never_panic_the_readers(
        specs in graph_spec(),
        s in ex_spec(),
        which in 0usize..6,
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in option::of(any::<prop::sample::Index>()),
    ) {
        let (g, refs) = build(&specs);
        let (enc, format) = FORMATS[which % 3];
        let encaps = if which < 3 {
            encode_value(&g, Some(refs[0]), enc, format)
        } else {
            encode_user_exception_with(&*build_ex(&s, refs[0]), &g, enc, format)
        };
        let mut data = encaps.data.to_vec();
        for (at, byte) in edits {
            let i = at.index(data.len());
            data[i] = byte;
        }
        if let Some(cut) = cut {
            data.truncate(cut.index(data.len() + 1));
        }
        decode_every_way(&Encapsulation::new(enc, data.into()));
    }
}
