//! Why the helper cannot serve.

/// A failure of the helper itself (a refused request is an answer, not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum HelperError {
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
    /// A system call failed.
    #[error("{step}: {source}")]
    Sys {
        /// What was being done.
        step: String,
        /// The error.
        source: nix::Error,
    },
    /// A file operation failed.
    #[error("{step}: {source}")]
    Io {
        /// What was being done.
        step: String,
        /// The error.
        source: std::io::Error,
    },
}

impl HelperError {
    /// A system call failure while doing `step`.
    pub(crate) fn sys(step: impl Into<String>) -> impl FnOnce(nix::Error) -> Self {
        let step = step.into();
        move |source| Self::Sys { step, source }
    }

    /// An I/O failure while doing `step`.
    pub(crate) fn io(step: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let step = step.into();
        move |source| Self::Io { step, source }
    }
}
