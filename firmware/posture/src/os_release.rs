//! os-release(5): `KEY=value` lines, values optionally quoted.

/// The fields the posture needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID`, lower case (`debian`, `ubuntu`, …); `linux` when absent, as os-release says.
    pub id: String,
    /// `VERSION_ID` (`12`, `22.04`); empty when absent (rolling releases).
    pub version_id: String,
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    let inner = match value.as_bytes() {
        [b'"', .., b'"'] | [b'\'', .., b'\''] if value.len() >= 2 => &value[1..value.len() - 1],
        _ => value,
    };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// Parses os-release text; unknown keys, comments and malformed lines are ignored.
pub fn parse_os_release(text: &str) -> OsRelease {
    let mut release = OsRelease { id: "linux".into(), version_id: String::new() };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        match key.trim() {
            "ID" => release.id = unquote(value).to_ascii_lowercase(),
            "VERSION_ID" => release.version_id = unquote(value),
            _ => {}
        }
    }
    release
}
