//! Postern's command set driven through the real engine, with a real configuration store
//! and device cache on disk.

use postern_cli_commands::{Appliance, CliBackend, Services, postern_grammar};
use postern_cli_engine::{Grammar, Outcome, Privilege, Session};
use postern_config::Config;
use postern_config_store::{ConfigStore, SharedStore};
use postern_decision::{AppTunnelAnswer, Decision, EasRequest, GatewayId, UemDeviceId};
use postern_device_cache::{CacheConfig, DeviceCache};
use postern_gateway::Gateway;
use postern_logging::RecentEvents;
use postern_uem_api::{
    AppId, ComplianceChanges, Cursor, DeviceLookup, InventoryEntry, ServiceName, Settings, TunnelActions,
};
use postern_uem_connector::{Features, UemConnector, UemError, UemFuture};
use postern_update_agent::{InstallProgress, Installed, Source, UpdateAgent};
use postern_update_bundle::ImageTrust;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static NOW: AtomicU64 = AtomicU64::new(1_800_000_000);

fn clock() -> u64 {
    NOW.load(Ordering::SeqCst)
}

/// A UEM that never answers: every first access follows the outage rules.
struct DownUem;

fn down<'a, T: Send + 'a>() -> UemFuture<'a, T> {
    Box::pin(async { Err(UemError::Unreachable { endpoint: "test".into(), reason: "down".into() }) })
}

impl UemConnector for DownUem {
    fn kind(&self) -> &'static str {
        "down"
    }
    fn features(&self) -> Features {
        Features { tunnel_actions: false, inventory_push: false, long_poll: false }
    }
    fn register(&self) -> UemFuture<'_, Settings> {
        down()
    }
    fn lookup<'a>(&'a self, _: &'a EasRequest) -> UemFuture<'a, DeviceLookup> {
        down()
    }
    fn authorise_app<'a>(
        &'a self,
        _: &'a UemDeviceId,
        _: &'a AppId,
        _: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer> {
        down()
    }
    fn compliance_changes<'a>(&'a self, _: Option<&'a Cursor>, _: Duration) -> UemFuture<'a, ComplianceChanges> {
        down()
    }
    fn tunnel_actions<'a>(&'a self, _: Option<&'a Cursor>, _: Duration) -> UemFuture<'a, TunnelActions> {
        down()
    }
    fn push_inventory<'a>(&'a self, _: &'a [InventoryEntry]) -> UemFuture<'a, ()> {
        down()
    }
}

/// The daemon's side of the CLI's services, as posternd runs them: on a runtime of its own.
struct RigServices {
    gateway: Arc<Gateway>,
    runtime: tokio::runtime::Runtime,
}

impl Services for RigServices {
    fn activesync_access(&self, request: EasRequest) -> Result<Decision, String> {
        self.runtime.block_on(self.gateway.activesync_access(&request)).map_err(|e| e.to_string())
    }
    fn apptunnel_access(&self, device: UemDeviceId, app: String, service: String) -> Result<Decision, String> {
        self.runtime.block_on(self.gateway.apptunnel_access(&device, &app, &service)).map_err(|e| e.to_string())
    }
    fn install(
        &self,
        agent: &UpdateAgent,
        source: &Source,
        ca_file: Option<&std::path::Path>,
        now_unix: u64,
        progress: &InstallProgress,
    ) -> Result<Installed, String> {
        self.runtime.block_on(agent.install_reporting(source, ca_file, now_unix, progress)).map_err(|e| e.to_string())
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    /// The store as the appliance owns it: the rig reverts and subscribes as the daemon does.
    store: Arc<SharedStore>,
    appliance: Arc<Appliance>,
    grammar: Arc<Grammar>,
}

impl Rig {
    fn new() -> Self {
        Self::with_image(None)
    }

    /// A rig whose appliance runs from an image of this trust (none: not from an image).
    fn with_image(trust: Option<ImageTrust>) -> Self {
        Self::built(trust, |appliance| appliance)
    }

    /// A rig whose appliance `more` completes (hooks into a daemon's services).
    fn built(trust: Option<ImageTrust>, more: impl FnOnce(Appliance) -> Appliance) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let opened = ConfigStore::open(&dir.path().join("config"), Config::demo()).expect("store");
        let store = Arc::new(SharedStore::new(opened.store));
        let capacity = NonZeroU32::new(100).expect("non-zero");
        let cache = DeviceCache::open(&CacheConfig::new(dir.path().join("cache"), capacity)).expect("cache").cache;
        let id = GatewayId::new("postern-1").expect("id");
        let gateway = Arc::new(Gateway::new(id, Arc::new(DownUem), cache, || clock() * 1000, Duration::from_secs(1)));
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let services = Arc::new(RigServices { gateway: gateway.clone(), runtime });
        let appliance = Appliance::new(store.clone(), gateway, RecentEvents::new(100), clock, Box::new(|| {}))
            .with_services(services)
            .with_image_trust(trust);
        let appliance = more(appliance);
        let grammar = Arc::new(postern_grammar().expect("grammar builds"));
        Self { _dir: dir, store, appliance: Arc::new(appliance), grammar }
    }

    /// Runs a `;`-separated script from privileged EXEC in one session.
    fn run(&self, privilege: Privilege, script: &str) -> (Outcome, String) {
        let mut session = Session::new(self.grammar.clone(), privilege);
        if privilege == Privilege::Administrator {
            session.enable().expect("administrators may enable");
        }
        let mut backend = CliBackend::new(self.appliance.clone(), "tester");
        let mut out = Vec::new();
        let outcome = session.run_script(script, &mut backend, &mut out).expect("output");
        (outcome, String::from_utf8(out).expect("utf-8"))
    }

    /// The appliance's periodic revert of an unconfirmed `commit confirmed`, at the rig's
    /// clock: the revert's revision, if one was made.
    fn tick(&self) -> Result<Option<u64>, postern_config_store::StoreError> {
        self.store.tick(clock()).map(|reverted| reverted.map(|info| info.number))
    }

    fn admin(&self, script: &str) -> String {
        let (outcome, text) = self.run(Privilege::Administrator, script);
        assert_eq!(outcome, Outcome::Success, "{script}\n{text}");
        text
    }

    fn admin_fails(&self, script: &str) -> String {
        let (outcome, text) = self.run(Privilege::Administrator, script);
        assert_eq!(outcome, Outcome::Failed, "{script} should fail:\n{text}");
        text
    }
}

#[test]
fn show_version_and_abbreviated_running_config() {
    let rig = Rig::new();
    assert!(rig.admin("show version").contains("Postern gateway software, version"));
    let running = rig.admin("sh run");
    assert!(running.contains("hostname postern-demo"), "{running}");
    assert!(running.contains(" device ApplA1B2C3D4E5F6 alice@example.com uem-0001 allowed"), "{running}");
}

#[test]
fn a_test_image_says_so_in_show_version_and_show_software_and_a_production_image_too() {
    let has_line = |out: &str, line: &str| out.lines().any(|l| l.trim_end() == line);
    let test = Rig::with_image(Some(ImageTrust::Test));
    for command in ["show version", "show software"] {
        let out = test.admin(command);
        assert!(
            has_line(&out, "Image: TEST (trusts the public test signing key; never use in production)"),
            "{command}: {out}"
        );
    }
    let production = Rig::with_image(Some(ImageTrust::Production));
    for command in ["show version", "show software"] {
        let out = production.admin(command);
        assert!(has_line(&out, "Image: production") && !out.contains("TEST"), "{command}: {out}");
    }
    assert!(!Rig::new().admin("show version").contains("Image:"), "no image line outside an image");
}

#[test]
fn a_commit_changes_the_running_configuration_and_the_prompt() {
    let rig = Rig::new();
    let out = rig.admin("configure terminal ; hostname edge1 ; interface eth0 ; ip address 192.0.2.10/24 ; exit ; commit comment first edge");
    assert!(out.contains("Committed revision 2."), "{out}");
    assert_eq!(rig.appliance.store().running().gateway.hostname, "edge1");
    assert_eq!(rig.appliance.store().running().interfaces[0].addresses, ["192.0.2.10/24"]);
    let history = rig.admin("show configuration history");
    assert!(history.contains("first edge"), "{history}");
}

#[test]
fn the_common_name_fallback_is_set_rendered_and_cleared_from_the_cli() {
    let rig = Rig::new();
    assert!(!rig.appliance.store().running().apptunnel.identity_from_common_name, "off by default");
    rig.admin("configure terminal ; apptunnel identity-from-common-name ; commit");
    assert!(rig.appliance.store().running().apptunnel.identity_from_common_name);
    let running = rig.admin("show running-config");
    assert!(running.lines().any(|l| l == "apptunnel identity-from-common-name"), "{running}");
    rig.admin("configure terminal ; no apptunnel identity-from-common-name ; commit");
    assert!(!rig.appliance.store().running().apptunnel.identity_from_common_name);
}

#[test]
fn proxy_protocol_balancers_are_set_rendered_refused_when_malformed_and_cleared() {
    let rig = Rig::new();
    rig.admin("configure terminal ; activesync proxy-protocol-from 10.0.5.0/28 ; apptunnel proxy-protocol-from 192.0.2.7/32 ; commit");
    let running = rig.appliance.store().running().clone();
    assert_eq!(
        (running.activesync.proxy_protocol_from.as_slice(), running.apptunnel.proxy_protocol_from.as_slice()),
        (&["10.0.5.0/28".to_owned()][..], &["192.0.2.7/32".to_owned()][..])
    );
    let shown = rig.admin("show running-config");
    for line in ["activesync proxy-protocol-from 10.0.5.0/28", "apptunnel proxy-protocol-from 192.0.2.7/32"] {
        assert!(shown.lines().any(|l| l == line), "{line} missing from {shown}");
    }
    let out = rig.admin_fails("configure terminal ; activesync proxy-protocol-from 10.0.5.1/28 ; commit");
    assert!(out.contains("activesync.proxy_protocol_from[1]"), "{out}");
    rig.admin("configure terminal ; no activesync proxy-protocol-from ; no apptunnel proxy-protocol-from 192.0.2.7/32 ; commit");
    let running = rig.appliance.store().running().clone();
    assert!(running.activesync.proxy_protocol_from.is_empty() && running.apptunnel.proxy_protocol_from.is_empty());
    rig.admin("configure terminal ; shutdown-notice 6 ; commit");
    assert_eq!(rig.appliance.store().running().gateway.shutdown_notice_secs, 6);
    assert!(rig.admin("show running-config").lines().any(|l| l == "shutdown-notice 6"));
}

#[test]
fn an_invalid_candidate_is_refused_naming_the_setting() {
    let rig = Rig::new();
    let out = rig.admin_fails("configure terminal ; apptunnel service crm ; commit");
    assert!(out.contains("apptunnel.services[0].servers"), "{out}");
    assert_eq!(rig.appliance.store().revision(), 1, "nothing committed");
}

#[test]
fn rollback_loads_a_past_revision_into_the_candidate() {
    let rig = Rig::new();
    rig.admin("conf t ; hostname one ; commit");
    rig.admin("conf t ; hostname two ; commit");
    let out = rig.admin("conf t ; rollback 1 ; show configuration diff");
    assert!(out.contains("-hostname = \"two\"") && out.contains("+hostname = \"one\""), "{out}");
    assert_eq!(rig.appliance.store().running().gateway.hostname, "two", "rollback alone changes nothing");
    rig.admin("conf t ; rollback 1 ; commit");
    assert_eq!(rig.appliance.store().running().gateway.hostname, "one");
}

#[test]
fn commit_confirmed_reverts_unless_confirmed() {
    let rig = Rig::new();
    let out = rig.admin("conf t ; hostname trial ; commit confirmed 2");
    assert!(out.contains("rolls back by itself in 120 s"), "{out}");
    NOW.fetch_add(60, Ordering::SeqCst);
    assert_eq!(rig.tick().expect("tick"), None, "not yet");
    NOW.fetch_add(61, Ordering::SeqCst);
    assert!(rig.tick().expect("tick").is_some(), "reverted at the deadline");
    assert_eq!(rig.appliance.store().running().gateway.hostname, "postern-demo");

    rig.admin("conf t ; hostname kept ; commit confirmed 1");
    let out = rig.admin("conf t ; commit");
    assert!(out.contains("confirms revision"), "{out}");
    NOW.fetch_add(3600, Ordering::SeqCst);
    assert_eq!(rig.tick().expect("tick"), None);
    assert_eq!(rig.appliance.store().running().gateway.hostname, "kept");
}

#[test]
fn an_operator_can_show_but_not_configure() {
    let rig = Rig::new();
    let (outcome, out) = rig.run(Privilege::Operator, "show running-config");
    assert_eq!(outcome, Outcome::Success, "{out}");
    let (outcome, out) = rig.run(Privilege::Operator, "enable");
    assert_eq!(outcome, Outcome::Failed, "{out}");
    let (outcome, _) = rig.run(Privilege::Operator, "configure terminal");
    assert_eq!(outcome, Outcome::Failed);
}

#[test]
fn device_cache_block_unblock_and_clear() {
    let rig = Rig::new();
    let out = rig.admin("device-cache block ApplA1B2C3D4E5F6");
    assert!(out.contains("Blocked device ApplA1B2C3D4E5F6") && out.contains("0 cache entries marked"), "{out}");
    let shown = rig.admin("show blocks");
    assert!(shown.contains("device ApplA1B2C3D4E5F6") && shown.contains("operator"), "{shown}");
    rig.admin("device-cache unblock ApplA1B2C3D4E5F6");
    assert!(rig.admin("show blocks").contains("No pinned blocks"));
    // A cache clear empties the cache but never lifts a pinned block.
    rig.admin("device-cache block SEC1B0B0B0B0B0B0 ; device-cache clear");
    let shown = rig.admin("show device-cache");
    assert!(shown.contains("Device cache: 0 of 100 entries used") && shown.contains("Pinned blocks: 1"), "{shown}");
    assert!(rig.admin("show blocks").contains("device SEC1B0B0B0B0B0B0"));
    rig.admin("device-cache unblock SEC1B0B0B0B0B0B0");
    let out = rig.admin_fails("device-cache unblock SEC1B0B0B0B0B0B0");
    assert!(out.contains("is not blocked by an operator"), "{out}");
}

#[test]
fn config_fetch_says_plainly_that_no_portal_is_configured() {
    let rig = Rig::new();
    let out = rig.admin_fails("configure terminal ; accs config-fetch update");
    assert!(out.contains("no administrative portal is configured"), "{out}");
}

#[test]
fn factory_reset_outside_an_appliance_says_why_and_does_nothing() {
    let rig = Rig::new();
    let out = rig.admin("factory-reset");
    assert!(out.contains("Type `factory-reset confirm`"), "{out}");
    let out = rig.admin_fails("factory-reset confirm");
    assert!(out.contains("factory reset not requested") && out.contains("no data area"), "{out}");
    let out = rig.run(Privilege::Operator, "factory-reset confirm").1;
    assert!(!out.contains("Factory reset requested"), "an operator cannot: {out}");
}

#[test]
fn a_portal_needs_its_ca_and_token_files_and_the_token_is_never_shown() {
    let rig = Rig::new();
    let before = rig.appliance.store().revision();
    let out = rig.admin_fails("configure terminal ; accs portal https://portal.example.com ; commit");
    assert!(out.contains("accs.ca_file") && out.contains("accs.token_file"), "{out}");
    assert_eq!(rig.appliance.store().revision(), before, "nothing was committed");
    rig.admin(
        "configure terminal ; accs portal https://portal.example.com ; accs ca-file /etc/postern/portal-ca.pem ; \
         accs token-file /etc/postern/portal-token ; accs sync-interval 300 ; commit",
    );
    let text = rig.admin("show running-config accs");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("accs")).collect::<Vec<_>>(),
        [
            "accs portal https://portal.example.com",
            "accs ca-file /etc/postern/portal-ca.pem",
            "accs token-file /etc/postern/portal-token",
            "accs sync-interval 300",
        ]
    );
    let shown = rig.admin("show accs");
    assert!(shown.contains("Portal: https://portal.example.com (every 300 s)"), "{shown}");
    assert!(shown.contains("does not sync with a portal"), "no daemon behind this rig: {shown}");
    let reports = rig.admin("show accs reports");
    assert!(reports.contains("This gateway does not report sign-ins."), "{reports}");
    rig.admin("configure terminal ; no accs portal ; no accs token-file ; no accs ca-file ; commit");
    assert!(!rig.admin("show running-config accs").contains("token-file"));
}

#[test]
fn the_federation_listener_and_url_are_edited_shown_and_checked() {
    let rig = Rig::new();
    let out = rig.admin_fails("configure terminal ; accs federation listen 8443");
    assert!(out.contains("is not an address and port"), "{out}");
    let out = rig.admin_fails("configure terminal ; accs federation url http://sso.example.com ; commit");
    assert!(out.contains("accs.federation_url"), "{out}");
    let out = rig.admin_fails("configure terminal ; accs federation url https://sso.example.com/saml ; commit");
    assert!(out.contains("accs.federation_url") && out.contains("scheme, host and port only"), "{out}");
    rig.admin(
        "configure terminal ; accs federation listen [::]:8443 ; accs federation url https://sso.example.com ; commit",
    );
    let running = rig.appliance.store().running().accs.clone();
    assert_eq!(running.federation_listen, Some("[::]:8443".parse().expect("address")));
    let text = rig.admin("show running-config accs");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"accs federation listen [::]:8443")
            && lines.contains(&"accs federation url https://sso.example.com"),
        "{text}"
    );
    rig.admin("configure terminal ; no accs federation listen ; no accs federation url ; commit");
    assert!(!rig.admin("show running-config accs").contains("federation"));
}

#[test]
fn uem_sub_mode_edits_the_static_connector() {
    let rig = Rig::new();
    rig.admin("conf t ; uem ; checkin compliance 20 ; new-device-when-unreachable block ; device NEWPHONE0001 zoe@example.com uem-0100 allowed ; commit");
    let running = rig.appliance.store().running().clone();
    assert_eq!(running.uem.checkins.compliance_interval_secs, 20);
    let text = rig.admin("show running-config");
    assert!(
        text.contains(" new-device-when-unreachable block")
            && text.contains(" device NEWPHONE0001 zoe@example.com uem-0100 allowed"),
        "{text}"
    );
}

#[test]
fn test_activesync_decides_through_the_access_service() {
    let rig = Rig::new();
    // The UEM is down and never sent its new-device rule: a new device is blocked (S3).
    let out =
        rig.admin("test activesync /Microsoft-Server-ActiveSync?Cmd=Sync&User=zoe&DeviceId=ZOE0001&DeviceType=iPhone");
    assert!(out.contains("block reason=no-uem-setting"), "{out}");
    let shown = rig.admin("show device-cache ZOE0001");
    assert!(shown.contains("blocked"), "{shown}");
    // An app's first tunnel during an outage is allowed (S5).
    let out = rig.admin("test apptunnel uem-9 com.example.crm crm");
    assert!(out.contains("allow reason=uem-unreachable-apptunnel"), "{out}");
    let out = rig.admin_fails("test activesync /Microsoft-Server-ActiveSync?Cmd=Sync&DeviceId=bad-id!");
    assert!(out.contains("malformed request"), "{out}");
}

#[test]
fn the_uem_api_connector_is_configured_with_its_files() {
    let rig = Rig::new();
    let out = rig.admin_fails("conf t ; uem ; credentials /etc/postern/token");
    assert!(out.contains("credentials apply to connector postern-api only"), "{out}");
    rig.admin("conf t ; uem ; connector postern-api https://uem.example.com ; ca-file /etc/postern/uem-ca.pem ; credentials /etc/postern/token ; commit");
    let text = rig.admin("show running-config").replace("\r\n", "\n");
    assert!(text.contains(" connector postern-api https://uem.example.com\n ca-file /etc/postern/uem-ca.pem\n credentials /etc/postern/token\n"), "{text}");
    let out = rig.admin_fails("conf t ; uem ; ca-file relative.pem ; commit");
    assert!(out.contains("uem.connector.ca_file"), "{out}");
}

#[test]
fn host_checker_policies_are_configured_rendered_and_refused_by_name() {
    let rig = Rig::new();
    let out = rig.admin_fails("configure terminal ; host-checker enabled ; commit");
    assert!(out.contains("host_checker.enabled"), "{out}");
    rig.admin(
        "configure terminal ; apptunnel client-ca /etc/postern/device-ca.pem ; host-checker enabled ; host-checker port 2710 ; \
         host-checker policy debian-baseline ; platform linux:debian ; min-os-version 12 ; require openssl  >= 3.0.15 ; \
         forbid telnetd ; deny-forwarding ; remediation-url https://fix.example/ ; exit ; commit",
    );
    let settings = rig.appliance.store().running().host_checker.clone();
    assert!(settings.enabled);
    assert_eq!(settings.port, 2710);
    assert_eq!(settings.policies[0].required, ["openssl >= 3.0.15"], "rules are stored in their canonical form");
    let running = rig.admin("show running-config");
    for line in [
        "host-checker port 2710",
        "host-checker enabled",
        "host-checker policy debian-baseline",
        " platform linux:debian",
        " require openssl >= 3.0.15",
        " forbid telnetd",
        " deny-forwarding",
    ] {
        assert!(running.lines().any(|l| l == line), "{line:?} missing:\n{running}");
    }
    let policies = rig.admin("show host-checker policies");
    assert!(policies.contains("Host Checker enabled, PT-TLS port 2710, 1 policy"), "{policies}");
    assert!(rig.admin("show host-checker results").contains("not running"));
    let bad = rig.admin_fails("configure terminal ; host-checker policy p2 ; platform beos");
    assert!(bad.contains("\"beos\""), "{bad}");
    let empty = rig.admin_fails("configure terminal ; host-checker policy p3 ; exit ; commit");
    assert!(empty.contains("host_checker.policies[1]") && empty.contains("names no platform"), "{empty}");
    rig.admin("configure terminal ; no host-checker policy debian-baseline ; no host-checker enabled ; commit");
    assert!(rig.appliance.store().running().host_checker.policies.is_empty());
}

#[test]
fn sasl_accounts_are_hashed_at_once_rendered_as_hashes_and_refused_by_name() {
    let rig = Rig::new();
    let out = rig.admin_fails("configure terminal ; host-checker sasl-mode optional ; commit");
    assert!(out.contains("host_checker.sasl.mode"), "{out}");
    rig.admin(
        "configure terminal ; host-checker sasl-mode optional ; host-checker sasl-user alice password s3cret! ; commit",
    );
    let sasl = rig.appliance.store().running().host_checker.sasl.clone();
    assert_eq!(sasl.mode, postern_config::SaslMode::Optional);
    assert!(sasl.verify("alice", b"s3cret!") && !sasl.verify("alice", b"s3cret"));
    let running = rig.admin("show running-config");
    assert!(!running.contains("s3cret"), "{running}");
    assert!(running.lines().any(|l| l == "host-checker sasl-mode optional"), "{running}");
    let hash_line =
        running.lines().find(|l| l.starts_with("host-checker sasl-user alice password-hash pbkdf2-sha256$"));
    let hash_line = hash_line.unwrap_or_else(|| panic!("no hash line:\n{running}")).to_owned();
    // The printed line restores the same account.
    rig.admin("configure terminal ; no host-checker sasl-mode ; no host-checker sasl-user alice ; commit");
    assert!(rig.appliance.store().running().host_checker.sasl.users.is_empty());
    rig.admin(&format!("configure terminal ; host-checker sasl-mode required ; {hash_line} ; commit"));
    assert!(rig.appliance.store().running().host_checker.sasl.verify("alice", b"s3cret!"));
    let bad = rig.admin_fails("configure terminal ; host-checker sasl-user bob password-hash md5$x ; commit");
    assert!(bad.contains("host_checker.sasl.users[1].password_hash"), "{bad}");
    let missing = rig.admin_fails("configure terminal ; no host-checker sasl-user carol");
    assert!(missing.contains("no SASL user carol"), "{missing}");
    rig.admin("configure terminal ; no host-checker sasl-mode ; no host-checker sasl-user alice ; commit");
    assert!(rig.appliance.store().running().host_checker.sasl.is_default());
}

#[test]
fn host_checker_roles_and_realm_policies_are_configured_shown_and_refused_by_name() {
    let rig = Rig::new();
    rig.admin(
        "configure terminal ; apptunnel client-ca /etc/postern/device-ca.pem ; apptunnel service crm ; server 10.0.0.1:80 ; exit ; \
         host-checker enabled ; host-checker policy baseline ; platform linux:debian ; min-os-version 12 ; exit ; \
         host-checker role staff ; policy baseline ; service crm ; activesync ; user *@corp.example ; exit ; \
         host-checker role kiosk ; service crm ; user kiosk@corp.example ; exit ; host-checker realm-policy baseline ; commit",
    );
    let running = rig.admin("show running-config");
    for line in [
        "host-checker realm-policy baseline",
        "host-checker role staff",
        " policy baseline",
        " service crm",
        " activesync",
        " user *@corp.example",
        "host-checker role kiosk",
        " user kiosk@corp.example",
    ] {
        assert!(running.lines().any(|l| l == line), "{line:?} missing:\n{running}");
    }
    let roles = rig.admin("show host-checker roles").replace("\r\n", "\n");
    assert!(roles.contains("realm policies: baseline\n"), "{roles}");
    assert!(
        roles.contains("role kiosk\n  policies: none (no check)\n  opens: service crm\n  users: kiosk@corp.example"),
        "{roles}"
    );
    assert!(
        roles.contains("role staff\n  policies: baseline\n  opens: service crm, activesync\n  users: *@corp.example"),
        "{roles}"
    );
    let bad = rig.admin_fails("configure terminal ; host-checker role r2 ; user a*b");
    assert!(bad.contains("\"a*b\" is not a user name"), "{bad}");
    let unknown = rig
        .admin_fails("configure terminal ; host-checker role r3 ; policy nope ; service crm ; user * ; exit ; commit");
    assert!(
        unknown.contains("host_checker.roles[2].policies[0]") && unknown.contains("a Host Checker policy"),
        "{unknown}"
    );
    let empty = rig.admin_fails("configure terminal ; host-checker role r4 ; exit ; commit");
    assert!(empty.contains("opens nothing") && empty.contains("maps no user"), "{empty}");
    let gone = rig.admin_fails("configure terminal ; no host-checker policy baseline ; commit");
    assert!(
        gone.contains("host_checker.realm_policies[0]") && gone.contains("host_checker.roles[0].policies[0]"),
        "{gone}"
    );
    rig.admin("configure terminal ; no host-checker realm-policy baseline ; no host-checker role staff ; commit");
    rig.admin("configure terminal ; host-checker role everyone ; service crm ; user * ; commit");
    let settings = rig.appliance.store().running().host_checker.clone();
    assert!(settings.realm_policies.is_empty());
    let names: Vec<&str> = settings.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["kiosk", "everyone"]);
    assert_eq!(settings.roles[1].users, ["*"]);
}

#[test]
fn times_are_shown_for_people_and_show_output_filters_through_the_real_commands() {
    let rig = Rig::new();
    rig.admin("configure terminal ; hostname edge7 ; commit comment named");
    let history = rig.admin("show configuration history | include named");
    assert_eq!(history.lines().count(), 1, "{history}");
    // Other tests move the shared clock on; the moment is always 2027 and "now".
    assert!(history.contains(" 2027-01-") && history.contains(" UTC (now)"), "{history}");
    rig.admin("device-cache block ApplA1B2C3D4E5F6");
    let blocks = rig.admin("show blocks | include ApplA1B2C3D4E5F6");
    assert!(blocks.contains(" 2027-01-") && blocks.contains(" UTC (now)"), "{blocks}");
    rig.admin("device-cache unblock ApplA1B2C3D4E5F6");
    let uem = rig.admin("show running-config uem");
    assert!(uem.lines().any(|l| l.trim_end() == "uem") && !uem.contains("hostname"), "{uem}");
    let count = rig.admin("show running-config | count ^hostname");
    assert!(count.contains("Count: 1 line"), "{count}");
    let inside = rig.admin("configure terminal ; interface eth0 ; do show running-config | include ^hostname");
    assert!(inside.contains("hostname edge7"), "{inside}");
}

#[test]
fn tab_completes_blocked_devices_users_and_configured_names() {
    let rig = Rig::new();
    rig.admin("device-cache block ApplZZ1B2C3D4E5F6 ; device-cache block-user alice@example.com");
    let typed_then_tab = |keys: &str| {
        let mut session = Session::new(rig.grammar.clone(), Privilege::Administrator);
        session.enable().expect("administrators may enable");
        let mut backend = CliBackend::new(rig.appliance.clone(), "tester");
        session.feed(keys.as_bytes(), &mut backend, &mut Vec::new()).expect("output");
        session.line().to_owned()
    };
    assert_eq!(typed_then_tab("device-cache unblock Ap\t"), "device-cache unblock ApplZZ1B2C3D4E5F6 ");
    assert_eq!(typed_then_tab("device-cache unblock-user al\t"), "device-cache unblock-user alice@example.com ");
    rig.admin("configure terminal ; interface wan7 ; exit ; commit");
    assert_eq!(typed_then_tab("configure terminal\rinterface w\t"), "interface wan7 ");
}

#[test]
fn dhcp_on_an_interface_is_set_rendered_and_cleared() {
    let rig = Rig::new();
    rig.admin("configure terminal ; interface wan0 ; ip address dhcp ; ip address 192.0.2.10/24 ; exit ; commit");
    let wan = rig.appliance.store().running().interfaces.iter().find(|i| i.name == "wan0").cloned().expect("wan0");
    assert!(wan.dhcp && wan.addresses == ["192.0.2.10/24"], "{wan:?}");
    let running = rig.admin("show running-config | begin ^interface wan0");
    let lines: Vec<&str> = running.lines().map(str::trim_end).collect();
    assert!(lines.windows(2).any(|w| w == [" ip address 192.0.2.10/24", " ip address dhcp"]), "{running}");
    rig.admin("configure terminal ; interface wan0 ; no ip address dhcp ; exit ; commit");
    assert!(!rig.appliance.store().running().interfaces.iter().any(|i| i.dhcp));
}

#[test]
fn an_interface_is_matched_by_mac_or_pci_one_way_and_bad_values_are_refused() {
    let rig = Rig::new();
    rig.admin("configure terminal ; interface wan ; match mac 52:54:00:12:34:56 ; exit ; commit");
    let wan = rig.appliance.store().running().interfaces.iter().find(|i| i.name == "wan").cloned().expect("wan");
    assert_eq!((wan.match_mac.as_deref(), wan.match_pci.as_deref()), (Some("52:54:00:12:34:56"), None));
    rig.admin("configure terminal ; interface wan ; match pci 0000:00:09.0 ; exit ; commit");
    let running = rig.admin("show running-config | begin ^interface wan");
    let lines: Vec<&str> = running.lines().map(str::trim_end).collect();
    assert!(lines.windows(2).any(|w| w == ["interface wan", " match pci 0000:00:09.0"]), "{running}");
    assert!(!running.contains("match mac"), "one way only: {running}");
    let refused = rig.admin_fails("configure terminal ; interface wan ; match pci 0000:00:33.0 ; exit ; commit");
    assert!(refused.contains("match_pci") && refused.contains("PCI address"), "{refused}");
    rig.admin("configure terminal ; interface wan ; no match ; exit ; commit");
    let wan = rig.appliance.store().running().interfaces.iter().find(|i| i.name == "wan").cloned().expect("wan");
    assert_eq!((wan.match_mac, wan.match_pci), (None, None));
}

#[test]
fn mtu_rings_and_offloads_are_set_rendered_and_cleared() {
    let rig = Rig::new();
    rig.admin("configure terminal ; interface eth0 ; mtu 9000 ; rx-ring 1024 ; tx-ring 512 ; offload gro off ; offload tx-checksum on ; exit ; commit");
    let eth0 = rig.appliance.store().running().interfaces.iter().find(|i| i.name == "eth0").cloned().expect("eth0");
    assert_eq!((eth0.mtu, eth0.rx_ring, eth0.tx_ring), (Some(9000), Some(1024), Some(512)));
    assert_eq!(eth0.offloads, [("gro".to_owned(), false), ("tx-checksum".to_owned(), true)].into());
    let running = rig.admin("show running-config | begin ^interface eth0");
    for line in [" mtu 9000", " rx-ring 1024", " tx-ring 512", " offload gro off", " offload tx-checksum on"] {
        assert!(running.lines().any(|l| l.trim_end() == line), "{line}: {running}");
    }
    rig.admin("configure terminal ; interface eth0 ; no steering ; exit ; commit");
    assert!(rig.admin("show running-config | begin ^interface eth0").lines().any(|l| l.trim_end() == " no steering"));
    rig.admin("configure terminal ; interface eth0 ; steering ; exit ; commit");
    assert!(rig.appliance.store().running().interfaces.iter().all(|i| i.steering));
    rig.admin_fails("configure terminal ; interface eth0 ; offload lro off");
    rig.admin_fails("configure terminal ; interface eth0 ; mtu 67");
    rig.admin("configure terminal ; interface eth0 ; no mtu ; no rx-ring ; no tx-ring ; no offload gro ; no offload tx-checksum ; exit ; commit");
    let eth0 = rig.appliance.store().running().interfaces.iter().find(|i| i.name == "eth0").cloned().expect("eth0");
    assert_eq!((eth0.mtu, eth0.rx_ring, eth0.tx_ring, eth0.offloads.len()), (None, None, None, 0));
}

#[test]
fn show_interfaces_lists_the_kernels_interfaces_with_counters() {
    let rig = Rig::new();
    let out = rig.admin("show interfaces | begin ^lo ");
    assert!(out.lines().next().is_some_and(|l| l.starts_with("lo is ")), "{out}");
    assert!(out.contains("addresses 127.0.0.1/8") && out.contains(" errors ") && out.contains("queues rx "), "{out}");
}

#[test]
fn a_commit_names_what_waits_for_reload_and_publishes_the_configuration() {
    let rig = Rig::new();
    let mut published = rig.store.subscribe();
    assert!(rig.admin("show configuration pending-reload").contains("Every committed setting is in effect"));
    let out = rig.admin("configure terminal ; tls min-version 1.3 ; hostname edge3 ; commit");
    assert!(
        out.contains("Applies at the next `reload`: tls min-version (`show configuration pending-reload`)."),
        "{out}"
    );
    assert!(published.has_changed().expect("sender alive"), "the commit published the configuration");
    assert_eq!(published.borrow_and_update().gateway.hostname, "edge3");
    let pending = rig.admin("show configuration pending-reload");
    assert!(pending.contains("  tls min-version") && !pending.contains("hostname"), "{pending}");
    // Committing the old value back leaves nothing pending.
    let out = rig.admin("configure terminal ; tls min-version 1.2 ; commit");
    assert!(!out.contains("Applies at the next"), "{out}");
    assert!(rig.admin("show configuration pending-reload").contains("Every committed setting is in effect"));
}

#[test]
fn an_automatic_rollback_is_published_and_every_prompt_follows_it() {
    let rig = Rig::new();
    let mut session = Session::new(rig.grammar.clone(), Privilege::Administrator);
    session.enable().expect("administrators may enable");
    let mut backend = CliBackend::new(rig.appliance.clone(), "watcher");
    let mut screen = Vec::new();
    let mut published = rig.store.subscribe();
    rig.admin("conf t ; hostname trial ; commit confirmed 1");
    session.feed(b"\r", &mut backend, &mut screen).expect("output");
    assert!(
        String::from_utf8_lossy(&screen).ends_with("trial#"),
        "another session's commit: {}",
        String::from_utf8_lossy(&screen)
    );
    published.borrow_and_update();
    NOW.fetch_add(61, Ordering::SeqCst);
    assert!(rig.tick().expect("tick").is_some(), "reverted at the deadline");
    assert!(published.has_changed().expect("sender alive"), "the revert is published to the services");
    assert_eq!(published.borrow_and_update().gateway.hostname, "postern-demo");
    screen.clear();
    session.feed(b"\r", &mut backend, &mut screen).expect("output");
    assert!(String::from_utf8_lossy(&screen).ends_with("postern-demo#"), "{}", String::from_utf8_lossy(&screen));
}

#[test]
fn agent_resources_are_configured_rendered_and_refused_by_name() {
    let rig = Rig::new();
    let out = rig.admin_fails("configure terminal ; agent enabled ; commit");
    assert!(out.contains("agent.enabled"), "{out}");
    let out = rig.admin_fails(
        "configure terminal ; apptunnel client-ca /etc/postern/device-ca.pem ; agent resource intranet ; \
         prefix 10.1.0.0/16 ; service erp ; exit ; commit",
    );
    assert!(out.contains("agent.resources[0].service") && out.contains("erp"), "{out}");
    let out = rig.admin_fails("configure terminal ; agent resource intranet ; prefix 10.1.0.1/16");
    assert!(out.contains("host bits set"), "{out}");
    let out = rig.admin_fails("configure terminal ; agent resource intranet ; name Intranet.corp");
    assert!(out.contains("lower-case"), "{out}");
    rig.admin(
        "configure terminal ; apptunnel client-ca /etc/postern/device-ca.pem ; apptunnel service crm ; kind http ; \
         server 10.1.0.5:443 ; exit ; agent enabled ; agent port 4444 ; agent resource intranet ; prefix 10.1.0.0/16 ; \
         prefix fd00:1::/64 ; port 443 ; port 8443 ; no port 8443 ; service crm ; name intranet.corp.example ; \
         name *.intranet.corp.example ; name old.corp.example ; no name old.corp.example ; exit ; commit",
    );
    let settings = rig.appliance.store().running().agent.clone();
    assert!(settings.enabled);
    assert_eq!(settings.port, 4444);
    assert_eq!(settings.resources[0].prefixes, ["10.1.0.0/16", "fd00:1::/64"]);
    assert_eq!(settings.resources[0].ports, [443]);
    assert_eq!(settings.resources[0].names, ["intranet.corp.example", "*.intranet.corp.example"]);
    let running = rig.admin("show running-config");
    for line in [
        "agent port 4444",
        "agent enabled",
        "agent resource intranet",
        " prefix fd00:1::/64",
        " port 443",
        " service crm",
        " name *.intranet.corp.example",
    ] {
        assert!(running.lines().any(|l| l == line), "{line:?} missing:\n{running}");
    }
    assert!(rig.admin("show agent sessions").contains("not running"), "no control channel in this rig");
    rig.admin("configure terminal ; no agent resource intranet ; commit");
    assert!(rig.appliance.store().running().agent.resources.is_empty());
}

/// With the verifier's state kept but `host-checker enabled` off, `show host-checker
/// sessions|results` say it is disabled rather than show tables as if it listened.
#[test]
fn a_disabled_verifier_says_so_instead_of_an_empty_table() {
    let rig = Rig::built(None, |appliance| {
        appliance
            .with_host_checker_sessions(Box::new(|| "SESSION TABLE\n".into()))
            .with_host_checker(Box::new(|_| "RESULTS TABLE\n".into()))
    });
    let sessions = rig.admin("show host-checker sessions");
    assert!(sessions.contains("disabled: it accepts no sessions") && !sessions.contains("SESSION TABLE"), "{sessions}");
    let results = rig.admin("show host-checker results");
    assert!(results.contains("disabled; these results are kept") && results.contains("RESULTS TABLE"), "{results}");
    rig.admin("configure terminal ; apptunnel client-ca /etc/postern/device-ca.pem ; host-checker enabled ; commit");
    assert!(rig.admin("show host-checker sessions").contains("SESSION TABLE"));
    let results = rig.admin("show host-checker results");
    assert!(!results.contains("disabled") && results.contains("RESULTS TABLE"), "{results}");
}
