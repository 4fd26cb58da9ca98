use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why properties could not be loaded, set or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PropertiesError {
    /// A configuration file could not be read (Ice's `FileException`).
    #[error("cannot read configuration file {}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: io::Error,
    },
    /// A property was set with an empty (or all-whitespace) key (Ice's
    /// `InitializationException`).
    #[error("attempt to set a property with an empty key")]
    EmptyKey,
    /// An integer property holds something that is not a 32-bit decimal integer.
    #[error("numeric property {key} set to non-numeric value {value:?}")]
    NotAnInteger {
        /// The property.
        key: String,
        /// Its value.
        value: String,
    },
    /// A property cannot be written as a configuration-file line that reads back the same.
    #[error("property {key} cannot be written to a configuration file: {reason}")]
    Unrepresentable {
        /// The property.
        key: String,
        /// Why not.
        reason: &'static str,
    },
}

/// A problem Ice reports as a warning and then works around. [`super::Properties`] collects
/// them instead of logging, since it does no IO; drain them with
/// [`super::Properties::take_warnings`] and log them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PropertyWarning {
    /// A configuration line that is not a property; it was ignored.
    InvalidLine(String),
    /// An integer property with a non-integer value; the default was used.
    NotAnInteger {
        /// The property.
        key: String,
        /// Its value.
        value: String,
        /// The value used instead.
        default: i32,
    },
    /// A list property with an unmatched quote; the items found anyway were used (or the
    /// default, if there were none).
    MismatchedQuotes {
        /// The property.
        key: String,
    },
    /// A property under one of Ice's prefixes (`Ice.`, `IceSSL.`, `IceMX.`, `Glacier2.`)
    /// that neither Ice 3.7 nor 3.8 knows; it was set anyway.
    Unknown {
        /// The property.
        key: String,
        /// The known property it matches but for case, if any.
        did_you_mean: Option<String>,
    },
    /// A property Ice 3.7 still reads but is going to drop.
    Deprecated {
        /// The property.
        key: String,
    },
}

impl fmt::Display for PropertyWarning {
    /// The wording of Ice's own warning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropertyWarning::InvalidLine(line) => {
                write!(f, "invalid config file entry: \"{line}\"")
            }
            PropertyWarning::NotAnInteger { key, default, .. } => write!(
                f,
                "numeric property {key} set to non-numeric value, defaulting to {default}"
            ),
            PropertyWarning::MismatchedQuotes { key } => {
                write!(f, "mismatched quotes in property {key}'s value, returning default value")
            }
            PropertyWarning::Unknown { key, did_you_mean: None } => {
                write!(f, "unknown property: `{key}'")
            }
            PropertyWarning::Unknown { key, did_you_mean: Some(known) } => {
                write!(f, "unknown property: `{key}'; did you mean `{known}'")
            }
            PropertyWarning::Deprecated { key } => write!(f, "deprecated property: {key}"),
        }
    }
}
