//! Arbitrary bytes read as a marshaled proxy (encodings 1.0 and 1.1) and as a stringified
//! proxy, endpoint and identity: must never panic, and a decoded proxy must survive being
//! marshaled again.
#![no_main]

use ice_proto::proxy::{parse_proxy, string_to_identity, Endpoint, EndpointRole, ParseDefaults};
use ice_proto::{EncodingVersion, InputStream, OutputStream, ProxyData, ToStringMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for enc in [EncodingVersion::V1_0, EncodingVersion::V1_1] {
        let mut input = InputStream::new(bytes::Bytes::copy_from_slice(data), enc);
        if let Ok(proxy) = input.read::<Option<ProxyData>>() {
            let mut out = OutputStream::new(enc);
            out.write(&proxy);
            let mut again = InputStream::new(out.into_bytes(), enc);
            assert_eq!(again.read::<Option<ProxyData>>().ok(), Some(proxy));
        }
        let _ = InputStream::new(bytes::Bytes::copy_from_slice(data), enc).read::<Endpoint>();
    }

    if let Ok(s) = std::str::from_utf8(data) {
        let defaults = ParseDefaults::default();
        if let Ok(parsed) = parse_proxy(s, &defaults) {
            if let Some(proxy) = parsed.proxy {
                for mode in [ToStringMode::Unicode, ToStringMode::Ascii, ToStringMode::Compat] {
                    let _ = ProxyData::parse(&proxy.to_string_with(mode));
                }
            }
        }
        for role in [EndpointRole::Proxy, EndpointRole::ObjectAdapter] {
            if let Ok(endpoint) = Endpoint::parse(s, &defaults, role) {
                let _ = endpoint.to_string().parse::<Endpoint>();
            }
        }
        let _ = string_to_identity(s);
    }
});
