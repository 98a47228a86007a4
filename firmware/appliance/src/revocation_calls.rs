//! The calls of a revocation (A5), each over HTTPS with the revocation CA pinned
//! (`accs federation revocation-ca-file`): a signed SAML LogoutRequest to the SP's Single
//! Logout URL (SOAP binding) and, for Microsoft Entra ID, a client-credentials token and
//! Graph's `revokeSignInSessions`. Transient failures (no connection, 429, 5xx) are retried
//! with back-off, at most [`ATTEMPTS`] times.

use postern_access_profile::Revocation;
use postern_federation::config::LocalIdentity;
use postern_federation::logout::{SOAP_CONTENT_TYPE, check_logout_response, logout_request};
use postern_federation::sessions::IssuedSession;
use std::path::PathBuf;
use std::time::Duration;

/// Attempts per call, the first included.
pub(crate) const ATTEMPTS: u32 = 4;
/// Wait before the first retry; doubled before each next one.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Largest answer read.
const ANSWER_LIMIT: usize = 256 * 1024;

/// What a pairing's revocation needs.
#[derive(Debug, Clone)]
pub(crate) struct CallTarget {
    /// Postern's identities and signing key.
    pub(crate) local: LocalIdentity,
    /// The SP's Single Logout URL, if it has one.
    pub(crate) slo_url: Option<String>,
    /// The pairing's revocation call.
    pub(crate) revocation: Revocation,
    /// The CA file trusted for these calls.
    pub(crate) ca_file: Option<PathBuf>,
}

enum Failure {
    /// Worth another attempt.
    Transient(String),
    /// Another attempt would get the same answer.
    Final(String),
}

fn ca(target: &CallTarget) -> Result<&PathBuf, String> {
    target.ca_file.as_ref().ok_or_else(|| "no revocation CA is configured (accs federation revocation-ca-file)".into())
}

/// Runs `call` until it succeeds, fails for good, or [`ATTEMPTS`] are spent.
async fn with_retries<T, F, Fut>(what: &str, mut call: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    let mut wait = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        match call().await {
            Ok(value) => return Ok(value),
            Err(Failure::Final(error)) => return Err(error),
            Err(Failure::Transient(error)) if attempt == ATTEMPTS => {
                return Err(format!("{error} (after {ATTEMPTS} attempts)"));
            }
            Err(Failure::Transient(error)) => {
                tracing::warn!(what, attempt, %error, retry_in_ms = wait.as_millis(), "revocation call failed: retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
    Err(format!("{what}: no attempt made"))
}

/// Sorts an HTTP answer: 2xx is success, 408/429/5xx are worth retrying.
fn judge(status: hyper::StatusCode, body: &[u8]) -> Result<(), Failure> {
    if status.is_success() {
        return Ok(());
    }
    let text: String = String::from_utf8_lossy(body).chars().take(200).collect();
    let said = format!("answered {status}: {}", text.trim());
    if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
        Err(Failure::Transient(said))
    } else {
        Err(Failure::Final(said))
    }
}

/// Sends a signed LogoutRequest for `session` to the SP and checks its LogoutResponse.
pub(crate) async fn single_logout(target: &CallTarget, session: &IssuedSession) -> Result<(), String> {
    let url = target.slo_url.as_deref().ok_or("the SP has no Single Logout URL")?;
    let ca = ca(target)?;
    let request = logout_request(&target.local, session, url, chrono::Utc::now()).map_err(|e| e.to_string())?;
    let (soap, id) = (&request.soap, &request.id);
    let outcome = with_retries("single logout", move || async move {
        let body = Some((SOAP_CONTENT_TYPE, soap.clone().into_bytes()));
        let (status, answer) = crate::https_client::request(hyper::Method::POST, url, ca, body, ANSWER_LIMIT)
            .await
            .map_err(Failure::Transient)?;
        judge(status, &answer)?;
        check_logout_response(&answer, id).map_err(|e| Failure::Final(e.to_string()))
    })
    .await;
    match &outcome {
        Ok(()) => {
            tracing::info!(url, session_index = %session.session_index, request_id = %request.id, "single logout confirmed by the SP")
        }
        Err(error) => {
            tracing::error!(url, session_index = %session.session_index, request_id = %request.id, %error, "single logout failed")
        }
    }
    outcome
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters and `@` stay).
fn path_segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b' ' => out.push('+'),
                b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => out.push(char::from(b)),
                b => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// Graph's `revokeSignInSessions` for `user`, with a token got by client credentials.
pub(crate) async fn entra_revoke(target: &CallTarget, user: &str) -> Result<(), String> {
    let Revocation::EntraGraph { tenant_id, client_id, client_secret, graph_url, login_url } = &target.revocation
    else {
        return Err("the pairing has no Entra ID revocation".into());
    };
    let ca = ca(target)?;
    let (graph_url, login_url) = (graph_url.trim_end_matches('/'), login_url.trim_end_matches('/'));
    let token_url = format!("{login_url}/{}/oauth2/v2.0/token", path_segment(tenant_id));
    let scope = format!("{graph_url}/.default");
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret),
        ("scope", &scope),
    ]);
    let (body, token_url_ref) = (&body, &token_url);
    let token = with_retries("entra token", move || async move {
        let form = Some(("application/x-www-form-urlencoded", body.clone().into_bytes()));
        let (status, answer) = crate::https_client::request(hyper::Method::POST, token_url_ref, ca, form, ANSWER_LIMIT)
            .await
            .map_err(Failure::Transient)?;
        judge(status, &answer)?;
        let parsed: serde_json::Value =
            serde_json::from_slice(&answer).map_err(|e| Failure::Final(format!("token answer: {e}")))?;
        parsed["access_token"]
            .as_str()
            .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_graphic()))
            .map(str::to_owned)
            .ok_or_else(|| Failure::Final("the token answer holds no access_token".into()))
    })
    .await
    .map_err(|e| format!("token from {token_url}: {e}"));
    let token = match token {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(tenant = %tenant_id, url = %token_url, %error, "Entra ID token not obtained");
            return Err(error);
        }
    };
    let revoke_url = format!("{graph_url}/v1.0/users/{}/revokeSignInSessions", path_segment(user));
    let headers = [(hyper::header::AUTHORIZATION, format!("Bearer {token}"))];
    let (headers_ref, revoke_url_ref) = (&headers, &revoke_url);
    let outcome = with_retries("revokeSignInSessions", move || async move {
        let body = Some(("application/json", b"{}".to_vec()));
        let (status, _, answer) =
            crate::https_client::exchange(hyper::Method::POST, revoke_url_ref, ca, headers_ref, body, ANSWER_LIMIT)
                .await
                .map_err(Failure::Transient)?;
        judge(status, &answer)
    })
    .await
    .map_err(|e| format!("{revoke_url}: {e}"));
    match &outcome {
        Ok(()) => tracing::info!(tenant = %tenant_id, user, url = %revoke_url, "Entra ID sign-in sessions revoked"),
        Err(error) => tracing::error!(tenant = %tenant_id, user, %error, "Entra ID sign-in sessions not revoked"),
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_forms_are_encoded() {
        assert_eq!(path_segment("alice@example.com"), "alice@example.com");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(
            form(&[("scope", "https://graph.microsoft.com/.default"), ("x", "a b&c")]),
            "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&x=a+b%26c"
        );
    }
}
