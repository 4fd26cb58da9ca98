//! The Rust `DriverTypes::Types` servant, with the semantics documented in `DriverTypes.ice`.

use std::collections::HashMap;

use ice_driver::ice_proto::proxy::ProxyData;
use ice_driver::{
    BoxFuture, Current, DispatchError, DispatchResult, Encapsulation, Proxy, Servant,
};
use ice_proto::value::{
    decode_value, encode_user_exception, encode_value, SlicedFormat, ValueGraph, ValueRef,
};
use ice_proto::DecodeError;

use super::*;

/// `DriverTypes::Types`.
pub struct TypesI;

impl Servant for TypesI {
    fn ice_id(&self) -> &str {
        TYPES_ID
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move { dispatch(current, params) })
    }
}

type Primitives = (bool, u8, i16, i32, i64, f32, f64, String);

fn dispatch(current: &Current, params: Encapsulation) -> DispatchResult {
    match current.operation.as_str() {
        "primitives" => {
            let (b, y, s, i, l, f, d, st): Primitives = params.decode()?;
            current.ok(&(!b, 255 - y, -s, -i, -l, f * 2.0, d * 2.0, reversed(&st)))
        }
        "nextColor" => current.ok(&params.decode::<Color>()?.next()),
        "flipLine" => {
            let l: Line = params.decode()?;
            current.ok(&Line {
                start: l.end,
                end: l.start,
                label: reversed(&l.label),
                color: l.color.next(),
            })
        }
        "reverseSeqs" => current.ok(&params.decode::<Seqs>()?.reversed()),
        "invert" => {
            let d: HashMap<String, i32> = params.decode()?;
            current.ok(&d.into_iter().map(|(k, v)| (v, k)).collect::<HashMap<i32, String>>())
        }
        "byLabel" => {
            let lines: Vec<Line> = params.decode()?;
            current.ok(&lines.into_iter().map(|l| (l.label.clone(), l)).collect::<HashMap<_, _>>())
        }
        "grow" => {
            let (shape, graph) = decode_value(&params, &values())?;
            let mut out = ValueGraph::new();
            let grown = match shape.and_then(|r| graph.value(r)) {
                None => None,
                Some(v) => Some(match v.downcast_ref::<Circle>() {
                    Some(c) => out.add(Circle {
                        name: format!("{}!", c.name),
                        center: c.center,
                        radius: c.radius * 2,
                    }),
                    None => {
                        let s = v.downcast_ref::<Shape>().ok_or_else(|| not_a(SHAPE_ID))?;
                        out.add(Shape { name: format!("{}!", s.name) })
                    }
                }),
            };
            Ok(encode_value(&out, grown, current.encoding, SlicedFormat::Compact))
        }
        "reverse" => {
            let (head, mut graph) = decode_value(&params, &values())?;
            let head = reverse(&mut graph, head)?;
            Ok(encode_value(&graph, head, current.encoding, SlicedFormat::Compact))
        }
        "optionals" => optionals(current, &params),
        "echoProxy" => {
            let proxy = communicator(current)?.proxy_from_encapsulation(&params).map_err(local)?;
            write_proxy(current, proxy.as_ref())
        }
        "getSelf" => {
            let adapter = current.adapter.as_ref().ok_or_else(|| local("no adapter"))?;
            let me = adapter.create_proxy(current.identity.clone()).map_err(local)?;
            write_proxy(current, Some(&me.ice_facet(current.facet.clone())))
        }
        "throwError" => {
            let (kind, reason, code, detail): (i32, String, i32, String) = params.decode()?;
            let error: Box<dyn ice_proto::value::UserException> = match kind {
                0 => Box::new(BaseError { reason }),
                1 => Box::new(DerivedError { reason, code, detail: Some(detail) }),
                2 => Box::new(DerivedError { reason, code, detail: None }),
                _ => return current.void(),
            };
            // The operation is marked ["format:sliced"], so ZeroC would slice it too.
            Err(DispatchError::UserException(encode_user_exception(
                error.as_ref(),
                current.encoding,
                SlicedFormat::Sliced,
            )))
        }
        _ => Err(DispatchError::OperationNotExist),
    }
}

fn not_a(type_id: &str) -> DecodeError {
    DecodeError::Invalid(format!("expected a {type_id}"))
}

fn local(e: impl std::fmt::Display) -> DispatchError {
    DispatchError::UnknownLocal(e.to_string())
}

fn communicator(current: &Current) -> Result<ice_driver::Communicator, DispatchError> {
    current.adapter.as_ref().and_then(|a| a.communicator()).ok_or_else(|| local("no communicator"))
}

fn write_proxy(current: &Current, proxy: Option<&Proxy>) -> DispatchResult {
    match proxy {
        Some(p) => {
            let mut result = Ok(());
            let e = Encapsulation::build(current.encoding, |out| result = p.write(out));
            result.map(|()| e).map_err(local)
        }
        None => current.ok(&None::<ProxyData>),
    }
}

/// `reverse`: new nodes added to the decoded graph, pointing at the original shapes, so shared
/// shapes stay shared.
fn reverse(
    graph: &mut ValueGraph,
    head: Option<ValueRef>,
) -> Result<Option<ValueRef>, DecodeError> {
    let mut originals = Vec::new();
    let mut cursor = head;
    while let Some(r) = cursor {
        // A cycle would never end: the operation is defined on lists only.
        if originals.len() >= graph.len() {
            return Err(DecodeError::Invalid("a cycle of nodes".into()));
        }
        let node = graph.get::<Node>(r).ok_or_else(|| not_a(NODE_ID))?.clone();
        cursor = node.next;
        originals.push(node);
    }
    let mut result = None;
    for node in originals {
        result = Some(graph.add(Node { value: -node.value, next: result, ..node }));
    }
    Ok(result)
}

fn optionals(current: &Current, params: &Encapsulation) -> DispatchResult {
    let mut input = params.reader()?;
    let req: i32 = input.read()?;
    let s: Option<String> = input.read_optional(2)?;
    let p: Option<Point> = input.read_optional(3)?;
    let ints: Option<Vec<i32>> = input.read_optional(4)?;
    let c: Option<Color> = input.read_optional(5)?;
    params.finish(&mut input)?;
    let any = s.is_some() || p.is_some() || ints.is_some() || c.is_some();
    Ok(Encapsulation::build(current.encoding, |out| {
        out.write_optional(1, &any.then_some(req));
        out.write_optional(6, &s.map(|s| reversed(&s)));
        out.write_optional(7, &p.map(|p| point(p.y, p.x)));
        out.write_optional(8, &ints.map(|v| v.into_iter().rev().collect::<Vec<_>>()));
        out.write_optional(9, &c.map(Color::next));
    }))
}
