//! Proxy and endpoint marshaling (spec §5, §12.4) in encodings 1.0 and 1.1.
//!
//! Besides the spec's examples, the tables hold bytes produced and read by real ZeroC Ice 3.7.8
//! (Debian `python3-zeroc-ice`): `ZEROC_MARSHALED` was captured from a client sending each
//! proxy as a `Callback*` parameter in encodings 1.1 and 1.0; `ZEROC_DECODED` lists bytes a raw
//! server returned from `Ice::Router::getClientProxy` and what the client made of them.

use bytes::Bytes;
use ice_proto::proxy::{Endpoint, IpEndpoint, OpaqueEndpoint, ProxyData, UdpEndpoint};
use ice_proto::{
    Decode, DecodeError, Encapsulation, EncodingVersion, Identity, InputStream, OutputStream,
    ProxyMode,
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn encode(proxy: &Option<ProxyData>, encoding: EncodingVersion) -> Vec<u8> {
    let mut out = OutputStream::new(encoding);
    out.write(proxy);
    out.as_slice().to_vec()
}

fn decode(bytes: &[u8], encoding: EncodingVersion) -> Result<Option<ProxyData>, DecodeError> {
    let mut input = InputStream::new(Bytes::copy_from_slice(bytes), encoding);
    let proxy = input.read::<Option<ProxyData>>()?;
    input.expect_end()?;
    Ok(proxy)
}

fn parse(s: &str) -> ProxyData {
    ProxyData::parse(s).unwrap().unwrap()
}

#[test]
fn spec_examples() {
    // Spec §5, "test:tcp -h 127.0.0.1 -p 12010 -t 10000": identity, facet, mode, secure,
    // protocol and encoding (1.1 only), endpoint count, type 1, encapsulation, host, port,
    // timeout, compress.
    let tcp = parse("test:tcp -h 127.0.0.1 -p 12010 -t 10000");
    let v11 =
        hex("04 74 65 73 74 00 | 00 | 00 | 00 | 01 00 01 01 | 01 | 01 00 | 19 00 00 00 01 01 |
        09 31 32 37 2e 30 2e 30 2e 31 | ea 2e 00 00 | 10 27 00 00 | 00"
            .replace('|', " ")
            .as_str());
    let v10 =
        hex("04 74 65 73 74 00 00 00 00 01 01 00 19 00 00 00 01 00 09 31 32 37 2e 30 2e 30 2e 31
        ea 2e 00 00 10 27 00 00 00");
    for (bytes, enc) in [(&v11, EncodingVersion::V1_1), (&v10, EncodingVersion::V1_0)] {
        assert_eq!(encode(&Some(tcp.clone()), enc), *bytes, "{enc}");
    }
    assert_eq!(decode(&v11, EncodingVersion::V1_1), Ok(Some(tcp.clone())));
    let mut tcp10 = tcp.clone();
    tcp10.encoding = EncodingVersion::V1_0; // 1.0 streams carry no versions: 1.0 is assumed
    assert_eq!(decode(&v10, EncodingVersion::V1_0), Ok(Some(tcp10)));

    let indirect = parse("cat/obj -f fct -o -s @ MyAdapter");
    assert_eq!(
        encode(&Some(indirect.clone()), EncodingVersion::V1_1),
        hex("03 6f 62 6a 03 63 61 74  01 03 66 63 74  01  01  01 00 01 01  00
             09 4d 79 41 64 61 70 74 65 72")
    );
    assert_eq!(indirect.mode, ProxyMode::Oneway);

    let ws = parse("obj:ws -h h -p 80 -r /x");
    assert_eq!(
        encode(&Some(ws), EncodingVersion::V1_1),
        hex("03 6f 62 6a 00 00 00 00 01 00 01 01 01  04 00  14 00 00 00 01 01  01 68
             50 00 00 00  60 ea 00 00  00  02 2f 78")
    );

    let opaque = parse("obj:opaque -t 99 -e 1.0 -v abch");
    let bytes = hex("03 6f 62 6a 00 00 00 00 01 00 01 01 01  63 00  09 00 00 00 01 00  69 b7 21");
    assert_eq!(encode(&Some(opaque.clone()), EncodingVersion::V1_1), bytes);
    assert_eq!(decode(&bytes, EncodingVersion::V1_1), Ok(Some(opaque)));

    // §3.8 / §12.3: the null proxy.
    assert_eq!(encode(&None, EncodingVersion::V1_1), [0, 0]);
    assert_eq!(encode(&None, EncodingVersion::V1_0), [0, 0]);
    assert_eq!(decode(&[0, 0], EncodingVersion::V1_1), Ok(None));
}

/// Spec §12.4: opaque endpoints of known types become real endpoints; unknown ones survive.
#[test]
fn spec_opaque_endpoint_strings() {
    let raw = hex("09 31 32 37 2e 30 2e 30 2e 31 ea 2e 00 00 10 27 00 00 00");
    let e: Endpoint = "opaque -e 1.0 -t 1 -v CTEyNy4wLjAuMeouAAAQJwAAAA==".parse().unwrap();
    assert_eq!(
        e,
        Endpoint::Tcp(IpEndpoint { timeout: 10000, ..IpEndpoint::new("127.0.0.1", 12010) })
    );
    assert_eq!(e.to_string(), "tcp -h 127.0.0.1 -p 12010 -t 10000");
    let from_raw =
        Endpoint::from_encapsulation(1, &Encapsulation::new(EncodingVersion::V1_0, raw.into()));
    assert_eq!(from_raw, Ok(e));

    let e: Endpoint = "opaque -e 1.0 -t 1 -v CTEyNy4wLjAuMusuAAAQJwAAAA==".parse().unwrap();
    assert_eq!(e.to_string(), "tcp -h 127.0.0.2 -p 12011 -t 10000");

    let e: Endpoint = "opaque -e 1.0 -t 2 -v CTEyNy4wLjAuMREnAAD/////AA==".parse().unwrap();
    assert_eq!(e, Endpoint::Ssl(IpEndpoint { timeout: -1, ..IpEndpoint::new("127.0.0.1", 10001) }));
    assert_eq!(e.to_string(), "ssl -h 127.0.0.1 -p 10001 -t infinite");

    let e: Endpoint = "opaque -e 1.0 -t 99 -v abch".parse().unwrap();
    assert_eq!(
        e,
        Endpoint::Opaque(OpaqueEndpoint {
            endpoint_type: 99,
            encoding: EncodingVersion::V1_0,
            bytes: Bytes::from_static(&[0x69, 0xb7, 0x21]),
        })
    );
    assert_eq!(e.to_string(), "opaque -t 99 -e 1.0 -v abch");
    // Through the wire and back, unchanged.
    let mut out = OutputStream::new(EncodingVersion::V1_1);
    out.write(&e);
    assert_eq!(out.as_slice(), hex("63 00 09 00 00 00 01 00 69 b7 21"));
    let mut input = InputStream::new(out.into_bytes(), EncodingVersion::V1_1);
    assert_eq!(input.read::<Endpoint>(), Ok(e));
}

/// (proxy string, ZeroC's bytes in encoding 1.1, ZeroC's bytes in encoding 1.0).
const ZEROC_MARSHALED: &[(&str, &str, &str)] = &[
    ("test:tcp -h 127.0.0.1 -p 12010 -t 10000", "04746573740000000001000101010100190000000101093132372e302e302e31ea2e00001027000000", "047465737400000000010100190000000100093132372e302e302e31ea2e00001027000000"),
    ("cat/obj -f fct -o -s @ MyAdapter", "036f626a03636174010366637401010100010100094d7941646170746572", "036f626a036361740103666374010100094d7941646170746572"),
    ("obj:ws -h h -p 80 -r /x", "036f626a000000000100010101040014000000010101685000000060ea000000022f78", "036f626a0000000001040014000000010001685000000060ea000000022f78"),
    ("obj:opaque -t 99 -e 1.0 -v abch", "036f626a000000000100010101630009000000010069b721", "036f626a0000000001630009000000010069b721"),
    ("obj:opaque -t 99 -e 1.1 -v abch", "036f626a000000000100010101630009000000010169b721", "036f626a0000000001630009000000010169b721"),
    ("a -O -e 1.0 @ x", "01610000020001000100000178", "016100000200000178"),
    ("a -d:udp -h 239.0.0.1 -p 5000 -c -z --ttl 3 --interface eth0", "01610000030001000101010300150000000101093233392e302e302e318813000001", "016100000300010300190000000100093233392e302e302e31881300000100010001"),
    ("a -D:udp -h h -p 1", "016100000400010001010103000d000000010101680100000000", "0161000004000103001100000001000168010000000100010000"),
    ("a -t -p 1.1 -e 1.0:ssl -h \"::1\" -p 443 -t infinite -z", "01610000000001010100010200130000000101033a3a31bb010000ffffffff01", "016100000000010200130000000100033a3a31bb010000ffffffff01"),
    ("a:wss -h h -p 443 -r /chat -z:tcp -h h2 -p 1 --sourceAddress 10.0.0.1", "016100000000010001010205001700000001010168bb01000060ea000001052f6368617401001200000001010268320100000060ea000000", "0161000000000205001700000001000168bb01000060ea000001052f6368617401001200000001000268320100000060ea000000"),
    ("a/b -f \"x y\"", "0162016101037820790000010001010000", "01620161010378207900000000"),
    ("a", "016100000000010001010000", "0161000000000000"),
    ("\"a b/c d\" -s", "0363206403612062000001010001010000", "03632064036120620000010000"),
    ("a:opaque -e 1.0 -t 2 -v CTEyNy4wLjAuMREnAAD/////AA==", "01610000000001000101010200190000000101093132372e302e302e3111270000ffffffff00", "016100000000010200190000000100093132372e302e302e3111270000ffffffff00"),
    ("a:opaque -t 3 -e 1.0 -v AXgBAAAAAQABAAA=", "016100000000010001010103000d000000010101780100000000", "0161000000000103001100000001000178010000000100010000"),
    ("a:opaque -t 3 -e 1.1 -v AXgBAAAAAA==", "016100000000010001010103000d000000010101780100000000", "0161000000000103001100000001000178010000000100010000"),
    ("a:opaque -t 6 -e 1.1 -v AWgKAAAAYOoAAAA=", "0161000000000100010101060011000000010101680a00000060ea000000", "01610000000001060011000000010101680a00000060ea000000"),
    ("\\u00e9t\\u00e9/caf\\u00e9 -f \\u20ac -e 1.0 @ \"ad ap\"", "05636166c3a905c3a974c3a90103e282ac00000100010000056164206170", "05636166c3a905c3a974c3a90103e282ac000000056164206170"),
    ("a -e 2.5:tcp -h x -p 1 -t 1:udp -h y -p 2:ws -h z -p 3", "01610000000001000205030100110000000101017801000000010000000003000d0000000101017902000000000400130000000101017a0300000060ea000000012f", "0161000000000301001100000001000178010000000100000000030011000000010001790200000001000100000400130000000100017a0300000060ea000000012f"),
];

#[test]
fn marshaling_matches_zeroc() {
    for &(input, v11, v10) in ZEROC_MARSHALED {
        let proxy = Some(parse(input));
        for (expected, enc) in [(v11, EncodingVersion::V1_1), (v10, EncodingVersion::V1_0)] {
            let expected = hex(expected);
            assert_eq!(encode(&proxy, enc), expected, "{input:?} in {enc}");
            // ZeroC's bytes decode and re-encode byte for byte.
            let decoded = decode(&expected, enc).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(encode(&decoded, enc), expected, "{input:?} re-encoded in {enc}");
        }
    }
}

/// What ZeroC made of some bytes: the printed proxy (`None` for null), or its exception.
type ZerocOutcome = Result<Option<&'static str>, &'static str>;

/// (stream encoding, bytes, what ZeroC 3.7.8 printed or the exception it raised). Where our
/// result differs from 3.7.8, the expectation says why.
const ZEROC_DECODED: &[(EncodingVersion, &str, ZerocOutcome)] = &[
    (EncodingVersion::V1_1, "0003636174", Err("UnmarshalOutOfBoundsException")),
    (EncodingVersion::V1_1, "0003636174000000010001010000", Ok(Some("cat/ -t -e 1.1"))),
    (EncodingVersion::V1_1, "00036361740000000100010100026164", Ok(Some("cat/ -t -e 1.1 @ ad"))),
    (EncodingVersion::V1_1, "01610002016601670000010001010000", Err("ProxyUnmarshalException")),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010011000000010101680a00000060ea000000",
        Ok(Some("a -t -e 1.1:tcp -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010012000000010101680a00000060ea00000000",
        Err("UnmarshalOutOfBoundsException"),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010011000000010001680a00000060ea000000",
        Ok(Some("a -t -e 1.1:tcp -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010012000000010001680a00000060ea00000007",
        Ok(Some("a -t -e 1.1:tcp -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010013000000010001680a00000060ea0000000707",
        Err("EncapsulationException"),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010011000000010101687011010060ea000000",
        Err("MarshalException (3.7.8 accepted: -p 70000)"),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010101001100000001010168ffffffff60ea000000",
        Err("MarshalException (3.7.8 accepted: -p -1)"),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010101001100000001010168050000000000000000",
        Ok(Some("a -t -e 1.1:tcp -h h -p 5 -t 0")),
    ),
    (
        EncodingVersion::V1_1,
        "01610000000001000101010100110000000101016805000000f9ffffff02",
        Ok(Some("a -t -e 1.1:tcp -h h -p 5 -t -7 -z")),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010101001000000001010005000000ffffffff00",
        Ok(Some("a -t -e 1.1:tcp -p 5 -t infinite")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010013000000010103613a6205000000ffffffff00",
        Ok(Some("a -t -e 1.1:tcp -h \"a:b\" -p 5 -t infinite")),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010103001100000001000168050000000100010001",
        Ok(Some("a -t -e 1.1:udp -h h -p 5 -z")),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010103001100000001000168050000000909090901",
        Ok(Some("a -t -e 1.1:udp -h h -p 5 -z")),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010103000d000000010101680500000001",
        Ok(Some("a -t -e 1.1:udp -h h -p 5 -z")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101040014000000010101680a00000060ea000000022f72",
        Ok(Some("a -t -e 1.1:ws -h h -p 10 -t 60000 -r /r")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101050014000000010101680a00000060ea000000022f72",
        Ok(Some("a -t -e 1.1:wss -h h -p 10 -t 60000 -r /r")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101020011000000010101680a00000060ea000000",
        Ok(Some("a -t -e 1.1:ssl -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101060011000000010101680a00000060ea000000",
        Ok(Some("a -t -e 1.1:opaque -t 6 -e 1.1 -v AWgKAAAAYOoAAAA=")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101fbff060000000100",
        Ok(Some("a -t -e 1.1:opaque -e 1.0")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101000007000000010101",
        Ok(Some("a -t -e 1.1:opaque -t 0 -e 1.1 -v AQ==")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010102090007000000010101010011000000010101680a00000060ea000000",
        Ok(Some("a -t -e 1.1:opaque -t 9 -e 1.1 -v AQ==:tcp -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010011000000020001680a00000060ea000000",
        Err("UnsupportedEncodingException"),
    ),
    (EncodingVersion::V1_1, "0161000000000100010100026164", Ok(Some("a -t -e 1.1 @ ad"))),
    (EncodingVersion::V1_1, "016100000000010001010000", Ok(Some("a -t -e 1.1"))),
    (EncodingVersion::V1_1, "0161000000000100010100", Err("UnmarshalOutOfBoundsException")),
    (EncodingVersion::V1_1, "01610000000001000101010100", Err("UnmarshalOutOfBoundsException")),
    (EncodingVersion::V1_1, "016100000500010001010000", Err("ProxyUnmarshalException")),
    (EncodingVersion::V1_1, "016100000407010001010000", Ok(Some("a -D -s -e 1.1"))),
    (
        EncodingVersion::V1_0,
        "01610000000001010011000000010001680a00000060ea000000",
        Ok(Some("a -t -e 1.0:tcp -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_0,
        "01610000000001010011000000010101680a00000060ea000000",
        Ok(Some("a -t -e 1.0:tcp -h h -p 10 -t 60000")),
    ),
    (
        EncodingVersion::V1_0,
        "0161000000000103001100000001000168050000000100010000",
        Ok(Some("a -t -e 1.0:udp -h h -p 5")),
    ),
    (
        EncodingVersion::V1_0,
        "016100000000016300070000000101ab",
        Ok(Some("a -t -e 1.0:opaque -t 99 -e 1.1 -v qw==")),
    ),
    (EncodingVersion::V1_0, "01610000000000026164", Ok(Some("a -t -e 1.0 @ ad"))),
    (EncodingVersion::V1_0, "0000", Ok(None)),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101fbff0800000001010102",
        Ok(Some("a -t -e 1.1:opaque -e 1.1 -v AQI=")),
    ),
    (
        EncodingVersion::V1_1,
        "01610000000001000101010000060000000101",
        Ok(Some("a -t -e 1.1:opaque -t 0 -e 1.1")),
    ),
    (
        EncodingVersion::V1_1,
        "01610000000001000101014d00060000000100",
        Ok(Some("a -t -e 1.1:opaque -t 77 -e 1.0")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101008007000000010101",
        Ok(Some("a -t -e 1.1:opaque -e 1.1 -v AQ==")),
    ),
    (
        EncodingVersion::V1_1,
        "01610000000001000101010100110000000101016800000000ffffffff00",
        Ok(Some("a -t -e 1.1:tcp -h h -p 0 -t infinite")),
    ),
    (
        EncodingVersion::V1_1,
        "01610000000001000101010400120000000101016800000000ffffffff0000",
        Ok(Some("a -t -e 1.1:ws -h h -p 0 -t infinite")),
    ),
    (
        EncodingVersion::V1_1,
        "01610000000001000101010400170000000101016800000000ffffffff00056120623a63",
        Ok(Some("a -t -e 1.1:ws -h h -p 0 -t infinite -r \"a b:c\"")),
    ),
    (
        EncodingVersion::V1_1,
        "016100000000010001010103000c0000000101000000000000",
        Ok(Some("a -t -e 1.1:udp -p 0")),
    ),
    (
        EncodingVersion::V1_1,
        "0161000000000100010101010011000000010101ff00000000ffffffff00",
        Err("host is not UTF-8 (C++ accepts the bytes, Python failed)"),
    ),
    (EncodingVersion::V1_1, "01610000000001000101ffffffffff", Err("UnmarshalOutOfBoundsException")),
    (
        EncodingVersion::V1_1,
        "01610000000001000101ff010000006300060000000101",
        Ok(Some("a -t -e 1.1:opaque -t 99 -e 1.1")),
    ),
];

#[test]
fn decoding_matches_zeroc() {
    for &(enc, bytes, expected) in ZEROC_DECODED {
        let bytes = hex(bytes);
        match (decode(&bytes, enc), expected) {
            (Ok(proxy), Ok(printed)) => {
                assert_eq!(
                    proxy.as_ref().map(ProxyData::to_string).as_deref(),
                    printed,
                    "{bytes:02x?}"
                );
                // Whatever was accepted re-encodes to bytes that decode to the same proxy.
                assert_eq!(decode(&encode(&proxy, enc), enc), Ok(proxy), "{bytes:02x?}");
            }
            (Err(_), Err(_)) => {}
            (got, want) => panic!("{bytes:02x?} in {enc}: got {got:?}, ZeroC: {want:?}"),
        }
    }
}

#[test]
fn hostile_counts_fail_before_allocating() {
    // identity "a", no facet, twoway, not secure, 1.0/1.1, then 0x7fffffff endpoints.
    let bytes = hex("01 61 00 00 00 00 01 00 01 01 ff ff ff ff 7f");
    assert!(matches!(
        decode(&bytes, EncodingVersion::V1_1),
        Err(DecodeError::OutOfBounds { needed, .. }) if needed >= 8 * 0x7fff_ffff
    ));
    // Two endpoints announced, 16 bytes needed, only 8 left.
    let bytes = hex("01 61 00 00 00 00 01 00 01 01 02 63 00 06 00 00 00 01 01");
    assert!(matches!(decode(&bytes, EncodingVersion::V1_1), Err(DecodeError::OutOfBounds { .. })));
    // A negative endpoint count.
    let bytes = hex("01 61 00 00 00 00 01 00 01 01 ff ff ff ff ff");
    assert!(decode(&bytes, EncodingVersion::V1_1).is_err());
}

#[test]
fn proxy_errors() {
    let proxy_error = |bytes: &str| match decode(&hex(bytes), EncodingVersion::V1_1) {
        Err(DecodeError::Proxy(msg)) => msg,
        other => panic!("{bytes}: {other:?}"),
    };
    assert!(proxy_error("01 61 00 00 05 00 01 00 01 01 00 00").contains("mode 5"));
    assert!(proxy_error("01 61 00 00 ff 00 01 00 01 01 00 00").contains("mode 255"));
    assert!(proxy_error("01 61 00 02 01 66 01 67 00 00 01 00 01 01 00 00").contains("2 elements"));
    // Port outside 0..=65535 (spec §5; ZeroC 3.7.8 itself let it through).
    let bytes = hex(
        "01 61 00 00 00 00 01 00 01 01 01 01 00 11 00 00 00 01 01 01 68 70 11 01 00 60 ea 00 00 00",
    );
    assert!(
        matches!(decode(&bytes, EncodingVersion::V1_1), Err(DecodeError::Invalid(m)) if m.contains("70000"))
    );
}

#[test]
fn null_identity_and_required_proxies() {
    // Empty name with a category is a real proxy in Ice 3.7, not the null proxy.
    let bytes = hex("00 03 63 61 74 00 00 00 01 00 01 01 00 00");
    let p = decode(&bytes, EncodingVersion::V1_1).unwrap().unwrap();
    assert_eq!(p.identity, Identity::with_category("cat", ""));
    assert_eq!(encode(&Some(p), EncodingVersion::V1_1), bytes);

    // A ProxyData with the null identity is written as the null proxy.
    let p = ProxyData::new(Identity::default());
    assert_eq!(encode(&Some(p), EncodingVersion::V1_1), [0, 0]);

    // Decoding a required (non-optional) proxy rejects null.
    let mut input = InputStream::new(Bytes::from_static(&[0, 0]), EncodingVersion::V1_1);
    assert!(matches!(ProxyData::decode(&mut input), Err(DecodeError::Proxy(_))));
    let mut input = InputStream::new(
        Bytes::from(hex("01 61 00 00 00 00 01 00 01 01 00 00")),
        EncodingVersion::V1_1,
    );
    assert_eq!(ProxyData::decode(&mut input), Ok(ProxyData::new(Identity::new("a"))));
}

#[test]
fn optional_proxy_uses_fsize() {
    let proxy = Some(parse("a"));
    let mut out = OutputStream::new(EncodingVersion::V1_1);
    out.write_optional(3, &Some(proxy.clone()));
    // tag 3, format FSize (6); size 12; the proxy.
    assert_eq!(out.as_slice(), hex("1e 0c 00 00 00 01 61 00 00 00 00 01 00 01 01 00 00"));
    let mut input = InputStream::new(out.into_bytes(), EncodingVersion::V1_1);
    assert_eq!(input.read_optional::<Option<ProxyData>>(3), Ok(Some(proxy)));
}

#[test]
fn udp_legacy_bytes_only_in_1_0() {
    let udp = Endpoint::Udp(UdpEndpoint { compress: true, ..UdpEndpoint::new("h", 5) });
    let mut out = OutputStream::new(EncodingVersion::V1_0);
    out.write(&udp);
    assert_eq!(out.as_slice(), hex("03 00 11 00 00 00 01 00 01 68 05 00 00 00 01 00 01 00 01"));
    let mut out = OutputStream::new(EncodingVersion::V1_1);
    out.write(&udp);
    assert_eq!(out.as_slice(), hex("03 00 0d 00 00 00 01 01 01 68 05 00 00 00 01"));
    // Options that are not marshaled do not come back.
    let mut rich = UdpEndpoint::new("h", 5);
    rich.compress = true;
    rich.connect = true;
    rich.ttl = 3;
    rich.interface = "eth0".into();
    let mut out = OutputStream::new(EncodingVersion::V1_1);
    out.write(&Endpoint::Udp(rich));
    let mut input = InputStream::new(out.into_bytes(), EncodingVersion::V1_1);
    assert_eq!(input.read::<Endpoint>(), Ok(udp));
}

#[test]
fn opaque_endpoints_keep_their_encoding_in_any_stream() {
    let opaque = Endpoint::Opaque(OpaqueEndpoint {
        endpoint_type: 42,
        encoding: EncodingVersion::V1_1,
        bytes: Bytes::from_static(b"xyz"),
    });
    let mut out = OutputStream::new(EncodingVersion::V1_0);
    out.write(&opaque);
    assert_eq!(out.as_slice(), hex("2a 00 09 00 00 00 01 01 78 79 7a"));
    let mut input = InputStream::new(out.into_bytes(), EncodingVersion::V1_0);
    assert_eq!(input.read::<Endpoint>(), Ok(opaque));
    // An unsupported encapsulation encoding is refused even for unknown types, as in Ice.
    let bytes = hex("2a 00 07 00 00 00 02 00 78");
    let mut input = InputStream::new(Bytes::from(bytes), EncodingVersion::V1_1);
    assert!(matches!(input.read::<Endpoint>(), Err(DecodeError::UnsupportedEncoding(_))));
}
