//! Rewriting string values of a board file in place: only the quoted value changes, every
//! comment, blank line and other setting stays as it was.

/// Where a setting is: a table, or the `[[userland]]` entry of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Section {
    /// A table, e.g. `kernel` for `[kernel]`.
    Table(&'static str),
    /// The `[[userland]]` entry whose `package` is this name.
    Userland(String),
}

impl std::fmt::Display for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Table(name) => write!(f, "{name}"),
            Self::Userland(package) => write!(f, "userland[{package}]"),
        }
    }
}

/// One string setting of a board file moving from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// Where the setting is.
    pub(crate) section: Section,
    /// The key in that section, e.g. `version`.
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
            return Err(format!("{}.{}: the value {:?} would need escaping", change.section, change.key, change.new));
        }
        let (start, end) = section(&lines, &change.section)?;
        let at = find(&lines[start..end], change.key)
            .map(|i| start + i)
            .ok_or_else(|| format!("the board file's {} has no {}", change.section, change.key))?;
        lines[at] = replace_value(&lines[at], &change.old, &change.new).ok_or_else(|| {
            format!("{}.{} is not the string {:?} in the board file", change.section, change.key, change.old)
        })?;
    }
    Ok(lines.concat())
}

/// The lines (start, end) of a section's settings: after its header, up to the next header.
fn section(lines: &[String], section: &Section) -> Result<(usize, usize), String> {
    let is_header = |l: &String| {
        let t = l.trim();
        t.starts_with('[') && t.ends_with(']') && !t.contains('=')
    };
    let end_of = |start: usize| lines[start..].iter().position(is_header).map_or(lines.len(), |i| start + i);
    match section {
        Section::Table(table) => {
            let header = format!("[{table}]");
            let start = lines
                .iter()
                .position(|l| l.trim() == header)
                .ok_or_else(|| format!("the board file has no {header} table"))?
                + 1;
            Ok((start, end_of(start)))
        }
        Section::Userland(package) => lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == "[[userland]]")
            .map(|(i, _)| (i + 1, end_of(i + 1)))
            .find(|&(start, end)| {
                find(&lines[start..end], "package")
                    .is_some_and(|at| quoted(&lines[start + at]) == Some(package.as_str()))
            })
            .ok_or_else(|| format!("the board file has no [[userland]] entry with package = {package:?}")),
    }
}

/// The index of the line `key = ...` among `lines`.
fn find(lines: &[String], key: &str) -> Option<usize> {
    lines
        .iter()
        .position(|line| line.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
}

/// The quoted string value of a `key = "value"` line.
fn quoted(line: &str) -> Option<&str> {
    let value = line.split_once('=')?.1.trim_start().strip_prefix('"')?;
    value.split_once('"').map(|(v, _)| v)
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
        Change { section: Section::Table(table), key, old: old.into(), new: new.into() }
    }

    fn userland(package: &str, key: &'static str, old: &str, new: &str) -> Change {
        Change { section: Section::Userland(package.into()), key, old: old.into(), new: new.into() }
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
        assert!(apply(text, &[change("b", "version", "1", "2")]).is_err_and(|e| e.contains("b has no version")));
        assert!(apply(text, &[change("c", "version", "1", "2")]).is_err_and(|e| e.contains("no [c] table")));
        assert!(apply(text, &[change("a", "version", "9", "2")]).is_err_and(|e| e.contains("is not the string")));
        assert!(apply(text, &[change("a", "version", "1", "2\"")]).is_err_and(|e| e.contains("escaping")));
    }

    #[test]
    fn a_userland_pin_is_found_by_its_package_name() {
        let board = postern_board::Board::parse(BOARD).expect("board");
        let libc = board.userland.iter().find(|p| p.package == "libc6").expect("libc6");
        let e2fs = board.userland.iter().find(|p| p.package == "e2fsprogs").expect("e2fsprogs");
        let changes = [
            userland("libc6", "version", &libc.version, "2.36-9+deb12u99"),
            userland("libc6", "deb_sha256", &libc.deb_sha256, &"b".repeat(64)),
            userland("e2fsprogs", "version", &e2fs.version, "1.47.0-2+b3"),
        ];
        let text = apply(BOARD, &changes).expect("applied");
        let moved = postern_board::Board::parse(&text).expect("still a board");
        let get = |name: &str| moved.userland.iter().find(|p| p.package == name).cloned().expect("pinned");
        assert_eq!((get("libc6").version, get("libc6").deb_sha256), ("2.36-9+deb12u99".to_owned(), "b".repeat(64)));
        assert_eq!(
            (get("e2fsprogs").version, get("e2fsprogs").deb_sha256),
            ("1.47.0-2+b3".to_owned(), e2fs.deb_sha256.clone())
        );
        assert_eq!(get("e2fsprogs").files, ["/sbin/mke2fs"]);
        let libgcc = board.userland.iter().find(|p| p.package == "libgcc-s1").expect("libgcc-s1");
        assert_eq!(&get("libgcc-s1"), libgcc, "other entries are untouched");
        let differ = BOARD.lines().zip(text.lines()).filter(|(a, b)| a != b).count();
        assert_eq!((differ, BOARD.lines().count()), (3, text.lines().count()));
    }

    #[test]
    fn userland_entries_keep_to_their_own_block() {
        let text = "[[userland]]\npackage = \"a\"\nversion = \"1\"\n\n[[userland]]\npackage = \"b\"\nversion = \"1\"\n[vm]\nversion = \"1\"\n";
        let out = apply(text, &[userland("b", "version", "1", "2")]).expect("applied");
        assert_eq!(out, text.replacen("package = \"b\"\nversion = \"1\"", "package = \"b\"\nversion = \"2\"", 1));
        assert!(apply(text, &[userland("c", "version", "1", "2")]).is_err_and(|e| e.contains("package = \"c\"")));
        let no_version = "[[userland]]\npackage = \"a\"\n[[userland]]\npackage = \"b\"\nversion = \"1\"\n";
        assert!(
            apply(no_version, &[userland("a", "version", "1", "2")])
                .is_err_and(|e| e.contains("userland[a] has no version"))
        );
    }
}
