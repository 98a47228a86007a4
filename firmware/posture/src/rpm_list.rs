//! An RPM package list exported by `rpm` itself, as a stand-in for reading the RPM
//! database (a SQLite or Berkeley DB file this collector does not read):
//! `rpm -qa --queryformat '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\n' > FILE`.

use postern_tnc_wire::pa::Package;

/// A line of the list that is not `NAME VERSION`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line}: {text:?} is not NAME VERSION (as rpm -qa --queryformat '%{{NAME}} %{{EPOCHNUM}}:%{{VERSION}}-%{{RELEASE}}\\n' writes)"
)]
pub struct RpmListError {
    /// The line number, from 1.
    pub line: usize,
    /// The line.
    pub text: String,
}

/// The packages of an `rpm -qa` list; blank lines are skipped, and names or versions
/// over 255 bytes (which the wire cannot carry) are refused like any malformed line.
pub fn parse_rpm_list(text: &str) -> Result<Vec<Package>, RpmListError> {
    let mut packages = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [] => {}
            [name, version] if name.len() <= 255 && version.len() <= 255 => {
                packages.push(Package { name: name.to_owned(), version: version.to_owned() });
            }
            _ => return Err(RpmListError { line: i + 1, text: line.to_owned() }),
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rpm_list_is_name_and_version_per_line() {
        let list = parse_rpm_list("openssl 1:3.0.7-27.el9\n\nbash 0:5.1.8-9.el9\n").expect("valid");
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].name.as_str(), list[0].version.as_str()), ("openssl", "1:3.0.7-27.el9"));
        let error = parse_rpm_list("openssl 1:3.0.7-27.el9\nbash\n").expect_err("a name alone");
        assert_eq!(error.line, 2);
        assert!(error.to_string().contains("line 2: \"bash\" is not NAME VERSION"), "{error}");
    }
}
