//! The base64 text of opaque endpoints (`opaque ... -v BASE64`), read as leniently as ZeroC Ice
//! reads it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Whether Ice accepts `c` in a `-v` argument (the base64 alphabet and `=`).
pub(crate) fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')
}

/// Encodes bytes for printing, with padding. ZeroC Ice also inserts a CR LF every 76
/// characters, which makes its own output unparseable; we keep the text on one line.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes a `-v` argument whose characters all passed [`is_base64_char`], as Ice does: the
/// text is read in groups of four (a short last group is padded with `A`), `=` counts as the
/// value 63, and `=` in the third or fourth place drops the second or third byte of its group.
/// So non-canonical text such as `abc` or `a=b` decodes rather than failing.
pub(crate) fn decode_lenient(text: &str) -> Vec<u8> {
    let chars: Vec<u8> = text.bytes().collect();
    let mut out = Vec::with_capacity(chars.len() / 4 * 3 + 3);
    for group in chars.chunks(4) {
        let mut quad = [b'A'; 4];
        quad[..group.len()].copy_from_slice(group);
        let drop_second = quad[2] == b'=';
        let drop_third = quad[3] == b'=';
        for c in quad.iter_mut().filter(|c| **c == b'=') {
            *c = b'/';
        }
        let mut three = [0u8; 3];
        // Four characters of the standard alphabet always decode to exactly three bytes.
        if STANDARD.decode_slice(quad, &mut three).is_err() {
            continue;
        }
        out.push(three[0]);
        if !drop_second {
            out.push(three[1]);
        }
        if !drop_third {
            out.push(three[2]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each input and the canonical text ZeroC Ice 3.7.8 printed after reading it.
    #[test]
    fn lenient_decoding_matches_zeroc() {
        for (input, printed) in [
            ("abch", "abch"),
            ("abc", "abcA"),
            ("a", "aAAA"),
            ("ab", "abAA"),
            ("ab==", "aQ=="),
            ("a=b", "a/bA"),
            ("ab=c", "adw="),
            ("a===", "aw=="),
            ("====", "/w=="),
            ("=", "/AAA"),
            ("ab=", "acA="),
            ("AB==CD==", "AAg="),
            ("CTEyNy4wLjAuMeouAAAQJwAAAA==", "CTEyNy4wLjAuMeouAAAQJwAAAA=="),
        ] {
            assert_eq!(encode(&decode_lenient(input)), printed, "input {input}");
        }
        assert!(decode_lenient("").is_empty());
        assert_eq!(decode_lenient("abch"), [0x69, 0xb7, 0x21]);
    }

    #[test]
    fn alphabet() {
        assert!("azAZ09+/=".chars().all(is_base64_char));
        assert!(!"*\\-_ é".chars().any(is_base64_char));
    }
}
