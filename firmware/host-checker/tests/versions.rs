//! Debian version ordering, against the cases dpkg's own test suite is known for.

use std::cmp::Ordering::{self, Equal, Greater, Less};

use postern_host_checker::compare_versions;

#[test]
fn debian_ordering_table() {
    let table: &[(&str, &str, Ordering)] = &[
        ("1.0", "1.0", Equal),
        ("1.0", "1.1", Less),
        ("1.10", "1.9", Greater),
        ("1.0~rc1", "1.0", Less),
        ("1.0~~", "1.0~", Less),
        ("1.0", "1.0+b1", Less),
        ("1.0a", "1.0", Greater),
        ("1.0a", "1.0+", Less),
        ("1:0.9", "2.0", Greater),
        ("0:2.0", "2.0", Equal),
        ("2.0-1", "2.0-2", Less),
        ("2.0-10", "2.0-9", Greater),
        ("3.0.15-1~deb12u1", "3.0.15-1", Less),
        ("3.0.15-1~deb12u1", "3.0.11-1~deb12u2", Greater),
        ("5.2.15-2+b7", "5.2.15-2", Greater),
        ("001", "1", Equal),
        ("10.0.19045", "10.0.9999", Greater),
        ("22.04", "22.10", Less),
        ("12", "11", Greater),
        ("1.2-3-4", "1.2-3-5", Less),
    ];
    for (a, b, want) in table {
        assert_eq!(compare_versions(a, b), *want, "{a} vs {b}");
        assert_eq!(compare_versions(b, a), want.reverse(), "{b} vs {a}");
    }
}
