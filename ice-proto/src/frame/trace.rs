//! The text of `Ice.Trace.Protocol` for one message, worded as ZeroC's runtime writes it, so
//! that what an operator greps in ZeroC's traces is found in ours:
//!
//! ```text
//! sending request
//! message type = 0 (request)
//! compression status = 0 (not compressed; do not compress response, if any)
//! message size = 58
//! request id = 1
//! identity = hello
//! facet =
//! operation = sayHello
//! mode = 0 (normal)
//! context =
//! encoding = 1.1
//! ```
//!
//! A message that cannot be decoded is described as far as it goes: tracing never fails.

use std::fmt::Write as _;

use bytes::Bytes;

use super::header::{Header, MessageType, HEADER_SIZE};
use crate::encoding::{EncodingVersion, InputStream};
use crate::identity::{read_facet, Identity};
use crate::proxy::{escape, ToStringMode};

/// Which way a traced message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Written to the peer (`sending ...`).
    Sending,
    /// Read from the peer (`received ...`).
    Received,
}

/// ZeroC's name of a message type.
fn type_name(t: MessageType) -> &'static str {
    match t {
        MessageType::Request => "request",
        MessageType::BatchRequest => "batch request",
        MessageType::Reply => "reply",
        MessageType::ValidateConnection => "validate connection",
        MessageType::CloseConnection => "close connection",
    }
}

/// The trace of the message with `header` and (decompressed) `body`: its heading
/// (`sending request `, `received reply `, ... with ZeroC's trailing space) and the lines
/// ZeroC prints for it, joined by newlines. `header` is the message's own 14 bytes: for a compressed message the size it
/// gives is the compressed size, as in ZeroC's traces.
pub fn describe(direction: Direction, header: &[u8; HEADER_SIZE], body: Bytes) -> String {
    let mut s = String::with_capacity(256);
    let parsed = Header::decode(header, usize::MAX);
    let kind = parsed.as_ref().map(|h| h.message_type).ok();
    let verb = match direction {
        Direction::Sending => "sending",
        Direction::Received => "received",
    };
    // ZeroC's heading ends with a space before the first line break.
    let _ = write!(s, "{verb} {} ", kind.map_or("unknown", type_name));
    let _ = write!(s, "\nmessage type = {} ({})", header[8], kind.map_or("unknown", type_name));
    let compression = match header[9] {
        0 => "(not compressed; do not compress response, if any)",
        1 => "(not compressed; compress response, if any)",
        2 => "(compressed; compress response, if any)",
        _ => "(unknown)",
    };
    let _ = write!(s, "\ncompression status = {} {compression}", header[9]);
    let size = i32::from_le_bytes([header[10], header[11], header[12], header[13]]);
    let _ = write!(s, "\nmessage size = {size}");
    let mut input = InputStream::new(body, EncodingVersion::V1_1);
    // A truncated or malformed body just ends the description where it stops making sense.
    let _ = match kind {
        Some(MessageType::Request) => request(&mut s, &mut input),
        Some(MessageType::BatchRequest) => batch(&mut s, &mut input),
        Some(MessageType::Reply) => reply(&mut s, &mut input),
        _ => Some(()),
    };
    s
}

fn request(s: &mut String, input: &mut InputStream) -> Option<()> {
    let id = input.read_i32().ok()?;
    let _ = write!(s, "\nrequest id = {id}");
    if id == 0 {
        s.push_str(" (oneway)");
    }
    request_header(s, input)
}

fn batch(s: &mut String, input: &mut InputStream) -> Option<()> {
    let n = input.read_i32().ok()?;
    let _ = write!(s, "\nnumber of requests = {n}");
    for i in 0..n.max(0) {
        let _ = write!(s, "\nrequest #{i}:");
        request_header(s, input)?;
    }
    Some(())
}

fn identity_facet_operation(s: &mut String, input: &mut InputStream) -> Option<()> {
    let name = input.read_string().ok()?;
    let category = input.read_string().ok()?;
    let _ = write!(s, "\nidentity = {}", Identity { name, category });
    let facet = read_facet(input).ok()?;
    let _ = write!(s, "\nfacet = {}", escape(&facet, "", ToStringMode::Unicode));
    let operation = input.read_string().ok()?;
    let _ = write!(s, "\noperation = {operation}");
    Some(())
}

fn request_header(s: &mut String, input: &mut InputStream) -> Option<()> {
    identity_facet_operation(s, input)?;
    let mode = input.read_u8().ok()?;
    let name = match mode {
        0 => "(normal)",
        1 => "(nonmutating)",
        2 => "(idempotent)",
        _ => "(unknown)",
    };
    let _ = write!(s, "\nmode = {mode} {name}");
    let n = input.read_size().ok()?;
    s.push_str("\ncontext = ");
    for i in 0..n {
        let key = input.read_string().ok()?;
        let value = input.read_string().ok()?;
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{key}/{value}");
    }
    encapsulation(s, input)
}

/// Skips the encapsulation, noting its encoding unless it is 1.0 (as ZeroC does).
fn encapsulation(s: &mut String, input: &mut InputStream) -> Option<()> {
    let encaps = input.read_encapsulation().ok()?;
    let v = encaps.encoding;
    if v != EncodingVersion::V1_0 {
        let _ = write!(s, "\nencoding = {}.{}", v.major, v.minor);
    }
    Some(())
}

fn reply(s: &mut String, input: &mut InputStream) -> Option<()> {
    let id = input.read_i32().ok()?;
    let _ = write!(s, "\nrequest id = {id}");
    let status = input.read_u8().ok()?;
    let name = match status {
        0 => "(ok)",
        1 => "(user exception)",
        2 => "(object not exist)",
        3 => "(facet not exist)",
        4 => "(operation not exist)",
        5 => "(unknown local exception)",
        6 => "(unknown user exception)",
        7 => "(unknown exception)",
        _ => "(unknown)",
    };
    let _ = write!(s, "\nreply status = {status} {name}");
    match status {
        0 | 1 => encapsulation(s, input),
        2..=4 => identity_facet_operation(s, input),
        5..=7 => {
            let unknown = input.read_string().ok()?;
            let _ = write!(s, "\nunknown = {unknown}");
            Some(())
        }
        _ => Some(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::OutputStream;

    fn header(kind: u8, compression: u8, size: i32) -> [u8; HEADER_SIZE] {
        let mut h = [b'I', b'c', b'e', b'P', 1, 0, 1, 0, kind, compression, 0, 0, 0, 0];
        h[10..].copy_from_slice(&size.to_le_bytes());
        h
    }

    #[test]
    fn a_request_is_described_as_zeroc_does() {
        let mut out = OutputStream::new(EncodingVersion::V1_1);
        out.write_i32(7);
        out.write_string("hello");
        out.write_string("");
        out.write_size(0); // no facet
        out.write_string("sayHello");
        out.write_u8(2);
        out.write_size(1);
        out.write_string("k");
        out.write_string("v");
        out.write_i32(6);
        out.write_u8(1);
        out.write_u8(1);
        let body = Bytes::copy_from_slice(out.as_slice());
        let text =
            describe(Direction::Sending, &header(0, 0, 14 + body.len() as i32), body.clone());
        assert_eq!(
            text,
            format!(
                "sending request \nmessage type = 0 (request)\ncompression status = 0 (not \
                 compressed; do not compress response, if any)\nmessage size = {}\nrequest id \
                 = 7\nidentity = hello\nfacet = \noperation = sayHello\nmode = 2 (idempotent)\
                 \ncontext = k/v\nencoding = 1.1",
                14 + body.len()
            )
        );
    }

    #[test]
    fn replies_batches_and_truncated_messages() {
        let mut out = OutputStream::new(EncodingVersion::V1_1);
        out.write_i32(3);
        out.write_u8(2);
        out.write_string("x");
        out.write_string("c");
        out.write_size(0);
        out.write_string("op");
        let body = Bytes::copy_from_slice(out.as_slice());
        let text = describe(Direction::Received, &header(2, 1, 40), body);
        assert!(text.starts_with("received reply \nmessage type = 2 (reply)"), "{text}");
        assert!(text.contains("\ncompression status = 1 (not compressed; compress response"));
        assert!(text.ends_with(
            "\nrequest id = 3\nreply status = 2 (object not exist)\nidentity = c/x\nfacet = \
             \noperation = op"
        ));
        // Cut short: described up to where it stops.
        let text =
            describe(Direction::Received, &header(1, 0, 40), Bytes::from_static(&[2, 0, 0, 0, 1]));
        assert!(text.ends_with("\nnumber of requests = 2\nrequest #0:"), "{text}");
        let text = describe(Direction::Sending, &header(4, 0, 14), Bytes::new());
        assert!(text.starts_with("sending close connection \nmessage type = 4"), "{text}");
    }
}
