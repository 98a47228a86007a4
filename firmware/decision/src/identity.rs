//! Who a device is: the identifiers the gateway and the UEM know it by.

use alloc::string::String;
use core::fmt;
use serde::{Deserialize, Serialize};

/// Longest ActiveSync device id MS-ASHTTP allows.
pub const EAS_DEVICE_ID_MAX: usize = 32;
/// Longest user id the gateway accepts (UPN, `DOMAIN\user` or e-mail address).
pub const USER_ID_MAX: usize = 256;
/// Longest UEM device id the gateway accepts.
pub const UEM_DEVICE_ID_MAX: usize = 64;
/// Longest gateway id the gateway accepts.
pub const GATEWAY_ID_MAX: usize = 64;
/// Longest app id accepted (an iOS bundle id or an Android package name).
pub const APP_ID_MAX: usize = 128;
/// Longest AppTunnel service name accepted from the UEM or a device (the configuration
/// names its own services in at most 64 ASCII characters).
pub const SERVICE_NAME_MAX: usize = 128;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier was empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which identifier.
        kind: &'static str,
    },
    /// The identifier was longer than allowed.
    #[error("{kind} is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// Which identifier.
        kind: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The identifier held a character that is not allowed.
    #[error("{kind} holds a character that is not allowed at byte {at}")]
    BadChar {
        /// Which identifier.
        kind: &'static str,
        /// Byte offset of the offending character.
        at: usize,
    },
}

/// An ActiveSync device id: 1 to 32 ASCII letters and digits (MS-ASHTTP 2.2.1.1.1.2.3).
///
/// Stored inline (no heap), so the cache index can hold millions of them compactly.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EasDeviceId(heapless::String<EAS_DEVICE_ID_MAX>);

impl TryFrom<String> for EasDeviceId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::new(&s)
    }
}

impl From<EasDeviceId> for String {
    fn from(id: EasDeviceId) -> String {
        String::from(id.as_str())
    }
}

impl EasDeviceId {
    /// Validates and wraps an ActiveSync device id. Letters keep their case; ActiveSync
    /// device ids are compared exactly.
    pub fn new(id: &str) -> Result<Self, IdError> {
        const KIND: &str = "ActiveSync device id";
        if id.is_empty() {
            return Err(IdError::Empty { kind: KIND });
        }
        if id.len() > EAS_DEVICE_ID_MAX {
            return Err(IdError::TooLong { kind: KIND, len: id.len(), max: EAS_DEVICE_ID_MAX });
        }
        if let Some(at) = id.bytes().position(|b| !b.is_ascii_alphanumeric()) {
            return Err(IdError::BadChar { kind: KIND, at });
        }
        let mut s = heapless::String::new();
        // Cannot fail: the length was checked above.
        let _ = s.push_str(id);
        Ok(Self(s))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for EasDeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EasDeviceId({})", self.0)
    }
}

impl fmt::Display for EasDeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn bounded_text(kind: &'static str, s: &str, max: usize) -> Result<String, IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.len() > max {
        return Err(IdError::TooLong { kind, len: s.len(), max });
    }
    if let Some((at, _)) = s.char_indices().find(|(_, c)| c.is_control()) {
        return Err(IdError::BadChar { kind, at });
    }
    Ok(String::from(s))
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:expr, fold_case = $fold:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Debug)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl $name {
            #[doc = concat!("Validates and wraps a ", $kind, ": non-empty, no control characters, bounded length.")]
            pub fn new(s: &str) -> Result<Self, IdError> {
                let mut text = bounded_text($kind, s, $max)?;
                if $fold {
                    text.make_ascii_lowercase();
                }
                Ok(Self(text))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(
    /// A user id as the device presents it (UPN, e-mail address or `DOMAIN\user`).
    /// ASCII letters are folded to lower case: directory user names compare without case.
    UserId, "user id", USER_ID_MAX, fold_case = true
);
text_id!(
    /// The UEM's own id for an enrolled device.
    UemDeviceId, "UEM device id", UEM_DEVICE_ID_MAX, fold_case = false
);
text_id!(
    /// The id under which a gateway is registered with the UEM.
    GatewayId, "gateway id", GATEWAY_ID_MAX, fold_case = false
);
text_id!(
    /// The id of an app that uses an AppTunnel (an iOS bundle id or an Android package
    /// name).
    AppId, "app id", APP_ID_MAX, fold_case = false
);
text_id!(
    /// The name of the AppTunnel service (the back-end rule) a tunnel belongs to.
    ServiceName, "service name", SERVICE_NAME_MAX, fold_case = false
);

/// The device's operating system family, as far as the gateway can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Platform {
    /// Apple iOS / iPadOS.
    Ios,
    /// Google Android.
    Android,
    /// Microsoft Windows.
    Windows,
    /// Apple macOS.
    MacOs,
    /// Anything else, or not known.
    #[default]
    Other,
}

impl Platform {
    /// Best guess from an ActiveSync `DeviceType` (e.g. `iPhone`, `Android`, `WindowsMail`).
    pub fn from_device_type(device_type: &str) -> Self {
        let t = device_type.as_bytes();
        let starts = |p: &str| t.len() >= p.len() && t[..p.len()].eq_ignore_ascii_case(p.as_bytes());
        if starts("iphone") || starts("ipad") || starts("ipod") {
            Platform::Ios
        } else if starts("android") || starts("samsung") || starts("pixel") {
            Platform::Android
        } else if starts("windows") || starts("wp") {
            Platform::Windows
        } else if starts("mac") {
            Platform::MacOs
        } else {
            Platform::Other
        }
    }
}

/// Everything the gateway knows that identifies one device.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct DeviceIdentity {
    /// The ActiveSync device id, when the device speaks ActiveSync.
    pub eas_device_id: Option<EasDeviceId>,
    /// The user the device acts for.
    pub user: Option<UserId>,
    /// The UEM's id for the device, once matched to an enrolled device.
    pub uem_device_id: Option<UemDeviceId>,
    /// Operating system family.
    pub platform: Platform,
}
