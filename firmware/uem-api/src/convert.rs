//! Why a decision-core value has no wire form.

/// A decision-core value that API v1 cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} `{value}` has no form in UEM API v1")]
#[non_exhaustive]
pub struct ConvertError {
    /// Which kind of value.
    pub what: &'static str,
    /// The value, as the decision core prints it.
    pub value: String,
}

impl ConvertError {
    pub(crate) fn new(what: &'static str, value: impl std::fmt::Debug) -> Self {
        Self { what, value: format!("{value:?}") }
    }
}
