//! Portal sync end to end (A1, A2): posternd and the reference portal (postern-portal) as
//! real processes over HTTPS with the portal's CA pinned. The profile is fetched at start,
//! on the interval and on `accs config-fetch update` (an unchanged one costs a 304); a
//! profile that fails validation is refused with the old one kept and the reason shown; a
//! new signing certificate applies without a restart; another CA than the pinned one and
//! a wrong token are named; with the portal down the last good profile is kept, also
//! across a restart of posternd.

mod common;

use common::portal::{TOKEN, setup, setup_without_accs};
use common::{DEADLINE, Daemon, cli, text};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Polls `show accs` until it contains `needle`; returns how long that took.
fn wait_accs(dir: &Path, needle: &str) -> Duration {
    let start = Instant::now();
    loop {
        let shown = text(&cli(dir, "show accs"));
        if shown.contains(needle) {
            return start.elapsed();
        }
        assert!(start.elapsed() < DEADLINE, "show accs never showed {needle:?}; last:\n{shown}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn fetch(dir: &Path) -> std::process::Output {
    cli(dir, "configure terminal ; accs config-fetch update")
}

#[test]
fn profiles_are_fetched_on_the_interval_and_at_once_and_only_valid_ones_apply() {
    let (dir, portal) = setup(5);
    let dir = dir.path();
    let _daemon = Daemon::start(dir, &[]);
    wait_accs(dir, "Profile: revision 1, tenant acme");

    // On the interval: a new revision arrives within one interval (5 s).
    portal.admin(&["bump", "acme"]);
    let took = wait_accs(dir, "Profile: revision 2, tenant acme");
    assert!(took < Duration::from_secs(15), "the interval fetch took {took:?}");

    // A portal change, then a long interval committed: the commit fetches at once (the
    // next interval fetch would be an hour away).
    portal.admin(&[
        "rule",
        "acme",
        "unmanaged-out",
        "--action",
        "deny",
        "--message",
        "Enrol first",
        "--posture",
        "unmanaged",
    ]);
    let commit = text(&cli(dir, "configure terminal ; accs sync-interval 3600 ; commit"));
    assert!(commit.contains("Committed revision") && !commit.contains("next `reload`"), "{commit}");
    let took = wait_accs(dir, "Profile: revision 3, tenant acme");
    assert!(took < Duration::from_secs(5), "the fetch after the commit took {took:?}");

    // Nothing is pending now; a forced fetch gets what changed since.
    portal.admin(&["bump", "acme"]);
    let forced = fetch(dir);
    assert!(forced.status.success(), "{}", text(&forced));
    assert!(
        text(&forced).contains("Profile revision 4 of tenant acme applied: 0 pairings, 1 rules."),
        "{}",
        text(&forced)
    );
    let unchanged = text(&fetch(dir));
    assert!(unchanged.contains("Profile revision 4 is unchanged at the portal."), "a 304: {unchanged}");
    let shown = text(&cli(dir, "show accs"));
    assert!(shown.contains("  unmanaged-out  deny  posture=unmanaged"), "{shown}");
    assert!(shown.contains("Last success: 20") && shown.contains(" UTC ("), "a human time: {shown}");

    // A profile that fails validation: refused, the reason shown, revision 4 kept.
    portal.admin(&["fault", "invalid-profile"]);
    let refused = fetch(dir);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("profile revision 5 refused")
            && text(&refused).contains("saml_signing.private_key_pem"),
        "{}",
        text(&refused)
    );
    let shown = text(&cli(dir, "show accs"));
    assert!(shown.contains("FAILED: profile revision 5 refused") && shown.contains("Profile: revision 4,"), "{shown}");

    // New certificates: applied by the next fetch, no restart.
    let before = portal.signing_fingerprint("acme");
    portal.admin(&["certificates", "acme", "--self-signed"]);
    let after = portal.signing_fingerprint("acme");
    assert_ne!(before, after);
    assert!(fetch(dir).status.success());
    let shown = text(&cli(dir, "show accs"));
    assert!(shown.contains(&format!("SAML signing certificate SHA-256 {after}")), "{shown}");
    assert!(shown.contains("Profile: revision 5,"), "{shown}");

    // The portal's CA is pinned: with another authority the handshake fails.
    let other = dir.join("other-ca.pem");
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=another authority", "-keyout"])
        .arg(dir.join("other-ca-key.pem"))
        .arg("-out")
        .arg(&other)
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", text(&made));
    let pinned = dir.join("portal-certs/ca.pem");
    cli(dir, &format!("configure terminal ; accs ca-file {} ; commit", other.display()));
    let out = text(&fetch(dir));
    assert!(out.contains("TLS handshake") && out.contains("UnknownIssuer"), "{out}");
    cli(dir, &format!("configure terminal ; accs ca-file {} ; commit", pinned.display()));
    assert!(fetch(dir).status.success());

    // A wrong token is named as such; nothing changes.
    std::fs::write(dir.join("portal-token"), "not-the-gateways-token\n").expect("token file");
    let out = text(&fetch(dir));
    assert!(out.contains("refused the gateway's token (401)"), "{out}");
    std::fs::write(dir.join("portal-token"), TOKEN).expect("token file");
    assert!(!text(&cli(dir, "show running-config")).contains(TOKEN), "the token is never shown");
}

#[test]
fn pasted_settings_apply_at_commit_and_the_last_good_profile_outlives_an_outage_and_a_restart() {
    let (dir, mut portal) = setup_without_accs();
    let dir = dir.path();
    let mut daemon = Daemon::start(dir, &[]);
    let ca = std::fs::read_to_string(dir.join("portal-certs/ca.pem")).expect("portal CA");
    let script = format!(
        "configure terminal\naccs import portal-ca\n{ca}quit\naccs import token\n{TOKEN}\nquit\n\
         accs portal https://127.0.0.1:{}\naccs sync-interval 3600\ncommit\nend\n",
        portal.port
    );
    let commit = text(&cli(dir, &script));
    assert!(commit.contains("Committed revision") && !commit.contains("next `reload`"), "{commit}");
    assert!(!commit.contains(TOKEN) && !text(&cli(dir, "show running-config")).contains(TOKEN));
    assert!(text(&cli(dir, "show running-config")).contains("! accs token-file: installed"));
    wait_accs(dir, "Profile: revision 1, tenant acme");
    let fingerprint = portal.signing_fingerprint("acme");
    let kept = dir.join("state/accs/profile.json");
    let mode = std::fs::metadata(&kept).expect("kept profile").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "it holds private keys");

    portal.stop();
    let out = fetch(dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("connecting"), "{}", text(&out));

    drop(daemon);
    daemon = Daemon::start(dir, &[]);
    daemon.line_with("access profile restored");
    wait_accs(dir, "FAILED");
    let shown = text(&cli(dir, "show accs"));
    assert!(shown.contains("Profile: revision 1, tenant acme"), "{shown}");
    assert!(shown.contains(&format!("SAML signing certificate SHA-256 {fingerprint}")), "{shown}");
    assert!(shown.contains("Last success: none since start"), "{shown}");
    #[cfg(feature = "federation")]
    assert!(
        shown.contains("Federation: not served: no listener address is set (accs federation listen)"),
        "nothing pretends the profile is served: {shown}"
    );
    #[cfg(not(feature = "federation"))]
    {
        assert!(
            shown.contains("Federation: not served: this posternd is built without"),
            "nothing pretends the profile is served: {shown}"
        );
        // Settings that would have no effect here are refused, and nothing changes.
        let refused = cli(dir, "configure terminal ; accs federation listen 127.0.0.1:0 ; commit");
        assert!(text(&refused).contains("built without the SAML federation listener"), "{}", text(&refused));
        assert!(!text(&cli(dir, "show running-config")).contains("federation"), "nothing was changed");
    }
}
