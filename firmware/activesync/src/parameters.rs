//! Command parameters (MS-ASHTTP 2.2.1.1.1.1.3 and 2.2.1.1.1.2.5) and their storage.

use core::fmt;

use heapless::{String, Vec};

use crate::limits::{MAX_PARAMETER_BYTES, MAX_PARAMETERS};

/// A string-valued command parameter.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterName {
    /// Name of the attachment to fetch (GetAttachment); base64 tag 0.
    AttachmentName,
    /// Server id of the folder holding the source message; base64 tag 1.
    CollectionId,
    /// Folder name; base64 tag 2, from earlier revisions of the spec.
    CollectionName,
    /// Server id of the source message; base64 tag 3.
    ItemId,
    /// Search result reference; base64 tag 4.
    LongId,
    /// Parent folder id; base64 tag 5, from earlier revisions of the spec.
    ParentId,
    /// Id of one occurrence of a recurring meeting; base64 tag 6.
    Occurrence,
}

const NAMES: [(ParameterName, &str, u8); MAX_PARAMETERS] = [
    (ParameterName::AttachmentName, "AttachmentName", 0),
    (ParameterName::CollectionId, "CollectionId", 1),
    (ParameterName::CollectionName, "CollectionName", 2),
    (ParameterName::ItemId, "ItemId", 3),
    (ParameterName::LongId, "LongId", 4),
    (ParameterName::ParentId, "ParentId", 5),
    (ParameterName::Occurrence, "Occurrence", 6),
];

impl ParameterName {
    /// Every string-valued command parameter.
    pub const ALL: [ParameterName; MAX_PARAMETERS] = [
        Self::AttachmentName,
        Self::CollectionId,
        Self::CollectionName,
        Self::ItemId,
        Self::LongId,
        Self::ParentId,
        Self::Occurrence,
    ];

    /// The parameter's name in the plain query.
    pub fn as_str(self) -> &'static str {
        NAMES.iter().find(|(p, _, _)| *p == self).map_or("", |(_, n, _)| n)
    }

    /// The parameter's tag in the base64 query.
    pub fn tag(self) -> u8 {
        NAMES.iter().find(|(p, _, _)| *p == self).map_or(0, |(_, _, t)| *t)
    }

    /// The parameter named `name`, compared ASCII case-insensitively.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        NAMES.iter().find(|(_, n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|(p, _, _)| *p)
    }

    /// The parameter with base64 tag `tag`.
    pub fn from_tag(tag: u8) -> Option<Self> {
        NAMES.iter().find(|(_, _, t)| *t == tag).map(|(p, _, _)| *p)
    }
}

impl fmt::Display for ParameterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One command parameter of a parsed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter<'r> {
    /// Which parameter.
    pub name: ParameterName,
    /// Its decoded value.
    pub value: &'r str,
}

/// The `Options` bit mask of the base64 form (tag 7); the plain form's `SaveInSent=T`
/// sets [`CommandOptions::SAVE_IN_SENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommandOptions(pub u8);

impl CommandOptions {
    /// `SaveInSent` (0x01): save the message in Sent Items.
    pub const SAVE_IN_SENT: u8 = 0x01;
    /// `AcceptMultiPart` (0x02): return ItemOperations results as multipart.
    pub const ACCEPT_MULTI_PART: u8 = 0x02;

    /// Whether the SaveInSent flag is set.
    pub fn save_in_sent(self) -> bool {
        self.0 & Self::SAVE_IN_SENT != 0
    }

    /// Whether the AcceptMultiPart flag is set.
    pub fn accept_multi_part(self) -> bool {
        self.0 & Self::ACCEPT_MULTI_PART != 0
    }
}

/// Why a value could not be stored.
pub(crate) enum StoreError {
    Duplicate,
    Full,
}

/// Fixed-capacity storage for the string-valued parameters of one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ParameterStore {
    entries: Vec<(ParameterName, u16, u16), MAX_PARAMETERS>,
    text: String<MAX_PARAMETER_BYTES>,
}

impl ParameterStore {
    pub(crate) fn insert(&mut self, name: ParameterName, value: &str) -> Result<(), StoreError> {
        if self.entries.iter().any(|(n, _, _)| *n == name) {
            return Err(StoreError::Duplicate);
        }
        let start = self.text.len();
        self.text.push_str(value).map_err(|_| StoreError::Full)?;
        let (Ok(start), Ok(end)) = (u16::try_from(start), u16::try_from(self.text.len())) else {
            return Err(StoreError::Full);
        };
        self.entries.push((name, start, end)).map_err(|_| StoreError::Full)
    }

    pub(crate) fn get(&self, name: ParameterName) -> Option<&str> {
        self.iter().find(|p| p.name == name).map(|p| p.value)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Parameter<'_>> + '_ {
        self.entries.iter().map(|&(name, start, end)| Parameter {
            name,
            value: self.text.get(usize::from(start)..usize::from(end)).unwrap_or(""),
        })
    }
}
