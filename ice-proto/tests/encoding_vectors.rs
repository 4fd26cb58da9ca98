//! The encoding vectors of spec §12.3 and §3.6, and the `mix` call captured from ZeroC Ice 3.7
//! (vectors/06_twoway_params.hex) decoded into typed values and re-encoded byte for byte.

use std::collections::BTreeMap;

use bytes::Bytes;
use ice_proto::encoding::{Decode, Encode, IceEnum, InputStream, OutputStream};
use ice_proto::identity::{read_facet, write_facet};
use ice_proto::{DecodeError, Encapsulation, EncodingVersion, Identity, OperationMode};

const V10: EncodingVersion = EncodingVersion::V1_0;
const V11: EncodingVersion = EncodingVersion::V1_1;

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd hex length in {s:?}");
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

fn encode_with(encoding: EncodingVersion, write: impl FnOnce(&mut OutputStream)) -> Vec<u8> {
    let mut out = OutputStream::new(encoding);
    write(&mut out);
    out.as_slice().to_vec()
}

// ---- §12.3 sizes, strings, null proxy -------------------------------------------------------

#[test]
fn sizes() {
    let bytes = encode_with(V11, |out| {
        for n in [0, 254, 255, 70000] {
            out.write_size(n);
        }
    });
    assert_eq!(bytes, hex("00 fe ff ff 00 00 00 ff 70 11 01 00"));
    let mut input = InputStream::new(bytes, V11);
    for n in [0, 254, 255, 70000] {
        assert_eq!(input.read_size().unwrap(), n);
    }
    input.expect_end().unwrap();

    // A negative 5-byte size is rejected.
    let mut input = InputStream::new(hex("ff ff ff ff ff"), V11);
    assert_eq!(input.read_size(), Err(DecodeError::NegativeSize(-1)));
}

#[test]
fn strings() {
    let bytes = encode_with(V11, |out| {
        out.write_string("");
        out.write_string("hé");
    });
    assert_eq!(bytes, hex("00 03 68 c3 a9"));
    let mut input = InputStream::new(bytes, V11);
    assert_eq!(input.read_string().unwrap(), "");
    assert_eq!(input.read::<String>().unwrap(), "hé");
    input.expect_end().unwrap();
}

#[test]
fn null_proxy_is_the_empty_identity() {
    let mut input = InputStream::new(hex("00 00"), V11);
    let identity = Identity::decode(&mut input).unwrap();
    input.expect_end().unwrap();
    assert!(identity.is_null());
    assert_eq!(identity, Identity::default());
    assert_eq!(encode_with(V11, |out| identity.encode(out)), hex("00 00"));
}

// ---- §3.10 / §12.3 optionals ------------------------------------------------------------------

const OPTIONALS: &str = "12 00 00 00 01 01 0a 07 00 00 00 15 02 61 62 f0 28 05";

#[test]
fn optionals_encode() {
    let bytes = encode_with(V11, |out| {
        let mark = out.start_encapsulation(V11);
        out.write_optional(1, &Some(7i32));
        out.write_optional(2, &Some("ab".to_owned()));
        out.write_optional(5, &None::<i64>);
        out.write_optional(40, &Some(5u8));
        out.end_encapsulation(mark);
    });
    assert_eq!(bytes, hex(OPTIONALS));
}

fn optionals_encapsulation() -> Encapsulation {
    let mut input = InputStream::new(hex(OPTIONALS), V11);
    let encaps = input.read_encapsulation().unwrap();
    input.expect_end().unwrap();
    assert_eq!(encaps.encoding, V11);
    encaps
}

#[test]
fn optionals_decode_with_every_tag_known() {
    let encaps = optionals_encapsulation();
    let mut r = encaps.reader().unwrap();
    assert_eq!(r.read_optional::<i32>(1).unwrap(), Some(7));
    assert_eq!(r.read_optional::<String>(2).unwrap(), Some("ab".to_owned()));
    assert_eq!(r.read_optional::<i64>(5).unwrap(), None);
    assert_eq!(r.read_optional::<u8>(40).unwrap(), Some(5));
    assert_eq!(r.read_optional::<u8>(41).unwrap(), None);
    r.expect_end().unwrap();
    encaps.finish(&mut r).unwrap();
}

#[test]
fn optionals_decode_skipping_unknown_tags() {
    // A reader that only knows tag 40 skips 1 and 2.
    let encaps = optionals_encapsulation();
    let mut r = encaps.reader().unwrap();
    assert_eq!(r.read_optional::<u8>(40).unwrap(), Some(5));
    encaps.finish(&mut r).unwrap();

    // A reader that knows tags 2 and 50: 1 is skipped, 40 is left for `finish`.
    let mut r = encaps.reader().unwrap();
    assert_eq!(r.read_optional::<String>(2).unwrap(), Some("ab".to_owned()));
    assert_eq!(r.read_optional::<u8>(30).unwrap(), None, "tag 30 is absent");
    assert_eq!(r.read_optional::<u8>(40).unwrap(), Some(5), "tag 40 still there after 30");
    assert_eq!(r.read_optional::<i32>(50).unwrap(), None);
    encaps.finish(&mut r).unwrap();

    // A reader expecting no parameters accepts an encapsulation of unknown optionals.
    encaps.expect_empty().unwrap();
    // ...and the unknown optionals do not disturb a reader of one known one.
    let mut r = encaps.reader().unwrap();
    assert_eq!(r.read_optional::<i32>(1).unwrap(), Some(7));
    encaps.finish(&mut r).unwrap();
}

#[test]
fn optional_with_the_wrong_format_is_an_error() {
    let encaps = optionals_encapsulation();
    let mut r = encaps.reader().unwrap();
    assert_eq!(
        r.read_optional::<i64>(1),
        Err(DecodeError::OptionalFormatMismatch { tag: 1, found: 2, expected: 3 })
    );
}

#[test]
fn optionals_do_not_exist_in_encoding_1_0() {
    let bytes = encode_with(V10, |out| out.write_optional(1, &Some(7i32)));
    assert!(bytes.is_empty());
    let mut r = InputStream::new(hex("0a 07 00 00 00"), V10);
    assert_eq!(r.read_optional::<i32>(1).unwrap(), None);
    assert_eq!(r.remaining(), 5);
}

// ---- §3.9 encapsulation ends ----------------------------------------------------------------

#[test]
fn empty_encapsulations() {
    for (bytes, encoding) in [("06 00 00 00 01 01", V11), ("06 00 00 00 01 00", V10)] {
        let mut input = InputStream::new(hex(bytes), V10);
        let encaps = input.read_encapsulation().unwrap();
        assert_eq!(encaps, Encapsulation::empty(encoding));
        encaps.expect_empty().unwrap();
        assert_eq!(encaps.to_bytes(), hex(bytes));
    }
    // 1.0 allows nothing in an encapsulation expected to be empty, not even the stray byte
    // tolerated after parameters; 1.1 skips whatever is there unread.
    let stray = Encapsulation::new(V10, Bytes::from_static(&[0]));
    assert!(matches!(stray.expect_empty(), Err(DecodeError::Encapsulation(_))));
    stray.decode::<()>().unwrap();
    Encapsulation::new(V11, Bytes::from_static(&[0xff, 0x13, 0x00])).expect_empty().unwrap();
    let future = Encapsulation::empty(EncodingVersion { major: 1, minor: 2 });
    assert_eq!(future.expect_empty(), Err(DecodeError::UnsupportedEncoding(future.encoding)));
}

#[test]
fn end_of_a_1_1_encapsulation() {
    // Unknown optionals are skipped; an end marker stops the skipping, and then only the
    // position matters, as in Ice's endEncapsulation.
    let finish = |data: &'static [u8]| {
        let encaps = Encapsulation::new(V11, Bytes::from_static(data));
        let mut r = encaps.reader().unwrap();
        assert_eq!(r.read_i32().unwrap(), 1);
        encaps.finish(&mut r)
    };
    finish(&[1, 0, 0, 0]).unwrap();
    finish(&[1, 0, 0, 0, 0x0a, 7, 0, 0, 0]).unwrap();
    finish(&[1, 0, 0, 0, 0x0a, 7, 0, 0, 0, 0xff]).unwrap();
    assert!(matches!(finish(&[1, 0, 0, 0, 0xff, 0]), Err(DecodeError::Encapsulation(_))));
    assert!(matches!(finish(&[1, 0, 0, 0, 0x0a, 7]), Err(DecodeError::OutOfBounds { .. })));
    // In 1.0 one stray byte is tolerated after the parameters, two are not.
    let encaps = Encapsulation::new(V10, Bytes::from_static(&[1, 0, 0, 0, 9]));
    assert_eq!(encaps.decode::<i32>().unwrap(), 1);
    let encaps = Encapsulation::new(V10, Bytes::from_static(&[1, 0, 0, 0, 9, 9]));
    assert!(matches!(encaps.decode::<i32>(), Err(DecodeError::Encapsulation(_))));
}

// ---- §3.6 enum widths ------------------------------------------------------------------------

#[test]
fn enum_widths_follow_the_largest_enumerator() {
    // (max value, 1.0 encoding of max, 1.1 encoding of max)
    let cases: [(i32, &str, &str); 4] = [
        (126, "7e", "7e"),
        (127, "7f 00", "7f"),
        (32766, "fe 7f", "ff fe 7f 00 00"),
        (i32::MAX, "ff ff ff 7f", "ff ff ff ff 7f"),
    ];
    for (max, enc10, enc11) in cases {
        for (encoding, expected) in [(V10, enc10), (V11, enc11)] {
            let bytes = encode_with(encoding, |out| out.write_enum(max, max));
            assert_eq!(bytes, hex(expected), "max {max} in {encoding}");
            let mut input = InputStream::new(bytes, encoding);
            assert_eq!(input.read_enum(max).unwrap(), max);
            input.expect_end().unwrap();
        }
        // Small enumerators take the same width in 1.0, one byte in 1.1.
        let width10 = hex(enc10).len();
        assert_eq!(encode_with(V10, |out| out.write_enum(1, max)).len(), width10);
        assert_eq!(encode_with(V11, |out| out.write_enum(1, max)), [1]);
    }
}

#[test]
fn enumerators_out_of_range_are_rejected() {
    let mut input = InputStream::new(vec![3], V11);
    assert_eq!(input.read_enum(2), Err(DecodeError::InvalidEnumerator(3)));
    let mut input = InputStream::new(hex("ff ff"), V10);
    assert_eq!(input.read_enum(32766), Err(DecodeError::InvalidEnumerator(-1)));
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Quiet,
    Loud,
}

impl IceEnum for Mode {
    const MAX_VALUE: i32 = 1;
    fn value(&self) -> i32 {
        *self as i32
    }
    fn from_value(v: i32) -> Option<Self> {
        match v {
            0 => Some(Mode::Quiet),
            1 => Some(Mode::Loud),
            _ => None,
        }
    }
}
ice_proto::ice_enum!(Mode);

#[test]
fn ice_enum_types_encode_as_values_and_optionals() {
    let bytes = encode_with(V11, |out| {
        out.write(&Mode::Loud);
        out.write(&vec![Mode::Quiet, Mode::Loud]);
        out.write_optional(2, &Some(Mode::Loud));
        out.write_optional(31, &Some(Mode::Quiet));
    });
    assert_eq!(bytes, hex("01 02 00 01 14 01 f4 1f 00"));
    let mut input = InputStream::new(bytes, V11);
    assert_eq!(input.read::<Mode>().unwrap(), Mode::Loud);
    assert_eq!(input.read::<Vec<Mode>>().unwrap(), [Mode::Quiet, Mode::Loud]);
    assert_eq!(input.read_optional::<Mode>(2).unwrap(), Some(Mode::Loud));
    assert_eq!(input.read_optional::<Mode>(31).unwrap(), Some(Mode::Quiet));
    input.expect_end().unwrap();
    assert_eq!(<Mode as Decode>::MIN_WIRE_SIZE, 1);

    let mut input = InputStream::new(vec![2], V11);
    assert_eq!(input.read::<Mode>(), Err(DecodeError::InvalidEnumerator(2)));
}

// ---- vectors/06_twoway_params.hex --------------------------------------------------------------

/// `Lab::Point` from vectors/Hello.ice.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    x: i32,
    y: i32,
    label: String,
}

impl Encode for Point {
    fn encode(&self, out: &mut OutputStream) {
        out.write_i32(self.x);
        out.write_i32(self.y);
        out.write_string(&self.label);
    }
}

impl Decode for Point {
    const MIN_WIRE_SIZE: usize = 9;
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(Point { x: input.read_i32()?, y: input.read_i32()?, label: input.read_string()? })
    }
}

type StringDict = BTreeMap<String, String>;
/// `mix`'s in-parameters, in declaration order.
type MixIn = (i32, i64, f64, String, Bytes, StringDict, Point);
/// `mix`'s out-parameters in declaration order, then the return value (spec §3.9).
type MixOut = (i32, i64, f64, String, Bytes, StringDict, Point, i64);

/// One message of a vector file: who sent it and its bytes.
#[derive(Debug)]
struct VectorMessage {
    from_client: bool,
    bytes: Vec<u8>,
}

/// Reads the `> hex` / `< hex` lines of a vector file (format in vectors/README.md).
fn read_vector_file(name: &str) -> Vec<VectorMessage> {
    let path = format!("{}/../vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter_map(|line| {
            let (from_client, hex_text) = match line.split_at_checked(2)? {
                ("> ", rest) => (true, rest),
                ("< ", rest) => (false, rest),
                _ => return None,
            };
            Some(VectorMessage { from_client, bytes: hex(hex_text) })
        })
        .collect()
}

/// The 14-byte message header: returns the message type and the body after it.
fn split_header(message: &[u8]) -> (u8, InputStream) {
    let (header, body) = message.split_at(14);
    assert_eq!(&header[..4], b"IceP");
    assert_eq!(&header[4..8], [1, 0, 1, 0], "protocol 1.0, encoding 1.0");
    assert_eq!(header[9], 0, "not compressed");
    let size = i32::from_le_bytes(header[10..14].try_into().unwrap());
    assert_eq!(size as usize, message.len());
    (header[8], InputStream::new(body.to_vec(), V10))
}

fn message(message_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = OutputStream::new(V10);
    out.write_raw(b"IceP");
    out.write_raw(&[1, 0, 1, 0, message_type, 0]);
    out.write_i32(i32::try_from(14 + body.len()).unwrap());
    out.write_raw(body);
    out.as_slice().to_vec()
}

struct Request {
    id: i32,
    identity: Identity,
    facet: String,
    operation: String,
    mode: OperationMode,
    context: StringDict,
    params: Encapsulation,
}

fn decode_request(body: &mut InputStream) -> Request {
    let request = Request {
        id: body.read_i32().unwrap(),
        identity: body.read().unwrap(),
        facet: read_facet(body).unwrap(),
        operation: body.read_string().unwrap(),
        mode: body.read().unwrap(),
        context: body.read().unwrap(),
        params: body.read_encapsulation().unwrap(),
    };
    body.expect_end().unwrap();
    request
}

fn encode_request(r: &Request) -> Vec<u8> {
    let mut out = OutputStream::new(V10);
    out.write_i32(r.id);
    out.write(&r.identity);
    write_facet(&mut out, &r.facet);
    out.write_string(&r.operation);
    out.write(&r.mode);
    out.write(&r.context);
    out.write_encapsulation(&r.params);
    message(0, out.as_slice())
}

fn dict(entries: &[(&str, &str)]) -> StringDict {
    entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn twoway_params_mix_decodes_and_reencodes_byte_for_byte() {
    let messages = read_vector_file("06_twoway_params.hex");
    let request_msg = messages.iter().find(|m| m.from_client && m.bytes[8] == 0).unwrap();
    let reply_msg = messages.iter().find(|m| !m.from_client && m.bytes[8] == 2).unwrap();

    // The request: "requestId=1, identity='hello' facet='' op=mix mode=Normal ctx={},
    // params: encaps size=63 enc=1.1 payload=57 bytes".
    let (message_type, mut body) = split_header(&request_msg.bytes);
    assert_eq!(message_type, 0);
    let request = decode_request(&mut body);
    assert_eq!(request.id, 1);
    assert_eq!(request.identity, Identity::new("hello"));
    assert_eq!(request.facet, "");
    assert_eq!(request.operation, "mix");
    assert_eq!(request.mode, OperationMode::Normal);
    assert!(request.context.is_empty());
    assert_eq!(request.params.encoding, V11);
    assert_eq!(request.params.encoded_len(), 63);
    assert_eq!(request.params.data.len(), 57);

    // "mix(i=21, l=2^40, d=1.25, s='abc', bytes=00..09, dict={'a':'x','bb':'yy'},
    // p=Point(3,-4,'pt'))"
    let (i, l, d, s, bytes, in_dict, p): MixIn = request.params.decode().unwrap();
    assert_eq!(i, 21);
    assert_eq!(l, 1 << 40);
    assert_eq!(d, 1.25);
    assert_eq!(s, "abc");
    assert_eq!(bytes, (0u8..10).collect::<Vec<_>>());
    assert_eq!(in_dict, dict(&[("a", "x"), ("bb", "yy")]));
    assert_eq!(p, Point { x: 3, y: -4, label: "pt".into() });

    // The reply: "requestId=1 status=0(Ok), encaps size=79 enc=1.1 payload=73 bytes".
    let (message_type, mut body) = split_header(&reply_msg.bytes);
    assert_eq!(message_type, 2);
    let reply_id = body.read_i32().unwrap();
    let status = body.read_u8().unwrap();
    let result = body.read_encapsulation().unwrap();
    body.expect_end().unwrap();
    assert_eq!((reply_id, status), (1, 0));
    assert_eq!((result.encoding, result.encoded_len(), result.data.len()), (V11, 79, 73));

    // "-> ret=24, oi=42, ol=2^40+1, od=2.5, os='ABC', obytes=09..00,
    // odict={'a':'X','bb':'YY','size':'2'}, op=Point(-4,3,'pt!')"
    let out: MixOut = result.decode().unwrap();
    let (oi, ol, od, os, obytes, odict, op, ret) = out.clone();
    assert_eq!((oi, ol, od, os.as_str()), (42, (1 << 40) + 1, 2.5, "ABC"));
    assert_eq!(obytes, (0u8..10).rev().collect::<Vec<_>>());
    assert_eq!(odict, dict(&[("a", "X"), ("bb", "YY"), ("size", "2")]));
    assert_eq!(op, Point { x: -4, y: 3, label: "pt!".into() });
    assert_eq!(ret, 24);

    // The same results from Hello.ice's stated server semantics applied to the in-params.
    let mut expected_dict: StringDict =
        in_dict.iter().map(|(k, v)| (k.clone(), v.to_ascii_uppercase())).collect();
    expected_dict.insert("size".into(), in_dict.len().to_string());
    let expected: MixOut = (
        2 * i,
        l + 1,
        2.0 * d,
        s.to_ascii_uppercase(),
        bytes.iter().rev().copied().collect::<Vec<u8>>().into(),
        expected_dict,
        Point { x: p.y, y: p.x, label: format!("{}!", p.label) },
        i64::from(i) + s.len() as i64,
    );
    assert_eq!(out, expected);

    // Re-encoding the typed values reproduces the captured bytes exactly.
    let in_params: MixIn = (i, l, d, s, bytes, in_dict, p);
    let params = Encapsulation::from_value(V11, &in_params);
    assert_eq!(params, request.params);
    let rebuilt = Request { params, ..request };
    assert_eq!(encode_request(&rebuilt), request_msg.bytes);

    let mut reply = OutputStream::new(V10);
    reply.write_i32(1);
    reply.write_u8(0);
    reply.write_encapsulation(&Encapsulation::from_value(V11, &out));
    assert_eq!(message(2, reply.as_slice()), reply_msg.bytes);
}
