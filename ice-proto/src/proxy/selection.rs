//! How a proxy orders its endpoints when it needs a connection (`Ice::EndpointSelectionType`).

use std::fmt;
use std::str::FromStr;

/// The order in which a proxy tries its endpoints: `Random` (the default, which spreads
/// clients over replicas) or `Ordered` (the first endpoint that works, as listed).
/// Set by `Ice.Default.EndpointSelection`, `<proxy>.EndpointSelection` and
/// `ice_endpoint_selection`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EndpointSelection {
    /// A random order, chosen again each time the proxy picks a connection.
    #[default]
    Random,
    /// The order of the proxy's endpoints.
    Ordered,
}

/// A property value that is neither `Random` nor `Ordered`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}' is not an endpoint selection type (Random or Ordered)")]
pub struct EndpointSelectionParseError(pub String);

impl FromStr for EndpointSelection {
    type Err = EndpointSelectionParseError;

    /// Reads a property value as ZeroC does: exactly `Random` or `Ordered`, spaces around
    /// ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "Random" => Ok(EndpointSelection::Random),
            "Ordered" => Ok(EndpointSelection::Ordered),
            other => Err(EndpointSelectionParseError(other.to_owned())),
        }
    }
}

impl fmt::Display for EndpointSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointSelection::Random => "Random",
            EndpointSelection::Ordered => "Ordered",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_names_only() {
        assert_eq!(" Ordered ".parse(), Ok(EndpointSelection::Ordered));
        assert_eq!("Random".parse(), Ok(EndpointSelection::Random));
        assert!("ordered".parse::<EndpointSelection>().is_err());
        assert!("".parse::<EndpointSelection>().is_err());
        assert_eq!(EndpointSelection::Ordered.to_string(), "Ordered");
    }
}
