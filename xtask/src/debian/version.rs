//! Debian's version ordering (`dpkg --compare-versions`): epoch, then upstream version,
//! then Debian revision, each compared the way dpkg does.

use std::cmp::Ordering;

/// Compares two Debian package versions as dpkg does.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = split(a);
    let (eb, ub, rb) = split(b);
    ea.cmp(&eb).then_with(|| compare_part(ua, ub)).then_with(|| compare_part(ra, rb))
}

/// The newest of `versions` by Debian ordering.
pub(crate) fn newest<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    versions.into_iter().max_by(|a, b| compare(a, b))
}

/// (epoch, upstream version, Debian revision) of a version.
fn split(version: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match version.split_once(':') {
        Some((e, rest)) if e.bytes().all(|b| b.is_ascii_digit()) => (e.parse().unwrap_or(0), rest),
        _ => (0, version),
    };
    match rest.rsplit_once('-') {
        Some((upstream, revision)) => (epoch, upstream, revision),
        None => (epoch, rest, ""),
    }
}

/// dpkg's weight of a character in a non-digit run: `~` sorts before everything, even the
/// end of the string; letters before other characters.
fn weight(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Compares an upstream version or a revision: alternating non-digit and digit runs.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        while a.first().is_some_and(|c| !c.is_ascii_digit()) || b.first().is_some_and(|c| !c.is_ascii_digit()) {
            let (ca, cb) = (a.first().copied(), b.first().copied());
            let order = weight(ca).cmp(&weight(cb));
            if order != Ordering::Equal {
                return order;
            }
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        let (na, ra) = digits(a);
        let (nb, rb) = digits(b);
        let order = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (ra, rb);
    }
    Ordering::Equal
}

/// The leading run of digits without its leading zeros, and what follows it.
fn digits(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len());
    let (run, rest) = s.split_at(end);
    let zeros = run.iter().position(|&c| c != b'0').unwrap_or(run.len());
    (&run[zeros..], rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_dpkg() {
        // Each pair: the first is older than the second (checked with dpkg --compare-versions).
        let older_newer = [
            ("6.1.172-1", "6.1.176-1"),
            ("6.1.99-1", "6.1.100-1"),
            ("252.38-1~deb12u1", "252.39-1~deb12u2"),
            ("252.39-1~deb12u1", "252.39-1~deb12u2"),
            ("252.39-1~deb12u2", "252.39-1"),
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0a"),
            ("1.0a", "1.0+b1"),
            ("1.0-1", "1.0-1.1"),
            ("9.9", "1:0.1"),
            ("1.0-1", "1.0-10"),
            ("6.1.192-3", "6.1.192-3+b1"),
        ];
        for (old, new) in older_newer {
            assert_eq!(compare(old, new), Ordering::Less, "{old} < {new}");
            assert_eq!(compare(new, old), Ordering::Greater, "{new} > {old}");
        }
        assert_eq!(compare("1.01-1", "1.1-1"), Ordering::Equal);
        assert_eq!(compare("0:1.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn newest_picks_by_debian_order_not_text_order() {
        assert_eq!(newest(["252.39-1~deb12u2", "252.38-1~deb12u1", "252.39-1~deb12u10"]), Some("252.39-1~deb12u10"));
        assert_eq!(newest(["6.1.99-1", "6.1.100-1"]), Some("6.1.100-1"));
        assert_eq!(newest([]), None);
    }
}
