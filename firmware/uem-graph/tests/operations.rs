//! The connector's operations: register, lookup (S1), authorise (S4), and what Intune
//! cannot do.

mod common;

use common::{Answer, FakeGraph, LIST, device, page};
use postern_decision::{EasDeviceId, EasRequest, Platform, UemDeviceId, UserId};
use postern_uem_api::{AppId, ServiceName};
use postern_uem_connector::{UemConnector, UemError};
use std::time::Duration;

fn request(eas: &str, user: Option<&str>) -> EasRequest {
    EasRequest {
        eas_device_id: EasDeviceId::new(eas).expect("eas"),
        user: user.map(|u| UserId::new(u).expect("user")),
        platform: Platform::Ios,
    }
}

const BY_EAS: &str = "&$filter=easDeviceId%20eq%20%27ApplF17X%27";
const BY_UPN: &str = "&$filter=userPrincipalName%20eq%20%27ann%40example.com%27";

#[tokio::test]
async fn register_checks_access_and_hands_down_intune_settings() {
    let fake = FakeGraph::start(|_, _| Answer::json(page(&[r#"{"id":"d-1"}"#.to_owned()], None))).await;
    let uem = fake.connector();
    let settings = uem.register().await.expect("register");
    assert_eq!(settings.new_device_when_unreachable, None);
    assert!(settings.supports_quarantine);
    let targets: Vec<String> = fake.state.graph_requests().into_iter().map(|s| s.target).collect();
    assert_eq!(targets, ["/v1.0/deviceManagement/managedDevices?$select=id&$top=1"]);
    assert_eq!(uem.kind(), "graph");
    let f = uem.features();
    assert!(!f.tunnel_actions && !f.inventory_push && !f.long_poll);
}

#[tokio::test]
async fn lookup_filters_by_activesync_id_then_by_user() {
    let fake = FakeGraph::start(|seen, _| {
        let t = seen.target.as_str();
        if t == format!("{LIST}{BY_EAS}") {
            Answer::json(page(&[device("d-1", "ann@example.com", Some("ApplF17X"), "compliant", "allowed")], None))
        } else if t == format!("{LIST}{BY_UPN}") {
            Answer::json(page(
                &[
                    device("d-1", "ann@example.com", Some("ApplF17X"), "compliant", "allowed"),
                    device("d-2", "ann@example.com", None, "noncompliant", "none"),
                ],
                None,
            ))
        } else {
            Answer::Plain(404, Vec::new(), b"{}".to_vec())
        }
    })
    .await;
    let found = fake.connector().lookup(&request("ApplF17X", Some("Ann@Example.com"))).await.expect("lookup");
    let ids: Vec<&str> = found.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["d-1", "d-2"], "ActiveSync match first, each device once");
    assert!(found.unregistered_tunnels.is_empty());
    assert_eq!(fake.state.graph_requests().len(), 2);
}

#[tokio::test]
async fn a_refused_filter_falls_back_to_matching_locally() {
    let fake = FakeGraph::start(|seen, _| {
        if seen.target.contains("$filter") {
            Answer::Plain(
                400,
                Vec::new(),
                br#"{"error":{"code":"BadRequest","message":"filter not supported"}}"#.to_vec(),
            )
        } else {
            Answer::json(page(
                &[
                    device("d-9", "zed@example.com", Some("Other1"), "compliant", "none"),
                    device("d-2", "ANN@example.com", None, "compliant", "none"),
                    device("d-1", "x@example.com", Some("applf17x"), "compliant", "none"),
                ],
                None,
            ))
        }
    })
    .await;
    let uem = fake.connector();
    let found = uem.lookup(&request("ApplF17X", Some("ann@example.com"))).await.expect("lookup");
    let ids: Vec<&str> = found.registered.iter().map(|d| d.uem_device_id.as_str()).collect();
    assert_eq!(ids, ["d-1", "d-2"]);
    // From then on the connector lists at once instead of trying the filter again.
    uem.lookup(&request("ApplF17X", None)).await.expect("lookup");
    let filters = fake.state.graph_requests().iter().filter(|s| s.target.contains("$filter")).count();
    assert_eq!(filters, 1);
}

#[tokio::test]
async fn authorise_follows_the_device_compliance() {
    let fake = FakeGraph::start(|seen, _| {
        let one = |d: String| Answer::json(d);
        match seen.target.split('?').next().unwrap_or_default() {
            "/v1.0/deviceManagement/managedDevices/good" => {
                one(device("good", "a@b.c", None, "inGracePeriod", "allowed"))
            }
            "/v1.0/deviceManagement/managedDevices/bad" => one(device("bad", "a@b.c", None, "noncompliant", "allowed")),
            "/v1.0/deviceManagement/managedDevices/held" => {
                one(device("held", "a@b.c", None, "compliant", "quarantined"))
            }
            _ => Answer::Plain(
                404,
                Vec::new(),
                br#"{"error":{"code":"ResourceNotFound","message":"not found"}}"#.to_vec(),
            ),
        }
    })
    .await;
    let uem = fake.connector();
    let (app, service) = (AppId::new("com.example.mail").expect("app"), ServiceName::new("intranet").expect("service"));
    for (id, ok) in [("good", true), ("bad", false), ("held", false), ("retired", false)] {
        let answer = uem.authorise_app(&UemDeviceId::new(id).expect("id"), &app, &service).await.expect("answer");
        assert_eq!(answer.device_policy_ok, ok, "{id}");
        assert!(answer.traffic_rules_ok && answer.app_authorised, "Intune has neither: left to the gateway");
    }
}

#[tokio::test]
async fn tunnel_actions_and_inventory_are_unsupported_without_a_request() {
    let fake = FakeGraph::start(|_, _| Answer::json(page(&[], None))).await;
    let uem = fake.connector();
    let a = uem.tunnel_actions(None, Duration::ZERO).await.expect_err("unsupported");
    let b = uem.push_inventory(&[]).await.expect_err("unsupported");
    for err in [a, b] {
        assert!(matches!(err, UemError::Unsupported { connector: "graph", .. }), "{err}");
        assert!(!err.is_outage());
    }
    assert_eq!(fake.state.token_requests() + fake.state.graph_requests().len(), 0);
}
