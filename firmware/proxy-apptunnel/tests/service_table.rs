//! Matching CONNECT targets against service definitions.

use postern_config::{AppTunnelService, ServiceKind};
use postern_proxy_apptunnel::{AppTunnelError, ServiceTable};
use std::time::Duration;

fn service(name: &str, servers: &[&str]) -> AppTunnelService {
    AppTunnelService {
        name: name.into(),
        kind: ServiceKind::Tcp,
        servers: servers.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn table(services: &[AppTunnelService]) -> ServiceTable {
    match ServiceTable::new(services, Duration::from_secs(30)) {
        Ok(table) => table,
        Err(error) => panic!("table: {error}"),
    }
}

fn routed(table: &ServiceTable, host: &str, port: u16) -> Option<(String, bool)> {
    table.resolve(host, port).map(|route| (route.service().to_owned(), route.is_wildcard()))
}

#[test]
fn exact_entries_win_then_the_longest_wildcard_domain() {
    let t = table(&[
        service("corp", &["*.corp.example:443"]),
        service("wiki", &["*.wiki.corp.example:443"]),
        service("crm", &["crm.corp.example:443", "[::1]:8443"]),
    ]);
    assert_eq!(routed(&t, "crm.corp.example", 443), Some(("crm".into(), false)));
    assert_eq!(routed(&t, "CRM.Corp.Example", 443), Some(("crm".into(), false)));
    assert_eq!(routed(&t, "[::1]", 8443), Some(("crm".into(), false)));
    assert_eq!(routed(&t, "a.wiki.corp.example", 443), Some(("wiki".into(), true)));
    assert_eq!(routed(&t, "wiki.corp.example", 443), Some(("corp".into(), true)));
    assert_eq!(routed(&t, "corp.example", 443), None);
    assert_eq!(routed(&t, "xcorp.example", 443), None);
    assert_eq!(routed(&t, "mail.corp.example", 80), None);
    assert_eq!(routed(&t, "crm.corp.example", 444), None);
}

#[test]
fn the_first_service_listing_a_server_owns_it() {
    let t = table(&[service("one", &["db.example:5432"]), service("two", &["db.example:5432", "db2.example:5432"])]);
    assert_eq!(routed(&t, "db.example", 5432), Some(("one".into(), false)));
    assert_eq!(routed(&t, "db2.example", 5432), Some(("two".into(), false)));
}

#[test]
fn malformed_entries_are_refused_with_their_service() {
    for bad in ["no-port", "host:0", "host:99999", "*.:443", "a.*.example:443", ":443", "*.x.example:port"] {
        match ServiceTable::new(&[service("svc", &[bad])], Duration::from_secs(1)) {
            Err(AppTunnelError::BadServer { service, server }) => {
                assert_eq!((service.as_str(), server.as_str()), ("svc", bad))
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(matches!(
        ServiceTable::new(&[service("empty", &[])], Duration::from_secs(1)),
        Err(AppTunnelError::NoServer { .. })
    ));
}
