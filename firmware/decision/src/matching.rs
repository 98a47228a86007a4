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
            Narrowing::SameUser => Filter {
                same_user: true,
                ..f
            },
            Narrowing::SamePlatform => Filter {
                same_platform: true,
                ..f
            },
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
        && (!f.same_platform
            || (request.platform != Platform::Other && device.platform == request.platform))
}

fn count(request: &EasRequest, devices: &[RegisteredDevice], f: Filter) -> usize {
    devices.iter().filter(|d| fits(request, d, f)).count()
}

/// Picks the best match for a request: ActiveSync id first, then user (S1).
///
/// Within a tier, several candidates are narrowed by agreeing user (ActiveSync tier) and
/// by agreeing platform; a narrowing that would leave nobody is skipped. If several remain
/// the result is [`Match::Ambiguous`]. Linear in the number of candidates; no allocation.
pub fn best_match<'a>(
    request: &EasRequest,
    devices: &'a [RegisteredDevice],
    caps: UemCapabilities,
) -> Match<'a> {
    for by in [MatchedBy::EasDeviceId, MatchedBy::User] {
        let mut filter = Filter {
            by,
            same_user: false,
            same_platform: false,
        };
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
        return Match::Ambiguous {
            by,
            count: n,
            all_permit,
        };
    }
    Match::None
}
