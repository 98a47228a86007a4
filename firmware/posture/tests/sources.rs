//! Reading a posture from fixture files: os-release, the dpkg database, the kernel
//! release and the forwarding switch.

use std::path::Path;

use postern_posture::{Sources, gather, parse_dpkg_status, parse_os_release};
use postern_tnc_wire::pa::ForwardingEnabled;

fn fixture(name: &str) -> Sources {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    Sources {
        os_release: dir.join("os-release"),
        dpkg_status: dir.join("status"),
        rpm_list: None,
        kernel_release: dir.join("osrelease"),
        ip_forward: dir.join("ip_forward"),
    }
}

#[test]
fn the_compliant_fixture_reads_as_debian_12_without_forwarding() {
    let report = gather(&fixture("compliant")).expect("reads");
    assert_eq!(
        (report.product.as_str(), report.version.as_str(), report.build.as_str()),
        ("debian", "12", "6.1.0-28-amd64")
    );
    assert_eq!(report.forwarding, ForwardingEnabled::Disabled);
    let names: Vec<&str> = report.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["bash", "openssl", "libc6", "auditd"], "telnetd is only config files, not installed");
    assert_eq!(report.packages[3].version, "1:3.0.9-1");
    assert_eq!(report.default_password, None, "Linux cannot tell");
}

#[test]
fn the_noncompliant_fixture_and_missing_sources() {
    let report = gather(&fixture("noncompliant")).expect("reads");
    assert_eq!(report.version, "11");
    assert_eq!(report.forwarding, ForwardingEnabled::Enabled);
    assert!(report.packages.iter().any(|p| p.name == "telnetd"));
    let mut sources = fixture("compliant");
    sources.ip_forward = "/nonexistent".into();
    assert_eq!(gather(&sources).expect("reads").forwarding, ForwardingEnabled::Unknown);
    sources.dpkg_status = "/nonexistent".into();
    let error = gather(&sources).expect_err("the package database is required").to_string();
    assert!(error.contains("/nonexistent"), "{error}");
}

#[test]
fn an_rpm_list_stands_in_for_the_package_database() {
    let dir = tempfile::tempdir().expect("dir");
    let list = dir.path().join("rpm-qa.txt");
    std::fs::write(
        &list,
        "openssl 1:3.0.7-27.el9
telnet-server 1:0.17-85.el9
",
    )
    .expect("list");
    let mut sources = fixture("compliant");
    sources.rpm_list = Some(list.clone());
    sources.dpkg_status = "/nonexistent".into();
    let report = gather(&sources).expect("reads the list, not dpkg");
    let names: Vec<&str> = report.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["openssl", "telnet-server"]);
    assert_eq!(sources.packages_file(), list.as_path());
    std::fs::write(
        &list, "openssl
",
    )
    .expect("broken");
    let error = gather(&sources).expect_err("a malformed line").to_string();
    assert!(error.contains("rpm-qa.txt: line 1"), "{error}");
}

#[test]
fn os_release_quoting_and_defaults() {
    let release =
        parse_os_release("# comment\nID=\"Ubuntu\"\nVERSION_ID='22.04'\nNAME=\"a \\\"quoted\\\" name\"\nbroken line\n");
    assert_eq!((release.id.as_str(), release.version_id.as_str()), ("ubuntu", "22.04"));
    assert_eq!(parse_os_release("").id, "linux", "os-release(5): ID defaults to linux");
}

#[test]
fn dpkg_stanzas_need_install_ok_installed() {
    let text = "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: purge ok not-installed\nVersion: 2\n\nPackage: c\nStatus: install ok installed\n\n";
    let packages = parse_dpkg_status(text);
    assert_eq!(packages.len(), 1, "b is not installed, c has no version");
    assert_eq!(packages[0].name, "a");
}
