//! Loading never panics, whatever the text.

use postern_config::{Config, DEMO_TOML};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Config::from_toml_str(&text);
    }

    #[test]
    fn toml_like_text_never_panics(text in "([a-z_.\\[\\]\"=\\n 0-9-]|version|kind|uem|devices){0,80}") {
        let _ = Config::from_toml_str(&text);
    }

    /// Damaging the demo at a random place reaches deep into the schema and the checks.
    #[test]
    fn damaged_demo_never_panics_and_loads_only_valid_configs(
        at in 0..DEMO_TOML.len(),
        cut in 0usize..40,
        insert in "[ -~\\n]{0,12}",
    ) {
        let start = (0..=at).rev().find(|i| DEMO_TOML.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + cut..=DEMO_TOML.len()).find(|i| DEMO_TOML.is_char_boundary(*i)).unwrap_or(DEMO_TOML.len());
        let text = format!("{}{}{}", &DEMO_TOML[..start], insert, &DEMO_TOML[end..]);
        if let Ok(config) = Config::from_toml_str(&text) {
            prop_assert_eq!(config.validate(), Ok(()));
        }
    }
}
