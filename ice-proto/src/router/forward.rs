//! How a forwarded request is sent: the request's own kind (twoway or oneway), then the
//! `_fwd` context value, character by character (Glacier2's forwarding options).

use crate::proxy::ProxyMode;
use crate::Context;

/// How to send a forwarded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardOptions {
    /// twoway, oneway, datagram, or their batch forms.
    pub mode: ProxyMode,
    /// Only over secure endpoints (`s`).
    pub secure: bool,
    /// bzip2-compress the request (`z`).
    pub compress: bool,
    /// A character of `_fwd` that means nothing (warned about).
    pub unknown: Option<char>,
    /// The `_ovrd` context value: in a buffered router, a queued oneway request with the same
    /// value and target is replaced by this one ([`super::RequestQueue`]).
    pub override_key: Option<String>,
}

impl ForwardOptions {
    /// The options for a request that arrived twoway (`twoway`) or not, with `context`'s
    /// `_fwd` applied. Later characters win. Batch modes stay batch modes here; a router that
    /// does not batch sends them as oneway or datagram ([`ProxyMode`] `is_batch`).
    pub fn from_request(twoway: bool, context: &Context) -> ForwardOptions {
        let mut options = ForwardOptions {
            mode: if twoway { ProxyMode::Twoway } else { ProxyMode::Oneway },
            secure: false,
            compress: false,
            unknown: None,
            override_key: context.get("_ovrd").filter(|v| !v.is_empty()).cloned(),
        };
        if let Some(fwd) = context.get("_fwd") {
            for c in fwd.chars() {
                match c {
                    't' => options.mode = ProxyMode::Twoway,
                    'o' => options.mode = ProxyMode::Oneway,
                    'O' => options.mode = ProxyMode::BatchOneway,
                    'd' => options.mode = ProxyMode::Datagram,
                    'D' => options.mode = ProxyMode::BatchDatagram,
                    's' => options.secure = true,
                    'z' => options.compress = true,
                    other => options.unknown = Some(other),
                }
            }
        }
        options
    }

    /// Whether the forwarded request waits for a reply.
    pub fn is_twoway(&self) -> bool {
        self.mode.is_twoway()
    }
}
