//! The examples of spec §12.1 and §12.2: each decodes to the expected message and encodes back
//! to the same bytes.

mod util;

use bytes::{Bytes, BytesMut};
use ice_proto::frame::{
    BatchRequest, FrameDecoder, Message, Reply, ReplyStatus, Request, RequestFailed,
    DEFAULT_MESSAGE_SIZE_MAX,
};
use ice_proto::{Context, Encapsulation, EncodingVersion, Identity, OperationMode};
use util::spec_hex;

fn decode_one(bytes: &[u8]) -> Message {
    let mut buf = BytesMut::from(bytes);
    let raw = FrameDecoder::new(DEFAULT_MESSAGE_SIZE_MAX)
        .decode(&mut buf)
        .expect("valid")
        .expect("complete");
    assert!(buf.is_empty());
    raw.decode().expect("decodes")
}

/// Decodes `hex`, compares with `expected`, and checks that encoding gives `hex` back.
fn check(hex: &str, expected: Message) {
    let bytes = spec_hex(hex);
    assert_eq!(decode_one(&bytes), expected);
    assert_eq!(&expected.encode(false).to_bytes()[..], &bytes[..]);
}

fn encaps11(content: &[u8]) -> Encapsulation {
    Encapsulation::new(EncodingVersion::V1_1, Bytes::copy_from_slice(content))
}

fn request(id: i32, op: &str, mode: OperationMode, params: Encapsulation) -> Request {
    Request { request_id: id, ..Request::new(Identity::new("test"), op, mode, params) }
}

#[test]
fn control_messages() {
    check("49 63 65 50 01 00 01 00 03 00 0e 00 00 00", Message::ValidateConnection);
    check("49 63 65 50 01 00 01 00 04 00 0e 00 00 00", Message::CloseConnection);
    // C++ 3.7's CloseConnection carries byte 1; it decodes the same, and we answer with 0.
    let cpp = spec_hex("49 63 65 50 01 00 01 00 04 01 0e 00 00 00");
    assert_eq!(decode_one(&cpp), Message::CloseConnection);
    assert_eq!(Message::CloseConnection.encode(true).to_bytes()[9], 0);
    assert_eq!(Message::ValidateConnection.encode(true).to_bytes()[9], 0);
}

#[test]
fn ice_ping_and_empty_reply() {
    check(
        "49 63 65 50 01 00 01 00 00 00 2a 00 00 00 | 01 00 00 00 | 04 74 65 73 74 00 | 00 |
         08 69 63 65 5f 70 69 6e 67 | 01 | 00 | 06 00 00 00 01 01",
        request(
            1,
            "ice_ping",
            OperationMode::Nonmutating,
            Encapsulation::empty(EncodingVersion::V1_1),
        )
        .into(),
    );
    check(
        "49 63 65 50 01 00 01 00 02 00 19 00 00 00 | 01 00 00 00 | 00 | 06 00 00 00 01 01",
        Reply {
            request_id: 1,
            status: ReplyStatus::Ok(Encapsulation::empty(EncodingVersion::V1_1)),
        }
        .into(),
    );
}

#[test]
fn ice_is_a_with_context_and_bool_reply() {
    let mut r = request(
        2,
        "ice_isA",
        OperationMode::Nonmutating,
        encaps11(&spec_hex(r#"0d <"::Ice::Object">"#)),
    );
    r.context = Context::from([("k".to_owned(), "v".to_owned())]);
    check(
        "49 63 65 50 01 00 01 00 00 00 3b 00 00 00 | 02 00 00 00 | 04 74 65 73 74 00 | 00 |
         07 69 63 65 5f 69 73 41 | 01 | 01 01 6b 01 76 |
         14 00 00 00 01 01 0d 3a 3a 49 63 65 3a 3a 4f 62 6a 65 63 74",
        r.into(),
    );
    check(
        "49 63 65 50 01 00 01 00 02 00 1a 00 00 00 | 02 00 00 00 | 00 | 07 00 00 00 01 01 01",
        Reply { request_id: 2, status: ReplyStatus::Ok(encaps11(&[1])) }.into(),
    );
}

#[test]
fn object_not_exist_and_unknown_local_exception_replies() {
    check(
        "49 63 65 50 01 00 01 00 02 00 21 00 00 00 | 03 00 00 00 | 02 | 04 74 65 73 74 00 | 00 |
         06 69 63 65 5f 69 64",
        Reply {
            request_id: 3,
            status: ReplyStatus::ObjectNotExist(RequestFailed {
                identity: Identity::new("test"),
                facet: String::new(),
                operation: "ice_id".into(),
            }),
        }
        .into(),
    );
    check(
        "49 63 65 50 01 00 01 00 02 00 18 00 00 00 | 04 00 00 00 | 05 | 04 62 6f 6f 6d",
        Reply { request_id: 4, status: ReplyStatus::UnknownLocalException("boom".into()) }.into(),
    );
}

#[test]
fn oneway_on_a_facet_and_normal_mode_with_params() {
    let mut r = request(
        0,
        "ice_ping",
        OperationMode::Nonmutating,
        Encapsulation::empty(EncodingVersion::V1_1),
    );
    r.facet = "fct".into();
    check(
        "49 63 65 50 01 00 01 00 00 00 2e 00 00 00 | 00 00 00 00 | 04 74 65 73 74 00 | 01 03 66 63 74 |
         08 69 63 65 5f 70 69 6e 67 | 01 | 00 | 06 00 00 00 01 01",
        r.into(),
    );
    check(
        "49 63 65 50 01 00 01 00 00 00 2c 00 00 00 | 01 00 00 00 | 04 74 65 73 74 00 | 00 |
         06 75 73 65 72 45 78 | 00 | 00 | 0a 00 00 00 01 01 2a 00 00 00",
        request(1, "userEx", OperationMode::Normal, encaps11(&42i32.to_le_bytes())).into(),
    );
}

#[test]
fn user_exception_reply() {
    let exception = spec_hex(
        r#"10 11 <"::Test::DerivedEx"> 06 00 00 00 01 6d | 30 0a <"::Test::Ex"> 08 00 00 00 07 00 00 00"#,
    );
    check(
        r#"49 63 65 50 01 00 01 00 02 00 46 00 00 00 | 01 00 00 00 | 01 | 33 00 00 00 01 01 |
           10 11 <"::Test::DerivedEx"> 06 00 00 00 01 6d | 30 0a <"::Test::Ex"> 08 00 00 00 07 00 00 00"#,
        Reply { request_id: 1, status: ReplyStatus::UserException(encaps11(&exception)) }.into(),
    );
}

#[test]
fn batch_of_two_pings() {
    let ping = |ctx: Context| Request {
        request_id: 0,
        identity: Identity::with_category("a", "b"),
        facet: String::new(),
        operation: "ice_ping".into(),
        mode: OperationMode::Nonmutating,
        context: ctx,
        params: Encapsulation::empty(EncodingVersion::V1_1),
    };
    let batch = BatchRequest {
        requests: vec![
            ping(Context::new()),
            ping(Context::from([("x".to_owned(), "y".to_owned())])),
        ],
    };
    let hex = "49 63 65 50 01 00 01 00 01 00 42 00 00 00 | 02 00 00 00 |
               01 62 01 61 | 00 | 08 <ice_ping> | 01 | 00 | 06 00 00 00 01 01 |
               01 62 01 61 | 00 | 08 <ice_ping> | 01 | 01 01 78 01 79 | 06 00 00 00 01 01";
    check(hex, batch.clone().into());

    // The queue builds the same message from the requests one at a time.
    let mut queue = ice_proto::frame::BatchRequestQueue::new();
    for r in batch.requests {
        queue.push(r);
    }
    assert_eq!(queue.len(), 2);
    assert_eq!(queue.size(), 0x42);
    let flushed = queue.take().expect("two queued");
    assert_eq!(flushed.count, 2);
    assert_eq!(&flushed.frame.to_bytes()[..], &spec_hex(hex)[..]);
    assert!(queue.is_empty());
    assert!(queue.take().is_none());
}
