//! The domain's words are defined once: every identifier type, state and level the
//! appliance's crates share has one definition in the workspace (F4, F5: one
//! vocabulary). Words still defined twice are listed with where, so the list can only
//! shrink: a new copy fails the check, and so does a listed copy that is gone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::shell::{Result, StepError, root, say};

/// The words checked.
const WORDS: &[&str] = &[
    "EasDeviceId",
    "UemDeviceId",
    "UserId",
    "GatewayId",
    "AppId",
    "ServiceName",
    "Privilege",
    "Provenance",
    "OutagePolicy",
    "DeviceState",
    "Platform",
    "Channel",
    "AccessKey",
    "TunnelKey",
];

/// Words defined more than once today, and the files that define them (sorted).
/// (The host checker's platform adds Linux distributions by os-release id to the
/// decision core's families.)
const NOT_YET_ONE: &[(&str, &[&str])] =
    &[("Platform", &["firmware/decision/src/identity.rs", "firmware/host-checker/src/platform.rs"])];

/// Checks the source of every crate under `firmware/` and `cli/`.
pub(crate) fn run() -> Result {
    say("checking that each domain word is defined once (xtask/src/check_vocabulary.rs)");
    let mut files = Vec::new();
    for dir in ["firmware", "cli"] {
        sources(&root().join(dir), &mut files)?;
    }
    let mut defined: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| StepError(format!("reading {}: {e}", file.display())))?;
        let relative = file.strip_prefix(root()).unwrap_or(file).display().to_string();
        for word in WORDS {
            // A type, or one made by a macro whose first arguments are its name and kind.
            let forms = [
                format!("pub struct {word}("),
                format!("pub struct {word} "),
                format!("pub enum {word} "),
                format!("    {word}, \""),
            ];
            if forms.iter().any(|definition| text.contains(definition.as_str())) {
                defined.entry(word).or_default().push(relative.clone());
            }
        }
    }
    let mut problems = Vec::new();
    for word in WORDS {
        let mut found = defined.remove(word).unwrap_or_default();
        found.sort();
        let allowed: Vec<String> = NOT_YET_ONE
            .iter()
            .find(|(w, _)| w == word)
            .map(|(_, files)| files.iter().map(|f| (*f).to_owned()).collect())
            .unwrap_or_default();
        match found.len() {
            0 => problems.push(format!("{word} is defined nowhere: drop it from the list")),
            1 if allowed.is_empty() => {}
            _ if found == allowed => {}
            1 => problems.push(format!("{word} is defined once now: drop it from NOT_YET_ONE")),
            _ => problems.push(format!("{word} is defined in {}: define it once", found.join(", "))),
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(StepError(format!("the domain's words are not defined once:\n  {}", problems.join("\n  "))))
}

/// Every `.rs` file under `dir`, skipping build output and fuzz corpora.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let entries = std::fs::read_dir(dir).map_err(|e| StepError(format!("reading {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "corpus" && name != "artifacts" {
                sources(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
