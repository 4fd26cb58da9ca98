//! ZeroC's Python client of the `DriverTypes::Types` suite (3.7 and 3.8, encodings 1.1 and
//! 1.0) against a servant written on the trait slice2rs generated: out-parameters, optionals
//! in and out, proxies, user exceptions. The two class-graph operations, which the generated
//! code leaves encoded, are answered by the hand-written servant (`types/servant.rs`).

#[macro_use]
mod common;
#[allow(unused_imports)]
mod types;

use std::sync::Arc;

use common::{on_async_std, on_tokio, python_for, run_peer};
use ice_driver::{
    Communicator, Current, DispatchError, Encapsulation, Identity, Proxy, Runtime, Servant,
};
use ice_proto::value::{encode_user_exception, SlicedFormat};
use ice_tests::generated::driver_types as g;
use ice_tests::peers::{IceVersion, Python};

struct GeneratedTypes;

fn next(c: g::Color) -> g::Color {
    match c {
        g::Color::Red => g::Color::Green,
        g::Color::Green => g::Color::Blue,
        g::Color::Blue => g::Color::Red,
    }
}

impl g::Types for GeneratedTypes {
    #[allow(clippy::too_many_arguments)]
    async fn primitives(
        &self,
        b: bool,
        y: u8,
        s: i16,
        i: i32,
        l: i64,
        f: f32,
        d: f64,
        str: String,
        _current: &Current,
    ) -> Result<(bool, u8, i16, i32, i64, f32, f64, String), DispatchError> {
        Ok((
            !b,
            255 - y,
            s.wrapping_neg(),
            i.wrapping_neg(),
            l.wrapping_neg(),
            2.0 * f,
            2.0 * d,
            str.chars().rev().collect(),
        ))
    }
    async fn next_color(&self, c: g::Color, _current: &Current) -> Result<g::Color, DispatchError> {
        Ok(next(c))
    }
    async fn flip_line(&self, l: g::Line, _current: &Current) -> Result<g::Line, DispatchError> {
        Ok(g::Line {
            start: l.end,
            end: l.start,
            label: l.label.chars().rev().collect(),
            color: next(l.color),
        })
    }
    async fn reverse_seqs(
        &self,
        mut s: g::Seqs,
        _current: &Current,
    ) -> Result<g::Seqs, DispatchError> {
        s.bools.reverse();
        s.bytes = s.bytes.iter().rev().copied().collect::<Vec<u8>>().into();
        s.shorts.reverse();
        s.ints.reverse();
        s.longs.reverse();
        s.floats.reverse();
        s.doubles.reverse();
        s.strings.reverse();
        s.colors.reverse();
        s.points.reverse();
        s.lines.reverse();
        Ok(s)
    }
    async fn invert(
        &self,
        d: g::StringIntDict,
        _current: &Current,
    ) -> Result<g::IntStringDict, DispatchError> {
        Ok(d.into_iter().map(|(k, v)| (v, k)).collect())
    }
    async fn by_label(
        &self,
        lines: g::LineSeq,
        _current: &Current,
    ) -> Result<g::LineDict, DispatchError> {
        Ok(lines.into_iter().map(|l| (l.label.clone(), l)).collect())
    }
    async fn grow(
        &self,
        params: Encapsulation,
        current: &Current,
    ) -> Result<Encapsulation, DispatchError> {
        types::servant::TypesI.dispatch(current, params).await
    }
    async fn reverse(
        &self,
        params: Encapsulation,
        current: &Current,
    ) -> Result<Encapsulation, DispatchError> {
        types::servant::TypesI.dispatch(current, params).await
    }
    #[allow(clippy::type_complexity)]
    async fn optionals(
        &self,
        req: i32,
        s: Option<String>,
        p: Option<g::Point>,
        ints: Option<g::IntSeq>,
        c: Option<g::Color>,
        _current: &Current,
    ) -> Result<
        (Option<i32>, Option<String>, Option<g::Point>, Option<g::IntSeq>, Option<g::Color>),
        DispatchError,
    > {
        let any = s.is_some() || p.is_some() || ints.is_some() || c.is_some();
        Ok((
            any.then_some(req),
            s.map(|s| s.chars().rev().collect()),
            p.map(|p| g::Point { x: p.y, y: p.x }),
            ints.map(|mut v| {
                v.reverse();
                v
            }),
            c.map(next),
        ))
    }
    async fn echo_proxy(
        &self,
        p: Option<Proxy>,
        _current: &Current,
    ) -> Result<Option<Proxy>, DispatchError> {
        Ok(p)
    }
    async fn get_self(&self, current: &Current) -> Result<Option<g::TypesPrx>, DispatchError> {
        let adapter = current.adapter.as_ref().ok_or(DispatchError::ObjectNotExist)?;
        let proxy = adapter
            .create_proxy(current.identity.clone())
            .map_err(|e| DispatchError::UnknownLocal(e.to_string()))?;
        Ok(Some(g::TypesPrx::unchecked_cast(proxy.ice_facet(current.facet.clone()))))
    }
    async fn throw_error(
        &self,
        kind: i32,
        reason: String,
        code: i32,
        detail: String,
        current: &Current,
    ) -> Result<(), DispatchError> {
        let error: Box<dyn ice_proto::value::UserException> = match kind {
            0 => Box::new(g::BaseError { reason }),
            1 => Box::new(g::DerivedError { reason, code, detail: Some(detail) }),
            2 => Box::new(g::DerivedError { reason, code, detail: None }),
            _ => return Ok(()),
        };
        // ["format:sliced"], as ZeroC marshals it.
        Err(DispatchError::UserException(encode_user_exception(
            error.as_ref(),
            current.encoding,
            SlicedFormat::Sliced,
        )))
    }
}

async fn zeroc_client_calls_generated_servant(rt: Arc<dyn Runtime>, python: Python) {
    let server = Communicator::new(rt);
    let adapter =
        server.create_object_adapter_with_endpoints("Types", "tcp -h 127.0.0.1 -p 0").unwrap();
    adapter.add(Identity::new("types"), g::TypesServant::new(GeneratedTypes)).unwrap();
    adapter.activate().unwrap();
    let proxy = format!("types:{}", adapter.endpoints()[0]);
    for encoding in ["1.1", "1.0"] {
        let out = run_peer(
            &python,
            "driver/types_client.py",
            &["--proxy", &proxy, "--encoding", encoding],
        )
        .await;
        let stdout = out.stdout.join("\n") + "\n";
        assert!(
            out.status.success(),
            "ZeroC client failed in encoding {encoding} (stderr above)\nstdout:\n{stdout}"
        );
        for check in [
            "primitives",
            "enum",
            "struct",
            "sequences",
            "dictionaries",
            "classes",
            "optionals",
            "proxies",
            "exceptions",
        ] {
            assert!(stdout.contains(&format!("OK {check}\n")), "missing check {check}:\n{stdout}");
        }
    }
    server.destroy().await;
}

#[test]
fn ice37_client_calls_generated_tokio_servant() {
    let Some(python) = python_for(IceVersion::V37) else { return };
    on_tokio(|rt| zeroc_client_calls_generated_servant(rt, python));
}

#[test]
fn ice38_client_calls_generated_async_std_servant() {
    let Some(python) = python_for(IceVersion::V38) else { return };
    on_async_std(|rt| zeroc_client_calls_generated_servant(rt, python));
}
