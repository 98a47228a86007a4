//! Text that does not fit the schema is refused with an error that names the key, and
//! malformed TOML with an error that gives the line.

use postern_config::{Config, ConfigError};

/// The schema error for `text`, as displayed.
fn schema_error(text: &str) -> String {
    match Config::from_toml_str(text) {
        Err(error @ ConfigError::Schema(_)) => error.to_string(),
        other => panic!("expected a schema error for {text:?}, got {other:?}"),
    }
}

#[test]
fn unknown_keys_are_refused_by_name_at_every_level() {
    let cases = [
        ("colour = \"blue\"\n", "colour"),
        ("[gatway]\nid = \"g\"\n", "gatway"),
        ("[device_cache]\nsize = 5\nsise = 3\n", "sise"),
        ("[uem.checkins]\ncompliance_interval = 30\n", "compliance_interval"),
        ("[uem.connector]\nkind = \"static\"\n[uem.connector.settings]\nquarantine = true\n", "quarantine"),
        ("[uem.connector]\nkind = \"postern-api\"\nurl = \"https://u.example.com\"\ncafile = \"/x\"\n", "cafile"),
        (
            "[uem.connector]\nkind = \"static\"\n[[uem.connector.devices]]\nactivesync_id = \"A1\"\n\
             user = \"u\"\nuem_id = \"x\"\nstate = \"allowed\"\nowner = \"o\"\n",
            "owner",
        ),
    ];
    for (text, key) in cases {
        let message = schema_error(text);
        assert!(message.contains(&format!("unknown field `{key}`")), "{key}: {message}");
    }
}

#[test]
fn an_unknown_key_in_an_up_to_date_document_is_located() {
    let message = schema_error("version = 1\n\n[device_cache]\nsise = 3\n");
    assert!(message.contains("line 4"), "{message}");
}

#[test]
fn wrong_types_unknown_variants_and_missing_fields_are_refused() {
    assert!(schema_error("[gateway]\nid = 5\n").contains("invalid type"));
    assert!(schema_error("[uem.checkins]\njitter_percent = -1\n").contains("-1"));
    assert!(schema_error("[device_cache]\nsize = 99999999999\n").contains("99999999999"));
    assert!(schema_error("[uem.connector]\nkind = \"grap\"\n").contains("unknown variant `grap`"));
    assert!(schema_error("[uem.connector]\nurl = \"https://u.example.com\"\n").contains("kind"));
    assert!(schema_error("[uem.connector]\nkind = \"postern-api\"\n").contains("missing field `url`"));
    let device = "[uem.connector]\nkind = \"static\"\n[[uem.connector.devices]]\nactivesync_id = \"A1\"\n\
                  user = \"u\"\nuem_id = \"x\"\nstate = \"lost\"\n";
    assert!(schema_error(device).contains("unknown variant `lost`"));
    let rule =
        "[uem.connector]\nkind = \"static\"\n[uem.connector.settings]\nnew_device_when_unreachable = \"maybe\"\n";
    assert!(schema_error(rule).contains("unknown variant `maybe`"));
}

#[test]
fn malformed_toml_reports_the_line() {
    for (text, line) in [("a = \n", 1), ("[gateway]\nid = \"unterminated\n", 2), ("\n\n[[x]\n", 3)] {
        match Config::from_toml_str(text) {
            Err(error @ ConfigError::Syntax(_)) => {
                let message = error.to_string();
                assert!(message.contains(&format!("line {line}")), "{text:?}: {message}");
            }
            other => panic!("expected a syntax error for {text:?}, got {other:?}"),
        }
    }
}

#[test]
fn a_malformed_version_is_refused() {
    for text in ["version = \"1\"\n", "version = 0\n", "version = -3\n", "version = 1.5\n", "version = 4294967296\n"] {
        assert!(
            matches!(Config::from_toml_str(text), Err(ConfigError::BadVersion { .. })),
            "{text:?} should be refused"
        );
    }
}
