//! PA-TNC attributes: the IETF set (RFC 5792 §4.2) and the TCG IF-M segmentation set.

use alloc::{string::String, vec::Vec};

use super::{ietf_type as ietf, tcg_type as tcg};
use crate::{
    Limits, PEN_IETF, PEN_RESERVED, PEN_TCG, RemediationParameters, WireError,
    bytes::{Reader, text},
    pb::AssessmentResult,
};

/// Bytes of an attribute header (flags, vendor id, type, length).
pub const ATTRIBUTE_HEADER_LEN: usize = 12;
pub(crate) const NOSKIP: u8 = 0x80;
pub(crate) const SEG_MORE: u8 = 0x80;
pub(crate) const SEG_START: u8 = 0x40;
pub(crate) const NEXT_CANCEL: u8 = 0x80;

/// An attribute type: vendor id and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttributeType {
    /// The vendor id (24 bits).
    pub vendor_id: u32,
    /// The type.
    pub kind: u32,
}

/// One entry of a Port Filter attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortFilterEntry {
    /// The port is blocked (B flag) rather than allowed.
    pub blocked: bool,
    /// IP protocol number (6 TCP, 17 UDP).
    pub protocol: u8,
    /// The port.
    pub port: u16,
}

/// One entry of an Installed Packages attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Package name (at most 255 bytes).
    pub name: String,
    /// Package version (at most 255 bytes).
    pub version: String,
}

/// Operational Status (RFC 5792 §4.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationalStatus {
    /// 0 unknown, 1 not installed, 2 installed, 3 operational.
    pub status: u8,
    /// 0 unknown, 1 successful, 2 errored, 3 unsuccessful.
    pub result: u8,
    /// Last use as 20 characters of RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`).
    pub last_use: String,
}

/// Forwarding Enabled (RFC 5792 §4.2.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ForwardingEnabled {
    /// IP forwarding is off.
    Disabled = 0,
    /// IP forwarding is on.
    Enabled = 1,
    /// The collector could not tell.
    Unknown = 2,
}

/// One PA-TNC attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// Attribute Request: the types the verifier wants.
    AttributeRequest(Vec<AttributeType>),
    /// Product Information.
    ProductInformation {
        /// The product vendor's PEN.
        vendor_id: u32,
        /// The vendor's product id.
        product_id: u16,
        /// Product name (for the OS: the os-release `ID`, e.g. `debian`).
        name: String,
    },
    /// Numeric Version.
    NumericVersion {
        /// Major version.
        major: u32,
        /// Minor version.
        minor: u32,
        /// Build number.
        build: u32,
        /// Service pack major.
        service_pack_major: u16,
        /// Service pack minor.
        service_pack_minor: u16,
    },
    /// String Version.
    StringVersion {
        /// Version (for the OS: os-release `VERSION_ID`).
        version: String,
        /// Build (for the OS: the kernel release).
        build: String,
        /// Configuration (for the OS: the machine, e.g. `x86_64`).
        config: String,
    },
    /// Operational Status.
    OperationalStatus(OperationalStatus),
    /// Port Filter.
    PortFilter(Vec<PortFilterEntry>),
    /// Installed Packages.
    InstalledPackages(Vec<Package>),
    /// PA-TNC Error, with its information kept as sent.
    PaTncError {
        /// The error code's vendor id.
        vendor_id: u32,
        /// The error code.
        code: u32,
        /// The error information.
        information: Vec<u8>,
    },
    /// Assessment Result.
    AssessmentResult(AssessmentResult),
    /// Remediation Instructions.
    RemediationInstructions(RemediationParameters),
    /// Forwarding Enabled.
    ForwardingEnabled(ForwardingEnabled),
    /// Factory Default Password Enabled.
    FactoryDefaultPasswordEnabled(bool),
    /// TCG Maximum Attribute Size Request (request = true) or Response.
    MaxAttributeSize {
        /// Request rather than response.
        request: bool,
        /// Largest attribute accepted, header included.
        max_attribute_size: u32,
        /// Largest segment accepted (bytes of segment value per envelope).
        max_segment_size: u32,
    },
    /// TCG Attribute Segment Envelope.
    SegmentEnvelope {
        /// More segments follow.
        more: bool,
        /// The first segment (it begins with the enveloped attribute's header).
        start: bool,
        /// Base message id (24 bits): identifies the segmented attribute.
        base_id: u32,
        /// The segment.
        segment: Vec<u8>,
    },
    /// TCG Next Segment Request (or, with `cancel`, the end of the exchange).
    NextSegmentRequest {
        /// Cancel the segmented transfer.
        cancel: bool,
        /// Base message id (24 bits).
        base_id: u32,
    },
    /// A skippable attribute of a type this implementation does not know.
    Unknown {
        /// Its type.
        kind: AttributeType,
        /// Its value.
        value: Vec<u8>,
    },
}

fn exact(value: &[u8], len: usize, what: &'static str) -> Result<(), WireError> {
    if value.len() != len {
        return Err(WireError::LengthMismatch { what, declared: len as u64, actual: value.len() });
    }
    Ok(())
}

fn count(n: usize, limits: &Limits, what: &'static str) -> Result<(), WireError> {
    if n > limits.max_list_entries {
        return Err(WireError::TooLarge { what, len: n as u64, max: limits.max_list_entries as u64 });
    }
    Ok(())
}

impl Attribute {
    /// Parses the attribute at the start of `bytes`; returns it and the bytes it used.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<(Self, usize), WireError> {
        let mut r = Reader::new(bytes, "PA-TNC attribute header");
        let flags = r.u8()?;
        let vendor_id = r.u24()?;
        let kind = r.u32()?;
        let len = r.u32()? as usize;
        if len < ATTRIBUTE_HEADER_LEN || len > bytes.len() {
            return Err(WireError::LengthMismatch {
                what: "PA-TNC attribute",
                declared: len as u64,
                actual: bytes.len(),
            });
        }
        if vendor_id == PEN_RESERVED {
            return Err(WireError::Invalid { what: "PA-TNC attribute", reason: "reserved vendor id" });
        }
        let value = &bytes[ATTRIBUTE_HEADER_LEN..len];
        let parsed = match vendor_id {
            PEN_IETF => Self::parse_ietf(kind, value, limits)?,
            PEN_TCG => Self::parse_tcg(kind, value)?,
            _ => None,
        };
        match parsed {
            Some(a) => Ok((a, len)),
            None if flags & NOSKIP != 0 => {
                Err(WireError::UnsupportedMandatory { what: "PA-TNC attribute", vendor_id, kind })
            }
            None => Ok((Self::Unknown { kind: AttributeType { vendor_id, kind }, value: value.to_vec() }, len)),
        }
    }

    fn parse_ietf(kind: u32, value: &[u8], limits: &Limits) -> Result<Option<Self>, WireError> {
        let mut r = Reader::new(value, "PA-TNC attribute value");
        Ok(Some(match kind {
            ietf::ATTRIBUTE_REQUEST => {
                if value.is_empty() || value.len() % 8 != 0 {
                    return Err(WireError::Invalid {
                        what: "Attribute Request",
                        reason: "not a non-empty list of 8-byte entries",
                    });
                }
                count(value.len() / 8, limits, "Attribute Request entries")?;
                let mut types = Vec::with_capacity(value.len() / 8);
                while r.remaining() > 0 {
                    let _reserved = r.u8()?;
                    types.push(AttributeType { vendor_id: r.u24()?, kind: r.u32()? });
                }
                Self::AttributeRequest(types)
            }
            ietf::PRODUCT_INFORMATION => {
                let vendor_id = r.u24()?;
                let product_id = r.u16()?;
                Self::ProductInformation { vendor_id, product_id, name: text(r.rest(), "product name")? }
            }
            ietf::NUMERIC_VERSION => {
                exact(value, 16, "Numeric Version")?;
                Self::NumericVersion {
                    major: r.u32()?,
                    minor: r.u32()?,
                    build: r.u32()?,
                    service_pack_major: r.u16()?,
                    service_pack_minor: r.u16()?,
                }
            }
            ietf::STRING_VERSION => {
                let version = r.string8("product version")?;
                let build = r.string8("build number")?;
                let config = r.string8("configuration version")?;
                if r.remaining() != 0 {
                    return Err(WireError::Invalid { what: "String Version", reason: "bytes after the last field" });
                }
                Self::StringVersion { version, build, config }
            }
            ietf::OPERATIONAL_STATUS => {
                exact(value, 24, "Operational Status")?;
                let status = r.u8()?;
                let result = r.u8()?;
                let _reserved = r.u16()?;
                if status > 3 || result > 3 {
                    return Err(WireError::InvalidValue {
                        what: "Operational Status",
                        value: u32::from(status.max(result)),
                    });
                }
                Self::OperationalStatus(OperationalStatus { status, result, last_use: text(r.take(20)?, "last use")? })
            }
            ietf::PORT_FILTER => {
                if value.is_empty() || value.len() % 4 != 0 {
                    return Err(WireError::Invalid {
                        what: "Port Filter",
                        reason: "not a non-empty list of 4-byte entries",
                    });
                }
                count(value.len() / 4, limits, "Port Filter entries")?;
                let mut entries = Vec::with_capacity(value.len() / 4);
                while r.remaining() > 0 {
                    let blocked = r.u8()? & 0x01 != 0;
                    entries.push(PortFilterEntry { blocked, protocol: r.u8()?, port: r.u16()? });
                }
                Self::PortFilter(entries)
            }
            ietf::INSTALLED_PACKAGES => {
                let _reserved = r.u16()?;
                let declared = usize::from(r.u16()?);
                count(declared, limits, "Installed Packages entries")?;
                let mut packages = Vec::with_capacity(declared);
                while r.remaining() > 0 {
                    if packages.len() == declared {
                        return Err(WireError::Invalid {
                            what: "Installed Packages",
                            reason: "more entries than the count",
                        });
                    }
                    let name = r.string8("package name")?;
                    let version = r.string8("package version")?;
                    packages.push(Package { name, version });
                }
                if packages.len() != declared {
                    return Err(WireError::Invalid {
                        what: "Installed Packages",
                        reason: "fewer entries than the count",
                    });
                }
                Self::InstalledPackages(packages)
            }
            ietf::PA_TNC_ERROR => {
                let _reserved = r.u8()?;
                let vendor_id = r.u24()?;
                let code = r.u32()?;
                Self::PaTncError { vendor_id, code, information: r.rest().to_vec() }
            }
            ietf::ASSESSMENT_RESULT => {
                exact(value, 4, "Assessment Result")?;
                Self::AssessmentResult(AssessmentResult::from_wire(r.u32()?)?)
            }
            ietf::REMEDIATION_INSTRUCTIONS => {
                Self::RemediationInstructions(RemediationParameters::parse(value, "Remediation Instructions")?)
            }
            ietf::FORWARDING_ENABLED => {
                exact(value, 4, "Forwarding Enabled")?;
                Self::ForwardingEnabled(match r.u32()? {
                    0 => ForwardingEnabled::Disabled,
                    1 => ForwardingEnabled::Enabled,
                    2 => ForwardingEnabled::Unknown,
                    v => {
                        return Err(WireError::InvalidValue { what: "Forwarding Enabled", value: v });
                    }
                })
            }
            ietf::FACTORY_DEFAULT_PASSWORD_ENABLED => {
                exact(value, 4, "Factory Default Password Enabled")?;
                Self::FactoryDefaultPasswordEnabled(match r.u32()? {
                    0 => false,
                    1 => true,
                    v => {
                        return Err(WireError::InvalidValue { what: "Factory Default Password Enabled", value: v });
                    }
                })
            }
            _ => return Ok(None),
        }))
    }

    fn parse_tcg(kind: u32, value: &[u8]) -> Result<Option<Self>, WireError> {
        let mut r = Reader::new(value, "TCG segmentation attribute");
        Ok(Some(match kind {
            tcg::MAX_ATTRIBUTE_SIZE_REQUEST | tcg::MAX_ATTRIBUTE_SIZE_RESPONSE => {
                exact(value, 8, "Maximum Attribute Size")?;
                Self::MaxAttributeSize {
                    request: kind == tcg::MAX_ATTRIBUTE_SIZE_REQUEST,
                    max_attribute_size: r.u32()?,
                    max_segment_size: r.u32()?,
                }
            }
            tcg::SEGMENT_ENVELOPE => {
                let flags = r.u8()?;
                let base_id = r.u24()?;
                Self::SegmentEnvelope {
                    more: flags & SEG_MORE != 0,
                    start: flags & SEG_START != 0,
                    base_id,
                    segment: r.rest().to_vec(),
                }
            }
            tcg::NEXT_SEGMENT_REQUEST => {
                exact(value, 4, "Next Segment Request")?;
                let flags = r.u8()?;
                Self::NextSegmentRequest { cancel: flags & NEXT_CANCEL != 0, base_id: r.u24()? }
            }
            _ => return Ok(None),
        }))
    }
}
