//! The admin `Logger` facet (`Ice::LoggerAdmin`), as ZeroC's runtime serves it: `getLog`
//! returns the messages the router kept (`icegridadmin server show log`), and a remote
//! logger attached with `attachRemoteLogger` gets `init` with the kept messages it asked for,
//! then `log` for each new one (`icegridadmin server show --follow log`), until it is
//! detached or cannot be reached. Each `log` waits for the previous one's reply; past 1,000
//! messages waiting for a slow logger, new ones are not sent to it.

use std::sync::{Arc, OnceLock};

use ice_driver::{
    BoxFuture, Communicator, Current, DispatchError, DispatchResult, Encapsulation, OperationMode,
    Properties, Runtime, Servant,
};
use ice_proto::proxy::ProxyData;
use ice_proto::value::{
    encode_user_exception, SliceType, SlicedFormat, UserException, ValueReader, ValueWriter,
};
use ice_proto::{Decode, DecodeError, Encode, InputStream, OutputStream};

use crate::log::{Attached, LogBuffer, LogFilter, LogMessage};

/// The largest `Ice::LogMessageType` enumerator (`ErrorMessage`).
const MAX_KIND: i32 = 3;

/// Messages queued for one remote logger before new ones are dropped.
const QUEUE: usize = 1000;

impl Encode for LogMessage {
    fn encode(&self, out: &mut OutputStream) {
        out.write_enum(self.kind, MAX_KIND);
        out.write_i64(self.timestamp);
        out.write_string(&self.category);
        out.write_string(&self.message);
    }
}

impl Decode for LogMessage {
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        Ok(LogMessage {
            kind: input.read_enum(MAX_KIND)?,
            timestamp: input.read_i64()?,
            category: input.read_string()?,
            message: input.read_string()?,
        })
    }
}

/// `LogMessageTypeSeq messageTypes, StringSeq traceCategories`, as both operations take them.
impl Decode for LogFilter {
    fn decode(input: &mut InputStream) -> Result<Self, DecodeError> {
        // An enumerator takes a byte at least: a count past what is left fails before any
        // allocation.
        let count = input.read_count(1)?;
        let kinds = (0..count).map(|_| input.read_enum(MAX_KIND)).collect::<Result<_, _>>()?;
        Ok(LogFilter { kinds, categories: Vec::decode(input)? })
    }
}

/// `Ice::RemoteLoggerAlreadyAttachedException`.
#[derive(Debug)]
struct AlreadyAttached;

impl UserException for AlreadyAttached {
    fn slices(&self) -> &'static [SliceType] {
        const SLICES: &[SliceType] =
            &[SliceType::new("::Ice::RemoteLoggerAlreadyAttachedException")];
        SLICES
    }
    fn write_members(&self, _: usize, _: &mut ValueWriter<'_>) {}
    fn read_members(&mut self, _: usize, _: &mut ValueReader<'_>) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// The `Logger` facet over the router's kept messages.
pub(crate) struct LoggerFacet {
    logs: Arc<LogBuffer>,
    runtime: Arc<dyn Runtime>,
    /// The properties the sending communicator takes from the router's.
    properties: Properties,
    /// Sends `init` and `log` to remote loggers, created at the first attach. Its own, as in
    /// ZeroC's runtime: with none of the router's trace settings, sending a message is never
    /// itself a message to send.
    sender: OnceLock<Communicator>,
}

impl LoggerFacet {
    pub(crate) fn new(
        logs: Arc<LogBuffer>,
        runtime: Arc<dyn Runtime>,
        router: &Properties,
    ) -> Self {
        let mut properties = Properties::new();
        for prefix in ["Ice.Default.Locator", "IceSSL."] {
            for (k, v) in router.get_with_prefix(prefix) {
                let _ = properties.set(&k, &v);
            }
        }
        LoggerFacet { logs, runtime, properties, sender: OnceLock::new() }
    }

    fn sender(&self) -> &Communicator {
        self.sender.get_or_init(|| {
            Communicator::with_properties(self.runtime.clone(), self.properties.clone())
        })
    }
}

impl Servant for LoggerFacet {
    fn ice_id(&self) -> &str {
        "::Ice::LoggerAdmin"
    }

    fn dispatch<'a>(
        &'a self,
        current: &'a Current,
        params: Encapsulation,
    ) -> BoxFuture<'a, DispatchResult> {
        Box::pin(async move {
            match current.operation.as_str() {
                "getLog" => {
                    let (filter, max): (LogFilter, i32) = params.decode()?;
                    let messages = self.logs.get(&filter, max);
                    // The out parameter, then the return value.
                    current.ok(&(self.logs.prefix(), messages))
                }
                "attachRemoteLogger" => {
                    let (logger, filter, max): (Option<ProxyData>, LogFilter, i32) =
                        params.decode()?;
                    let Some(logger) = logger else { return current.void() };
                    let (queue, queued) = async_std::channel::bounded(QUEUE);
                    let attached = Attached { identity: logger.identity.clone(), filter, queue };
                    let Some(initial) = self.logs.attach(attached, max) else {
                        let e = encode_user_exception(
                            &AlreadyAttached,
                            current.encoding,
                            SlicedFormat::Sliced,
                        );
                        return Err(DispatchError::UserException(e));
                    };
                    let logger = self.sender().proxy_from_data(logger);
                    let logs = Arc::downgrade(&self.logs);
                    self.runtime.spawn(Box::pin(async move {
                        let prefix =
                            logs.upgrade().map(|l| l.prefix().to_owned()).unwrap_or_default();
                        let mut sent = logger
                            .invoke_typed::<_, ()>(
                                "init",
                                OperationMode::Normal,
                                &(prefix, initial),
                            )
                            .await;
                        while sent.is_ok() {
                            let Ok(message) = queued.recv().await else { return };
                            sent = logger
                                .invoke_typed::<_, ()>("log", OperationMode::Normal, &message)
                                .await;
                        }
                        // Unreachable or gone: detached, as ZeroC's runtime does.
                        if let Some(logs) = logs.upgrade() {
                            logs.detach(logger.ice_get_identity());
                        }
                    }));
                    current.void()
                }
                "detachRemoteLogger" => {
                    let logger: Option<ProxyData> = params.decode()?;
                    let detached = logger.is_some_and(|l| self.logs.detach(&l.identity));
                    current.ok(&detached)
                }
                _ => Err(DispatchError::OperationNotExist),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ice_driver::EncodingVersion;

    #[test]
    fn a_filter_claiming_more_types_than_bytes_left_is_refused() {
        let hostile = Encapsulation::build(EncodingVersion::V1_1, |out| {
            out.write_u8(0xFF);
            out.write_i32(i32::MAX);
        });
        assert!(hostile.decode::<(LogFilter, i32)>().is_err());
        let fine = Encapsulation::build(EncodingVersion::V1_1, |out| {
            out.write_size(2);
            out.write_enum(LogMessage::TRACE, MAX_KIND);
            out.write_enum(LogMessage::ERROR, MAX_KIND);
            out.write_size(1);
            out.write_string("Glacier2");
            out.write_i32(-1);
        });
        let (filter, max) = fine.decode::<(LogFilter, i32)>().unwrap();
        assert_eq!(filter.kinds, [LogMessage::TRACE, LogMessage::ERROR]);
        assert_eq!(filter.categories, ["Glacier2"]);
        assert_eq!(max, -1);
    }
}
