//! The Host Checker's patch list end to end (H2): pasted in the CLI with its SHA-256, or
//! fetched from an HTTPS staging server (Python's file server on a real socket) trusting
//! only the pinned CA; an older version never replaces a newer one; a failed fetch keeps
//! the last good list and says so; the list survives a restart. A policy monitoring a
//! patch passes or fails `postern-posture`'s fixture endpoints by the list in use.

mod common;

use common::posture::{fixtures, posture, server_pki, staging_server, start_on_any_port};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{cli, text};
use std::path::Path;
use std::process::Command;

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "debian-patches"
platforms = ["linux:debian"]
min_os_version = "11"
"#;

/// A patch list of `version` whose DSA-5678-1 fixes openssl in `fixed`, in lines without
/// white space at either end (the CLI trims pasted lines; the digest is of the file).
fn patch_list(version: u64, fixed: &str) -> String {
    format!(
        r#"{{"format": "postern-patch-list/1", "version": {version}, "products": [
{{"platform": "linux:debian", "name": "openssl", "patches": [
{{"id": "DSA-5678-1", "fixed_version": "{fixed}", "severity": "high", "url": "https://security.example/dsa-5678"}}]}}]}}
"#
    )
}

/// The SHA-256 of `path` as `sha256sum` prints it.
fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    text(&out).split_whitespace().next().expect("digest").to_owned()
}

/// Pastes the list at `path` with `digest` in the CLI.
fn import(dir: &Path, path: &Path, digest: &str) -> std::process::Output {
    let document = std::fs::read_to_string(path).expect("list");
    cli(dir, &format!("configure terminal\nhost-checker import patch-list {digest}\n{document}quit\nend\n"))
}

/// The collector's verdict for `device` on fixture `image`.
fn verdict(dir: &Path, port: u16, device: &str, image: &str) -> String {
    text(&posture(dir, port, device, image, &fixtures(image).join("status"), "1.3"))
}

#[test]
fn a_patch_list_pasted_or_fetched_decides_patch_monitoring_and_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-ok", "dev-bad"]);
    write_config(dir, 9, &format!("{}{POLICY}", apptunnel_section(dir, 9)));
    let (mut daemon, port) = start_on_any_port(dir, &[]);

    // Patch monitoring commits now; with no list, every endpoint fails it.
    let commit = text(&cli(
        dir,
        "configure terminal ; host-checker policy debian-patches ; monitor-patch DSA-5678-1 ; exit ; commit",
    ));
    assert!(commit.contains("Committed revision"), "{commit}");
    daemon.wait_for("Host Checker policies changed by a commit");
    let none = text(&cli(dir, "show host-checker patch-list"));
    assert!(none.contains("No patch list is in use"), "{none}");
    let denied = verdict(dir, port, "dev-ok", "compliant");
    assert!(denied.contains("Access: denied") && denied.contains("no patch list has been imported"), "{denied}");

    // Pasted with a wrong digest: refused, nothing in use; with its own: in use at once.
    let v2 = dir.join("v2.json");
    std::fs::write(&v2, patch_list(2, "3.0.15-1~deb12u1")).expect("v2");
    let wrong = import(dir, &v2, &"0".repeat(64));
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(text(&wrong).contains("the patch list in use is unchanged"), "{}", text(&wrong));
    let pasted = import(dir, &v2, &sha256sum(&v2));
    assert!(text(&pasted).contains("Patch list version 2 (1 advisories"), "{}", text(&pasted));
    let shown = text(&cli(dir, "show host-checker patch-list"));
    assert!(
        shown.contains("Patch list version 2, 1 advisories, imported") && shown.contains("from the CLI"),
        "{shown}"
    );
    let ok = verdict(dir, port, "dev-ok", "compliant");
    assert!(ok.contains("Access: allowed"), "openssl 3.0.15-1~deb12u1 carries DSA-5678-1:\n{ok}");
    let bad = verdict(dir, port, "dev-bad", "noncompliant");
    assert!(
        bad.lines().any(|l| l.starts_with(
            "Remediation: debian-patches (patch:DSA-5678-1): openssl 1.1.1w-0+deb11u1 lacks DSA-5678-1 (important)"
        ) && l.ends_with("https://security.example/dsa-5678")),
        "{bad}"
    );

    // Ignoring its severity (important) passes the old openssl too.
    let ignore = "configure terminal ; host-checker policy debian-patches ; ignore-severity important ; exit ; commit";
    assert!(text(&cli(dir, ignore)).contains("Committed revision"));
    daemon.wait_for("Host Checker policies changed by a commit");
    let ignored = verdict(dir, port, "dev-bad", "noncompliant");
    assert!(ignored.contains("Access: allowed"), "{ignored}");
    let strict =
        "configure terminal ; host-checker policy debian-patches ; no ignore-severity important ; exit ; commit";
    assert!(text(&cli(dir, strict)).contains("Committed revision"));
    daemon.wait_for("Host Checker policies changed by a commit");

    // Fetched from the staging server: version 3 moves the fix past the compliant image.
    let files = dir.join("staging");
    std::fs::create_dir_all(&files).expect("staging dir");
    let v3 = files.join("patches.json");
    std::fs::write(&v3, patch_list(3, "3.0.16-1~deb12u1")).expect("v3");
    std::fs::write(files.join("patches.json.sha256"), format!("{}  patches.json\n", sha256sum(&v3))).expect("digest");
    let staging = staging_server(dir, &files);
    let url = format!("https://127.0.0.1:{}/patches.json", staging.port);
    let ca = dir.join("backend-tls/ca.pem");
    let commit = text(&cli(
        dir,
        &format!(
            "configure terminal ; host-checker patch-list url {url} ; host-checker patch-list ca-file {} ; host-checker patch-list interval 5 ; commit",
            ca.display()
        ),
    ));
    assert!(commit.contains("Committed revision"), "{commit}");
    let fetched = daemon.wait_for("patch list fetched");
    assert!(fetched.contains("version 3"), "{fetched}");
    let shown = text(&cli(dir, "show host-checker patch-list"));
    assert!(
        shown.contains("Patch list version 3, 1 advisories, imported") && shown.contains(&format!("from {url}")),
        "{shown}"
    );
    let now_denied = verdict(dir, port, "dev-ok", "compliant");
    assert!(
        now_denied.contains("Access: denied") && now_denied.contains("Upgrade openssl to 3.0.16-1~deb12u1 or later."),
        "{now_denied}"
    );

    // An older version is refused, pasted or fetched.
    let older = import(dir, &v2, &sha256sum(&v2));
    assert!(text(&older).contains("version 2 is older than version 3 in use"), "{}", text(&older));

    // A list that does not match its digest is refused at the next fetch; then the server
    // goes away. Both failures keep version 3 and say so.
    std::fs::write(&v3, patch_list(4, "9")).expect("v4");
    let failed = daemon.wait_for("patch list fetch failed");
    assert!(failed.contains("SHA-256"), "{failed}");
    let shown = text(&cli(dir, "show host-checker patch-list"));
    assert!(shown.contains("Patch list version 3") && shown.contains("FAILED: the document's SHA-256"), "{shown}");
    assert!(shown.contains("the last good list stays in use"), "{shown}");
    drop(staging);
    // (A digest failure may still be logged before the first refused connection.)
    while !daemon.wait_for("patch list fetch failed").contains("connecting") {}

    // Kept across a restart.
    drop(daemon);
    let (_daemon, port) = start_on_any_port(dir, &[]);
    let shown = text(&cli(dir, "show host-checker patch-list"));
    assert!(shown.contains("Patch list version 3, 1 advisories, imported") && shown.contains(&url), "{shown}");
    let still = verdict(dir, port, "dev-ok", "compliant");
    assert!(still.contains("Upgrade openssl to 3.0.16-1~deb12u1 or later."), "{still}");
}
