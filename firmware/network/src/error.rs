//! What stops an application of a plan.

use postern_rtnetlink::RoutingError;

/// A plan that could not be applied, with the interface and the step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The kernel's routing socket could not be opened.
    #[error("the routing socket: {0}")]
    Socket(#[source] RoutingError),
    /// The kernel refused a step.
    #[error("interface {interface}: {source}")]
    Refused {
        /// The interface.
        interface: String,
        /// The step and the kernel's answer.
        #[source]
        source: RoutingError,
    },
    /// A kernel setting of the interface could not be written.
    #[error("interface {interface}: {step}: {source}")]
    Setting {
        /// The interface.
        interface: String,
        /// What was being set.
        step: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The plan holds a value that is not usable; nothing was applied.
    #[error("interface {interface}: {value:?} is not {expected}; nothing applied")]
    Invalid {
        /// The interface.
        interface: String,
        /// The value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
}
