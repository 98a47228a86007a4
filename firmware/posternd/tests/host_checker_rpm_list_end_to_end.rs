//! `postern-posture --rpm-list`: an endpoint whose packages come from an `rpm -qa`
//! export (the RPM database itself is not read) is checked by the real posternd.

mod common;

use common::posture::{fixtures, posture_binary, server_pki, start_on_any_port};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::text;
use std::process::Command;

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "rhel-baseline"
platforms = ["linux:rhel"]
required = ["openssl >= 1:3.0.7"]
forbidden = ["telnet-server"]
"#;

#[test]
fn an_rpm_list_reports_the_packages_of_an_rpm_system() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-rpm"]);
    write_config(dir, 9, &format!("{}{POLICY}", apptunnel_section(dir, 9)));
    let (_daemon, port) = start_on_any_port(dir, &[]);
    std::fs::write(dir.join("os-release"), "ID=rhel\nVERSION_ID=\"9.4\"\n").expect("os-release");
    let list = dir.join("rpm-qa.txt");
    let check = |packages: &str| {
        std::fs::write(&list, packages).expect("list");
        let fixture = fixtures("compliant");
        let out = Command::new(posture_binary())
            .args(["--server", &format!("127.0.0.1:{port}"), "--server-name", "localhost"])
            .arg("--ca")
            .arg(dir.join("server-ca.pem"))
            .arg("--cert")
            .arg(dir.join("dev-rpm.pem"))
            .arg("--key")
            .arg(dir.join("dev-rpm-key.pem"))
            .arg("--os-release")
            .arg(dir.join("os-release"))
            .arg("--rpm-list")
            .arg(&list)
            .arg("--dpkg-status")
            .arg("/nonexistent")
            .arg("--kernel-release")
            .arg(fixture.join("osrelease"))
            .arg("--ip-forward")
            .arg(fixture.join("ip_forward"))
            .output()
            .expect("postern-posture runs");
        (out.status.code(), text(&out))
    };
    let (code, out) = check("openssl 1:3.0.7-27.el9\nbash 0:5.1.8-9.el9\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2 packages") && out.contains("Access: allowed"), "{out}");
    let (code, out) = check("openssl 1:3.0.7-27.el9\ntelnet-server 1:0.17-85.el9\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("rhel-baseline (forbidden:telnet-server)"), "{out}");
    let (code, out) = check("openssl\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("line 1: \"openssl\" is not NAME VERSION"), "{out}");
}
