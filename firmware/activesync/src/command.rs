//! ActiveSync commands, by name (plain query) and by code (base64 query).

use core::fmt;

/// An ActiveSync command ([MS-ASCMD]), as named by `Cmd=` or the base64 command code.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Synchronises a folder's items.
    Sync,
    /// Sends a MIME message.
    SendMail,
    /// Forwards a message without downloading it.
    SmartForward,
    /// Replies to a message without downloading it.
    SmartReply,
    /// Fetches an attachment (protocol 2.5 to 12.1).
    GetAttachment,
    /// Legacy 2.5 folder-hierarchy command (no base64 code).
    GetHierarchy,
    /// Legacy 2.5 folder command (no base64 code).
    CreateCollection,
    /// Legacy 2.5 folder command (no base64 code).
    DeleteCollection,
    /// Legacy 2.5 folder command (no base64 code).
    MoveCollection,
    /// Synchronises the folder hierarchy.
    FolderSync,
    /// Creates a folder.
    FolderCreate,
    /// Deletes a folder.
    FolderDelete,
    /// Renames or moves a folder.
    FolderUpdate,
    /// Moves items between folders.
    MoveItems,
    /// Estimates the items a Sync would return.
    GetItemEstimate,
    /// Answers a meeting request.
    MeetingResponse,
    /// Searches the GAL, mailbox or document libraries.
    Search,
    /// Gets or sets settings (OOF, device information, ...).
    Settings,
    /// Long-polls for changes.
    Ping,
    /// Fetches, moves or empties items.
    ItemOperations,
    /// Downloads and acknowledges security policy.
    Provision,
    /// Resolves recipients and their certificates.
    ResolveRecipients,
    /// Validates an S/MIME certificate.
    ValidateCert,
    /// Finds items (protocol 16.1; no base64 code).
    Find,
}

/// Every command with its name and, where MS-ASHTTP 2.2.1.1.1.1.2 gives one, its code.
const TABLE: [(Command, &str, Option<u8>); 24] = [
    (Command::Sync, "Sync", Some(0)),
    (Command::SendMail, "SendMail", Some(1)),
    (Command::SmartForward, "SmartForward", Some(2)),
    (Command::SmartReply, "SmartReply", Some(3)),
    (Command::GetAttachment, "GetAttachment", Some(4)),
    (Command::GetHierarchy, "GetHierarchy", None),
    (Command::CreateCollection, "CreateCollection", None),
    (Command::DeleteCollection, "DeleteCollection", None),
    (Command::MoveCollection, "MoveCollection", None),
    (Command::FolderSync, "FolderSync", Some(9)),
    (Command::FolderCreate, "FolderCreate", Some(10)),
    (Command::FolderDelete, "FolderDelete", Some(11)),
    (Command::FolderUpdate, "FolderUpdate", Some(12)),
    (Command::MoveItems, "MoveItems", Some(13)),
    (Command::GetItemEstimate, "GetItemEstimate", Some(14)),
    (Command::MeetingResponse, "MeetingResponse", Some(15)),
    (Command::Search, "Search", Some(16)),
    (Command::Settings, "Settings", Some(17)),
    (Command::Ping, "Ping", Some(18)),
    (Command::ItemOperations, "ItemOperations", Some(19)),
    (Command::Provision, "Provision", Some(20)),
    (Command::ResolveRecipients, "ResolveRecipients", Some(21)),
    (Command::ValidateCert, "ValidateCert", Some(22)),
    (Command::Find, "Find", None),
];

impl Command {
    /// Every command this parser knows.
    pub const ALL: [Command; 24] = {
        let mut all = [Command::Sync; 24];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    /// The command named `name`, compared ASCII case-insensitively.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        TABLE.iter().find(|(_, n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|(c, _, _)| *c)
    }

    /// The command with base64 command code `code` (MS-ASHTTP 2.2.1.1.1.1.2).
    pub fn from_code(code: u8) -> Option<Self> {
        TABLE.iter().find(|(_, _, c)| *c == Some(code)).map(|(cmd, _, _)| *cmd)
    }

    /// The command's name as sent in `Cmd=`.
    pub fn as_str(self) -> &'static str {
        TABLE.iter().find(|(c, _, _)| *c == self).map_or("", |(_, n, _)| n)
    }

    /// The command's base64 code, if MS-ASHTTP assigns one.
    pub fn code(self) -> Option<u8> {
        TABLE.iter().find(|(c, _, _)| *c == self).and_then(|(_, _, code)| *code)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
