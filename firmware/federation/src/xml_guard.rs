//! The checks every XML input passes before any XML library sees it: bounded size and
//! depth, no DTD, no entity other than XML's own, no comment, no CDATA section, no
//! processing instruction. Comments and CDATA sections are invisible to exclusive
//! canonicalisation, so they could split a signed text (a NameID) without breaking its
//! signature; SAML messages do not need them.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Bounds on one XML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted element nesting.
    pub max_depth: usize,
}

/// Limits for an AuthnRequest.
pub const REQUEST_LIMITS: XmlLimits = XmlLimits { max_bytes: 64 * 1024, max_depth: 32 };
/// Limits for a Response.
pub const RESPONSE_LIMITS: XmlLimits = XmlLimits { max_bytes: 256 * 1024, max_depth: 32 };

/// Why an XML input was refused before parsing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlGuardError {
    /// Larger than the limit.
    #[error("XML document of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Nested deeper than the limit.
    #[error("XML elements nested deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// Not UTF-8.
    #[error("XML document is not UTF-8")]
    NotUtf8,
    /// A DOCTYPE (DTDs and entity declarations) was present.
    #[error("XML document has a DOCTYPE; DTDs and entity declarations are refused")]
    Doctype,
    /// A reference to an entity other than XML's predefined ones.
    #[error("XML document refers to entity `{0}`; only XML's predefined entities are accepted")]
    Entity(String),
    /// A comment was present.
    #[error("XML document has a comment; SAML messages with comments are refused")]
    Comment,
    /// A CDATA section was present.
    #[error("XML document has a CDATA section; SAML messages with CDATA are refused")]
    CData,
    /// A processing instruction other than the XML declaration.
    #[error("XML document has a processing instruction")]
    ProcessingInstruction,
    /// Malformed XML.
    #[error("malformed XML at byte {position}: {reason}")]
    Malformed {
        /// Byte offset where parsing stopped.
        position: u64,
        /// What the parser said.
        reason: String,
    },
    /// No root element.
    #[error("XML document has no root element")]
    Empty,
}

/// What the guard learned while reading the document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlShape {
    /// Local name of the root element.
    pub root: String,
    /// How many elements with each watched local name were seen.
    pub assertions: usize,
    /// How many `EncryptedAssertion` elements were seen.
    pub encrypted_assertions: usize,
}

const PREDEFINED_ENTITIES: [&str; 5] = ["amp", "lt", "gt", "quot", "apos"];

/// Checks `bytes` against `limits` and returns it as text with the shape of the document.
pub fn check_xml(bytes: &[u8], limits: XmlLimits) -> Result<(&str, XmlShape), XmlGuardError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlGuardError::TooLarge { size: bytes.len(), limit: limits.max_bytes });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| XmlGuardError::NotUtf8)?;
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    let mut shape = XmlShape::default();
    loop {
        let event = reader.read_event().map_err(|error| XmlGuardError::Malformed {
            position: reader.error_position(),
            reason: error.to_string(),
        })?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                if depth == 0 && shape.root.is_empty() {
                    shape.root.clone_from(&name);
                }
                match name.as_str() {
                    "Assertion" => shape.assertions += 1,
                    "EncryptedAssertion" => shape.encrypted_assertions += 1,
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                    if depth > limits.max_depth {
                        return Err(XmlGuardError::TooDeep { limit: limits.max_depth });
                    }
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::DocType(_) => return Err(XmlGuardError::Doctype),
            Event::Comment(_) => return Err(XmlGuardError::Comment),
            Event::PI(_) => return Err(XmlGuardError::ProcessingInstruction),
            Event::GeneralRef(reference) => {
                let name = String::from_utf8_lossy(&reference.into_inner()).into_owned();
                if !name.starts_with('#') && !PREDEFINED_ENTITIES.contains(&name.as_str()) {
                    return Err(XmlGuardError::Entity(name));
                }
            }
            Event::Eof => break,
            Event::CData(_) => return Err(XmlGuardError::CData),
            Event::Text(_) | Event::Decl(_) => {}
        }
    }
    if shape.root.is_empty() {
        return Err(XmlGuardError::Empty);
    }
    Ok((text, shape))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    const SMALL: XmlLimits = XmlLimits { max_bytes: 1024, max_depth: 4 };

    #[test]
    fn a_plain_document_passes_and_counts_assertions() {
        let xml = br#"<?xml version="1.0"?><p:Response xmlns:p="x"><a:Assertion xmlns:a="y">&amp;&#65;</a:Assertion></p:Response>"#;
        let (_, shape) = check_xml(xml, SMALL).expect("accepted");
        assert_eq!(shape.root, "Response");
        assert_eq!(shape.assertions, 1);
    }

    #[test]
    fn a_doctype_is_refused() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(check_xml(xml, SMALL).unwrap_err(), XmlGuardError::Doctype);
    }

    #[test]
    fn an_undeclared_entity_is_refused() {
        assert_eq!(check_xml(b"<r>&x;</r>", SMALL).unwrap_err(), XmlGuardError::Entity("x".into()));
    }

    #[test]
    fn a_comment_is_refused() {
        let xml = b"<NameID>alice@example.com<!---->.evil.example</NameID>";
        assert_eq!(check_xml(xml, SMALL).unwrap_err(), XmlGuardError::Comment);
    }

    #[test]
    fn a_cdata_section_is_refused() {
        let xml = b"<NameID>alice@example.com<![CDATA[.evil.example]]></NameID>";
        assert_eq!(check_xml(xml, SMALL).unwrap_err(), XmlGuardError::CData);
    }

    #[test]
    fn a_processing_instruction_is_refused() {
        let xml = b"<?xml-stylesheet href=\"x\"?><r/>";
        assert_eq!(check_xml(xml, SMALL).unwrap_err(), XmlGuardError::ProcessingInstruction);
    }

    #[test]
    fn depth_and_size_are_bounded() {
        assert_eq!(check_xml(b"<a><b><c><d><e/></d></c></b></a>", SMALL).map(|_| ()), Ok(()));
        assert_eq!(
            check_xml(b"<a><b><c><d><e></e></d></c></b></a>", SMALL).unwrap_err(),
            XmlGuardError::TooDeep { limit: 4 }
        );
        let big = vec![b' '; 1025];
        assert_eq!(check_xml(&big, SMALL).unwrap_err(), XmlGuardError::TooLarge { size: 1025, limit: 1024 });
    }

    #[test]
    fn malformed_and_empty_input_are_refused() {
        assert!(matches!(check_xml(b"<a><b></a>", SMALL), Err(XmlGuardError::Malformed { .. })));
        assert_eq!(check_xml(b"   ", SMALL).unwrap_err(), XmlGuardError::Empty);
        assert_eq!(check_xml(&[0xff, 0xfe], SMALL).unwrap_err(), XmlGuardError::NotUtf8);
    }
}
