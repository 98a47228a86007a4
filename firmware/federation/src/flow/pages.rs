//! The pages a user sees when a sign-in is denied or warned about.

use crate::sp_response::SpResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::escape::escape;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>\n",
        title = escape(title)
    )
}

/// The page of a denied sign-in: why, and what to do (no such paragraph when `remedy` is
/// empty: a profile's rule says both in its one message).
pub fn deny_page(reason: &str, remedy: &str) -> String {
    let remedy = if remedy.is_empty() {
        String::new()
    } else {
        format!("<p class=\"remedy\">What to do: {}</p>", escape(remedy))
    };
    page("Sign-in blocked", &format!("<p class=\"reason\">{}</p>{remedy}", escape(reason)))
}

/// The page of a sign-in allowed with a warning: the warning, and a button that posts
/// Postern's Response to the SP.
pub fn warn_page(message: &str, response: &SpResponse) -> String {
    let relay = response
        .relay_state
        .as_deref()
        .map(|relay| format!(r#"<input type="hidden" name="RelayState" value="{}">"#, escape(relay)))
        .unwrap_or_default();
    page(
        "Before you continue",
        &format!(
            concat!(
                "<p class=\"warning\">{message}</p><form method=\"post\" action=\"{action}\">",
                "<input type=\"hidden\" name=\"SAMLResponse\" value=\"{value}\">{relay}",
                "<button type=\"submit\">Continue</button></form>"
            ),
            message = escape(message),
            action = escape(&response.acs_url),
            value = STANDARD.encode(&response.xml),
            relay = relay,
        ),
    )
}
