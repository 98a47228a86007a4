//! Why a metric could not be registered or the management listener could not start.

/// An error from the metrics registry or its listener.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A metric or label name does not match the Prometheus name grammar.
    #[error("invalid {kind} name {name:?}")]
    InvalidName {
        /// "metric" or "label".
        kind: &'static str,
        /// The offending name.
        name: String,
    },
    /// A metric of that name is registered already.
    #[error("metric {0:?} is registered twice")]
    Duplicate(String),
    /// A labelled counter was declared with the same label value twice, or none.
    #[error("metric {name:?}: label values must be distinct and non-empty")]
    BadLabelValues {
        /// The metric.
        name: String,
    },
    /// An allowed source prefix is not `network/prefix`.
    #[error("{0:?} is not a source prefix like 10.0.0.0/8")]
    BadPrefix(String),
    /// The management listener could not bind its address.
    #[error("cannot bind the management listener on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
