use bytes::Bytes;

use super::chunks::{shared_len, size_len, string_len, FrameWriter};
use super::ProtocolError;
use crate::encoding::{Decode, Encapsulation, Encode, EncodingVersion, InputStream};
use crate::identity::{read_facet, write_facet, Context, Identity, OperationMode};

/// A request (message type 0, spec §1.2): an operation invoked on the object `identity`,
/// facet `facet`, with parameters in an encapsulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// 0 for a oneway request (never answered), else the id its reply will carry.
    pub request_id: i32,
    /// The target object.
    pub identity: Identity,
    /// The target facet; empty for the default facet.
    pub facet: String,
    /// The operation name.
    pub operation: String,
    /// The operation's mode, which decides whether it may be retried.
    pub mode: OperationMode,
    /// The request context.
    pub context: Context,
    /// The in-parameters. When decoded from a message they share the received buffer, so a
    /// router can forward them without copying.
    pub params: Encapsulation,
}

impl Request {
    /// A twoway request (`request_id` to be set by the connection) with no context and the
    /// default facet.
    pub fn new(
        identity: Identity,
        operation: impl Into<String>,
        mode: OperationMode,
        params: Encapsulation,
    ) -> Self {
        Request {
            request_id: 0,
            identity,
            facet: String::new(),
            operation: operation.into(),
            mode,
            context: Context::new(),
            params,
        }
    }

    /// The encoded parameters' contents (after the encapsulation's 6-byte header), shared with
    /// this request. [`Request::params`] has their encoding.
    pub fn params_bytes(&self) -> &Bytes {
        &self.params.data
    }

    /// Encoded length of everything after the request id.
    pub(crate) fn fields_len(&self) -> usize {
        let facet = if self.facet.is_empty() { 1 } else { 1 + string_len(&self.facet) };
        let context: usize = size_len(self.context.len())
            + self.context.iter().map(|(k, v)| string_len(k) + string_len(v)).sum::<usize>();
        string_len(&self.identity.name)
            + string_len(&self.identity.category)
            + facet
            + string_len(&self.operation)
            + 1
            + context
            + self.params.encoded_len()
    }

    /// Bytes of this request that [`Request::write_fields`] puts in a chunk of their own.
    pub(crate) fn shared_len(&self) -> usize {
        shared_len(&self.params.data)
    }

    /// Writes everything after the request id (the form batch requests use).
    pub(crate) fn write_fields(&self, w: &mut FrameWriter) {
        let out = w.out();
        self.identity.encode(out);
        write_facet(out, &self.facet);
        out.write_string(&self.operation);
        out.write_u8(self.mode as u8);
        self.context.encode(out);
        out.write_raw(&self.params.header_bytes());
        w.write_shared(&self.params.data);
    }

    /// Reads everything after the request id.
    #[inline]
    pub(crate) fn read_fields(
        input: &mut InputStream,
        request_id: i32,
    ) -> Result<Request, ProtocolError> {
        let identity = Identity::decode(input)?;
        let facet = read_facet(input)?;
        let operation = input.read_string()?;
        let mode = OperationMode::decode(input)?;
        let context = Context::decode(input)?;
        let params = input.read_encapsulation()?;
        Ok(Request { request_id, identity, facet, operation, mode, context, params })
    }

    /// Decodes the body of a Request message (everything after the header).
    #[inline]
    pub fn decode_body(body: Bytes) -> Result<Request, ProtocolError> {
        let mut input = InputStream::new(body, EncodingVersion::V1_0);
        let request_id = input.read_i32()?;
        let request = Request::read_fields(&mut input, request_id)?;
        if !input.is_empty() {
            return Err(ProtocolError::TrailingBytes);
        }
        Ok(request)
    }
}
