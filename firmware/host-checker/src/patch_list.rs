//! The vendor patch list: which package version fixes which advisory, per platform.

use std::fmt;

use crate::platform::PlatformMatch;

/// Severity of a patch, in Microsoft's four ratings (Debian and other vendors' ratings
/// map onto them: low, medium → moderate, high → important, critical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Low.
    Low,
    /// Moderate (medium).
    Moderate,
    /// Important (high).
    Important,
    /// Critical.
    Critical,
}

impl Severity {
    /// Parses `low`, `moderate`/`medium`, `important`/`high`, `critical`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "low" => Self::Low,
            "moderate" | "medium" => Self::Moderate,
            "important" | "high" => Self::Important,
            "critical" => Self::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Low => "low",
            Self::Moderate => "moderate",
            Self::Important => "important",
            Self::Critical => "critical",
        })
    }
}

/// One advisory: installing `fixed_version` of `product` or later applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchEntry {
    /// The advisory id, e.g. `DSA-5678-1` or `MS08-039`.
    pub id: String,
    /// The platform it is for.
    pub platform: PlatformMatch,
    /// The product (package) it patches.
    pub product: String,
    /// The first version that carries the fix.
    pub fixed_version: String,
    /// Its severity.
    pub severity: Severity,
    /// Where to get the fix (shown in remediation).
    pub url: Option<String>,
}

/// A versioned list of current patch versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchList {
    /// The list's version as its publisher numbers it.
    pub version: u64,
    /// The advisories.
    pub entries: Vec<PatchEntry>,
}

impl PatchList {
    /// The advisory with this id, if listed.
    pub fn by_id(&self, id: &str) -> Option<&PatchEntry> {
        self.entries.iter().find(|e| e.id == id)
    }
}
