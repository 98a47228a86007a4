//! Full snapshots over several pages: `@odata.nextLink` followed verbatim, bounded.

mod common;

use common::{Answer, FakeGraph, LIST, device, page};
use postern_decision::{ComplianceAction, UemStatus};
use postern_uem_connector::{UemConnector, UemError};
use postern_uem_graph::GraphLimits;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Opaque skiptokens as Graph writes them: percent-escapes, quotes and `$top` that a
/// client must not re-encode, reorder or rebuild.
const PAGE2: &str = "/v1.0/deviceManagement/managedDevices?$select=id,userPrincipalName,easDeviceId,complianceState,exchangeAccessState,operatingSystem&$skiptoken=RFNwdAIAAQAAAD8%3AUser_3a1f%2B%2Fb%3D%3D";
const PAGE3: &str = "/v1.0/deviceManagement/managedDevices?$top=2&$skiptoken=X%2744537074020001000000%27&$select=id,userPrincipalName,easDeviceId,complianceState,exchangeAccessState,operatingSystem";

fn three_pages(port: u16, flipped: Arc<AtomicBool>) -> impl Fn(&common::Seen, &common::State) -> Answer {
    move |seen, _| {
        let link = |p: &str| format!("https://127.0.0.1:{port}{p}");
        match seen.target.as_str() {
            LIST => Answer::json(page(
                &[
                    device("d-1", "Ann@Example.com", Some("ApplF17XAAAA"), "compliant", "allowed"),
                    device("d-2", "bob@example.com", Some("androidc1234"), "noncompliant", "none"),
                ],
                Some(&link(PAGE2)),
            )),
            PAGE2 => Answer::json(page(
                &[device("d-3", "cy@example.com", None, "inGracePeriod", "quarantined")],
                Some(&link(PAGE3)),
            )),
            PAGE3 => {
                let state = if flipped.load(Ordering::SeqCst) { "noncompliant" } else { "compliant" };
                Answer::json(page(
                    &[
                        device("d-4", "dee@example.com", Some("WP8X"), state, "blocked"),
                        device("d-5", "eve@example.com", None, state, "unknown"),
                    ],
                    None,
                ))
            }
            _ => Answer::Plain(
                400,
                Vec::new(),
                br#"{"error":{"code":"BadRequest","message":"unexpected target"}}"#.to_vec(),
            ),
        }
    }
}

#[tokio::test]
async fn a_full_snapshot_follows_every_next_link_verbatim() {
    let flipped = Arc::new(AtomicBool::new(false));
    let fake = FakeGraph::start_port_aware(|port| three_pages(port, flipped.clone())).await;
    let uem = fake.connector();

    let snap = uem.compliance_changes(None, Duration::from_secs(30)).await.expect("snapshot");
    let targets: Vec<String> = fake.state.graph_requests().into_iter().map(|s| s.target).collect();
    assert_eq!(targets, [LIST, PAGE2, PAGE3]);
    assert!(snap.full);
    let statuses: Vec<(String, UemStatus)> =
        snap.changes.iter().map(|c| (c.uem_device_id.as_str().to_owned(), c.uem_status())).collect();
    assert_eq!(
        statuses,
        [
            ("d-1".to_owned(), UemStatus::Compliant),
            ("d-2".to_owned(), UemStatus::NonCompliant(ComplianceAction::Block)),
            ("d-3".to_owned(), UemStatus::NonCompliant(ComplianceAction::Quarantine)),
            ("d-4".to_owned(), UemStatus::Blocked),
            ("d-5".to_owned(), UemStatus::Compliant),
        ]
    );
    assert_eq!(snap.changes[0].user.as_ref().map(|u| u.as_str()), Some("ann@example.com"));
    assert_eq!(snap.changes[0].activesync_id.as_ref().map(|e| e.as_str()), Some("ApplF17XAAAA"));
    assert_eq!(snap.changes[2].activesync_id, None);

    // The same devices in the same states name the same cursor; a change names another.
    let again = uem.compliance_changes(Some(&snap.cursor), Duration::from_secs(30)).await.expect("again");
    assert_eq!(again.cursor, snap.cursor);
    assert!(again.full, "Graph has no change feed: every pull is a full snapshot");
    flipped.store(true, Ordering::SeqCst);
    let changed = uem.compliance_changes(Some(&snap.cursor), Duration::from_secs(30)).await.expect("changed");
    assert_ne!(changed.cursor, snap.cursor);
    assert_eq!(changed.changes[4].uem_status(), UemStatus::NonCompliant(ComplianceAction::Block));
    assert_eq!(fake.state.token_requests(), 1, "one token serves every page while fresh");
}

#[tokio::test]
async fn the_page_bound_stops_an_endless_listing() {
    let fake = FakeGraph::start_port_aware(|port| {
        move |seen: &common::Seen, _: &common::State| {
            let n = seen.target.len();
            Answer::json(page(
                &[device(&format!("d{n}"), "a@b.c", None, "compliant", "none")],
                Some(&format!("https://127.0.0.1:{port}{}&$skiptoken=x", seen.target)),
            ))
        }
    })
    .await;
    let mut limits = GraphLimits::default();
    limits.max_pages = 4;
    let err = fake.connector_with(limits).compliance_changes(None, Duration::ZERO).await.expect_err("bounded");
    assert!(matches!(err, UemError::BadAnswer { ref reason, .. } if reason.contains("4 pages")), "{err}");
    assert_eq!(fake.state.graph_requests().len(), 4);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let fake = FakeGraph::start(|_, _| {
        Answer::json(page(
            &[device("d-1", "a@b.c", None, "compliant", "none")],
            Some("https://graph.attacker.example/v1.0/deviceManagement/managedDevices?$skiptoken=a"),
        ))
    })
    .await;
    let err = fake.connector().compliance_changes(None, Duration::ZERO).await.expect_err("refused");
    assert!(matches!(err, UemError::BadAnswer { ref reason, .. } if reason.contains("another host")), "{err}");
    assert_eq!(fake.state.graph_requests().len(), 1);
}
