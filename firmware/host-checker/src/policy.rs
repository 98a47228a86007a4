//! Policies as the operator configures them, validated.

use crate::{patch_list::Severity, platform::PlatformMatch};

/// A version range: `min` inclusive, `below` exclusive; either may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionRange {
    /// The lowest version in range.
    pub min: Option<String>,
    /// The first version out of range above.
    pub below: Option<String>,
}

/// A software rule: a product (package name) in a version range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareRule {
    /// The package or product name as the endpoint reports it.
    pub name: String,
    /// The versions the rule is about (required: must be in it; forbidden: must not be).
    pub versions: VersionRange,
}

/// What a policy monitors against the vendor patch list (H3: one or the other).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Monitor {
    /// No patch monitoring.
    #[default]
    Nothing,
    /// These products must carry every listed patch not of an ignored severity.
    Products(Vec<String>),
    /// These specific advisories must be applied.
    Patches(Vec<String>),
}

/// One Host Checker policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Its name (used in reasons and `posture-failed:<name>`).
    pub name: String,
    /// The platforms it applies to; a posture on another platform is not checked by it.
    pub platforms: Vec<PlatformMatch>,
    /// Lowest OS version (compared with the reported String Version).
    pub min_os_version: Option<String>,
    /// Software that must be installed, in range.
    pub required: Vec<SoftwareRule>,
    /// Software that must not be installed in range.
    pub forbidden: Vec<SoftwareRule>,
    /// Patch monitoring.
    pub monitor: Monitor,
    /// Severities whose patches are not required.
    pub ignore_severities: Vec<Severity>,
    /// Fail when IP forwarding is enabled.
    pub deny_forwarding: bool,
    /// Fail when a factory default password is enabled.
    pub deny_default_password: bool,
    /// Where to get fixes in general (added to remediation text).
    pub remediation_url: Option<String>,
}

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Products and specific patches in one policy (H3).
    #[error("policy {policy}: monitors products and specific patches; use one policy for each")]
    ProductsAndPatches {
        /// The policy.
        policy: String,
    },
    /// A policy that applies to no platform.
    #[error("policy {policy}: names no platform")]
    NoPlatform {
        /// The policy.
        policy: String,
    },
    /// A policy that checks nothing.
    #[error("policy {policy}: has no rule")]
    NoRule {
        /// The policy.
        policy: String,
    },
    /// A name that cannot appear in a reason or a role requirement.
    #[error("policy name {name:?}: use 1-32 of a-z 0-9 - _")]
    BadName {
        /// The name.
        name: String,
    },
}

impl Policy {
    /// An empty policy for these platforms; add rules to its fields.
    pub fn new(name: &str, platforms: Vec<PlatformMatch>) -> Self {
        Self {
            name: name.to_owned(),
            platforms,
            min_os_version: None,
            required: Vec::new(),
            forbidden: Vec::new(),
            monitor: Monitor::Nothing,
            ignore_severities: Vec::new(),
            deny_forwarding: false,
            deny_default_password: false,
            remediation_url: None,
        }
    }

    /// Checks the policy can be committed.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 32
            && self.name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
        if !name_ok {
            return Err(PolicyError::BadName { name: self.name.clone() });
        }
        if self.platforms.is_empty() {
            return Err(PolicyError::NoPlatform { policy: self.name.clone() });
        }
        let checks_something = self.min_os_version.is_some()
            || !self.required.is_empty()
            || !self.forbidden.is_empty()
            || self.monitor != Monitor::Nothing
            || self.deny_forwarding
            || self.deny_default_password;
        if !checks_something {
            return Err(PolicyError::NoRule { policy: self.name.clone() });
        }
        Ok(())
    }
}

impl Monitor {
    /// The monitor for a policy that lists `products` and `patches`; both non-empty is
    /// refused.
    pub fn from_lists(policy: &str, products: Vec<String>, patches: Vec<String>) -> Result<Self, PolicyError> {
        match (products.is_empty(), patches.is_empty()) {
            (true, true) => Ok(Self::Nothing),
            (false, true) => Ok(Self::Products(products)),
            (true, false) => Ok(Self::Patches(patches)),
            (false, false) => Err(PolicyError::ProductsAndPatches { policy: policy.to_owned() }),
        }
    }
}

impl SoftwareRule {
    /// Parses the configuration form `NAME [>= MIN] [< BELOW]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut words = text.split_whitespace();
        let name = words.next().ok_or("a software rule needs a package name")?;
        let mut versions = VersionRange::default();
        while let Some(op) = words.next() {
            let version = words.next().ok_or_else(|| format!("{op} needs a version"))?;
            let slot = match op {
                ">=" if versions.min.is_none() => &mut versions.min,
                "<" if versions.below.is_none() => &mut versions.below,
                _ => {
                    return Err(format!("expected `>= VERSION` and/or `< VERSION`, found {op:?}"));
                }
            };
            *slot = Some(version.to_owned());
        }
        Ok(Self { name: name.to_owned(), versions })
    }
}

impl std::fmt::Display for SoftwareRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if let Some(min) = &self.versions.min {
            write!(f, " >= {min}")?;
        }
        if let Some(below) = &self.versions.below {
            write!(f, " < {below}")?;
        }
        Ok(())
    }
}
