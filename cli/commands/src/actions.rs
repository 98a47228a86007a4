//! The action ids of Postern's commands and the ids of its configuration sub-modes.

use postern_cli_engine::{ActionId, SubModeId};

/// `interface NAME` → `(config-if)#`.
pub(crate) const MODE_INTERFACE: SubModeId = SubModeId(1);
/// `apptunnel service NAME` → `(config-service)#`.
pub(crate) const MODE_SERVICE: SubModeId = SubModeId(2);
/// `uem` → `(config-uem)#`.
pub(crate) const MODE_UEM: SubModeId = SubModeId(3);

/// `host-checker policy NAME` → `(config-hc-policy)#`.
pub(crate) const MODE_HC_POLICY: SubModeId = SubModeId(10);
/// `host-checker role NAME` → `(config-hc-role)#`.
pub(crate) const MODE_HC_ROLE: SubModeId = SubModeId(11);

/// `agent resource NAME` → `(config-agent-resource)#`.
pub(crate) const MODE_AGENT_RESOURCE: SubModeId = SubModeId(12);

macro_rules! actions {
    ($($name:ident = $id:literal),* $(,)?) => {
        $(pub(crate) const $name: ActionId = ActionId($id);)*
        /// Every action, to check that no two share an id.
        #[cfg(test)]
        const ALL: &[(&str, ActionId)] = &[$((stringify!($name), $name)),*];
    };
}

actions! {
    SHOW_VERSION = 1,
    SHOW_RUNNING = 2,
    SHOW_DIFF = 3,
    SHOW_HISTORY = 4,
    SHOW_CACHE = 5,
    SHOW_BLOCKS = 83,
    SHOW_TUNNELS = 6,
    SHOW_CHECKINS = 7,
    SHOW_SOFTWARE = 8,
    SHOW_LOGGING = 9,
    SHOW_CANDIDATE = 10,
    CACHE_CLEAR = 20,
    CACHE_BLOCK = 21,
    CACHE_UNBLOCK = 22,
    RELOAD = 23,
    TEST_ACTIVESYNC = 24,
    TEST_APPTUNNEL = 25,
    HOSTNAME = 30,
    GATEWAY_ID = 31,
    CACHE_SIZE = 32,
    INTERFACE = 33,
    IF_ADDRESS = 34,
    IF_GATEWAY = 35,
    IF_SHUTDOWN = 36,
    TLS_CERT = 37,
    TLS_KEY = 38,
    TLS_MIN = 39,
    ACTIVESYNC_BACKEND = 40,
    TUNNEL_IDLE = 41,
    SERVICE = 42,
    SERVICE_KIND = 43,
    SERVICE_SERVER = 44,
    UEM = 45,
    UEM_STATIC = 46,
    UEM_API = 47,
    UEM_GRAPH = 48,
    UEM_CHECKIN = 49,
    UEM_NEW_DEVICE = 50,
    UEM_QUARANTINE = 51,
    UEM_DEVICE = 52,
    UEM_CA = 59,
    UEM_CREDENTIALS = 63,
    ACTIVESYNC_CA = 64,
    TUNNEL_CA = 65,
    USER_PRIVILEGE = 53,
    USER_KEY = 54,
    USER = 55,
    ACCS_PORTAL = 56,
    ACCS_INTERVAL = 57,
    ACCS_FETCH = 58,
    ACCS_CA_FILE = 250,
    ACCS_TOKEN_FILE = 251,
    ACCS_SHOW = 252,
    ACCS_CA_IMPORT = 253,
    ACCS_TOKEN_IMPORT = 254,
    COMMIT = 60,
    COMMIT_CONFIRMED = 61,
    ROLLBACK = 62,
    SOFTWARE_INSTALL = 66,
    SOFTWARE_ROLLBACK = 67,
    TLS_IMPORT_CERT = 68,
    TLS_IMPORT_KEY = 69,
    ACTIVESYNC_CA_IMPORT = 78,
    TUNNEL_CA_IMPORT = 79,
    UEM_CA_IMPORT = 80,
    UEM_CREDENTIALS_IMPORT = 81,
    UEM_SECRET_IMPORT = 82,
    SHOW_TLS = 11,
    MGMT_ADDRESS = 74,
    MGMT_INTERFACE = 75,
    MGMT_METRICS_ALLOW = 70,
    MGMT_SSH_PORT = 71,
    MGMT_METRICS_PORT = 72,
    SHOW_MANAGEMENT = 73,
    SHOW_INTERFACES = 180,
    SHOW_PENDING_RELOAD = 181,
    IF_DHCP = 182,
    IF_MATCH = 183,
    IF_MATCH_MAC = 184,
    IF_MATCH_PCI = 185,
    IF_MTU = 186,
    IF_RX_RING = 187,
    IF_TX_RING = 188,
    IF_OFFLOAD = 189,
    IF_STEERING = 190,
    FACTORY_RESET = 76,
    FACTORY_RESET_CONFIRM = 77,
    TUNNEL_CN = 84,
    ACTIVESYNC_PROXY_FROM = 160,
    TUNNEL_PROXY_FROM = 161,
    SHUTDOWN_NOTICE = 162,
    HC_ENABLED = 120,
    HC_PORT = 121,
    HC_POLICY = 122,
    HC_PLATFORM = 123,
    HC_MIN_OS = 124,
    HC_REQUIRE = 125,
    HC_FORBID = 126,
    HC_DENY_FORWARDING = 127,
    HC_REMEDIATION_URL = 128,
    HC_SHOW_POLICIES = 129,
    HC_SHOW_RESULTS = 130,
    HC_REQUIRED_SERVICE = 131,
    HC_PATCH_URL = 132,
    HC_PATCH_CA = 133,
    HC_PATCH_INTERVAL = 134,
    HC_PATCH_IMPORT = 135,
    HC_PATCH_CA_IMPORT = 136,
    HC_MONITOR_PRODUCT = 137,
    HC_MONITOR_PATCH = 138,
    HC_SHOW_PATCH_LIST = 139,
    HC_IGNORE_SEVERITY = 140,
    HC_REQUIRED_ACTIVESYNC = 141,
    HC_SHOW_SESSIONS = 142,
    HC_RECHECK = 143,
    HC_WEBHOOK = 144,
    HC_WEBHOOK_CA = 145,
    HC_SASL_MODE = 200,
    HC_SASL_USER = 201,
    HC_SASL_USER_HASH = 202,
    HC_ROLE = 210,
    HC_ROLE_POLICY = 211,
    HC_ROLE_SERVICE = 212,
    HC_ROLE_ACTIVESYNC = 213,
    HC_ROLE_USER = 214,
    HC_REALM_POLICY = 215,
    HC_SHOW_ROLES = 216,
    AGENT_ENABLED = 230,
    AGENT_PORT = 231,
    AGENT_RESOURCE = 232,
    AGENT_PREFIX = 233,
    AGENT_RESOURCE_PORT = 234,
    AGENT_SERVICE = 235,
    AGENT_SHOW_SESSIONS = 236,
    AGENT_DNS_NAME = 280,
    ACCS_FEDERATION_LISTEN = 290,
    ACCS_FEDERATION_URL = 291,
    ACCS_REPORTS = 300,
    ACCS_SESSIONS = 310,
    ACCS_REVOCATION_CA_FILE = 311,
}

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn no_two_actions_share_an_id() {
        for (i, (name, id)) in ALL.iter().enumerate() {
            if let Some((other, _)) = ALL[..i].iter().find(|(_, o)| o == id) {
                panic!("{name} and {other} share action id {}", id.0);
            }
        }
    }
}
