//! Endpoints as data and their marshaled form (spec §5): a `short` type followed by an
//! encapsulation holding the transport's fields.

use std::hash::{Hash, Hasher};

use bytes::Bytes;

use crate::encoding::{Decode, Encapsulation, Encode, EncodingVersion, InputStream, OutputStream};
use crate::text::same_text;
use crate::DecodeError;

/// The default endpoint timeout in milliseconds (`Ice.Default.Timeout`).
pub const DEFAULT_TIMEOUT: i32 = 60_000;

/// The fields of a tcp or ssl endpoint, also the transport part of ws and wss endpoints.
#[derive(Debug, Clone, Eq)]
pub struct IpEndpoint {
    /// Host name or IP address; empty means the default host (or, in an object adapter, all
    /// interfaces).
    pub host: String,
    /// TCP port; 0 in an object adapter means "any free port".
    pub port: u16,
    /// Timeout in milliseconds for connecting and for each read or write; -1 is infinite.
    pub timeout: i32,
    /// Whether requests through this endpoint are bzip2-compressed.
    pub compress: bool,
    /// The local address to bind before connecting (`--sourceAddress`); empty for none. Not
    /// marshaled.
    pub source_address: String,
}

// By hand, to compare the (usually empty) source address without `memcmp`, as the tables of
// connections and back ends do per request: see `crate::text`.
impl PartialEq for IpEndpoint {
    fn eq(&self, other: &Self) -> bool {
        self.port == other.port
            && self.timeout == other.timeout
            && self.compress == other.compress
            && same_text(&self.host, &other.host)
            && same_text(&self.source_address, &other.source_address)
    }
}

impl Hash for IpEndpoint {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (&self.host, self.port, self.timeout, self.compress, &self.source_address).hash(state);
    }
}

impl IpEndpoint {
    /// An endpoint for `host` and `port` with the default timeout, no compression and no source
    /// address.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        IpEndpoint {
            host: host.into(),
            port,
            timeout: DEFAULT_TIMEOUT,
            compress: false,
            source_address: String::new(),
        }
    }
}

/// The fields of a ws or wss (WebSocket) endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WsEndpoint {
    /// The underlying tcp (ws) or ssl (wss) endpoint.
    pub ip: IpEndpoint,
    /// The HTTP resource requested in the WebSocket handshake, normally `/`.
    pub resource: String,
}

/// The fields of a udp endpoint.
#[derive(Debug, Clone, Eq)]
pub struct UdpEndpoint {
    /// Host name, IP address or multicast group.
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// Whether datagrams are bzip2-compressed.
    pub compress: bool,
    /// Whether the socket is connected (`-c`); not marshaled.
    pub connect: bool,
    /// Multicast interface (`--interface`); empty for the default. Not marshaled.
    pub interface: String,
    /// Multicast time-to-live (`--ttl`); -1 for the system default. Not marshaled.
    pub ttl: i32,
    /// The local address to bind (`--sourceAddress`); empty for none. Not marshaled.
    pub source_address: String,
}

// By hand, for the same reason as `IpEndpoint`'s.
impl PartialEq for UdpEndpoint {
    fn eq(&self, other: &Self) -> bool {
        self.port == other.port
            && self.compress == other.compress
            && self.connect == other.connect
            && self.ttl == other.ttl
            && same_text(&self.host, &other.host)
            && same_text(&self.interface, &other.interface)
            && same_text(&self.source_address, &other.source_address)
    }
}

impl Hash for UdpEndpoint {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let Self { host, port, compress, connect, interface, ttl, source_address } = self;
        (host, port, compress, connect, interface, ttl, source_address).hash(state);
    }
}

impl UdpEndpoint {
    /// An endpoint for `host` and `port` with every option at its default.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        UdpEndpoint {
            host: host.into(),
            port,
            compress: false,
            connect: false,
            interface: String::new(),
            ttl: -1,
            source_address: String::new(),
        }
    }
}

/// An endpoint of a type this implementation does not interpret, kept byte for byte so that a
/// proxy can be forwarded without loss.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpaqueEndpoint {
    /// The endpoint type (see the constants on [`Endpoint`]).
    pub endpoint_type: i16,
    /// The encoding of `bytes`, as stated by their encapsulation.
    pub encoding: EncodingVersion,
    /// The contents of the endpoint's encapsulation.
    pub bytes: Bytes,
}

/// An endpoint: where and how to reach an object adapter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// TCP (type 1).
    Tcp(IpEndpoint),
    /// SSL over TCP (type 2).
    Ssl(IpEndpoint),
    /// UDP datagrams (type 3).
    Udp(UdpEndpoint),
    /// WebSocket over TCP (type 4).
    Ws(WsEndpoint),
    /// WebSocket over SSL (type 5).
    Wss(WsEndpoint),
    /// Any other type, kept as raw bytes.
    Opaque(OpaqueEndpoint),
}

impl Endpoint {
    /// Endpoint type of tcp.
    pub const TCP: i16 = 1;
    /// Endpoint type of ssl.
    pub const SSL: i16 = 2;
    /// Endpoint type of udp.
    pub const UDP: i16 = 3;
    /// Endpoint type of ws.
    pub const WS: i16 = 4;
    /// Endpoint type of wss.
    pub const WSS: i16 = 5;
    /// Endpoint type of Bluetooth (kept opaque here).
    pub const BT: i16 = 6;
    /// Endpoint type of secure Bluetooth (kept opaque here).
    pub const BTS: i16 = 7;
    /// Endpoint type of iOS accessory (kept opaque here).
    pub const IAP: i16 = 8;
    /// Endpoint type of secure iOS accessory (kept opaque here).
    pub const IAPS: i16 = 9;

    /// The endpoint type written on the wire.
    pub fn endpoint_type(&self) -> i16 {
        match self {
            Endpoint::Tcp(_) => Self::TCP,
            Endpoint::Ssl(_) => Self::SSL,
            Endpoint::Udp(_) => Self::UDP,
            Endpoint::Ws(_) => Self::WS,
            Endpoint::Wss(_) => Self::WSS,
            Endpoint::Opaque(o) => o.endpoint_type,
        }
    }

    /// The transport name used in endpoint strings: `tcp`, `ssl`, `udp`, `ws`, `wss` or
    /// `opaque`.
    pub fn transport(&self) -> &'static str {
        match self {
            Endpoint::Tcp(_) => "tcp",
            Endpoint::Ssl(_) => "ssl",
            Endpoint::Udp(_) => "udp",
            Endpoint::Ws(_) => "ws",
            Endpoint::Wss(_) => "wss",
            Endpoint::Opaque(_) => "opaque",
        }
    }

    /// Whether the transport is encrypted (ssl, wss).
    pub fn is_secure(&self) -> bool {
        matches!(self, Endpoint::Ssl(_) | Endpoint::Wss(_))
    }

    /// Whether the transport carries datagrams (udp) rather than a stream.
    pub fn is_datagram(&self) -> bool {
        matches!(self, Endpoint::Udp(_))
    }

    /// Whether requests through this endpoint are compressed.
    pub fn compress(&self) -> bool {
        match self {
            Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => ip.compress,
            Endpoint::Ws(ws) | Endpoint::Wss(ws) => ws.ip.compress,
            Endpoint::Udp(udp) => udp.compress,
            Endpoint::Opaque(_) => false,
        }
    }

    /// Builds an endpoint from its type and encapsulation. Known types are decoded (so an
    /// opaque endpoint of a known type becomes the real one, spec §12.4); others are kept
    /// opaque. The encapsulation must use a supported encoding, as ZeroC Ice requires.
    pub fn from_encapsulation(
        endpoint_type: i16,
        encaps: &Encapsulation,
    ) -> Result<Endpoint, DecodeError> {
        let mut r = encaps.reader()?;
        let endpoint = match endpoint_type {
            Self::TCP => Endpoint::Tcp(read_ip(&mut r)?),
            Self::SSL => Endpoint::Ssl(read_ip(&mut r)?),
            Self::WS => Endpoint::Ws(read_ws(&mut r)?),
            Self::WSS => Endpoint::Wss(read_ws(&mut r)?),
            Self::UDP => Endpoint::Udp(read_udp(&mut r)?),
            _ => {
                return Ok(Endpoint::Opaque(OpaqueEndpoint {
                    endpoint_type,
                    encoding: encaps.encoding,
                    bytes: encaps.data.clone(),
                }))
            }
        };
        encaps.finish(&mut r)?;
        Ok(endpoint)
    }

    fn write_body(&self, out: &mut OutputStream) {
        match self {
            Endpoint::Tcp(ip) | Endpoint::Ssl(ip) => write_ip(ip, out),
            Endpoint::Ws(ws) | Endpoint::Wss(ws) => {
                write_ip(&ws.ip, out);
                out.write_string(&ws.resource);
            }
            Endpoint::Udp(udp) => {
                out.write_string(&udp.host);
                out.write_i32(i32::from(udp.port));
                if out.encoding() == EncodingVersion::V1_0 {
                    // Protocol and encoding versions that Ice 3.4 and earlier sent; ignored.
                    out.write_raw(&[1, 0, 1, 0]);
                }
                out.write_bool(udp.compress);
            }
            Endpoint::Opaque(o) => out.write_raw(&o.bytes),
        }
    }
}

fn read_port(r: &mut InputStream) -> Result<u16, DecodeError> {
    let port = r.read_i32()?;
    u16::try_from(port).map_err(|_| DecodeError::invalid(format!("port {port} out of range")))
}

fn read_ip(r: &mut InputStream) -> Result<IpEndpoint, DecodeError> {
    Ok(IpEndpoint {
        host: r.read_string()?,
        port: read_port(r)?,
        timeout: r.read_i32()?,
        compress: r.read_bool()?,
        source_address: String::new(),
    })
}

fn read_ws(r: &mut InputStream) -> Result<WsEndpoint, DecodeError> {
    let ip = read_ip(r)?;
    Ok(WsEndpoint { ip, resource: r.read_string()? })
}

fn read_udp(r: &mut InputStream) -> Result<UdpEndpoint, DecodeError> {
    let host = r.read_string()?;
    let port = read_port(r)?;
    if r.encoding() == EncodingVersion::V1_0 {
        r.skip(4)?;
    }
    let mut udp = UdpEndpoint::new(host, port);
    udp.compress = r.read_bool()?;
    Ok(udp)
}

fn write_ip(ip: &IpEndpoint, out: &mut OutputStream) {
    out.write_string(&ip.host);
    out.write_i32(i32::from(ip.port));
    out.write_i32(ip.timeout);
    out.write_bool(ip.compress);
}

impl Encode for Endpoint {
    /// Writes the type and an encapsulation in the stream's encoding; an opaque endpoint keeps
    /// its own encoding and bytes. ZeroC Ice refuses to marshal an opaque endpoint whose
    /// encoding it does not support; this writes it anyway, and readers will reject it.
    fn encode(&self, out: &mut OutputStream) {
        out.write_i16(self.endpoint_type());
        let encoding = match self {
            Endpoint::Opaque(o) => o.encoding,
            _ => out.encoding(),
        };
        let mark = out.start_encapsulation(encoding);
        self.write_body(out);
        out.end_encapsulation(mark);
    }
}

impl Decode for Endpoint {
    const MIN_WIRE_SIZE: usize = 2 + Encapsulation::HEADER_SIZE;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        let endpoint_type = input.read_i16()?;
        let encaps = input.read_encapsulation()?;
        Endpoint::from_encapsulation(endpoint_type, &encaps)
    }
}
