//! Postern's command tree, declared as data for the engine.

use crate::actions::*;
use postern_cli_engine::{ArgKind, Grammar, GrammarError, Mode, Node, Privilege};

const WORD: ArgKind = ArgKind::Word { max_len: 64 };
const LONG_WORD: ArgKind = ArgKind::Word { max_len: 2048 };
const PATH: ArgKind = ArgKind::Word { max_len: 4096 };
const SECONDS: ArgKind = ArgKind::Integer { min: 1, max: 86_400 };
const STATES: &[&str] = &["allowed", "blocked", "quarantined", "wiped"];

fn kw(word: &'static str, help: &'static str) -> Node {
    Node::keyword(word, help)
}

fn arg(name: &'static str, kind: ArgKind, help: &'static str) -> Node {
    Node::arg(name, kind, help)
}

fn admin(node: Node) -> Node {
    node.privilege(Privilege::Administrator)
}

/// `show …`: in EXEC modes and, for what concerns the configuration, in CONFIG modes.
fn show(in_config: bool) -> Node {
    let diff = kw("diff", "Compare the candidate (or running) configuration with the running one or a past revision")
        .action(SHOW_DIFF)
        .child(
            kw("rollback", "Compare with a past revision")
                .child(arg("N", ArgKind::Integer { min: 0, max: 49 }, "How many commits back").action(SHOW_DIFF)),
        );
    let configuration = kw("configuration", "Configuration revisions and changes")
        .child(diff)
        .child(kw("history", "Committed revisions, newest first").action(SHOW_HISTORY))
        .child(
            kw("pending-reload", "Committed settings that take effect only at the next reload")
                .action(SHOW_PENDING_RELOAD),
        );
    let mut node = kw("show", "Show running system information")
        .child(
            kw("running-config", "The committed configuration").action(SHOW_RUNNING).child(
                arg(
                    "SECTION",
                    ArgKind::OneOf(crate::render::SECTIONS),
                    "Only the commands of one section (e.g. uem, interface, tls)",
                )
                .action(SHOW_RUNNING),
            ),
        )
        .child(configuration)
        .child(kw("candidate-config", "This session's uncommitted configuration").action(SHOW_CANDIDATE));
    if !in_config {
        node = node.children([
            kw("version", "Software version and uptime").action(SHOW_VERSION),
            kw("device-cache", "Devices and tunnels in the device cache")
                .action(SHOW_CACHE)
                .child(arg("ID", WORD, "ActiveSync device id or UEM device id").action(SHOW_CACHE)),
            kw("tunnels", "AppTunnels in the device cache").action(SHOW_TUNNELS),
            kw("blocks", "The pinned blocks: operator blocks and wiped devices").action(SHOW_BLOCKS),
            kw("checkins", "UEM check-ins: last and next runs").action(SHOW_CHECKINS),
            kw("management", "Where SSH and metrics listen, and why").action(SHOW_MANAGEMENT),
            kw("interfaces", "Network interfaces: state, driver, speed, queues, addresses, counters")
                .action(SHOW_INTERFACES),
            kw("software", "Installed software and update slots").action(SHOW_SOFTWARE),
            kw("logging", "Recent log events").action(SHOW_LOGGING),
            kw("tls", "The TLS certificate served: source, subject, names, validity, fingerprint").action(SHOW_TLS),
            crate::host_checker::show_node(),
            crate::agent::show_node(),
            crate::accs::show_node(),
        ]);
    }
    node
}

fn device_cache_exec() -> Node {
    admin(
        kw("device-cache", "Act on the device cache").children([
            kw("clear", "Remove entries; the devices are then decided as first accesses")
                .action(CACHE_CLEAR)
                .child(arg("ID", WORD, "ActiveSync device id or UEM device id").action(CACHE_CLEAR)),
            kw("block", "Block a device, seen or not, until an operator unblocks it; cuts its connections")
                .child(arg("ID", WORD, "ActiveSync device id or UEM device id").action(CACHE_BLOCK)),
            kw("unblock", "Lift an operator block; the device is asked about again")
                .child(arg("ID", WORD, "ActiveSync device id or UEM device id").action(CACHE_UNBLOCK)),
            kw("block-user", "Block every device of a user until an operator unblocks it; cuts their connections")
                .child(arg("USER", LONG_WORD, "User name").action(CACHE_BLOCK)),
            kw("unblock-user", "Lift an operator block of a user")
                .child(arg("USER", LONG_WORD, "User name").action(CACHE_UNBLOCK)),
        ]),
    )
}

/// `software install SOURCE [ca-file PATH]` and `software rollback`.
fn software() -> Node {
    kw("software", "Install a signed update, or switch back to the other system slot").children([
        kw("install", "Verify a signed update bundle and write it into the inactive slot").child(
            arg("SOURCE", LONG_WORD, "https URL or absolute file path of the bundle").action(SOFTWARE_INSTALL).child(
                kw("ca-file", "CA of the HTTPS server")
                    .child(arg("PATH", PATH, "PEM file on the appliance").action(SOFTWARE_INSTALL)),
            ),
        ),
        kw("rollback", "Boot the other slot's system from the next reload").action(SOFTWARE_ROLLBACK),
    ])
}

/// `test activesync|apptunnel …`: decides an access exactly as the proxy would, and
/// records it (first accesses ask the UEM and fill the device cache).
fn test_access() -> Node {
    kw("test", "Decide an access as the proxy would").children([
        kw("activesync", "An ActiveSync request").child(
            arg(
                "TARGET",
                ArgKind::Rest { max_len: 2048 },
                "Request target, e.g. /Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=D&DeviceType=iPhone",
            )
            .action(TEST_ACTIVESYNC),
        ),
        kw("apptunnel", "An app's tunnel to a service").child(
            arg("UEM-ID", WORD, "UEM device id").child(
                arg("APP", ArgKind::Word { max_len: 128 }, "App id")
                    .child(arg("SERVICE", WORD, "Service name").action(TEST_APPTUNNEL)),
            ),
        ),
    ])
}

fn interface_mode() -> [Node; 8] {
    [
        kw("ip", "IP settings").children([
            kw("address", "Add an address").children([
                kw("dhcp", "IPv4 address, default route and DNS by DHCP; IPv6 by SLAAC").both(IF_DHCP),
                arg("PREFIX", WORD, "Address with prefix length, IPv4 or IPv6").both(IF_ADDRESS),
            ]),
            kw("gateway", "Default gateway through this interface")
                .no_action(IF_GATEWAY)
                .child(arg("ADDRESS", WORD, "Gateway address").both(IF_GATEWAY)),
        ]),
        kw("shutdown", "Keep the interface down").both(IF_SHUTDOWN),
        kw("mtu", "The link's MTU")
            .no_action(IF_MTU)
            .child(arg("BYTES", ArgKind::Integer { min: 68, max: 65_535 }, "Bytes, 68 to 65535").both(IF_MTU)),
        kw("rx-ring", "Receive ring size")
            .no_action(IF_RX_RING)
            .child(arg("N", ArgKind::Integer { min: 1, max: 65_536 }, "Descriptors").both(IF_RX_RING)),
        kw("tx-ring", "Transmit ring size")
            .no_action(IF_TX_RING)
            .child(arg("N", ArgKind::Integer { min: 1, max: 65_536 }, "Descriptors").both(IF_TX_RING)),
        kw("offload", "Turn an offload on or off").child(
            arg("NAME", ArgKind::OneOf(&postern_config::OFFLOADS), "gro, gso, tso, rx-checksum or tx-checksum")
                .no_action(IF_OFFLOAD)
                .child(arg("STATE", ArgKind::OneOf(&["on", "off"]), "on or off").action(IF_OFFLOAD)),
        ),
        kw("steering", "Spread a single-queue card's work over the cores (RPS/XPS)").both(IF_STEERING),
        kw("match", "The network card that gets this name").no_action(IF_MATCH).children([
            kw("mac", "By its Ethernet address")
                .child(arg("MAC", ArgKind::Word { max_len: 17 }, "aa:bb:cc:dd:ee:ff").both(IF_MATCH_MAC)),
            kw("pci", "By its PCI address").child(
                arg("ADDRESS", ArgKind::Word { max_len: 12 }, "DDDD:BB:DD.F, e.g. 0000:00:03.0").both(IF_MATCH_PCI),
            ),
        ]),
    ]
}

fn service_mode() -> [Node; 2] {
    [
        kw("kind", "What the service carries")
            .child(arg("KIND", ArgKind::OneOf(&["http", "tcp"]), "http or tcp").action(SERVICE_KIND)),
        kw("server", "A back-end server")
            .child(arg("HOST:PORT", WORD, "host:port, or *.domain:port for a wildcard service").both(SERVICE_SERVER)),
    ]
}

fn uem_mode() -> [Node; 8] {
    let interval = |word: &'static str, help: &'static str| {
        kw(word, help).child(arg("SECONDS", SECONDS, "Seconds").action(UEM_CHECKIN))
    };
    [
        kw("connector", "How the gateway reaches the UEM").children([
            kw("static", "Devices listed in this configuration").action(UEM_STATIC),
            kw("postern-api", "A UEM speaking the Postern UEM API")
                .child(arg("URL", LONG_WORD, "https URL").action(UEM_API)),
            kw("graph", "Microsoft Intune through Microsoft Graph").child(
                arg("TENANT", WORD, "Tenant id").child(
                    arg("CLIENT-ID", WORD, "Application (client) id")
                        .child(arg("SECRET-FILE", PATH, "File holding the client secret").action(UEM_GRAPH)),
                ),
            ),
        ]),
        kw("ca-file", "PEM file of the authorities trusted for the UEM's certificate")
            .no_action(UEM_CA)
            .child(arg("FILE", PATH, "Absolute path").action(UEM_CA)),
        kw("credentials", "File holding this gateway's bearer token for the Postern UEM API")
            .no_action(UEM_CREDENTIALS)
            .child(arg("FILE", PATH, "Absolute path").action(UEM_CREDENTIALS)),
        kw("import", "Paste a file's content instead of naming a file, ended by a line `quit`").children([
            kw("ca", "PEM certificates of the authorities trusted for the UEM").action(UEM_CA_IMPORT).pastes(),
            kw("credentials", "This gateway's bearer token for the Postern UEM API")
                .action(UEM_CREDENTIALS_IMPORT)
                .pastes(),
            kw("client-secret", "The Graph application's client secret").action(UEM_SECRET_IMPORT).pastes(),
        ]),
        kw("checkin", "Check-in schedules").children([
            interval("compliance", "Interval of the compliance pull"),
            interval("tunnel-actions", "Interval of the tunnel administrator-action pull"),
            interval("inventory", "Interval of the tunnel inventory push"),
            kw("jitter", "Random variation of each wait").child(
                arg("PERCENT", ArgKind::Integer { min: 0, max: 50 }, "Percent of the interval").action(UEM_CHECKIN),
            ),
            interval("backoff-cap", "Longest wait between retries while the UEM fails"),
        ]),
        kw("new-device-when-unreachable", "Static UEM: what new devices get while the UEM cannot be reached").child(
            arg("RULE", ArgKind::OneOf(&["allow", "block", "absent"]), "allow, block, or absent (blocks)")
                .action(UEM_NEW_DEVICE),
        ),
        kw("supports-quarantine", "Static UEM: quarantine is a compliance action").both(UEM_QUARANTINE),
        kw("device", "Static UEM: a registered device").child(
            arg("ACTIVESYNC-ID", WORD, "ActiveSync device id").no_action(UEM_DEVICE).child(
                arg("USER", LONG_WORD, "User").child(
                    arg("UEM-ID", WORD, "UEM device id").child(
                        arg("STATE", ArgKind::OneOf(STATES), "allowed, blocked, quarantined or wiped")
                            .action(UEM_DEVICE)
                            .child(
                                kw("allowed-on", "The gateway the device is allowed on")
                                    .child(arg("GATEWAY", WORD, "Gateway id").action(UEM_DEVICE)),
                            ),
                    ),
                ),
            ),
        ),
    ]
}

fn config_mode() -> Vec<Node> {
    vec![
        kw("hostname", "The gateway's host name")
            .no_action(HOSTNAME)
            .child(arg("NAME", WORD, "RFC 1123 label").action(HOSTNAME)),
        kw("gateway-id", "The id this gateway registers under with the UEM")
            .child(arg("ID", WORD, "Gateway id").action(GATEWAY_ID)),
        kw("shutdown-notice", "Seconds health reads 503 before a shutdown drains (for a load balancer)")
            .child(arg("SECONDS", ArgKind::Integer { min: 0, max: 300 }, "Seconds, 0 to 300").action(SHUTDOWN_NOTICE)),
        kw("device-cache", "Device cache settings").child(
            kw("size", "Most devices kept")
                .child(arg("N", ArgKind::Integer { min: 1, max: 10_000_000 }, "Devices").action(CACHE_SIZE)),
        ),
        kw("interface", "Configure a network interface")
            .child(arg("NAME", ArgKind::Word { max_len: 15 }, "Interface name").both(INTERFACE).enters(MODE_INTERFACE)),
        kw("tls", "The gateway's TLS server settings").children([
            kw("certificate", "Certificate chain file (PEM)")
                .no_action(TLS_CERT)
                .child(arg("FILE", PATH, "Absolute path").action(TLS_CERT)),
            kw("key", "Private key file (PEM)")
                .no_action(TLS_KEY)
                .child(arg("FILE", PATH, "Absolute path").action(TLS_KEY)),
            kw("import", "Paste a PEM certificate or key, ended by a line `quit`").children([
                kw("certificate", "The certificate chain, leaf first").action(TLS_IMPORT_CERT).pastes(),
                kw("key", "The private key of the certificate").action(TLS_IMPORT_KEY).pastes(),
            ]),
            kw("min-version", "Lowest TLS version accepted")
                .child(arg("VERSION", ArgKind::OneOf(&["1.2", "1.3"]), "1.2 or 1.3").action(TLS_MIN)),
        ]),
        kw("activesync", "ActiveSync proxy settings").children([
            kw("backend", "The Exchange back end")
                .no_action(ACTIVESYNC_BACKEND)
                .child(arg("URL", LONG_WORD, "https (or http) URL").action(ACTIVESYNC_BACKEND)),
            kw("backend-ca", "PEM file of the authorities that sign the back end's certificate")
                .no_action(ACTIVESYNC_CA)
                .child(arg("FILE", PATH, "Absolute path").action(ACTIVESYNC_CA)),
            kw("proxy-protocol-from", "A load balancer that sends a PROXY protocol header first")
                .no_action(ACTIVESYNC_PROXY_FROM)
                .child(
                    arg("PREFIX", WORD, "The balancer's network/prefix, e.g. 10.0.5.0/28").both(ACTIVESYNC_PROXY_FROM),
                ),
            kw("import", "Paste a file's content instead of naming a file, ended by a line `quit`").child(
                kw("backend-ca", "PEM certificates of the authorities that sign the back end's certificate")
                    .action(ACTIVESYNC_CA_IMPORT)
                    .pastes(),
            ),
        ]),
        kw("apptunnel", "AppTunnel settings").children([
            kw("idle-timeout", "Close a tunnel after this long idle")
                .child(arg("SECONDS", SECONDS, "Seconds").action(TUNNEL_IDLE)),
            kw("client-ca", "PEM file of the authority that issues device certificates")
                .no_action(TUNNEL_CA)
                .child(arg("FILE", PATH, "Absolute path").action(TUNNEL_CA)),
            kw("import", "Paste a file's content instead of naming a file, ended by a line `quit`").child(
                kw("client-ca", "PEM certificate of the authority that issues device certificates")
                    .action(TUNNEL_CA_IMPORT)
                    .pastes(),
            ),
            kw("proxy-protocol-from", "A load balancer that sends a PROXY protocol header first")
                .no_action(TUNNEL_PROXY_FROM)
                .child(arg("PREFIX", WORD, "The balancer's network/prefix, e.g. 10.0.5.0/28").both(TUNNEL_PROXY_FROM)),
            kw("identity-from-common-name", "Identify a device certificate without a device URI by its common name")
                .both(TUNNEL_CN),
            kw("service", "Configure an AppTunnel service")
                .child(arg("NAME", WORD, "Service name").both(SERVICE).enters(MODE_SERVICE)),
        ]),
        kw("uem", "Configure the UEM connector and check-ins").action(UEM).enters(MODE_UEM),
        crate::host_checker::config_node(),
        crate::agent::config_node(),
        kw("management", "Where SSH and metrics listen").children([
            kw("address", "The address SSH and metrics bind")
                .no_action(MGMT_ADDRESS)
                .child(arg("ADDRESS", WORD, "IPv4 or IPv6 address").action(MGMT_ADDRESS)),
            kw("interface", "The interface whose address SSH and metrics bind")
                .no_action(MGMT_INTERFACE)
                .child(arg("NAME", ArgKind::Word { max_len: 15 }, "Interface name").action(MGMT_INTERFACE)),
            kw("ssh-port", "The SSH CLI's port")
                .child(arg("PORT", ArgKind::Integer { min: 1, max: 65_535 }, "Port").action(MGMT_SSH_PORT)),
            kw("metrics-port", "The metrics listener's port")
                .child(arg("PORT", ArgKind::Integer { min: 1, max: 65_535 }, "Port").action(MGMT_METRICS_PORT)),
            kw("metrics-allow", "A source prefix allowed to read metrics")
                .no_action(MGMT_METRICS_ALLOW)
                .child(arg("PREFIX", WORD, "network/prefix, e.g. 10.0.0.0/8").both(MGMT_METRICS_ALLOW)),
        ]),
        kw("username", "A user of this CLI").child(
            arg("NAME", ArgKind::Word { max_len: 32 }, "User name").no_action(USER).children([
                kw("privilege", "What the user may do").child(
                    arg("LEVEL", ArgKind::OneOf(&["operator", "administrator"]), "operator or administrator")
                        .action(USER_PRIVILEGE),
                ),
                kw("ssh-key", "An OpenSSH public key line")
                    .child(arg("KEY", ArgKind::Rest { max_len: 16_384 }, "type base64 [comment]").both(USER_KEY)),
            ]),
        ),
        kw("accs", "The administrative portal (federation and conditional access)")
            .children([
                kw("portal", "Portal URL")
                    .no_action(ACCS_PORTAL)
                    .child(arg("URL", LONG_WORD, "https URL").action(ACCS_PORTAL)),
                kw("sync-interval", "Seconds between portal syncs")
                    .child(arg("SECONDS", SECONDS, "Seconds").action(ACCS_INTERVAL)),
                kw("config-fetch", "Fetch from the portal now").child(kw("update", "Fetch now").action(ACCS_FETCH)),
            ])
            .children(crate::accs::config_nodes()),
        kw("commit", "Make the candidate the running configuration").action(COMMIT).children([
            kw("comment", "Record a comment with the revision")
                .child(arg("TEXT", ArgKind::Rest { max_len: 256 }, "Comment").action(COMMIT)),
            kw("confirmed", "Revert by itself unless confirmed with commit").child(
                arg("MINUTES", ArgKind::Integer { min: 1, max: 60 }, "Minutes until the automatic rollback")
                    .action(COMMIT_CONFIRMED),
            ),
        ]),
        kw("rollback", "Load a past revision into the candidate").child(
            arg("N", ArgKind::Integer { min: 0, max: 49 }, "Commits back (0: the running one)").action(ROLLBACK),
        ),
    ]
}

/// Builds Postern's command tree.
pub fn postern_grammar() -> Result<Grammar, GrammarError> {
    const EXEC: &[Mode] = &[Mode::Exec, Mode::Privileged];
    let config_modes = [
        Mode::Config,
        Mode::Sub(MODE_INTERFACE),
        Mode::Sub(MODE_SERVICE),
        Mode::Sub(MODE_UEM),
        Mode::Sub(MODE_HC_POLICY),
        Mode::Sub(MODE_AGENT_RESOURCE),
        Mode::Sub(MODE_HC_ROLE),
    ];
    let mut builder = Grammar::builder()
        .sub_mode(MODE_INTERFACE, "config-if", Mode::Config)
        .sub_mode(MODE_SERVICE, "config-service", Mode::Config)
        .sub_mode(MODE_UEM, "config-uem", Mode::Config)
        .sub_mode(MODE_HC_POLICY, "config-hc-policy", Mode::Config)
        .sub_mode(MODE_AGENT_RESOURCE, "config-agent-resource", Mode::Config)
        .sub_mode(MODE_HC_ROLE, "config-hc-role", Mode::Config)
        .command(EXEC, show(false))
        .command(&[Mode::Privileged], device_cache_exec())
        .command(&[Mode::Privileged], admin(kw("reload", "Restart the gateway software").action(RELOAD)))
        .command(
            &[Mode::Privileged],
            admin(
                kw("factory-reset", "Erase the configuration, device cache, keys and logs at the next boot")
                    .action(FACTORY_RESET)
                    .child(
                        kw("confirm", "Erase them: the gateway reboots and starts as new")
                            .action(FACTORY_RESET_CONFIRM),
                    ),
            ),
        )
        .command(&[Mode::Privileged], admin(test_access()))
        .command(&[Mode::Privileged], admin(software()))
        .command(&config_modes, show(true));
    for node in config_mode() {
        builder = builder.command(&[Mode::Config], admin(node));
    }
    for node in interface_mode() {
        builder = builder.command(&[Mode::Sub(MODE_INTERFACE)], admin(node));
    }
    for node in service_mode() {
        builder = builder.command(&[Mode::Sub(MODE_SERVICE)], admin(node));
    }
    for node in uem_mode() {
        builder = builder.command(&[Mode::Sub(MODE_UEM)], admin(node));
    }
    for node in crate::host_checker::policy_mode() {
        builder = builder.command(&[Mode::Sub(MODE_HC_POLICY)], admin(node));
    }
    for node in crate::agent::resource_mode() {
        builder = builder.command(&[Mode::Sub(MODE_AGENT_RESOURCE)], admin(node));
    }
    for node in crate::host_checker_roles::role_mode() {
        builder = builder.command(&[Mode::Sub(MODE_HC_ROLE)], admin(node));
    }
    builder.build()
}
