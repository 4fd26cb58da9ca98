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
        let mut reader = BatchReader::new(body)?;
        let mut requests = Vec::with_capacity(reader.len());
        while let Some(request) = reader.next_request()? {
            requests.push(request);
        }
        Ok(BatchRequest { requests })
    }
}

/// Reads a BatchRequest body one request at a time, for a connection that dispatches them
/// as they come instead of collecting them first.
pub(crate) struct BatchReader {
    input: InputStream,
    left: usize,
}

impl BatchReader {
    /// Reads the count; one that is negative or larger than the body could hold fails here.
    pub(crate) fn new(body: Bytes) -> Result<BatchReader, ProtocolError> {
        let mut input = InputStream::new(body, EncodingVersion::V1_0);
        let count = input.read_i32()?;
        let left = usize::try_from(count).map_err(|_| ProtocolError::BadBatchCount(count))?;
        if left > input.remaining() / MIN_BATCHED_REQUEST_SIZE {
            return Err(ProtocolError::BadBatchCount(count));
        }
        Ok(BatchReader { input, left })
    }

    /// Requests not yet read.
    pub(crate) fn len(&self) -> usize {
        self.left
    }

    /// The next request; `None` after the last, once the body is known to hold nothing more.
    pub(crate) fn next_request(&mut self) -> Result<Option<Request>, ProtocolError> {
        if self.left == 0 {
            return match self.input.is_empty() {
                true => Ok(None),
                false => Err(ProtocolError::TrailingBytes),
            };
        }
        self.left -= 1;
        Request::read_fields(&mut self.input, 0).map(Some)
    }
}

/// A request count as the `int` Ice writes.
///
/// # Panics
/// Past `i32::MAX` requests, which could never fit in a message.
pub(crate) fn count_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or_else(|_| panic!("{n} batched requests exceed i32::MAX"))
}
