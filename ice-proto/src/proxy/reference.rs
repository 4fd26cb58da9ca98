//! A proxy as data (`ProxyData`): everything a proxy carries on the wire, and its marshaled
//! form (spec §5).

use crate::encoding::{
    Decode, Encode, EncodingVersion, InputStream, OutputStream, ProtocolVersion,
};
use crate::identity::write_facet;
use crate::{DecodeError, Identity};

use super::endpoint::Endpoint;

/// How invocations through a proxy are sent (`-t`, `-o`, `-O`, `-d`, `-D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum ProxyMode {
    /// Request and reply (`-t`).
    #[default]
    Twoway = 0,
    /// Request without reply over a stream transport (`-o`).
    Oneway = 1,
    /// Oneway requests queued and sent together (`-O`).
    BatchOneway = 2,
    /// Request without reply over UDP (`-d`).
    Datagram = 3,
    /// Datagram requests queued and sent together (`-D`).
    BatchDatagram = 4,
}

impl ProxyMode {
    /// The mode with wire value `v`, if it is one (0..=4).
    pub fn from_u8(v: u8) -> Option<ProxyMode> {
        Some(match v {
            0 => ProxyMode::Twoway,
            1 => ProxyMode::Oneway,
            2 => ProxyMode::BatchOneway,
            3 => ProxyMode::Datagram,
            4 => ProxyMode::BatchDatagram,
            _ => return None,
        })
    }

    /// The option that selects this mode in a stringified proxy.
    pub fn option(self) -> &'static str {
        match self {
            ProxyMode::Twoway => "-t",
            ProxyMode::Oneway => "-o",
            ProxyMode::BatchOneway => "-O",
            ProxyMode::Datagram => "-d",
            ProxyMode::BatchDatagram => "-D",
        }
    }

    /// Whether the caller waits for a reply.
    pub fn is_twoway(self) -> bool {
        self == ProxyMode::Twoway
    }

    /// Whether requests are queued and sent as a batch.
    pub fn is_batch(self) -> bool {
        matches!(self, ProxyMode::BatchOneway | ProxyMode::BatchDatagram)
    }

    /// Whether requests go over a datagram transport.
    pub fn is_datagram(self) -> bool {
        matches!(self, ProxyMode::Datagram | ProxyMode::BatchDatagram)
    }
}

/// The data of a proxy: the target object and how to reach it (Ice's "reference").
///
/// A proxy is *direct* when it has endpoints, *indirect* when it has an adapter id instead
/// (resolved through a locator), and *well-known* when it has neither. `adapter_id` is only
/// marshaled and printed when `endpoints` is empty.
///
/// Slice proxies can be null: use `Option<ProxyData>` for a proxy value, which marshals `None`
/// as the null identity `00 00`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyData {
    /// The target object. Must not be the null identity (see [`Encode`] below).
    pub identity: Identity,
    /// The facet; empty for the default facet.
    pub facet: String,
    /// How invocations are sent.
    pub mode: ProxyMode,
    /// Whether only secure endpoints may be used (`-s`). Ice 3.8 ignores it.
    pub secure: bool,
    /// Protocol version (`-p`), always 1.0 in practice.
    pub protocol: ProtocolVersion,
    /// Encoding used for requests through this proxy (`-e`).
    pub encoding: EncodingVersion,
    /// Endpoints of a direct proxy.
    pub endpoints: Vec<Endpoint>,
    /// Object adapter id of an indirect proxy; empty otherwise.
    pub adapter_id: String,
}

impl ProxyData {
    /// A well-known twoway proxy for `identity` with encoding 1.1 and no endpoints.
    pub fn new(identity: Identity) -> Self {
        ProxyData {
            identity,
            facet: String::new(),
            mode: ProxyMode::Twoway,
            secure: false,
            protocol: ProtocolVersion::V1_0,
            encoding: EncodingVersion::V1_1,
            endpoints: Vec::new(),
            adapter_id: String::new(),
        }
    }

    /// Whether the proxy has neither endpoints nor an adapter id.
    pub fn is_well_known(&self) -> bool {
        self.endpoints.is_empty() && self.adapter_id.is_empty()
    }

    /// Whether the proxy has no endpoints (it is resolved by adapter id or identity).
    pub fn is_indirect(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// Reads the rest of a proxy whose identity has been read and is not null.
    fn decode_after_identity(
        identity: Identity,
        input: &mut InputStream,
    ) -> Result<Self, DecodeError> {
        let facet = match input.read_size()? {
            0 => String::new(),
            1 => input.read_string()?,
            n => return Err(DecodeError::Proxy(format!("facet sequence has {n} elements"))),
        };
        let mode = input.read_u8()?;
        let mode = ProxyMode::from_u8(mode)
            .ok_or_else(|| DecodeError::Proxy(format!("invalid proxy mode {mode}")))?;
        let secure = input.read_bool()?;
        let (protocol, encoding) = if input.encoding() == EncodingVersion::V1_0 {
            (ProtocolVersion::V1_0, EncodingVersion::V1_0)
        } else {
            let p = ProtocolVersion { major: input.read_u8()?, minor: input.read_u8()? };
            let e = EncodingVersion { major: input.read_u8()?, minor: input.read_u8()? };
            (p, e)
        };
        let count = input.read_count(<Endpoint as Decode>::MIN_WIRE_SIZE)?;
        let (endpoints, adapter_id) = if count > 0 {
            (Endpoint::decode_vec(count, input)?, String::new())
        } else {
            (Vec::new(), input.read_string()?)
        };
        Ok(ProxyData { identity, facet, mode, secure, protocol, encoding, endpoints, adapter_id })
    }
}

impl Encode for ProxyData {
    /// Writes the proxy; protocol and encoding are written only when the stream's encoding is
    /// not 1.0. A proxy with the null identity is written as the null proxy (`00 00`), since
    /// that is how any reader would take it.
    fn encode(&self, out: &mut OutputStream) {
        self.identity.encode(out);
        if self.identity.is_null() {
            return;
        }
        write_facet(out, &self.facet);
        out.write_u8(self.mode as u8);
        out.write_bool(self.secure);
        if out.encoding() != EncodingVersion::V1_0 {
            out.write_u8(self.protocol.major);
            out.write_u8(self.protocol.minor);
            out.write_u8(self.encoding.major);
            out.write_u8(self.encoding.minor);
        }
        out.write_size(self.endpoints.len());
        if self.endpoints.is_empty() {
            out.write_string(&self.adapter_id);
        } else {
            for endpoint in &self.endpoints {
                endpoint.encode(out);
            }
        }
    }
}

impl Decode for ProxyData {
    const MIN_WIRE_SIZE: usize = 2;

    /// Reads a proxy that must not be null; a null proxy is a [`DecodeError::Proxy`]. Use
    /// `Option<ProxyData>` for Slice proxy values, which may be null.
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Option::<ProxyData>::decode(input)?
            .ok_or_else(|| DecodeError::Proxy("null proxy where a proxy is required".to_owned()))
    }
}

impl Encode for Option<ProxyData> {
    fn encode(&self, out: &mut OutputStream) {
        match self {
            Some(proxy) => proxy.encode(out),
            None => Identity::default().encode(out),
        }
    }
}

impl Decode for Option<ProxyData> {
    const MIN_WIRE_SIZE: usize = 2;

    /// Reads a proxy; the null identity (empty name and category) is the null proxy. As in Ice
    /// 3.7, an empty name with a category is not null and the rest of the proxy follows.
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        let identity = Identity::decode(input)?;
        if identity.is_null() {
            return Ok(None);
        }
        ProxyData::decode_after_identity(identity, input).map(Some)
    }
}
