//! The OAuth 2.0 client-credentials token: parsing the token endpoint's answer, and when
//! a cached token must be refreshed. No I/O here; the clock is passed in.

use serde::Deserialize;
use std::fmt;
use std::time::{Duration, Instant};

/// Longest access token accepted, in bytes (Entra ID tokens are a few KiB).
const TOKEN_MAX: usize = 16 * 1024;
/// Longest lifetime believed; a longer `expires_in` is clamped.
const LIFE_MAX: Duration = Duration::from_secs(24 * 3_600);
/// A token is refreshed once less than this remains of it...
const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// ...or less than this share of its life (whichever margin is smaller, so a short-lived
/// token is still used for most of its life).
const REFRESH_PERCENT: u32 = 10;

/// An access token and when it stops being usable.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct AccessToken {
    value: String,
    refresh_at: Instant,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken").field("refresh_at", &self.refresh_at).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    expires_in: Seconds,
}

/// The `{"error": …, "error_description": …}` body of a refused token request.
#[derive(Deserialize)]
struct TokenRefusal {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The point from which a token obtained at `now` for `life` is refreshed.
pub(crate) fn refresh_point(now: Instant, life: Duration) -> Instant {
    let margin = REFRESH_MARGIN.min(life / 100 * REFRESH_PERCENT);
    now + life.saturating_sub(margin)
}

impl AccessToken {
    /// Parses a successful token endpoint answer received at `now`.
    pub(crate) fn parse(body: &[u8], now: Instant) -> Result<Self, String> {
        let answer: TokenAnswer =
            serde_json::from_slice(body).map_err(|e| format!("token answer is not usable JSON: {e}"))?;
        if let Some(kind) = &answer.token_type {
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(format!("token type `{}` is not bearer", clip(kind)));
            }
        }
        let secs = match answer.expires_in {
            Seconds::Number(n) => n,
            Seconds::Text(t) => t.trim().parse().map_err(|_| "expires_in is not a number".to_owned())?,
        };
        if secs == 0 {
            return Err("the token expires at once".to_owned());
        }
        let value = answer.access_token;
        if value.is_empty() || value.len() > TOKEN_MAX {
            return Err(format!("token length {} is outside 1..={TOKEN_MAX}", value.len()));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("token holds characters a header cannot carry".to_owned());
        }
        let life = Duration::from_secs(secs).min(LIFE_MAX);
        Ok(Self { value, refresh_at: refresh_point(now, life) })
    }

    /// Whether the token may still be used at `now`.
    pub(crate) fn fresh_at(&self, now: Instant) -> bool {
        now < self.refresh_at
    }

    /// The token text, for the `Authorization` header.
    pub(crate) fn value(&self) -> &str {
        &self.value
    }
}

/// The error code and description of a refused token request, for logs (bounded).
pub(crate) fn refusal_text(body: &[u8]) -> String {
    match serde_json::from_slice::<TokenRefusal>(body) {
        Ok(r) => format!("{}: {}", clip(&r.error), clip(&r.error_description)),
        Err(_) => "no error description".to_owned(),
    }
}

/// At most 200 characters of `s`, for messages.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(200).filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_token_is_refreshed_five_minutes_early() {
        let now = Instant::now();
        let t = AccessToken::parse(br#"{"token_type":"Bearer","expires_in":3600,"access_token":"abc.def"}"#, now)
            .expect("valid");
        assert_eq!(t.value(), "abc.def");
        assert!(t.fresh_at(now + Duration::from_secs(3_600 - 301)));
        assert!(!t.fresh_at(now + Duration::from_secs(3_600 - 300)));
    }

    #[test]
    fn a_short_token_is_refreshed_at_ninety_percent() {
        let now = Instant::now();
        let t = AccessToken::parse(br#"{"expires_in":"100","access_token":"x"}"#, now).expect("valid");
        assert!(t.fresh_at(now + Duration::from_millis(89_900)));
        assert!(!t.fresh_at(now + Duration::from_secs(90)));
    }

    #[test]
    fn unusable_answers_are_refused() {
        let now = Instant::now();
        for body in [
            &br#"{"expires_in":0,"access_token":"x"}"#[..],
            br#"{"expires_in":10,"access_token":""}"#,
            br#"{"expires_in":10,"access_token":"a b"}"#,
            br#"{"expires_in":10,"access_token":"x","token_type":"mac"}"#,
            br#"{"expires_in":"soon","access_token":"x"}"#,
            br#"{"access_token":"x"}"#,
            b"not json",
        ] {
            assert!(AccessToken::parse(body, now).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn refusals_are_described() {
        let text =
            refusal_text(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret"}"#);
        assert_eq!(text, "invalid_client: AADSTS7000215: Invalid client secret");
    }
}
