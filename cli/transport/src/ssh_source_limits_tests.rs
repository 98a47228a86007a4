use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

fn limits(max_sources: usize) -> SourceLimits {
    SourceLimits::new(SourceLimitsConfig {
        max_unauthenticated: 2,
        max_failures: 3,
        window: Duration::from_secs(60),
        max_sources,
    })
}

#[test]
fn a_source_holds_at_most_its_unauthenticated_connections() {
    let (mut l, now) = (limits(16), Instant::now());
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::TooManyUnauthenticated);
    assert_eq!(l.admit(ip("192.0.2.2"), now), Admission::Admitted, "another source is not held back");
    l.authenticated(ip("192.0.2.1"));
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::Admitted, "a login frees its slot");
    l.closed(ip("192.0.2.1"));
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::Admitted, "a close frees its slot");
}

#[test]
fn failures_block_a_source_for_the_rest_of_the_window_only() {
    let (mut l, t0) = (limits(16), Instant::now());
    let a = ip("192.0.2.1");
    assert_eq!(l.admit(a, t0), Admission::Admitted);
    assert!(!l.failed(a, t0));
    assert!(!l.failed(a, t0 + Duration::from_secs(10)));
    assert!(l.failed(a, t0 + Duration::from_secs(20)));
    l.closed(a);
    let until = t0 + Duration::from_secs(60);
    assert_eq!(l.admit(a, t0 + Duration::from_secs(59)), Admission::Blocked { until });
    assert!(l.is_blocked(a, t0 + Duration::from_secs(30)));
    assert_eq!(l.admit(ip("192.0.2.9"), t0 + Duration::from_secs(30)), Admission::Admitted);
    assert_eq!(l.admit(a, until), Admission::Admitted, "a new window");
    assert!(!l.is_blocked(a, until));
}

#[test]
fn failures_in_an_old_window_do_not_add_up() {
    let (mut l, t0) = (limits(16), Instant::now());
    let a = ip("192.0.2.1");
    assert_eq!(l.admit(a, t0), Admission::Admitted);
    l.failed(a, t0);
    l.failed(a, t0);
    let later = t0 + Duration::from_secs(61);
    assert!(!l.failed(a, later), "the old window's failures expired");
    assert!(!l.failed(a, later));
    assert!(l.failed(a, later));
}

#[test]
fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
    let (mut l, now) = (limits(16), Instant::now());
    assert_eq!(l.admit(ip("2001:db8::1"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("2001:db8::2:3"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("2001:db8::ffff"), now), Admission::TooManyUnauthenticated);
    assert_eq!(l.admit(ip("2001:db8:0:1::1"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("::ffff:192.0.2.1"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::Admitted);
    assert_eq!(l.admit(ip("192.0.2.1"), now), Admission::TooManyUnauthenticated);
}

#[test]
fn the_table_stays_bounded_and_keeps_sources_with_connections() {
    let (mut l, now) = (limits(8), Instant::now());
    let held = ip("192.0.2.1");
    assert_eq!(l.admit(held, now), Admission::Admitted);
    assert_eq!(l.admit(held, now), Admission::Admitted);
    for i in 0..10_000u32 {
        let source = IpAddr::V4((0x0a00_0000 + i).into());
        assert_eq!(l.admit(source, now), Admission::Admitted);
        l.failed(source, now);
        l.closed(source);
        assert!(l.len() <= 8, "{} sources remembered", l.len());
    }
    assert_eq!(
        l.admit(held, now),
        Admission::TooManyUnauthenticated,
        "a source holding connections is never forgotten"
    );
}
