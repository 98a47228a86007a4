//! Emitting PA-TNC attributes.

use super::{
    attr::{ATTRIBUTE_HEADER_LEN, Attribute, AttributeType, NEXT_CANCEL, SEG_MORE, SEG_START},
    ietf_type as ietf, tcg_type as tcg,
};
use crate::{
    PEN_IETF, PEN_TCG, WireError,
    bytes::{Writer, check_len8},
};

impl Attribute {
    /// The attribute's vendor id and type.
    pub fn attribute_type(&self) -> AttributeType {
        let (vendor_id, kind) = match self {
            Self::AttributeRequest(_) => (PEN_IETF, ietf::ATTRIBUTE_REQUEST),
            Self::ProductInformation { .. } => (PEN_IETF, ietf::PRODUCT_INFORMATION),
            Self::NumericVersion { .. } => (PEN_IETF, ietf::NUMERIC_VERSION),
            Self::StringVersion { .. } => (PEN_IETF, ietf::STRING_VERSION),
            Self::OperationalStatus(_) => (PEN_IETF, ietf::OPERATIONAL_STATUS),
            Self::PortFilter(_) => (PEN_IETF, ietf::PORT_FILTER),
            Self::InstalledPackages(_) => (PEN_IETF, ietf::INSTALLED_PACKAGES),
            Self::PaTncError { .. } => (PEN_IETF, ietf::PA_TNC_ERROR),
            Self::AssessmentResult(_) => (PEN_IETF, ietf::ASSESSMENT_RESULT),
            Self::RemediationInstructions(_) => (PEN_IETF, ietf::REMEDIATION_INSTRUCTIONS),
            Self::ForwardingEnabled(_) => (PEN_IETF, ietf::FORWARDING_ENABLED),
            Self::FactoryDefaultPasswordEnabled(_) => (PEN_IETF, ietf::FACTORY_DEFAULT_PASSWORD_ENABLED),
            Self::MaxAttributeSize { request: true, .. } => (PEN_TCG, tcg::MAX_ATTRIBUTE_SIZE_REQUEST),
            Self::MaxAttributeSize { request: false, .. } => (PEN_TCG, tcg::MAX_ATTRIBUTE_SIZE_RESPONSE),
            Self::SegmentEnvelope { .. } => (PEN_TCG, tcg::SEGMENT_ENVELOPE),
            Self::NextSegmentRequest { .. } => (PEN_TCG, tcg::NEXT_SEGMENT_REQUEST),
            Self::Unknown { kind, .. } => return *kind,
        };
        AttributeType { vendor_id, kind }
    }

    /// Bytes of the value (without the 12-byte header).
    pub fn value_len(&self) -> usize {
        match self {
            Self::AttributeRequest(types) => 8 * types.len(),
            Self::ProductInformation { name, .. } => 5 + name.len(),
            Self::NumericVersion { .. } => 16,
            Self::StringVersion { version, build, config } => 3 + version.len() + build.len() + config.len(),
            Self::OperationalStatus(_) => 24,
            Self::PortFilter(entries) => 4 * entries.len(),
            Self::InstalledPackages(packages) => {
                4 + packages.iter().map(|p| 2 + p.name.len() + p.version.len()).sum::<usize>()
            }
            Self::PaTncError { information, .. } => 8 + information.len(),
            Self::AssessmentResult(_) | Self::ForwardingEnabled(_) | Self::FactoryDefaultPasswordEnabled(_) => 4,
            Self::RemediationInstructions(p) => p.buffer_len(),
            Self::MaxAttributeSize { .. } => 8,
            Self::SegmentEnvelope { segment, .. } => 4 + segment.len(),
            Self::NextSegmentRequest { .. } => 4,
            Self::Unknown { value, .. } => value.len(),
        }
    }

    /// Checks every field fits its length prefix or width.
    pub fn check(&self) -> Result<(), WireError> {
        match self {
            Self::StringVersion { version, build, config } => {
                check_len8(version, "product version")?;
                check_len8(build, "build number")?;
                check_len8(config, "configuration version")
            }
            Self::InstalledPackages(packages) => {
                if packages.len() > usize::from(u16::MAX) {
                    return Err(WireError::TooLarge {
                        what: "Installed Packages entries",
                        len: packages.len() as u64,
                        max: u16::MAX.into(),
                    });
                }
                packages.iter().try_for_each(|p| {
                    check_len8(&p.name, "package name")?;
                    check_len8(&p.version, "package version")
                })
            }
            Self::OperationalStatus(s) if s.last_use.len() != 20 || s.status > 3 || s.result > 3 => {
                Err(WireError::Invalid {
                    what: "Operational Status",
                    reason: "status/result over 3 or last use not 20 bytes",
                })
            }
            Self::RemediationInstructions(p) => p.check(),
            Self::SegmentEnvelope { base_id, .. } | Self::NextSegmentRequest { base_id, .. }
                if *base_id > 0x00ff_ffff =>
            {
                Err(WireError::InvalidValue { what: "base message id", value: *base_id })
            }
            _ => Ok(()),
        }
    }

    /// Emits header and value into `buf` (12 + [`Self::value_len`] bytes); call
    /// [`Self::check`] first.
    pub(crate) fn emit(&self, buf: &mut [u8]) {
        let ty = self.attribute_type();
        let mut w = Writer::new(buf);
        w.u8(0);
        w.u24(ty.vendor_id);
        w.u32(ty.kind);
        w.u32((ATTRIBUTE_HEADER_LEN + self.value_len()) as u32);
        match self {
            Self::AttributeRequest(types) => types.iter().for_each(|t| {
                w.u8(0);
                w.u24(t.vendor_id);
                w.u32(t.kind);
            }),
            Self::ProductInformation { vendor_id, product_id, name } => {
                w.u24(*vendor_id);
                w.u16(*product_id);
                w.bytes(name.as_bytes());
            }
            Self::NumericVersion { major, minor, build, service_pack_major, service_pack_minor } => {
                w.u32(*major);
                w.u32(*minor);
                w.u32(*build);
                w.u16(*service_pack_major);
                w.u16(*service_pack_minor);
            }
            Self::StringVersion { version, build, config } => {
                w.string8(version);
                w.string8(build);
                w.string8(config);
            }
            Self::OperationalStatus(s) => {
                w.u8(s.status);
                w.u8(s.result);
                w.u16(0);
                w.bytes(s.last_use.as_bytes());
            }
            Self::PortFilter(entries) => entries.iter().for_each(|e| {
                w.u8(u8::from(e.blocked));
                w.u8(e.protocol);
                w.u16(e.port);
            }),
            Self::InstalledPackages(packages) => {
                w.u16(0);
                w.u16(packages.len() as u16);
                packages.iter().for_each(|p| {
                    w.string8(&p.name);
                    w.string8(&p.version);
                });
            }
            Self::PaTncError { vendor_id, code, information } => {
                w.u8(0);
                w.u24(*vendor_id);
                w.u32(*code);
                w.bytes(information);
            }
            Self::AssessmentResult(a) => w.u32(*a as u32),
            Self::RemediationInstructions(p) => p.emit(&mut w),
            Self::ForwardingEnabled(f) => w.u32(*f as u32),
            Self::FactoryDefaultPasswordEnabled(on) => w.u32(u32::from(*on)),
            Self::MaxAttributeSize { max_attribute_size, max_segment_size, .. } => {
                w.u32(*max_attribute_size);
                w.u32(*max_segment_size);
            }
            Self::SegmentEnvelope { more, start, base_id, segment } => {
                w.u8(if *more { SEG_MORE } else { 0 } | if *start { SEG_START } else { 0 });
                w.u24(*base_id);
                w.bytes(segment);
            }
            Self::NextSegmentRequest { cancel, base_id } => {
                w.u8(if *cancel { NEXT_CANCEL } else { 0 });
                w.u24(*base_id);
            }
            Self::Unknown { value, .. } => w.bytes(value),
        }
    }

    /// The attribute alone (header and value) as bytes, for segmentation.
    pub fn to_bytes(&self) -> Result<alloc::vec::Vec<u8>, WireError> {
        self.check()?;
        let mut out = alloc::vec![0u8; ATTRIBUTE_HEADER_LEN + self.value_len()];
        self.emit(&mut out);
        Ok(out)
    }
}
