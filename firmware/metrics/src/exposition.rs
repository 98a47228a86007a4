//! The Prometheus text exposition format (version 0.0.4): names, escaping, lines.

use std::fmt::Write;

/// The `Content-Type` of a rendered registry.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether `name` is a valid metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn is_metric_name(name: &str) -> bool {
    valid(name, |c| c == ':')
}

/// Whether `name` is a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting `__`.
pub(crate) fn is_label_name(name: &str) -> bool {
    !name.starts_with("__") && valid(name, |_| false)
}

fn valid(name: &str, extra: impl Fn(char) -> bool) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || extra(c));
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || extra(c))
}

/// Escapes a `# HELP` text: backslash and line feed.
pub(crate) fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Escapes a label value: backslash, double quote and line feed.
pub(crate) fn escape_label_value(value: &str) -> String {
    escape_help(value).replace('"', "\\\"")
}

/// Writes the `# HELP` and `# TYPE` header of one family.
pub(crate) fn write_header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Writes one sample line, with an optional single label.
pub(crate) fn write_sample(out: &mut String, name: &str, label: Option<(&str, &str)>, value: impl std::fmt::Display) {
    match label {
        Some((key, val)) => {
            let _ = writeln!(out, "{name}{{{key}=\"{}\"}} {value}", escape_label_value(val));
        }
        None => {
            let _ = writeln!(out, "{name} {value}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_grammar() {
        assert!(is_metric_name("postern_tls_handshake_failures_total"));
        assert!(is_metric_name("ns:sub_total"));
        assert!(!is_metric_name("9lives"));
        assert!(!is_metric_name("has-dash"));
        assert!(!is_metric_name(""));
        assert!(is_label_name("reason"));
        assert!(!is_label_name("__reserved"));
        assert!(!is_label_name("a:b"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape_label_value("line\nnext"), "line\\nnext");
        assert_eq!(escape_help("say \"hi\"\\"), "say \"hi\"\\\\");
    }
}
