//! What can stop the boot.

/// A boot step that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum InitError {
    /// A system call failed.
    #[error("{step}: {source}")]
    Sys {
        /// What init was doing.
        step: String,
        /// The error.
        source: nix::Error,
    },
    /// A file could not be read or written.
    #[error("{step}: {source}")]
    Io {
        /// What init was doing.
        step: String,
        /// The error.
        source: std::io::Error,
    },
    /// The board file is unusable.
    #[error(transparent)]
    Board(#[from] postern_board::BoardError),
    /// The data area is neither blank nor mountable; it was left as it is.
    #[error(
        "the data area {device} is damaged and was NOT formatted: {detail}. Its contents are left as they are. \
         To erase it and start afresh, confirm a factory reset on the serial console at boot"
    )]
    DataAreaDamaged {
        /// The data partition.
        device: String,
        /// What was tried.
        detail: String,
    },
    /// The configured interfaces could not be applied.
    #[error("configuring the interfaces: {0}")]
    Network(#[from] postern_network::NetworkError),
    /// A step failed for a reason of its own.
    #[error("{step}: {reason}")]
    Failed {
        /// What init was doing.
        step: String,
        /// Why.
        reason: String,
    },
}

impl InitError {
    /// A failed system call while doing `step`.
    pub(crate) fn sys(step: impl Into<String>) -> impl FnOnce(nix::Error) -> Self {
        let step = step.into();
        move |source| Self::Sys { step, source }
    }

    /// A failed file operation while doing `step`.
    pub(crate) fn io(step: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let step = step.into();
        move |source| Self::Io { step, source }
    }
}

impl From<postern_rtnetlink::RoutingError> for InitError {
    fn from(e: postern_rtnetlink::RoutingError) -> Self {
        Self::Sys { step: e.what, source: e.source }
    }
}
