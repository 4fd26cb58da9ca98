//! Property tests: proxies survive marshaling in both encodings and printing then parsing in
//! every `ToStringMode`; hostile bytes and strings never panic the decoders and parsers.

use bytes::Bytes;
use ice_proto::proxy::{
    escape, identity_to_string, parse_proxy, string_to_identity, unescape, Endpoint, EndpointRole,
    IpEndpoint, OpaqueEndpoint, ParseDefaults, ToStringMode, UdpEndpoint, WsEndpoint,
};
use ice_proto::{
    EncodingVersion, Identity, InputStream, OutputStream, ProtocolVersion, ProxyData, ProxyMode,
};
use proptest::prelude::*;

fn any_string(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

fn mode() -> impl Strategy<Value = ProxyMode> {
    (0u8..5).prop_map(|m| ProxyMode::from_u8(m).unwrap())
}

fn version() -> impl Strategy<Value = (u8, u8)> {
    (any::<u8>(), any::<u8>())
}

fn opaque(known_encoding: bool) -> impl Strategy<Value = Endpoint> {
    let encoding = if known_encoding { (1u8..=1, 0u8..=1).boxed() } else { version().boxed() };
    (0i16..=i16::MAX, encoding, proptest::collection::vec(any::<u8>(), 1..24))
        .prop_filter("known types turn into real endpoints", |(t, _, _)| !(1..=5).contains(t))
        .prop_map(|(endpoint_type, (major, minor), bytes)| {
            Endpoint::Opaque(OpaqueEndpoint {
                endpoint_type,
                encoding: EncodingVersion { major, minor },
                bytes: bytes.into(),
            })
        })
}

/// Endpoints with only the fields that are marshaled.
fn wire_endpoint() -> impl Strategy<Value = Endpoint> {
    let ip = (any_string(12), any::<u16>(), any::<i32>(), any::<bool>())
        .prop_map(|(host, port, timeout, compress)| IpEndpoint {
            host,
            port,
            timeout,
            compress,
            source_address: String::new(),
        })
        .boxed();
    prop_oneof![
        ip.clone().prop_map(Endpoint::Tcp),
        ip.clone().prop_map(Endpoint::Ssl),
        (ip.clone(), any_string(8))
            .prop_map(|(ip, resource)| Endpoint::Ws(WsEndpoint { ip, resource })),
        (ip, any_string(8)).prop_map(|(ip, resource)| Endpoint::Wss(WsEndpoint { ip, resource })),
        (any_string(12), any::<u16>(), any::<bool>()).prop_map(|(host, port, compress)| {
            Endpoint::Udp(UdpEndpoint { compress, ..UdpEndpoint::new(host, port) })
        }),
        opaque(true),
    ]
}

fn proxy(endpoint: BoxedStrategy<Endpoint>) -> impl Strategy<Value = ProxyData> {
    (
        (any_string(10), any_string(10)).prop_filter("not null", |(name, _)| !name.is_empty()),
        any_string(8),
        mode(),
        any::<bool>(),
        version(),
        version(),
        proptest::collection::vec(endpoint, 0..4),
        any_string(8),
    )
        .prop_map(|((name, category), facet, mode, secure, p, e, endpoints, adapter_id)| {
            ProxyData {
                identity: Identity { name, category },
                facet,
                mode,
                secure,
                protocol: ProtocolVersion { major: p.0, minor: p.1 },
                encoding: EncodingVersion { major: e.0, minor: e.1 },
                adapter_id: if endpoints.is_empty() { adapter_id } else { String::new() },
                endpoints,
            }
        })
}

fn encode(p: &Option<ProxyData>, encoding: EncodingVersion) -> Bytes {
    let mut out = OutputStream::new(encoding);
    out.write(p);
    out.into_bytes()
}

fn decode(
    bytes: Bytes,
    encoding: EncodingVersion,
) -> Result<Option<ProxyData>, ice_proto::DecodeError> {
    let mut input = InputStream::new(bytes, encoding);
    let p = input.read::<Option<ProxyData>>()?;
    input.expect_end()?;
    Ok(p)
}

/// Text that survives ZeroC's endpoint tokenizer: no whitespace, quotes or backslashes, and
/// not starting with `-` (which would read as an option).
fn endpoint_text(min: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9._:@/%+=é€-]{{{min},10}}"))
        .unwrap()
        .prop_filter("not an option or the wildcard", |s| !s.starts_with('-') && s != "*")
}

/// Endpoints whose printed form ZeroC's parser reads back (timeouts of 0 or below -1, negative
/// TTLs other than -1 and empty resources print but do not parse, in Ice as here).
fn printable_endpoint() -> impl Strategy<Value = Endpoint> {
    let timeout = prop_oneof![Just(-1), 1..=i32::MAX];
    let ip = (endpoint_text(0), any::<u16>(), timeout, any::<bool>(), endpoint_text(0))
        .prop_map(|(host, port, timeout, compress, source_address)| IpEndpoint {
            host,
            port,
            timeout,
            compress,
            source_address,
        })
        .boxed();
    let udp = (
        (endpoint_text(0), any::<u16>(), any::<bool>(), any::<bool>()),
        (endpoint_text(0), prop_oneof![Just(-1), 0..=i32::MAX], endpoint_text(0)),
    )
        .prop_map(|((host, port, compress, connect), (interface, ttl, source_address))| {
            Endpoint::Udp(UdpEndpoint {
                host,
                port,
                compress,
                connect,
                interface,
                ttl,
                source_address,
            })
        });
    prop_oneof![
        ip.clone().prop_map(Endpoint::Tcp),
        ip.clone().prop_map(Endpoint::Ssl),
        (ip.clone(), endpoint_text(1))
            .prop_map(|(ip, resource)| Endpoint::Ws(WsEndpoint { ip, resource })),
        (ip, endpoint_text(1))
            .prop_map(|(ip, resource)| Endpoint::Wss(WsEndpoint { ip, resource })),
        udp,
        opaque(false),
    ]
}

/// Whether ZeroC could read back `escaped` as printed in a proxy: a quoted token ending in a
/// backslash loses its closing quote, and an unquoted option argument must not start with `-`.
fn readable(escaped: &str, option_argument: bool) -> bool {
    let quoted = escaped.contains([' ', ':', '@']);
    if quoted {
        !escaped.ends_with('\\')
    } else {
        !(option_argument && escaped.starts_with('-'))
    }
}

const MODES: [ToStringMode; 3] = [ToStringMode::Unicode, ToStringMode::Ascii, ToStringMode::Compat];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn marshaling_round_trips(p in proxy(wire_endpoint().boxed())) {
        for enc in [EncodingVersion::V1_1, EncodingVersion::V1_0] {
            let bytes = encode(&Some(p.clone()), enc);
            let decoded = decode(bytes.clone(), enc).unwrap();
            let mut expected = p.clone();
            if enc == EncodingVersion::V1_0 {
                // Encoding 1.0 carries no versions; readers assume 1.0.
                expected.protocol = ProtocolVersion::V1_0;
                expected.encoding = EncodingVersion::V1_0;
            }
            prop_assert_eq!(decoded.as_ref(), Some(&expected));
            prop_assert_eq!(encode(&decoded, enc), bytes);
        }
    }

    #[test]
    fn printing_then_parsing_round_trips(p in proxy(printable_endpoint().boxed())) {
        for mode in MODES {
            prop_assume!(readable(&identity_to_string(&p.identity, mode), false));
            prop_assume!(readable(&escape(&p.facet, "", mode), true));
            prop_assume!(readable(&escape(&p.adapter_id, "", mode), false));
            let printed = p.to_string_with(mode);
            let parsed = ProxyData::parse(&printed);
            prop_assert_eq!(parsed, Ok(Some(p.clone())), "printed {:?}", printed);
        }
    }

    #[test]
    fn escaping_round_trips(s in any_string(16)) {
        for mode in MODES {
            for special in ["", "/"] {
                prop_assert_eq!(unescape(&escape(&s, special, mode), special), Ok(s.clone()));
            }
        }
    }

    #[test]
    fn identity_strings_round_trip(name in any_string(10), category in any_string(10)) {
        let id = Identity { name, category };
        for mode in MODES {
            prop_assert_eq!(string_to_identity(&identity_to_string(&id, mode)), Ok(id.clone()));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
            let bytes = Bytes::from(bytes.clone());
            if let Ok(p) = InputStream::new(bytes.clone(), enc).read::<Option<ProxyData>>() {
                let again = encode(&p, enc);
                prop_assert_eq!(decode(again, enc), Ok(p));
            }
            let _ = InputStream::new(bytes, enc).read::<Endpoint>();
        }
    }

    /// Bytes that start like a proxy reach the endpoint decoders more often than random ones.
    #[test]
    fn proxy_like_bytes_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..64),
        count in 0u8..4,
        kind in -2i16..12,
    ) {
        let mut bytes = vec![1, b'a', 0, 0, 0, 0, 1, 0, 1, 1, count];
        bytes.extend_from_slice(&kind.to_le_bytes());
        bytes.extend_from_slice(&tail);
        for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
            if let Ok(p) = InputStream::new(Bytes::from(bytes.clone()), enc).read::<Option<ProxyData>>() {
                prop_assert_eq!(decode(encode(&p, enc), enc), Ok(p));
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic_the_parsers(s in any_string(48)) {
        parse_without_panic(&s);
    }

    #[test]
    fn proxy_like_strings_never_panic_the_parsers(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("a"), Just("\""), Just("'"), Just("\\"), Just(" "), Just(":"), Just("@"),
                Just("/"), Just("-t"), Just("-f"), Just("-e"), Just("1.1"), Just("-p"), Just("-s"),
                Just("tcp"), Just("udp"), Just("ws"), Just("opaque"), Just("-h"), Just("*"),
                Just("-v"), Just("abch"), Just("="), Just("-r"), Just("--ttl"), Just("7"),
                Just("\\u00"), Just("\\x"), Just("\\377"), Just("é"), Just("\t"), Just("default"),
            ],
            0..24,
        )
    ) {
        parse_without_panic(&parts.concat());
    }
}

fn parse_without_panic(s: &str) {
    let d = ParseDefaults::default();
    if let Ok(parsed) = parse_proxy(s, &d) {
        if let Some(p) = parsed.proxy {
            for mode in MODES {
                let _ = ProxyData::parse(&p.to_string_with(mode));
            }
        }
    }
    for role in [EndpointRole::Proxy, EndpointRole::ObjectAdapter] {
        if let Ok(e) = Endpoint::parse(s, &d, role) {
            let _ = e.to_string().parse::<Endpoint>();
        }
    }
    let _ = string_to_identity(s);
    let _ = unescape(s, "/");
}
