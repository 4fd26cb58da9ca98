//! Proxies as parameters (spec §5): what a proxy looks like inside an encapsulation, so that
//! a client can pass its callback object to a server. Minimal (TCP endpoints only) until
//! `ice_proto::proxy` provides the full format.

use ice_proto::identity::{read_facet, write_facet};
use ice_proto::{
    Decode, Encapsulation, Encode, EncodingVersion, Identity, InputStream, OutputStream,
};

use super::{InvocationMode, Proxy};
use crate::communicator::Communicator;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use ice_proto::DecodeError;

/// Endpoint type of TCP.
const TCP: i16 = 1;

impl Proxy {
    /// Writes the proxy as an `Ice::ObjectPrx` parameter. A fixed proxy cannot be sent
    /// (`Ice::FixedProxyException`).
    pub fn write(&self, out: &mut OutputStream) -> Result<()> {
        if self.fixed.is_some() {
            return Err(Error::Marshal(DecodeError::Proxy(
                "a fixed proxy cannot be marshaled".into(),
            )));
        }
        let encoding = out.encoding();
        self.identity.encode(out);
        write_facet(out, &self.facet);
        out.write_u8(match self.mode {
            InvocationMode::Twoway => 0,
            InvocationMode::Oneway => 1,
            InvocationMode::BatchOneway => 2,
        });
        out.write_bool(false);
        if encoding != EncodingVersion::V1_0 {
            out.write_u8(1);
            out.write_u8(0);
            out.write_u8(self.encoding.major);
            out.write_u8(self.encoding.minor);
        }
        out.write_size(self.endpoints.len());
        for e in self.endpoints.iter() {
            out.write_i16(TCP);
            let data = Encapsulation::build(encoding, |o| {
                o.write_string(&e.host);
                o.write_i32(i32::from(e.port));
                o.write_i32(e.timeout);
                o.write_bool(e.compress);
            });
            data.encode(out);
        }
        if self.endpoints.is_empty() {
            // No endpoints and an empty adapter id: a well-known proxy, as Ice sends the
            // proxies of an object adapter without endpoints (bidirectional callbacks).
            out.write_string("");
        }
        Ok(())
    }

    /// The proxy as a parameter encapsulation in the proxy's encoding.
    pub fn to_encapsulation(&self) -> Result<Encapsulation> {
        let mut result = Ok(());
        let e = Encapsulation::build(self.encoding, |out| result = self.write(out));
        result.map(|()| e)
    }
}

impl Communicator {
    /// Reads an `Ice::ObjectPrx` parameter; `None` for a null proxy. Endpoints of transports
    /// this crate does not support are dropped.
    pub fn read_proxy(&self, input: &mut InputStream) -> Result<Option<Proxy>> {
        let identity = Identity::decode(input)?;
        if identity.is_null() {
            return Ok(None);
        }
        let facet = read_facet(input)?;
        let mode = match input.read_u8()? {
            0 => InvocationMode::Twoway,
            1 => InvocationMode::Oneway,
            2 => InvocationMode::BatchOneway,
            m @ (3 | 4) => {
                return Err(Error::Marshal(DecodeError::Proxy(format!(
                    "datagram proxy mode {m} is not supported yet"
                ))))
            }
            m => {
                return Err(Error::Marshal(DecodeError::Proxy(format!(
                    "bad proxy mode {m}"
                ))))
            }
        };
        input.read_bool()?;
        let mut encoding = EncodingVersion::V1_0;
        if input.encoding() != EncodingVersion::V1_0 {
            input.read_u8()?;
            input.read_u8()?;
            encoding = EncodingVersion {
                major: input.read_u8()?,
                minor: input.read_u8()?,
            };
        }
        // An endpoint takes at least a type and an encapsulation header.
        let count = input.read_count(8)?;
        let mut endpoints = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = input.read_i16()?;
            let data = input.read_encapsulation()?;
            if kind != TCP {
                tracing::debug!(kind, "dropping an endpoint of an unsupported transport");
                continue;
            }
            let mut r = data.reader()?;
            let host = r.read_string()?;
            let port = r.read_i32()?;
            let timeout = r.read_i32()?;
            let compress = r.read_bool()?;
            let port = u16::try_from(port).map_err(|_| {
                Error::Marshal(DecodeError::Proxy(format!("port {port} out of range")))
            })?;
            endpoints.push(Endpoint {
                host,
                port,
                timeout,
                compress,
            });
        }
        if count == 0 {
            let adapter_id = input.read_string()?;
            if !adapter_id.is_empty() {
                tracing::debug!(%adapter_id, "indirect proxies are not supported yet");
            }
        }
        let proxy = self
            .create_proxy(identity, endpoints)
            .ice_facet(facet)
            .ice_encoding_version(encoding);
        Ok(Some(match mode {
            InvocationMode::Twoway => proxy,
            InvocationMode::Oneway => proxy.ice_oneway(),
            InvocationMode::BatchOneway => proxy.ice_batch_oneway(),
        }))
    }

    /// Reads a proxy that is the whole content of `params`.
    pub fn proxy_from_encapsulation(&self, params: &Encapsulation) -> Result<Option<Proxy>> {
        let mut r = params.reader()?;
        let proxy = self.read_proxy(&mut r)?;
        params.finish(&mut r)?;
        Ok(proxy)
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::runtime::{BoxFuture, Runtime, TcpListener, TcpStream};

    /// Marshaling needs a communicator but never its runtime.
    #[derive(Debug)]
    struct NoRuntime;

    impl Runtime for NoRuntime {
        fn spawn(&self, _: BoxFuture<'static, ()>) {}
        fn now(&self) -> Instant {
            Instant::now()
        }
        fn sleep_until(&self, _: Instant) -> BoxFuture<'static, ()> {
            Box::pin(std::future::pending())
        }
        fn connect(&self, _: SocketAddr) -> BoxFuture<'static, io::Result<Box<dyn TcpStream>>> {
            Box::pin(async { Err(io::Error::other("no network in unit tests")) })
        }
        fn bind(&self, _: SocketAddr) -> io::Result<Box<dyn TcpListener>> {
            Err(io::Error::other("no network in unit tests"))
        }
    }

    /// Bytes captured from Ice 3.7 (spec §5) for `test:tcp -h 127.0.0.1 -p 12010 -t 10000`.
    const TEST_1_1: &[u8] = &[
        0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01,
        0x00, 0x19, 0x00, 0x00, 0x00, 0x01, 0x01, 0x09, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30,
        0x2e, 0x31, 0xea, 0x2e, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00, 0x00,
    ];
    const TEST_1_0: &[u8] = &[
        0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x19, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x09, 0x31, 0x32, 0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31, 0xea, 0x2e,
        0x00, 0x00, 0x10, 0x27, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn writes_and_reads_ice_bytes() {
        let c = Communicator::new(Arc::new(NoRuntime));
        let p = c
            .string_to_proxy("test:tcp -h 127.0.0.1 -p 12010 -t 10000")
            .unwrap();
        for (encoding, bytes) in [
            (EncodingVersion::V1_1, TEST_1_1),
            (EncodingVersion::V1_0, TEST_1_0),
        ] {
            let mut out = OutputStream::new(encoding);
            p.write(&mut out).unwrap();
            assert_eq!(out.as_slice(), bytes, "{encoding:?}");
            let mut input = InputStream::new(bytes.to_vec(), encoding);
            let back = c.read_proxy(&mut input).unwrap().unwrap();
            assert_eq!(back.ice_get_endpoints(), p.ice_get_endpoints());
            assert_eq!(back.ice_get_identity(), p.ice_get_identity());
            assert!(input.is_empty());
        }
        // The null proxy.
        let mut input = InputStream::new(vec![0u8, 0], EncodingVersion::V1_1);
        assert!(c.read_proxy(&mut input).unwrap().is_none());
        // Truncated input is an error, never a panic.
        for n in 0..TEST_1_1.len() {
            let mut input = InputStream::new(TEST_1_1[..n].to_vec(), EncodingVersion::V1_1);
            assert!(c.read_proxy(&mut input).is_err(), "prefix of {n} bytes");
        }
    }
}
