//! Realms and roles (H4), end to end with posternd, `postern-posture` on the fixture
//! images, curl for ActiveSync and AppTunnel: a user gets a role without a check where
//! one opens the resource, a role with a check admits only after its policy passed, a
//! user no role maps is refused `no-role`; a realm policy refuses every resource, the
//! AppTunnel before the UEM is asked, until the device passes it.

mod common;

use common::posture::{fixtures, posture, server_pki, start_on_any_port};
use common::proxy::{
    ALLOWED_QUERY, activesync, apptunnel_section, backend, device_pki, port_from, through_tunnel, write_config,
};
use common::{cli, text};
use std::path::Path;
use std::time::{Duration, Instant};

const POLICY: &str = r#"
[host_checker]
enabled = true
EXTRA

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
required = ["openssl >= 3.0.15"]
"#;

const STAFF: &str = r#"
[[host_checker.roles]]
name = "staff"
policies = ["debian-baseline"]
services = ["crm"]
activesync = true
users = ["*@example.com"]
"#;

/// The demo UEM's allowed phone is alice@example.com's, UEM device uem-0001.
const DEVICE: &str = "uem-0001";

fn reason(head: &str) -> Option<&str> {
    head.lines().find_map(|l| l.strip_prefix("x-postern-reason: ")).map(str::trim)
}

/// Polls `probe` until it gives `want`: a commit applies at once, so a probe begun within
/// a second of it sees the change.
fn until<T: PartialEq + std::fmt::Debug>(want: T, probe: impl Fn() -> T) {
    let start = Instant::now();
    loop {
        let began = start.elapsed();
        let got = probe();
        if got == want {
            assert!(began < Duration::from_secs(1), "{want:?} only after {began:?}");
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "still {got:?}, wanted {want:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Commits `script`; roles and realm policies wait for no `reload`.
fn commit(dir: &Path, script: &str) {
    let out = text(&cli(dir, &format!("configure terminal ; {script} ; commit")));
    assert!(out.contains("Committed revision") && !out.contains("Applies at the next"), "{out}");
}

#[test]
fn a_user_gets_a_role_without_a_check_where_one_exists_and_a_checked_role_after_its_policy_passed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &[DEVICE]);
    let back = backend(dir);
    let config = format!("{}{}{STAFF}", apptunnel_section(dir, back.port), POLICY.replace("EXTRA", ""));
    write_config(dir, back.port, &config);
    let (mut daemon, hc_port) =
        start_on_any_port(dir, &["--listen", "127.0.0.1:0", "--apptunnel-listen", "127.0.0.1:0"]);
    let mail = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
    let url = format!("http://127.0.0.1:{}/crm", back.port);
    let sync = || {
        let (status, head) = activesync(dir, mail, ALLOWED_QUERY);
        (status.split_whitespace().nth(1).unwrap_or_default().to_owned(), reason(&head).map(str::to_owned))
    };
    let tunnel = || {
        // Plain HTTP proxying shows the refusal's reason as the body; CONNECT is checked
        // for its status where it is admitted.
        let (status, body) = through_tunnel(dir, tunnels, DEVICE, &url, false);
        (status, body.trim().to_owned())
    };
    let refused = |why: &str| ("403".to_owned(), Some(why.to_owned()));

    // Only the staff role opens mail and crm; alice (the device's user, from her phone's
    // ActiveSync record for the tunnel) has not passed its policy.
    assert_eq!(sync(), refused("posture-failed:debian-baseline"));
    assert_eq!(tunnel(), ("403".to_owned(), "posture-failed:debian-baseline".to_owned()));

    // A second role without a check, mapped to alice: she gets it, never assessed.
    commit(dir, "host-checker role kiosk ; service crm ; activesync ; user alice@example.com ; exit");
    until(("200".to_owned(), None), sync);
    assert_eq!(tunnel().0, "200");
    assert_eq!(through_tunnel(dir, tunnels, DEVICE, &url, true).0, "200");
    let roles = text(&cli(dir, "show host-checker roles"));
    assert!(roles.contains("role kiosk") && roles.contains("policies: none (no check)"), "{roles}");

    // Without it, and with staff mapped to another domain, no role of hers opens them.
    commit(
        dir,
        "no host-checker role kiosk ; host-checker role staff ; no user *@example.com ; user *@corp.example ; exit",
    );
    until(refused("no-role"), sync);
    assert_eq!(tunnel(), ("403".to_owned(), "no-role".to_owned()));

    // Staff again, and the device assessed compliant: admitted through staff.
    commit(dir, "host-checker role staff ; no user *@corp.example ; user *@example.com ; exit");
    until(refused("posture-failed:debian-baseline"), sync);
    let ok = posture(dir, hc_port, DEVICE, "compliant", &fixtures("compliant").join("status"), "1.3");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert_eq!(sync(), ("200".to_owned(), None));
    assert_eq!(tunnel().0, "200");

    // A failed assessment refuses it again.
    let bad = posture(dir, hc_port, DEVICE, "noncompliant", &fixtures("noncompliant").join("status"), "1.3");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert_eq!(sync(), refused("posture-failed:debian-baseline"));
    assert_eq!(tunnel().1, "posture-failed:debian-baseline");

    // After a restart, before any ActiveSync request, the tunnel's user is found in the
    // device cache: still alice, so still staff's refusal (an unknown user: no-role).
    drop(daemon);
    let (mut daemon, _) = start_on_any_port(dir, &["--listen", "127.0.0.1:0", "--apptunnel-listen", "127.0.0.1:0"]);
    let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
    let (status, body) = through_tunnel(dir, tunnels, DEVICE, &url, false);
    assert_eq!((status.as_str(), body.trim()), ("403", "posture-failed:debian-baseline"));
}

#[test]
fn a_realm_policy_refuses_every_resource_before_the_uem_until_the_device_passes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &[DEVICE]);
    let back = backend(dir);
    let realm = POLICY.replace("EXTRA", "realm_policies = [\"debian-baseline\"]");
    write_config(dir, back.port, &format!("{}{realm}", apptunnel_section(dir, back.port)));
    let (mut daemon, hc_port) =
        start_on_any_port(dir, &["--listen", "127.0.0.1:0", "--apptunnel-listen", "127.0.0.1:0"]);
    let mail = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
    let url = format!("http://127.0.0.1:{}/crm", back.port);

    // No role guards crm, but the realm does: refused before the UEM is asked.
    let (status, body) = through_tunnel(dir, tunnels, DEVICE, &url, false);
    assert_eq!((status.as_str(), body.trim()), ("403", "posture-failed:debian-baseline"));
    assert_eq!(through_tunnel(dir, tunnels, DEVICE, &url, true).0, "403");
    assert!(daemon.wait_for("AppTunnel refused: the device has not passed a realm policy").contains("device=uem-0001"));
    assert!(!daemon.logged("first AppTunnel access decided"), "the UEM was asked before the realm check");
    let (_, head) = activesync(dir, mail, ALLOWED_QUERY);
    assert_eq!(reason(&head), Some("posture-failed:debian-baseline"), "{head}");

    // Passed: both resources open.
    let ok = posture(dir, hc_port, DEVICE, "compliant", &fixtures("compliant").join("status"), "1.3");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert_eq!(through_tunnel(dir, tunnels, DEVICE, &url, true).0, "200");
    assert!(daemon.wait_for("first AppTunnel access decided").contains("device=uem-0001"));
    let (status, head) = activesync(dir, mail, ALLOWED_QUERY);
    assert!(status.contains("200"), "{head}");

    // Failed again: its connections are cut and every resource refused.
    let bad = posture(dir, hc_port, DEVICE, "noncompliant", &fixtures("noncompliant").join("status"), "1.3");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(daemon.wait_for("posture failed: live connections cut").contains("policy=debian-baseline"));
    let (status, body) = through_tunnel(dir, tunnels, DEVICE, &url, false);
    assert_eq!((status.as_str(), body.trim()), ("403", "posture-failed:debian-baseline"));
    let (_, head) = activesync(dir, mail, ALLOWED_QUERY);
    assert_eq!(reason(&head), Some("posture-failed:debian-baseline"), "{head}");
    // No webhook is configured: failed checks are not queued for one (the queue's
    // segment files are made by its first record).
    let queued: Vec<_> = std::fs::read_dir(dir.join("state/host-checker/webhook"))
        .map(|entries| {
            entries.flatten().map(|e| e.file_name()).filter(|n| n.to_string_lossy().ends_with(".seg")).collect()
        })
        .unwrap_or_default();
    assert!(queued.is_empty(), "queued for no webhook: {queued:?}");

    // Without the realm policy, and no role guarding crm, the UEM decides at once.
    commit(dir, "no host-checker realm-policy debian-baseline");
    until("200".to_owned(), || through_tunnel(dir, tunnels, DEVICE, &url, true).0);
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");
}
