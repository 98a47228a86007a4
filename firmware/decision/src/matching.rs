//! S1's correlation: which registered device a request is, if any.

use crate::{EasRequest, Platform, RegisteredDevice, UemCapabilities};

/// How a registered device was matched to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchedBy {
    /// The UEM knows the device under the request's ActiveSync id.
    EasDeviceId,
    /// The UEM does not know the device's ActiveSync id; the user matched.
    User,
}

/// The result of correlating a request with the registered devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match<'a> {
    /// Nothing matches.
    None,
    /// Exactly one device is the best match.
    One(&'a RegisteredDevice, MatchedBy),
    /// Several devices match equally well.
    Ambiguous {
        /// At which tier they matched.
        by: MatchedBy,
        /// How many.
        count: usize,
        /// Whether every one of them would be allowed.
        all_permit: bool,
    },
}

#[derive(Clone, Copy)]
struct Filter {
    by: MatchedBy,
    same_user: bool,
    same_platform: bool,
}

#[derive(Clone, Copy)]
enum Narrowing {
    SameUser,
    SamePlatform,
}

impl Narrowing {
    fn apply(self, f: Filter) -> Filter {
        match self {
            Narrowing::SameUser => Filter { same_user: true, ..f },
            Narrowing::SamePlatform => Filter { same_platform: true, ..f },
        }
    }
}

fn fits(request: &EasRequest, device: &RegisteredDevice, f: Filter) -> bool {
    let user_agrees = request.user.is_some() && device.user == request.user;
    let tier = match f.by {
        MatchedBy::EasDeviceId => device.eas_device_id.as_ref() == Some(&request.eas_device_id),
        // A device the UEM knows under another ActiveSync id is a different device.
        MatchedBy::User => device.eas_device_id.is_none() && user_agrees,
    };
    tier && (!f.same_user || user_agrees)
        && (!f.same_platform || (request.platform != Platform::Other && device.platform == request.platform))
}

fn count(request: &EasRequest, devices: &[RegisteredDevice], f: Filter) -> usize {
    devices.iter().filter(|d| fits(request, d, f)).count()
}

/// Picks the best match for a request: ActiveSync id first, then user (S1).
///
/// Within a tier, several candidates are narrowed by agreeing user (ActiveSync tier) and
/// by agreeing platform; a narrowing that would leave nobody is skipped. If several remain
/// the result is [`Match::Ambiguous`]. Linear in the number of candidates; no allocation.
pub fn best_match<'a>(request: &EasRequest, devices: &'a [RegisteredDevice], caps: UemCapabilities) -> Match<'a> {
    for by in [MatchedBy::EasDeviceId, MatchedBy::User] {
        let mut filter = Filter { by, same_user: false, same_platform: false };
        let mut n = count(request, devices, filter);
        if n == 0 {
            continue;
        }
        // Each narrowing keeps the earlier ones, and is skipped if it leaves nobody.
        for step in [Narrowing::SameUser, Narrowing::SamePlatform] {
            if n <= 1 {
                break;
            }
            let narrower = step.apply(filter);
            let m = count(request, devices, narrower);
            if m >= 1 {
                filter = narrower;
                n = m;
            }
        }
        let mut fitting = devices.iter().filter(|d| fits(request, d, filter));
        if n == 1 {
            if let Some(device) = fitting.next() {
                return Match::One(device, by);
            }
        }
        let all_permit = fitting.all(|d| d.status.state(caps).permits());
        return Match::Ambiguous { by, count: n, all_permit };
    }
    Match::None
}

/// Whether a request borrows another user's device: the UEM knows the request's ActiveSync
/// id only under users other than the request's. A request that names no user, or a
/// device the UEM records without a user, is no conflict (S1 matches it as usual).
pub fn user_conflict(request: &EasRequest, devices: &[RegisteredDevice]) -> bool {
    let Some(user) = &request.user else { return false };
    let same_id = || devices.iter().filter(|d| d.eas_device_id.as_ref() == Some(&request.eas_device_id));
    same_id().any(|d| d.user.as_ref().is_some_and(|u| u != user)) && !same_id().any(|d| d.user.as_ref() == Some(user))
}

/// A short tag of a user (FNV-1a of its folded form; 0 for none), kept beside a cached
/// decision so that a request naming another user is not decided from the cache.
pub fn user_tag(user: Option<&crate::UserId>) -> u32 {
    let Some(user) = user else { return 0 };
    let hash = user.as_str().bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EasDeviceId, UemDeviceId, UemStatus, UserId};

    fn device(uem: &str, eas: Option<&str>, user: Option<&str>) -> RegisteredDevice {
        RegisteredDevice {
            uem_device_id: UemDeviceId::new(uem).expect("uem id"),
            eas_device_id: eas.map(|e| EasDeviceId::new(e).expect("eas id")),
            user: user.map(|u| UserId::new(u).expect("user")),
            platform: Platform::Ios,
            status: UemStatus::Compliant,
        }
    }

    fn request(user: Option<&str>) -> EasRequest {
        EasRequest {
            eas_device_id: EasDeviceId::new("DEV1").expect("id"),
            user: user.map(|u| UserId::new(u).expect("user")),
            platform: Platform::Ios,
        }
    }

    #[test]
    fn another_users_device_is_a_conflict_and_the_owners_is_not() {
        let alice = [device("u1", Some("DEV1"), Some("alice@example.com"))];
        assert!(user_conflict(&request(Some("mallory@example.com")), &alice));
        assert!(!user_conflict(&request(Some("ALICE@example.com")), &alice), "users compare folded");
        assert!(!user_conflict(&request(None), &alice), "no user named: S1 decides");
        let shared = [
            device("u1", Some("DEV1"), Some("alice@example.com")),
            device("u2", Some("DEV1"), Some("bob@example.com")),
        ];
        assert!(!user_conflict(&request(Some("bob@example.com")), &shared), "one of the enrolments is bob's");
        assert!(!user_conflict(&request(Some("mallory@example.com")), &[device("u1", Some("DEV1"), None)]));
        assert!(!user_conflict(
            &request(Some("mallory@example.com")),
            &[device("u1", None, Some("alice@example.com"))]
        ));
    }

    #[test]
    fn user_tags_fold_case_and_none_is_zero() {
        let tag = |u: &str| user_tag(Some(&UserId::new(u).expect("user")));
        assert_eq!(user_tag(None), 0);
        assert_eq!(tag("Alice@Example.com"), tag("alice@example.com"));
        assert_ne!(tag("alice@example.com"), tag("mallory@example.com"));
        assert_ne!(tag("alice@example.com"), 0);
    }
}
