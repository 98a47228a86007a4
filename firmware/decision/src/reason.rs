//! Why a decision came out the way it did: typed, with a stable short code for logs.

use core::fmt;

macro_rules! reasons {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $text:literal; )+) => {
        /// Why the gateway allowed or blocked a device, or changed its state.
        ///
        /// [`Reason::code`] is stable: operators grep logs for it and tests assert it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Reason {
            $( $(#[$doc])* $variant, )+
        }

        impl Reason {
            /// Every reason (for tables, documentation and tests).
            pub const ALL: &'static [Reason] = &[ $( Reason::$variant, )+ ];

            /// Stable short code, e.g. `cached-allowed` or `uem-noncompliant`.
            pub const fn code(self) -> &'static str {
                match self { $( Reason::$variant => $code, )+ }
            }

            /// One sentence an operator can read.
            pub const fn description(self) -> &'static str {
                match self { $( Reason::$variant => $text, )+ }
            }
        }
    };
}

reasons! {
    /// S2: the cached state is allowed.
    CachedAllowed => "cached-allowed", "the device cache holds the device as allowed";
    /// S2: the cached state is blocked.
    CachedBlocked => "cached-blocked", "the device cache holds the device as blocked";
    /// S2: the cached state is quarantined.
    CachedQuarantined => "cached-quarantined", "the device cache holds the device as quarantined";
    /// S2: the cached state is wiped.
    CachedWiped => "cached-wiped", "the device cache holds the device as wiped";
    /// S2: the cached entry was never decided; refused until it is.
    CachedUndecided => "cached-undecided", "the device cache holds no decision for the device yet";
    /// The UEM reports the device compliant.
    UemCompliant => "uem-compliant", "the UEM reports the device compliant";
    /// The UEM reports a violation whose action does not block (email, monitor, notify).
    UemNonCompliantNotBlocking => "uem-noncompliant-nonblocking", "the UEM reports a violation with a non-blocking action";
    /// The UEM asks for quarantine but does not support it, so nothing changes (A4).
    QuarantineUnsupported => "quarantine-unsupported", "the UEM asks for quarantine, which this UEM kind does not support; ignored";
    /// The UEM asks for quarantine before its settings were received: blocked (A4).
    QuarantineSettingsUnknown => "quarantine-settings-unknown", "the UEM asks for quarantine before its settings were received; blocked until they are";
    /// The UEM reports a violation whose action blocks.
    UemNonCompliant => "uem-noncompliant", "the UEM reports a violation with a blocking action";
    /// The UEM reports a violation whose action quarantines.
    UemQuarantined => "uem-quarantined", "the UEM reports a violation with a quarantine action";
    /// An administrator blocked the device or its tunnel on the UEM.
    UemBlocked => "uem-blocked", "an administrator blocked the device on the UEM";
    /// The UEM reports the device wiped or retired.
    UemWiped => "uem-wiped", "the UEM reports the device wiped or retired";
    /// The device was wiped before; it stays wiped until it enrols afresh.
    WipedFinal => "wiped-final", "the device was wiped; only a fresh enrolment lets it back";
    /// A gateway operator blocked the device; the UEM cannot lift that.
    OperatorBlockKept => "operator-block-kept", "a gateway operator blocked the device; the UEM's report does not lift it";
    /// The pinned block list names the device, its UEM device or its user (an operator's
    /// block), before or without any cache entry.
    OperatorBlocked => "operator-blocked", "a gateway operator blocked the device, its UEM device or its user";
    /// H4: the device's last Host Checker assessment did not pass a policy its resource
    /// requires (or it was never assessed); the refusal names the policy.
    PostureFailed => "posture-failed", "the device's last Host Checker assessment did not pass a policy the resource requires";
    /// The request names a user other than the one the UEM (or the cache) has for its
    /// ActiveSync id: the device is not lent to another user.
    UserMismatch => "user-mismatch", "the request's user is not the user the device is enrolled for";
    /// No registered device matches the request.
    NotRegistered => "uem-no-match", "no device registered with the UEM matches the request";
    /// Several registered devices match equally well and not all of them may pass.
    AmbiguousMatch => "ambiguous-match", "several registered devices match and not all of them are compliant";
    /// Several registered devices match equally well and every one of them may pass.
    AmbiguousMatchAllCompliant => "ambiguous-match-all-compliant", "several registered devices match and all of them are compliant";
    /// The device is already allowed on a different gateway.
    AllowedOnOtherGateway => "allowed-on-other-gateway", "the device is already allowed on a different gateway";
    /// S3: UEM unreachable, and its new-device rule allows.
    UemUnreachableFailOpen => "uem-unreachable-fail-open", "the UEM is unreachable and its new-device rule allows new devices";
    /// S3: UEM unreachable, and its new-device rule blocks.
    UemUnreachableFailClosed => "uem-unreachable-fail-closed", "the UEM is unreachable and its new-device rule blocks new devices";
    /// S3: UEM unreachable, and the gateway never received the new-device rule.
    NoUemSetting => "no-uem-setting", "the UEM is unreachable and its new-device rule was never received";
    /// S7: UEM unreachable at start-up; the persisted state stands.
    PersistedState => "persisted-state", "the UEM is unreachable; the device keeps its persisted state";
    /// S5: the UEM authorised the app tunnel.
    AppTunnelAuthorised => "apptunnel-authorised", "the UEM authorised the app tunnel";
    /// S5: the device violates its security policy.
    DevicePolicyViolation => "device-policy-violation", "the device violates its security policy";
    /// S5: the traffic-control rules refuse the connection.
    TrafficRuleDenied => "traffic-rule-denied", "the traffic-control rules refuse the connection";
    /// S5: the app is not authorised.
    AppNotAuthorised => "app-not-authorised", "the app is not authorised";
    /// S5: the UEM is unreachable; the app tunnel is allowed until the next check-in.
    UemUnreachableAppTunnel => "uem-unreachable-apptunnel", "the UEM is unreachable; the app tunnel is allowed until the next check-in";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_lowercase_and_short() {
        for (i, a) in Reason::ALL.iter().enumerate() {
            let code = a.code();
            assert!(code.len() <= 32, "{code} is long");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{code}");
            for b in &Reason::ALL[i + 1..] {
                assert_ne!(code, b.code(), "{a:?} and {b:?} share a code");
            }
        }
    }
}
