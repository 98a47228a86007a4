//! The shapes Microsoft Graph sends: a page of `managedDevice` objects, the two states the
//! mapping reads, and Graph's error body.

use serde::Deserialize;

/// Most devices one page may list (Graph pages hold up to 1 000).
pub(crate) const MAX_PAGE_DEVICES: usize = 5_000;

/// The properties asked for with `$select`, in the order Graph is asked for them.
pub(crate) const SELECT: &str = "id,userPrincipalName,easDeviceId,complianceState,exchangeAccessState,operatingSystem";

/// Intune's `complianceState` of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ComplianceState {
    /// Not evaluated yet.
    #[default]
    Unknown,
    /// Meets every assigned compliance policy.
    Compliant,
    /// Fails a policy; Intune blocks it from corporate resources.
    Noncompliant,
    /// Policies conflict.
    Conflict,
    /// Evaluation failed.
    Error,
    /// Fails a policy but keeps access until the grace period ends.
    InGracePeriod,
    /// Compliance is evaluated by Configuration Manager, not Intune.
    ConfigManager,
    /// A value this connector does not know (e.g. `unknownFutureValue`).
    #[serde(other)]
    Unrecognised,
}

/// Exchange's view of the device, as Intune reports it (`exchangeAccessState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ExchangeAccessState {
    /// No access state discovered from Exchange.
    #[default]
    None,
    /// Exchange's access state is unknown.
    Unknown,
    /// Exchange allows the device.
    Allowed,
    /// Exchange blocks the device.
    Blocked,
    /// Exchange holds the device in quarantine.
    Quarantined,
    /// A value this connector does not know.
    #[serde(other)]
    Unrecognised,
}

/// One `managedDevice`, as far as `$select` asks for it. Every field may be absent or
/// `null`; the mapping decides what that means.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManagedDevice {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) user_principal_name: Option<String>,
    #[serde(default)]
    pub(crate) eas_device_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) compliance_state: ComplianceState,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) exchange_access_state: ExchangeAccessState,
    #[serde(default)]
    pub(crate) operating_system: Option<String>,
}

/// One page of a collection: `value` and, if more follow, `@odata.nextLink`.
#[derive(Debug, Deserialize)]
pub(crate) struct DevicePage {
    pub(crate) value: postern_uem_api::BoundedList<ManagedDevice, MAX_PAGE_DEVICES>,
    #[serde(rename = "@odata.nextLink", default)]
    pub(crate) next_link: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// `code: message` from a Graph error body, bounded; empty when the body is not one.
pub(crate) fn error_text(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => format!("{}: {}", crate::token::clip(&b.error.code), crate::token::clip(&b.error.message)),
        Err(_) => String::new(),
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_shape_page_parses() {
        let page: DevicePage = serde_json::from_str(
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices(id,easDeviceId)",
                "@odata.nextLink":"https://graph.microsoft.com/v1.0/deviceManagement/managedDevices?$skiptoken=X",
                "value":[{"id":"0b7a","userPrincipalName":"Ann@Example.com","easDeviceId":"ApplF17X","complianceState":"inGracePeriod","exchangeAccessState":"quarantined","operatingSystem":"iOS","lastSyncDateTime":"2024-05-01T10:00:00Z"},
                         {"id":"0b7b","userPrincipalName":null,"easDeviceId":null,"complianceState":null,"exchangeAccessState":"unknownFutureValue"}]}"#,
        )
        .expect("page");
        assert_eq!(
            page.next_link.as_deref(),
            Some("https://graph.microsoft.com/v1.0/deviceManagement/managedDevices?$skiptoken=X")
        );
        assert_eq!(page.value[0].compliance_state, ComplianceState::InGracePeriod);
        assert_eq!(page.value[0].exchange_access_state, ExchangeAccessState::Quarantined);
        assert_eq!(page.value[1].compliance_state, ComplianceState::Unknown);
        assert_eq!(page.value[1].exchange_access_state, ExchangeAccessState::Unrecognised);
    }

    #[test]
    fn error_bodies_are_described() {
        assert_eq!(
            error_text(br#"{"error":{"code":"Forbidden","message":"Missing role"}}"#),
            "Forbidden: Missing role"
        );
        assert_eq!(error_text(b"<html>"), "");
    }
}
