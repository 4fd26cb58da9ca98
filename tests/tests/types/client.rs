//! The Rust client of `DriverTypes::Types`: calls every operation and asserts each result
//! against the semantics of `DriverTypes.ice`. In encoding 1.0 optionals do not exist, so
//! every optional is expected absent.

use std::collections::HashMap;

use ice_driver::ice_proto::proxy::ProxyMode;
use ice_driver::{Encapsulation, EncodingVersion, Error, OperationMode, Proxy};
use ice_proto::value::{
    decode_value, encode_value, DecodedException, ExceptionRegistry, SlicedFormat, ValueGraph,
};

use super::*;

const NORMAL: OperationMode = OperationMode::Normal;

/// Runs every check through `types` (whose encoding selects 1.0 or 1.1); panics on the first
/// mismatch.
pub async fn check_all(types: &Proxy) {
    let v10 = types.ice_get_encoding_version() == EncodingVersion::V1_0;
    assert!(types.ice_is_a(TYPES_ID).await.unwrap());
    primitives(types).await;
    enums_and_structs(types).await;
    sequences(types).await;
    dictionaries(types).await;
    classes(types).await;
    class_graph(types, v10).await;
    optionals(types, v10).await;
    proxies(types).await;
    user_exceptions(types, v10).await;
}

type Primitives = (bool, u8, i16, i32, i64, f32, f64, String);

async fn primitives(types: &Proxy) {
    let cases: [Primitives; 3] = [
        (true, 7, -32767, i32::MAX, -i64::MAX, 3.5, -1.0e300, "héllo wörld €日本".into()),
        (false, 255, 32767, -i32::MAX, i64::MAX, -0.125, 5e-324, String::new()),
        (true, 0, 0, 0, 0, 0.0, 0.0, "a\0b".into()),
    ];
    for (b, y, s, i, l, f, d, st) in cases {
        let args = (b, y, s, i, l, f, d, st.clone());
        let got: Primitives = types.invoke_typed("primitives", NORMAL, &args).await.unwrap();
        let want = (!b, 255 - y, -s, -i, -l, f * 2.0, d * 2.0, reversed(&st));
        assert_eq!(got, want);
    }
}

async fn enums_and_structs(types: &Proxy) {
    for (c, next) in
        [(Color::Red, Color::Green), (Color::Green, Color::Blue), (Color::Blue, Color::Red)]
    {
        let got: Color = types.invoke_typed("nextColor", NORMAL, &c).await.unwrap();
        assert_eq!(got, next);
    }
    let l = line(point(1, -2), point(i16::MIN, i16::MAX), "ab€", Color::Blue);
    let got: Line = types.invoke_typed("flipLine", NORMAL, &l).await.unwrap();
    assert_eq!(got, line(point(i16::MIN, i16::MAX), point(1, -2), "€ba", Color::Red));
}

fn full_seqs() -> Seqs {
    Seqs {
        bools: vec![true, false, false],
        bytes: vec![0, 1, 255, 128],
        shorts: vec![i16::MIN, 0, i16::MAX],
        ints: vec![i32::MIN, 1, i32::MAX],
        longs: vec![i64::MIN, 0, i64::MAX],
        floats: vec![1.5, -0.25, 1048576.0, f32::NEG_INFINITY],
        doubles: vec![1e300, -2.5, 5e-324],
        strings: vec![String::new(), "a".into(), "日本語".into()],
        colors: vec![Color::Blue, Color::Red, Color::Green],
        points: vec![point(1, 2), point(3, 4)],
        lines: vec![
            line(point(1, 2), point(3, 4), "x", Color::Green),
            line(point(5, 6), point(7, 8), "y", Color::Red),
        ],
    }
}

async fn sequences(types: &Proxy) {
    for s in [full_seqs(), Seqs::default()] {
        let got: Seqs = types.invoke_typed("reverseSeqs", NORMAL, &s).await.unwrap();
        assert_eq!(got, s.reversed());
    }
    // Spelled out once, so that `reversed` itself is checked.
    let got: Seqs = types.invoke_typed("reverseSeqs", NORMAL, &full_seqs()).await.unwrap();
    assert_eq!(got.bytes, [128, 255, 1, 0]);
    assert_eq!(got.strings, ["日本語", "a", ""]);
    assert_eq!(got.lines[0].label, "y");
}

async fn dictionaries(types: &Proxy) {
    let d: HashMap<String, i32> = [("a", 1), ("b", -2), ("€", i32::MAX)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let got: HashMap<i32, String> = types.invoke_typed("invert", NORMAL, &d).await.unwrap();
    let want: HashMap<i32, String> =
        [(1, "a"), (-2, "b"), (i32::MAX, "€")].into_iter().map(|(k, v)| (k, v.into())).collect();
    assert_eq!(got, want);
    let empty: HashMap<i32, String> =
        types.invoke_typed("invert", NORMAL, &HashMap::<String, i32>::new()).await.unwrap();
    assert!(empty.is_empty());
    let lines = vec![
        line(point(1, 2), point(3, 4), "one", Color::Green),
        line(point(-1, -2), point(-3, -4), "two", Color::Blue),
    ];
    let got: HashMap<String, Line> = types.invoke_typed("byLabel", NORMAL, &lines).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got["one"], lines[0]);
    assert_eq!(got["two"], lines[1]);
}

/// Invokes a one-class-in, one-class-out operation.
async fn call_with_value(
    types: &Proxy,
    operation: &str,
    graph: &ValueGraph,
    root: Option<ice_proto::value::ValueRef>,
) -> (Option<ice_proto::value::ValueRef>, ValueGraph) {
    let params = encode_value(graph, root, types.ice_get_encoding_version(), SlicedFormat::Compact);
    let result = types.invoke(operation, NORMAL, params).await.unwrap();
    decode_value(&result, &values()).unwrap()
}

async fn classes(types: &Proxy) {
    let (null, _) = call_with_value(types, "grow", &ValueGraph::new(), None).await;
    assert!(null.is_none());
    let mut graph = ValueGraph::new();
    let square = graph.add(Shape { name: "square".into() });
    let (grown, back) = call_with_value(types, "grow", &graph, Some(square)).await;
    let grown = grown.expect("a shape");
    assert_eq!(back.value(grown).unwrap().ice_id(), SHAPE_ID);
    assert_eq!(back.get::<Shape>(grown).unwrap().name, "square!");
    // A Circle passed where a Shape is expected comes back as a Circle.
    let mut graph = ValueGraph::new();
    let circle = graph.add(Circle { name: "c".into(), center: point(1, 2), radius: 21 });
    let (grown, back) = call_with_value(types, "grow", &graph, Some(circle)).await;
    let c = back.get::<Circle>(grown.expect("a circle")).expect("a Circle");
    assert_eq!(c, &Circle { name: "c!".into(), center: point(1, 2), radius: 42 });
}

async fn class_graph(types: &Proxy, v10: bool) {
    // Three nodes; the first and the last share one Circle.
    let mut graph = ValueGraph::new();
    let shared = graph.add(Circle { name: "shared".into(), center: point(5, 6), radius: 7 });
    let n2 = graph.add(Node {
        value: 3,
        shape: Some(shared),
        location: Some(point(9, 9)),
        ..Node::default()
    });
    let n1 =
        graph.add(Node { value: 2, next: Some(n2), note: Some("mid".into()), ..Node::default() });
    let n0 = graph.add(Node {
        value: 1,
        next: Some(n1),
        shape: Some(shared),
        note: Some("first".into()),
        location: Some(point(0, 0)),
    });
    let (head, back) = call_with_value(types, "reverse", &graph, Some(n0)).await;
    let mut nodes = Vec::new();
    let mut cursor = head;
    while let Some(r) = cursor {
        assert!(nodes.len() < 3, "more than three nodes came back");
        let node = back.get::<Node>(r).expect("a Node");
        nodes.push(node);
        cursor = node.next;
    }
    assert_eq!(nodes.iter().map(|n| n.value).collect::<Vec<_>>(), [-3, -2, -1]);
    let (first, last) = (nodes[0].shape.expect("shape"), nodes[2].shape.expect("shape"));
    assert!(back.same_instance(first, last), "the shared shape came back as two instances");
    assert_eq!(
        back.get::<Circle>(first),
        Some(&Circle { name: "shared".into(), center: point(5, 6), radius: 7 })
    );
    assert!(nodes[1].shape.is_none());
    let optionals: Vec<_> = nodes.iter().map(|n| (n.note.as_deref(), n.location)).collect();
    if v10 {
        assert_eq!(optionals, [(None, None); 3]);
    } else {
        assert_eq!(
            optionals,
            [(None, Some(point(9, 9))), (Some("mid"), None), (Some("first"), Some(point(0, 0)))]
        );
    }
    let (null, _) = call_with_value(types, "reverse", &ValueGraph::new(), None).await;
    assert!(null.is_none());
}

type OptionalsOut = (Option<i32>, Option<String>, Option<Point>, Option<Vec<i32>>, Option<Color>);

async fn call_optionals(
    types: &Proxy,
    req: i32,
    s: Option<&str>,
    p: Option<Point>,
    ints: Option<Vec<i32>>,
    c: Option<Color>,
) -> OptionalsOut {
    let params = Encapsulation::build(types.ice_get_encoding_version(), |out| {
        out.write_i32(req);
        out.write_optional(2, &s);
        out.write_optional(3, &p);
        out.write_optional(4, &ints);
        out.write_optional(5, &c);
    });
    let result = types.invoke("optionals", NORMAL, params).await.unwrap();
    let mut input = result.reader().unwrap();
    let got = (
        input.read_optional(1).unwrap(),
        input.read_optional(6).unwrap(),
        input.read_optional(7).unwrap(),
        input.read_optional(8).unwrap(),
        input.read_optional(9).unwrap(),
    );
    result.finish(&mut input).unwrap();
    got
}

async fn optionals(types: &Proxy, v10: bool) {
    let all = call_optionals(
        types,
        5,
        Some("abc"),
        Some(point(1, 2)),
        Some(vec![1, 2, 3]),
        Some(Color::Green),
    );
    let none = call_optionals(types, 6, None, None, None, None);
    let mixed = call_optionals(types, 7, None, Some(point(3, -4)), None, Some(Color::Blue));
    let empty = call_optionals(types, 8, Some(""), None, Some(vec![]), None);
    let (all, none, mixed, empty) = (all.await, none.await, mixed.await, empty.await);
    assert_eq!(none, (None, None, None, None, None));
    if v10 {
        for got in [all, mixed, empty] {
            assert_eq!(got, (None, None, None, None, None));
        }
        return;
    }
    assert_eq!(
        all,
        (Some(5), Some("cba".into()), Some(point(2, 1)), Some(vec![3, 2, 1]), Some(Color::Blue))
    );
    assert_eq!(mixed, (Some(7), None, Some(point(-4, 3)), None, Some(Color::Red)));
    assert_eq!(empty, (Some(8), Some(String::new()), None, Some(vec![]), None));
}

async fn proxies(types: &Proxy) {
    let communicator = types.communicator();
    let encoding = types.ice_get_encoding_version();
    let null = Encapsulation::from_value(encoding, &None::<ice_driver::ProxyData>);
    let result = types.invoke("echoProxy", NORMAL, null).await.unwrap();
    assert!(communicator.proxy_from_encapsulation(&result).unwrap().is_none());
    let sent = communicator
        .string_to_proxy("thing/one -f fac -o:tcp -h 127.0.0.1 -p 12345 -t 5000")
        .unwrap()
        .ice_encoding_version(encoding);
    let result = types.invoke("echoProxy", NORMAL, sent.to_encapsulation().unwrap()).await.unwrap();
    let back = communicator.proxy_from_encapsulation(&result).unwrap().expect("a proxy");
    assert_eq!(back.ice_get_identity(), sent.ice_get_identity());
    assert_eq!(back.ice_get_facet(), "fac");
    assert_eq!(back.ice_get_mode(), ProxyMode::Oneway);
    assert_eq!(back.ice_get_endpoints(), sent.ice_get_endpoints());
    // The proxy ZeroC made for its own object works.
    let result = types.invoke("getSelf", NORMAL, Encapsulation::empty(encoding)).await.unwrap();
    let me = communicator.proxy_from_encapsulation(&result).unwrap().expect("a proxy");
    assert_eq!(me.ice_get_identity(), types.ice_get_identity());
    let next: Color = me.invoke_typed("nextColor", NORMAL, &Color::Blue).await.unwrap();
    assert_eq!(next, Color::Red);
}

async fn throw_error(types: &Proxy, kind: i32) -> Error {
    let args = (kind, "why not", -9, "details");
    types.invoke_typed::<_, ()>("throwError", NORMAL, &args).await.unwrap_err()
}

fn decode(error: &Error, registry: &ExceptionRegistry) -> DecodedException {
    let decoded = error.decode_user_exception(registry);
    decoded.unwrap_or_else(|| panic!("expected a user exception, got {error:?}")).unwrap()
}

async fn user_exceptions(types: &Proxy, v10: bool) {
    let e = decode(&throw_error(types, 0).await, &exceptions());
    assert_eq!(e.type_id(), BASE_ERROR_ID);
    assert_eq!(e.downcast_ref::<BaseError>(), Some(&BaseError { reason: "why not".into() }));
    for kind in [1, 2] {
        let error = throw_error(types, kind).await;
        let e = decode(&error, &exceptions());
        let detail = (kind == 1 && !v10).then(|| "details".to_owned());
        let want = DerivedError { reason: "why not".into(), code: -9, detail };
        assert_eq!(e.downcast_ref::<DerivedError>(), Some(&want));
        // A client that only knows the base type gets the base, sliced off the derived one.
        let base_only = ExceptionRegistry::new().with::<BaseError>();
        let e = decode(&error, &base_only);
        assert_eq!(e.type_id(), DERIVED_ERROR_ID);
        assert!(matches!(e, DecodedException::Known(_)), "{e:?}");
        assert_eq!(e.downcast_ref::<BaseError>(), Some(&BaseError { reason: "why not".into() }));
    }
    types.invoke_typed::<_, ()>("throwError", NORMAL, &(3, "", 0, "")).await.unwrap();
}
