//! End-to-end tests of `postern-uem` as a real process over HTTPS.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{TOKEN, Uem, text};
use postern_uem_api::{ComplianceChanges, DeviceLookup, WireAction, WireStatus, decode};
use std::time::{Duration, Instant};

fn enrol(uem: &Uem, id: &str, eas: &str, user: &str) {
    uem.admin(&["enrol", "--uem-id", id, "--activesync-id", eas, "--user", user, "--platform", "ios"]);
}

#[tokio::test]
async fn an_enrolled_device_is_found_by_activesync_id_and_by_user() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    enrol(&uem, "dev-1", "ABCDEF0123", "Alice@Example.com");
    enrol(&uem, "dev-2", "ZZZ999", "bob@example.com");

    let (status, body) = uem.call("GET", "/api/v1/devices/lookup?activesync_id=ABCDEF0123", Some(TOKEN), None).await;
    assert_eq!(status, 200);
    let found: DeviceLookup = decode(&body, 1 << 20).unwrap();
    let ids: Vec<_> = found.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["dev-1"]);

    let (_, body) = uem.call("GET", "/api/v1/devices/lookup?user=bob%40example.com", Some(TOKEN), None).await;
    let found: DeviceLookup = decode(&body, 1 << 20).unwrap();
    let ids: Vec<_> = found.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["dev-2"]);
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_401_with_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    for token in [Some("not-the-token"), None] {
        let (status, body) = uem.call("GET", "/api/v1/settings", token, None).await;
        assert_eq!(status, 401);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(text(&v, "error"), "unauthorized");
    }
    let (status, _) = uem.call("POST", "/api/v1/gateways/gw2/register", Some(TOKEN), None).await;
    assert_eq!(status, 403, "gw1's token cannot register gw2");
    let (status, _) = uem.call("POST", "/api/v1/gateways/gw1/register", Some(TOKEN), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_compliance_change_ends_a_held_long_poll_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    enrol(&uem, "dev-1", "ABC1", "alice@example.com");
    let (_, full) = uem.get_json("/api/v1/compliance/changes").await;
    assert_eq!(full["full"], true);
    let cursor = text(&full, "cursor");

    let admin_port = uem.admin_port;
    let state = uem.dir.join("state.json");
    let changer = std::thread::spawn(move || {
        // Gives the pull time to be held; if it arrived after the change it would still
        // carry it, so nothing below depends on this being long enough.
        std::thread::sleep(Duration::from_millis(500));
        let sent = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_postern-uem"))
            .args(["admin", "--url", &format!("http://127.0.0.1:{admin_port}")])
            .arg("--state")
            .arg(&state)
            .args(["status", "dev-1", "noncompliant", "--action", "block"])
            .output()
            .unwrap();
        assert!(out.status.success());
        sent
    });
    let (status, body) =
        uem.call("GET", &format!("/api/v1/compliance/changes?cursor={cursor}&wait=30"), Some(TOKEN), None).await;
    let answered = Instant::now();
    let sent = changer.join().unwrap();
    assert_eq!(status, 200);
    let page: ComplianceChanges = decode(&body, 1 << 20).unwrap();
    assert!(!page.full);
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].status, WireStatus::Noncompliant { action: WireAction::Block });
    let latency = answered.duration_since(sent);
    println!(
        "long-poll: change ordered -> held request answered in {latency:?} (includes the admin command's start-up)"
    );
    assert!(latency < Duration::from_secs(2), "took {latency:?}");
}

#[tokio::test]
async fn cursors_are_incremental_and_trimmed_ones_get_410() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &["--log-limit", "3"]);
    enrol(&uem, "dev-1", "ABC1", "a@example.com");
    let (_, full) = uem.get_json("/api/v1/compliance/changes").await;
    let first = text(&full, "cursor");

    uem.admin(&["status", "dev-1", "noncompliant", "--action", "email"]);
    let (status, page) = uem.get_json(&format!("/api/v1/compliance/changes?cursor={first}")).await;
    assert_eq!(status, 200);
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1));
    let second = text(&page, "cursor");
    let (status, page) = uem.get_json(&format!("/api/v1/compliance/changes?cursor={second}&wait=0")).await;
    assert_eq!(status, 200);
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(0), "nothing new");

    for _ in 0..3 {
        uem.admin(&["block", "dev-1"]);
    }
    let (status, err) = uem.get_json(&format!("/api/v1/compliance/changes?cursor={first}")).await;
    assert_eq!(status, 410, "the first cursor's entries were trimmed");
    assert_eq!(text(&err, "error"), "cursor_gone");
    let (status, _) = uem.get_json("/api/v1/compliance/changes?cursor=c-0000000000000000-1").await;
    assert_eq!(status, 410, "a cursor of another epoch");
    let (status, _) = uem.get_json(&format!("/api/v1/tunnels/actions?cursor={second}")).await;
    assert_eq!(status, 410, "a compliance cursor is not an actions cursor");
}

#[tokio::test]
async fn state_and_cursors_survive_a_kill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut uem = Uem::start(dir.path(), &[]);
    enrol(&uem, "dev-1", "ABC1", "a@example.com");
    uem.admin(&["block-tunnel", "dev-1", "--app", "com.example.mail", "--service", "intranet"]);
    let (_, full) = uem.get_json("/api/v1/compliance/changes").await;
    let cursor = text(&full, "cursor");
    let (_, actions) = uem.get_json("/api/v1/tunnels/actions").await;
    assert_eq!(actions["actions"].as_array().map(Vec::len), Some(1));
    uem.kill();
    drop(uem);

    let uem = Uem::start(dir.path(), &[]);
    let devices = uem.admin(&["devices"]);
    assert!(devices.contains("\"dev-1\""), "{devices}");
    let (status, page) = uem.get_json(&format!("/api/v1/compliance/changes?cursor={cursor}")).await;
    assert_eq!(status, 200, "the old cursor is still valid: {page}");
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(0));
    uem.admin(&["wipe", "dev-1"]);
    let (_, page) = uem.get_json(&format!("/api/v1/compliance/changes?cursor={cursor}")).await;
    assert_eq!(page["changes"][0]["status"]["state"], "wiped");
    let (_, actions) = uem.get_json("/api/v1/tunnels/actions").await;
    assert_eq!(actions["actions"][0]["app_id"], "com.example.mail");
}

#[tokio::test]
async fn oversize_bodies_get_413_and_garbage_json_gets_400() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    // curl sends `Expect: 100-continue` for a large body, so the early 413 arrives
    // before the body is sent, as with a well-behaved gateway client.
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 2 * 1024 * 1024]).unwrap();
    let out = std::process::Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(dir.path().join("certs/ca.pem"))
        .args(["-H", &format!("Authorization: Bearer {TOKEN}"), "-H", "Content-Type: application/json"])
        .arg("--data-binary")
        .arg(format!("@{}", big.display()))
        .args(["-w", "\n%{http_code}"])
        .arg(format!("https://localhost:{}/api/v1/apptunnels/authorise", uem.port))
        .output()
        .expect("run curl");
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = out.rsplit_once('\n').unwrap();
    assert_eq!(status, "413", "{out}");
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(text(&v, "error"), "payload_too_large");

    for garbage in [&b"{\"uem_device_id\": "[..], b"not json", b"{\"kind\":\"x\"}"] {
        let (status, body) =
            uem.call("POST", "/api/v1/apptunnels/authorise", Some(TOKEN), Some(garbage.to_vec())).await;
        assert_eq!(status, 400);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(text(&v, "error"), "bad_request");
    }
    let entry = br#"{"entries":[{"kind":"teleport","state":"allowed"}]}"#;
    let (status, _) = uem.call("PUT", "/api/v1/gateways/gw1/inventory", Some(TOKEN), Some(entry.to_vec())).await;
    assert_eq!(status, 400, "unknown enum value");
}

#[tokio::test]
async fn inventories_reach_the_admin_and_show_as_tunnels_on_other_gateways() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    uem.admin(&["token", "gw2", "gw2-secret-token"]);
    let inventory =
        br#"{"entries":[{"kind":"activesync","activesync_id":"NEW1","user":"c@example.com","state":"allowed"}]}"#;
    let (status, _) =
        uem.call("PUT", "/api/v1/gateways/gw2/inventory", Some("gw2-secret-token"), Some(inventory.to_vec())).await;
    assert_eq!(status, 204);
    assert!(uem.admin(&["inventory"]).contains("NEW1"));
    let (_, found) = uem.get_json("/api/v1/devices/lookup?activesync_id=NEW1").await;
    assert_eq!(found["unregistered_tunnels"][0]["gateway_id"], "gw2");
    let (_, own) = uem.call("GET", "/api/v1/devices/lookup?activesync_id=NEW1", Some("gw2-secret-token"), None).await;
    let own: DeviceLookup = decode(&own, 1 << 20).unwrap();
    assert!(own.unregistered_tunnels.is_empty(), "a gateway's own tunnels are not listed");
}

async fn push(uem: &Uem, gateway: &str, token: &str, body: &str) -> u16 {
    let path = format!("/api/v1/gateways/{gateway}/inventory");
    uem.call("PUT", &path, Some(token), Some(body.as_bytes().to_vec())).await.0
}

/// The gateway each device is listed on by `holders`, in order.
fn holders(uem: &Uem) -> Vec<(String, String)> {
    let listed: serde_json::Value = serde_json::from_str(&uem.admin(&["holders"])).unwrap();
    let listed = listed.as_array().cloned().unwrap_or_default();
    listed.iter().map(|h| (text(h, "activesync_id"), text(h, "gateway_id"))).collect()
}

#[tokio::test]
async fn a_lapsed_hold_hands_the_device_over_and_the_merged_inventory_lists_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    uem.admin(&["token", "gw2", "gw2-secret-token"]);
    uem.admin(&["token", "gw3", "gw3-secret-token"]);
    let moving = r#"{"kind":"activesync","activesync_id":"MOVE1","user":"m@example.com","state":"allowed"}"#;
    let staying = r#"{"kind":"activesync","activesync_id":"STAY2","user":"s@example.com","state":"allowed"}"#;
    // gw2 holds MOVE1 for 2 s unless it pushes again.
    let held = format!(r#"{{"hold_secs":2,"entries":[{moving}]}}"#);
    assert_eq!(push(&uem, "gw2", "gw2-secret-token", &held).await, 204);
    let (_, found) = uem.get_json("/api/v1/devices/lookup?activesync_id=MOVE1").await;
    assert_eq!(
        found["unregistered_tunnels"][0]["gateway_id"], "gw2",
        "held on gw2: allowed on another gateway for gw1"
    );
    // gw3 has its own device; an out-of-range hold is refused and stores nothing.
    let own = format!(r#"{{"hold_secs":600,"entries":[{staying}]}}"#);
    assert_eq!(push(&uem, "gw3", "gw3-secret-token", &own).await, 204);
    let too_long = format!(r#"{{"hold_secs":86401,"entries":[{moving}]}}"#);
    assert_eq!(push(&uem, "gw3", "gw3-secret-token", &too_long).await, 400);
    assert_eq!(holders(&uem), [("MOVE1".into(), "gw2".into()), ("STAY2".into(), "gw3".into())]);

    // gw2 goes silent: once its hold lapses the device is no longer held anywhere.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (_, found) = uem.get_json("/api/v1/devices/lookup?activesync_id=MOVE1").await;
    assert_eq!(found["unregistered_tunnels"], serde_json::json!([]), "a lapsed hold still refuses the device");
    assert_eq!(holders(&uem), [("STAY2".into(), "gw3".into())]);

    // gw3 takes it over. Then gw2 comes back still reporting it from its cache: the
    // device is still listed once, on the gateway whose report came last (the rule, and
    // its limit, in the README).
    let both = format!(r#"{{"hold_secs":600,"entries":[{staying},{moving}]}}"#);
    assert_eq!(push(&uem, "gw3", "gw3-secret-token", &both).await, 204);
    assert_eq!(holders(&uem), [("MOVE1".into(), "gw3".into()), ("STAY2".into(), "gw3".into())]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(push(&uem, "gw2", "gw2-secret-token", &held.replace(":2,", ":600,")).await, 204);
    assert_eq!(holders(&uem), [("MOVE1".into(), "gw2".into()), ("STAY2".into(), "gw3".into())]);
}

#[tokio::test]
async fn fault_hooks_fail_the_next_answers_then_stop() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &["--faults"]);
    uem.admin(&["fault", "status500", "--count", "2"]);
    assert_eq!(uem.get_json("/api/v1/settings").await.0, 500);
    assert_eq!(uem.get_json("/api/v1/settings").await.0, 500);
    assert_eq!(uem.get_json("/api/v1/settings").await.0, 200);

    uem.admin(&["fault", "garbage"]);
    let (status, body) = uem.call("GET", "/api/v1/settings", Some(TOKEN), None).await;
    assert_eq!(status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());

    uem.admin(&["fault", "slow", "--secs", "1"]);
    let start = Instant::now();
    assert_eq!(uem.get_json("/api/v1/settings").await.0, 200);
    assert!(start.elapsed() >= Duration::from_secs(1));

    let (_, full) = uem.get_json("/api/v1/compliance/changes").await;
    let cursor = text(&full, "cursor");
    uem.admin(&["fault", "refuse-cursors"]);
    let path = format!("/api/v1/compliance/changes?cursor={cursor}");
    assert_eq!(uem.get_json(&path).await.0, 410);
    uem.admin(&["fault", "refuse-cursors", "--off"]);
    assert_eq!(uem.get_json(&path).await.0, 200);
}
