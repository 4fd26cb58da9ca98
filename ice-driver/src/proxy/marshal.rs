//! Proxies as parameters (spec §5): a client passes its callback object to a server. The
//! format is [`ProxyData`]'s; a driver proxy adds the communicator to it.

use ice_proto::proxy::ProxyData;
use ice_proto::{Decode, DecodeError, Encapsulation, Encode, InputStream, OutputStream};

use super::Proxy;
use crate::communicator::Communicator;
use crate::error::{Error, Result};

impl Proxy {
    /// Writes the proxy as an `Ice::ObjectPrx` parameter. A fixed proxy cannot be sent
    /// (`Ice::FixedProxyException`).
    pub fn write(&self, out: &mut OutputStream) -> Result<()> {
        if self.fixed.is_some() {
            return Err(Error::Marshal(DecodeError::Proxy(
                "a fixed proxy cannot be marshaled".into(),
            )));
        }
        self.data.encode(out);
        Ok(())
    }

    /// The proxy as a parameter encapsulation in the proxy's encoding.
    pub fn to_encapsulation(&self) -> Result<Encapsulation> {
        let mut result = Ok(());
        let e = Encapsulation::build(self.data.encoding, |out| result = self.write(out));
        result.map(|()| e)
    }
}

impl Communicator {
    /// Reads an `Ice::ObjectPrx` parameter; `None` for a null proxy.
    pub fn read_proxy(&self, input: &mut InputStream) -> Result<Option<Proxy>> {
        Ok(Option::<ProxyData>::decode(input)?.map(|data| self.proxy_from_data(data)))
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
    use crate::runtime::{BoxFuture, Runtime, TcpListener, TcpStream, UdpSocket};
    use ice_proto::EncodingVersion;

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
        fn udp(&self, _: std::net::UdpSocket) -> io::Result<Box<dyn UdpSocket>> {
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
        let p = c.string_to_proxy("test:tcp -h 127.0.0.1 -p 12010 -t 10000").unwrap();
        for (encoding, bytes) in
            [(EncodingVersion::V1_1, TEST_1_1), (EncodingVersion::V1_0, TEST_1_0)]
        {
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
