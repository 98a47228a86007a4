//! The HTTP-POST binding's auto-submitting form.

use quick_xml::escape::escape;

/// An HTML page that posts `field=value` (and RelayState) to `action` on load, with a
/// button for browsers that run no scripts.
pub fn post_form(action: &str, field: &str, value: &str, relay_state: Option<&str>) -> String {
    let relay = relay_state
        .map(|relay| format!(r#"<input type="hidden" name="RelayState" value="{}">"#, escape(relay)))
        .unwrap_or_default();
    format!(
        concat!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Signing in</title></head>",
            "<body onload=\"document.forms[0].submit()\">",
            "<form method=\"post\" action=\"{action}\">",
            "<input type=\"hidden\" name=\"{field}\" value=\"{value}\">{relay}",
            "<noscript><p>Your browser runs no scripts: press the button to continue.</p>",
            "<button type=\"submit\">Continue</button></noscript>",
            "</form></body></html>\n"
        ),
        action = escape(action),
        field = escape(field),
        value = escape(value),
        relay = relay,
    )
}
