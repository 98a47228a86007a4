//! Which way a request goes: not ours (404), malformed (400), discovery, or a device's.

use hyper::http::{HeaderMap, Method as HttpMethod, Uri};
use postern_activesync::{ACTIVESYNC_PATH, ActiveSyncRequest, Command, Method};
use postern_decision::{EasDeviceId, EasRequest, Platform, UserId};

/// Where a request goes.
#[derive(Debug)]
pub(crate) enum Route {
    /// Not the ActiveSync path.
    NotFound,
    /// The ActiveSync path with a method ActiveSync does not use.
    MethodNotAllowed,
    /// The ActiveSync path, but the request does not parse; why.
    Malformed(String),
    /// `OPTIONS` naming no device: version discovery, forwarded without a decision.
    Discovery,
    /// A device's request, to be decided.
    Device {
        /// What the access service decides on.
        request: EasRequest,
        /// The command, for the log and the timeout.
        command: Option<Command>,
    },
}

/// Whether the path is the ActiveSync endpoint (ASCII case-insensitive, one optional
/// trailing `/`), as the parser accepts it.
fn is_activesync_path(path: &str) -> bool {
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    path.eq_ignore_ascii_case(ACTIVESYNC_PATH)
}

pub(crate) fn route(method: &HttpMethod, uri: &Uri, headers: &HeaderMap) -> Route {
    if !is_activesync_path(uri.path()) {
        return Route::NotFound;
    }
    let Ok(method) = Method::parse(method.as_str().as_bytes()) else {
        return Route::MethodNotAllowed;
    };
    let target = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let pairs = headers.iter().map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()));
    let parsed = match ActiveSyncRequest::parse_with_headers(method, target.as_bytes(), pairs) {
        Ok(parsed) => parsed,
        Err(error) => return Route::Malformed(error.to_string()),
    };
    let Some(device) = parsed.device_id() else {
        return Route::Discovery;
    };
    let eas_device_id = match EasDeviceId::new(device) {
        Ok(id) => id,
        Err(error) => return Route::Malformed(error.to_string()),
    };
    let user = match parsed.user().map(UserId::new).transpose() {
        Ok(user) => user,
        Err(error) => return Route::Malformed(error.to_string()),
    };
    let platform = parsed.device_type().map_or(Platform::Other, Platform::from_device_type);
    Route::Device { request: EasRequest { eas_device_id, user, platform }, command: parsed.command() }
}

/// Whether a command may legitimately hold its response for a long time (a Ping's or a
/// Sync's heartbeat), and so waits up to the hold maximum rather than the response
/// timeout.
pub(crate) fn holds(command: Option<Command>) -> bool {
    matches!(command, Some(Command::Ping | Command::Sync))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn go(method: &str, target: &str, headers: &[(&str, &str)]) -> Route {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.append(hyper::http::HeaderName::from_bytes(n.as_bytes()).unwrap(), v.parse().unwrap());
        }
        route(&method.parse().unwrap(), &target.parse().unwrap(), &map)
    }

    #[test]
    fn paths_methods_and_forms_are_routed() {
        assert!(matches!(go("POST", "/owa/", &[]), Route::NotFound));
        assert!(matches!(go("POST", "/Microsoft-Server-ActiveSync/x", &[]), Route::NotFound));
        assert!(matches!(go("GET", "/microsoft-server-activesync", &[]), Route::MethodNotAllowed));
        assert!(matches!(go("OPTIONS", "/Microsoft-Server-ActiveSync", &[]), Route::Discovery));
        assert!(matches!(go("POST", "/Microsoft-Server-ActiveSync", &[]), Route::Malformed(_)));
        let plain = "/MICROSOFT-SERVER-ACTIVESYNC/?Cmd=Ping&User=a%40b.c&DeviceId=Dev1&DeviceType=iPhone";
        match go("POST", plain, &[("MS-ASProtocolVersion", "14.1")]) {
            Route::Device { request, command } => {
                assert_eq!(request.eas_device_id.as_str(), "Dev1");
                assert_eq!(request.user.unwrap().as_str(), "a@b.c");
                assert_eq!(request.platform, Platform::Ios);
                assert!(holds(command));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(go("POST", plain, &[("MS-ASProtocolVersion", "9.9")]), Route::Malformed(_)));
        assert!(matches!(go("POST", plain, &[("X-MS-PolicyKey", "-1")]), Route::Malformed(_)));
    }

    #[test]
    fn unlisted_parameters_pass_and_a_query_policy_key_is_checked() {
        let second_provision =
            "/Microsoft-Server-ActiveSync?Cmd=Provision&User=a%40b.c&DeviceId=Dev1&DeviceType=iPhone&PolicyKey=7";
        assert!(matches!(go("POST", second_provision, &[("X-MS-PolicyKey", "7")]), Route::Device { .. }));
        // Provisioning again: the previous key in the header beside the new one.
        assert!(matches!(go("POST", second_provision, &[("X-MS-PolicyKey", "8")]), Route::Device { .. }));
        assert!(matches!(
            go("POST", second_provision, &[("X-MS-PolicyKey", "8"), ("X-MS-PolicyKey", "9")]),
            Route::Malformed(_)
        ));
        assert!(matches!(go("POST", &format!("{second_provision}0x"), &[]), Route::Malformed(_)));
        let extra = "/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=Dev1&DeviceType=iPhone&ClientVersion=7";
        assert!(matches!(go("POST", extra, &[]), Route::Device { .. }));
        let smuggled = "/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=Dev1&DeviceType=iPhone&%44eviceId=Dev2";
        assert!(matches!(go("POST", smuggled, &[]), Route::Malformed(_)));
    }
}
