//! Rewriting string values of a board file in place: only the quoted value changes, every
//! comment, blank line and other setting stays as it was.

/// One string setting of a board file moving from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// The table, e.g. `kernel`.
    pub(crate) table: &'static str,
    /// The key in that table, e.g. `version`.
    pub(crate) key: &'static str,
    /// The value the file holds now.
    pub(crate) old: String,
    /// The value it gets.
    pub(crate) new: String,
}

/// `text` with each change applied; an error when a setting is missing, holds another
/// value than the change expects, or a value needs quoting beyond plain characters.
pub(crate) fn apply(text: &str, changes: &[Change]) -> Result<String, String> {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    for change in changes {
        if change.new.contains(['"', '\\', '\n']) {
            return Err(format!("{}.{}: the value {:?} would need escaping", change.table, change.key, change.new));
        }
        let at = find(&lines, change.table, change.key)?;
        lines[at] = replace_value(&lines[at], &change.old, &change.new)
            .ok_or_else(|| format!("{}.{} is not the string {:?} in the board file", change.table, change.key, change.old))?;
    }
    Ok(lines.concat())
}

/// The index of the line `key = ...` inside `[table]`.
fn find(lines: &[String], table: &str, key: &str) -> Result<usize, String> {
    let header = format!("[{table}]");
    let start = lines.iter().position(|l| l.trim() == header).ok_or_else(|| format!("the board file has no {header} table"))?;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') && !trimmed.starts_with("[[") && trimmed.trim_end().ends_with(']') && !trimmed.contains('=') {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Ok(i);
        }
    }
    Err(format!("the board file's {header} table has no {key}"))
}

/// `line` with its quoted value `old` replaced by `new`; `None` if the value is not `"old"`.
fn replace_value(line: &str, old: &str, new: &str) -> Option<String> {
    let eq = line.find('=')?;
    let open = eq + 1 + line[eq + 1..].find('"')?;
    let close = open + 1 + line[open + 1..].find('"')?;
    if &line[open + 1..close] != old || !line[eq + 1..open].trim().is_empty() {
        return None;
    }
    Some(format!("{}{new}{}", &line[..=open], &line[close..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOARD: &str = include_str!("../../../board/qemu-x86_64.toml");

    fn change(table: &'static str, key: &'static str, old: &str, new: &str) -> Change {
        Change { table, key, old: old.into(), new: new.into() }
    }

    #[test]
    fn only_the_values_change() {
        let k = postern_board::Board::parse(BOARD).expect("board");
        let changes = [
            change("kernel", "package", &k.kernel.package, "linux-image-6.1.0-57-amd64"),
            change("kernel", "version", &k.kernel.version, "6.1.192-3"),
            change("kernel", "deb_sha256", &k.kernel.deb_sha256, &"a".repeat(64)),
            change("boot", "loader_version", &k.boot.loader_version, "252.40-1~deb12u1"),
        ];
        let text = apply(BOARD, &changes).expect("applied");
        let moved = postern_board::Board::parse(&text).expect("still a board");
        assert_eq!(moved.kernel.package, "linux-image-6.1.0-57-amd64");
        assert_eq!(moved.kernel.version, "6.1.192-3");
        assert_eq!(moved.kernel.deb_sha256, "a".repeat(64));
        assert_eq!(moved.boot.loader_version, "252.40-1~deb12u1");
        assert_eq!(moved.boot.loader_deb_sha256, k.boot.loader_deb_sha256);
        // Every other line, comments included, is untouched.
        let differ: Vec<(&str, &str)> = BOARD.lines().zip(text.lines()).filter(|(a, b)| a != b).collect();
        assert_eq!(differ.len(), 4, "{differ:?}");
        assert_eq!(BOARD.lines().count(), text.lines().count());
        assert!(text.contains("# Debian's kernel package, fetched with apt"));
    }

    #[test]
    fn a_key_is_looked_up_in_its_own_table() {
        let text = "[a]\nversion = \"1\" # kept\n\n[b]\nversion = \"1\"\n";
        let out = apply(text, &[change("b", "version", "1", "2")]).expect("applied");
        assert_eq!(out, "[a]\nversion = \"1\" # kept\n\n[b]\nversion = \"2\"\n");
        let comment = apply(text, &[change("a", "version", "1", "3")]).expect("applied");
        assert!(comment.starts_with("[a]\nversion = \"3\" # kept\n"), "{comment}");
    }

    #[test]
    fn a_missing_or_different_setting_is_an_error() {
        let text = "[a]\nversion = \"1\"\n[b]\nother = 1\n";
        assert!(apply(text, &[change("b", "version", "1", "2")]).is_err_and(|e| e.contains("[b] table has no version")));
        assert!(apply(text, &[change("c", "version", "1", "2")]).is_err_and(|e| e.contains("no [c] table")));
        assert!(apply(text, &[change("a", "version", "9", "2")]).is_err_and(|e| e.contains("is not the string")));
        assert!(apply(text, &[change("a", "version", "1", "2\"")]).is_err_and(|e| e.contains("escaping")));
    }
}
