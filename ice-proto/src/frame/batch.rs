use bytes::Bytes;

use super::chunks::FrameWriter;
use super::{ProtocolError, Request};
use crate::encoding::{EncodingVersion, InputStream};

/// The smallest encoded batched request: empty identity (2), no facet (1), empty operation
/// (1), mode (1), empty context (1), empty encapsulation (6). Bounds the count a body can
/// hold, as recent ZeroC releases check.
const MIN_BATCHED_REQUEST_SIZE: usize = 12;

/// A batch request (message type 1, spec §1.3): oneway requests sent together and dispatched
/// in order. They carry no request id; [`Request::request_id`] is 0 in each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchRequest {
    /// The requests, in dispatch order.
    pub requests: Vec<Request>,
}

impl BatchRequest {
    /// Encoded length of the body: the count, then each request without its id.
    pub(crate) fn body_len(&self) -> usize {
        4 + self.requests.iter().map(Request::fields_len).sum::<usize>()
    }

    /// Bytes of the body that [`BatchRequest::write_body`] puts in chunks of their own.
    pub(crate) fn shared_len(&self) -> usize {
        self.requests.iter().map(Request::shared_len).sum()
    }

    pub(crate) fn write_body(&self, w: &mut FrameWriter) {
        w.out().write_i32(count_i32(self.requests.len()));
        for r in &self.requests {
            r.write_fields(w);
        }
    }

    /// Decodes the body of a BatchRequest message (everything after the header). A count
    /// that is negative or larger than the body could hold fails before anything is
    /// allocated.
    pub fn decode_body(body: Bytes) -> Result<BatchRequest, ProtocolError> {
        let mut input = InputStream::new(body, EncodingVersion::V1_0);
        let count = input.read_i32()?;
        let n = usize::try_from(count).map_err(|_| ProtocolError::BadBatchCount(count))?;
        if n > input.remaining() / MIN_BATCHED_REQUEST_SIZE {
            return Err(ProtocolError::BadBatchCount(count));
        }
        let mut requests = Vec::with_capacity(n);
        for _ in 0..n {
            requests.push(Request::read_fields(&mut input, 0)?);
        }
        if !input.is_empty() {
            return Err(ProtocolError::TrailingBytes);
        }
        Ok(BatchRequest { requests })
    }
}

/// A request count as the `int` Ice writes.
///
/// # Panics
/// Past `i32::MAX` requests, which could never fit in a message.
pub(crate) fn count_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or_else(|_| panic!("{n} batched requests exceed i32::MAX"))
}
