//! Errors of the string parsers for identities, endpoints and proxies. Each names the token
//! that could not be parsed.

use crate::DecodeError;

/// Why an escaped string (an identity part, a facet or an adapter id) could not be unescaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnescapeError {
    /// A raw control character (below 0x20, or 0x7F) appeared; it must be escaped.
    #[error("character after `{after}` has invalid ordinal value {ordinal}")]
    ControlCharacter {
        /// The byte value.
        ordinal: u8,
        /// The text before it.
        after: String,
    },
    /// A `\u` or `\U` escape had fewer than 4 or 8 hex digits.
    #[error("invalid universal character name `{0}`: too few hex digits")]
    TooFewHexDigits(String),
    /// A `\u` or `\U` escape designated a UTF-16 surrogate.
    #[error("universal character name `{0}` designates a surrogate")]
    Surrogate(String),
    /// A `\U` escape was beyond U+10FFFF.
    #[error("universal character name `{0}` is not a Unicode code point")]
    NotACharacter(String),
    /// A `\x` escape had no hex digit.
    #[error("invalid `{0}` escape sequence: no hex digit")]
    NoHexDigit(String),
    /// An octal escape was above 255.
    #[error("octal value `{escape}` ({value}) is out of range")]
    OctalOutOfRange {
        /// The escape sequence.
        escape: String,
        /// Its value.
        value: u32,
    },
    /// Octal or `\x` escapes produced bytes that are not UTF-8.
    #[error("`{0}` unescapes to bytes that are not UTF-8")]
    InvalidUtf8(String),
}

/// Why a string could not be parsed as an identity (`Ice::IdentityParseException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityParseError {
    /// More than one unescaped `/`.
    #[error("unescaped '/' in identity `{0}`")]
    ExtraSlash(String),
    /// The category or the name could not be unescaped.
    #[error("invalid identity `{identity}`: {source}")]
    Escape {
        /// The identity text.
        identity: String,
        /// What was wrong.
        source: UnescapeError,
    },
}

/// Why an endpoint string could not be parsed (`Ice::EndpointParseException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointParseError {
    /// The endpoint string was empty or only whitespace.
    #[error("endpoint has no non-whitespace characters")]
    Empty,
    /// A quote was not closed.
    #[error("mismatched quote in endpoint `{endpoint}`")]
    MismatchedQuote {
        /// The endpoint string.
        endpoint: String,
    },
    /// The transport is not one this implementation knows; a proxy parser skips such
    /// endpoints as Ice does.
    #[error("unknown transport `{transport}` in endpoint `{endpoint}`")]
    UnknownTransport {
        /// The transport name.
        transport: String,
        /// The endpoint string.
        endpoint: String,
    },
    /// A token is not an option of this transport.
    #[error("unrecognized argument `{argument}` in endpoint `{endpoint}`")]
    UnrecognizedArgument {
        /// The token.
        argument: String,
        /// The endpoint string.
        endpoint: String,
    },
    /// An option that needs an argument had none (the next token starts with `-`, or there is
    /// none).
    #[error("no argument provided for {option} option in endpoint `{endpoint}`")]
    MissingArgument {
        /// The option.
        option: String,
        /// The endpoint string.
        endpoint: String,
    },
    /// A flag option was followed by an argument.
    #[error(
        "unexpected argument `{argument}` provided for {option} option in endpoint `{endpoint}`"
    )]
    UnexpectedArgument {
        /// The option.
        option: String,
        /// The argument.
        argument: String,
        /// The endpoint string.
        endpoint: String,
    },
    /// An option's argument is malformed or out of range.
    #[error("invalid value `{value}` for {option} option in endpoint `{endpoint}`: {reason}")]
    InvalidValue {
        /// The option.
        option: String,
        /// The argument.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
        /// The endpoint string.
        endpoint: String,
    },
    /// An opaque endpoint repeated `-t` or `-v`.
    #[error("multiple {option} options in endpoint `{endpoint}`")]
    DuplicateOption {
        /// The option.
        option: String,
        /// The endpoint string.
        endpoint: String,
    },
    /// An opaque endpoint lacked its required `-t` or `-v`.
    #[error("no {option} option in endpoint `{endpoint}`")]
    MissingOption {
        /// The option.
        option: &'static str,
        /// The endpoint string.
        endpoint: String,
    },
    /// `-h *` (all interfaces) appeared in a proxy endpoint; it is only valid for object
    /// adapter endpoints.
    #[error("`-h *` is not valid for proxy endpoint `{endpoint}`")]
    WildcardHost {
        /// The endpoint string.
        endpoint: String,
    },
    /// `--sourceAddress` appeared in an object adapter endpoint.
    #[error("`--sourceAddress` is not valid for object adapter endpoint `{endpoint}`")]
    SourceAddressNotAllowed {
        /// The endpoint string.
        endpoint: String,
    },
    /// The `-v` argument of an opaque endpoint contains a character outside base64.
    #[error("invalid base64 character `{character}` (ordinal {}) in endpoint `{endpoint}`", u32::from(*.character))]
    InvalidBase64 {
        /// The character.
        character: char,
        /// The endpoint string.
        endpoint: String,
    },
    /// An opaque endpoint of a known type (tcp, ssl, udp, ws, wss) holds bytes that do not
    /// decode as that type.
    #[error("opaque endpoint `{endpoint}` of type {endpoint_type} does not decode: {source}")]
    BadOpaqueData {
        /// The endpoint type.
        endpoint_type: i16,
        /// The endpoint string.
        endpoint: String,
        /// The decoding error.
        source: DecodeError,
    },
}

/// Where a quoted token lacked its closing quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotedItem {
    /// The identity.
    Identity,
    /// The argument of a proxy option (such as `-f`).
    OptionArgument,
    /// The adapter id after `@`.
    AdapterId,
}

impl std::fmt::Display for QuotedItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QuotedItem::Identity => "identity",
            QuotedItem::OptionArgument => "option argument",
            QuotedItem::AdapterId => "adapter id",
        })
    }
}

/// Why a string could not be parsed as a proxy (`Ice::ProxyParseException` and friends).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyParseError {
    /// The string was only whitespace (an empty string is the null proxy).
    #[error("proxy string has no non-whitespace characters")]
    Blank,
    /// Something other than an identity came first.
    #[error("no identity before `{0}`")]
    NoIdentity(String),
    /// A quote was not closed.
    #[error("mismatched quotes around {item} starting at `{text}`")]
    MismatchedQuotes {
        /// What was quoted.
        item: QuotedItem,
        /// The text from the opening quote.
        text: String,
    },
    /// The identity could not be parsed.
    #[error(transparent)]
    Identity(#[from] IdentityParseError),
    /// The identity has a category but no name (`Ice::IllegalIdentityException`).
    #[error("identity `{category}/` has a category but no name")]
    IllegalIdentity {
        /// The category.
        category: String,
    },
    /// Text followed a null identity (such as `"" x`).
    #[error("invalid characters `{0}` after the null identity")]
    AfterNullIdentity(String),
    /// A token where a proxy option (`-x`) was expected.
    #[error("expected a proxy option but found `{0}`")]
    ExpectedOption(String),
    /// An option letter that proxies do not have.
    #[error("unknown proxy option `{0}`")]
    UnknownOption(String),
    /// `-f`, `-e` or `-p` without an argument.
    #[error("no argument provided for {0} option")]
    MissingArgument(String),
    /// A flag option followed by an argument.
    #[error("unexpected argument `{argument}` provided for {option} option")]
    UnexpectedArgument {
        /// The option.
        option: String,
        /// The argument.
        argument: String,
    },
    /// A malformed `-e` or `-p` version.
    #[error("invalid version `{value}` for {option} option: {reason}")]
    InvalidVersion {
        /// The option.
        option: String,
        /// The argument.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The facet could not be unescaped.
    #[error("invalid facet `{facet}`: {source}")]
    InvalidFacet {
        /// The facet text.
        facet: String,
        /// What was wrong.
        source: UnescapeError,
    },
    /// Nothing followed `@`.
    #[error("missing adapter id after `@`")]
    MissingAdapterId,
    /// The adapter id was `""`.
    #[error("empty adapter id")]
    EmptyAdapterId,
    /// The adapter id could not be unescaped.
    #[error("invalid adapter id `{adapter_id}`: {source}")]
    InvalidAdapterId {
        /// The adapter id text.
        adapter_id: String,
        /// What was wrong.
        source: UnescapeError,
    },
    /// Text followed the adapter id.
    #[error("invalid trailing characters `{0}` after the adapter id")]
    TrailingCharacters(String),
    /// The string denotes the null proxy where a proxy is required.
    #[error("the string denotes a null proxy")]
    NullProxy,
    /// An endpoint could not be parsed, or no endpoint had a known transport.
    #[error(transparent)]
    Endpoint(#[from] EndpointParseError),
}
