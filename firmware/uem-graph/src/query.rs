//! The request paths this connector sends to Graph (relative to `{graph}/v1.0/`).

use crate::wire::SELECT;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a query value or path segment keeps unescaped (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Every managed device, with the properties the mapping reads.
pub(crate) fn all_devices() -> String {
    format!("deviceManagement/managedDevices?$select={SELECT}")
}

/// The managed devices whose `property` equals `value` (an OData string literal, quotes
/// doubled, then percent-encoded).
pub(crate) fn devices_where(property: &str, value: &str) -> String {
    let literal = value.replace('\'', "''");
    let filter = format!("{property} eq '{literal}'");
    format!("{}&$filter={}", all_devices(), utf8_percent_encode(&filter, COMPONENT))
}

/// One managed device by its Intune id.
pub(crate) fn device(id: &str) -> String {
    format!("deviceManagement/managedDevices/{}?$select={SELECT}", utf8_percent_encode(id, COMPONENT))
}

/// The smallest listing that proves the credentials and the permission work.
pub(crate) fn probe() -> String {
    "deviceManagement/managedDevices?$select=id&$top=1".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_quoted_and_encoded() {
        assert_eq!(
            devices_where("userPrincipalName", "o'neil@example.com"),
            format!(
                "deviceManagement/managedDevices?$select={SELECT}&$filter=userPrincipalName%20eq%20%27o%27%27neil%40example.com%27"
            )
        );
        assert_eq!(device("ab/../c d"), format!("deviceManagement/managedDevices/ab%2F..%2Fc%20d?$select={SELECT}"));
    }
}
