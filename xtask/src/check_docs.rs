//! `cargo xtask check-docs`: the documents a newcomer relies on stay true. Every crate has
//! a README naming what it must not depend on, and it does not; every contract id of
//! DESIGN.md has an entry in docs/contracts.md whose files exist.

use std::collections::BTreeSet;
use std::path::Path;

use crate::shell::{Result, StepError, capture, cargo, root, say};

/// The line of a crate README that lists forbidden dependencies (backticked names).
const FORBIDDEN_LINE: &str = "Must not depend on:";
/// The contract index, relative to the workspace root.
const CONTRACTS: &str = "docs/contracts.md";
/// The behaviour contract, beside the repository.
const DESIGN: &str = "../shared/DESIGN.md";

/// Runs every documentation check and reports all problems at once.
pub(crate) fn run() -> Result {
    let mut problems = Vec::new();
    say("checking that every crate's README is there and its dependency rules hold");
    for (name, dir) in members()? {
        problems.extend(check_readme(&name, &dir)?);
    }
    say("checking the contract index (docs/contracts.md) against DESIGN.md");
    problems.extend(check_contracts()?);
    if problems.is_empty() {
        return Ok(());
    }
    Err(StepError(format!("the documents are not true to the code:\n  {}", problems.join("\n  "))))
}

/// Workspace members: (package name, directory relative to the root).
fn members() -> Result<Vec<(String, String)>> {
    let output = capture(cargo().args(["metadata", "--format-version", "1", "--no-deps"]))?;
    let metadata: serde_json::Value =
        serde_json::from_str(&output).map_err(|e| StepError(format!("cargo metadata printed no JSON: {e}")))?;
    let root = root();
    let mut members = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(name), Some(manifest)) = (package["name"].as_str(), package["manifest_path"].as_str()) else {
            continue;
        };
        let dir = Path::new(manifest).parent().and_then(|d| d.strip_prefix(&root).ok());
        if let Some(dir) = dir {
            members.push((name.to_owned(), dir.display().to_string()));
        }
    }
    Ok(members)
}

fn check_readme(name: &str, dir: &str) -> Result<Vec<String>> {
    let path = root().join(dir).join("README.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(vec![format!("{dir}/README.md is missing: say what {name} holds and what it must not depend on")]);
    };
    let mut problems = Vec::new();
    if text.lines().next() != Some(format!("# {name}").as_str()) {
        problems.push(format!("{dir}/README.md must start with `# {name}`"));
    }
    let Some(rule) = text.lines().find(|l| l.starts_with(FORBIDDEN_LINE)) else {
        problems.push(format!("{dir}/README.md has no line starting `{FORBIDDEN_LINE}`"));
        return Ok(problems);
    };
    let forbidden = backticked(rule);
    if forbidden.is_empty() {
        return Ok(problems);
    }
    let tree =
        capture(cargo().args(["tree", "--package", name, "--edges", "normal", "--prefix", "none", "--format", "{p}"]))?;
    let present: BTreeSet<&str> = tree.lines().filter_map(|l| l.split(' ').next()).collect();
    for dep in forbidden {
        if present.contains(dep.as_str()) {
            problems.push(format!(
                "{name} depends on `{dep}`, which its README forbids (cargo tree -p {name} -e normal -i {dep})"
            ));
        }
    }
    Ok(problems)
}

fn check_contracts() -> Result<Vec<String>> {
    let Ok(index) = std::fs::read_to_string(root().join(CONTRACTS)) else {
        return Ok(vec![format!("{CONTRACTS} is missing")]);
    };
    let mut problems = Vec::new();
    let listed: BTreeSet<&str> =
        index.lines().filter_map(|l| l.strip_prefix("## ")).filter_map(|h| h.split(' ').next()).collect();
    match std::fs::read_to_string(root().join(DESIGN)) {
        Ok(design) => {
            for id in contract_ids(&design) {
                if !listed.contains(id.as_str()) {
                    problems.push(format!("{CONTRACTS} has no `## {id} …` entry"));
                }
            }
        }
        Err(e) => say(&format!("{DESIGN} not readable ({e}); checking only the index's own paths")),
    }
    for line in index.lines() {
        for path in backticked(line).into_iter().filter(|p| p.contains('/') && !p.contains(' ')) {
            let file = path.split("::").next().unwrap_or(&path);
            if !root().join(file).exists() {
                problems.push(format!("{CONTRACTS} names `{file}`, which does not exist"));
            }
        }
    }
    Ok(problems)
}

/// The ids of DESIGN.md's behaviour contract: list items that start with a letter and a number.
fn contract_ids(design: &str) -> Vec<String> {
    design
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split(' ').next())
        .filter(|id| {
            let mut chars = id.chars();
            chars.next().is_some_and(|c| c.is_ascii_uppercase())
                && !chars.as_str().is_empty()
                && chars.all(|c| c.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect()
}

/// The texts between pairs of backticks in a line.
fn backticked(line: &str) -> Vec<String> {
    line.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::{backticked, contract_ids};

    #[test]
    fn contract_ids_are_the_list_items_of_the_contract() {
        let design = "- S1 First access: …\n- S10 more\n- A plain item\n- F7 Runs where\n  - S2 nested is not one\n";
        assert_eq!(contract_ids(design), ["S1", "S10", "F7"]);
    }

    #[test]
    fn backticked_names_are_found() {
        assert_eq!(backticked("Must not depend on: `tokio`, `hyper`."), ["tokio", "hyper"]);
        assert!(backticked("Must not depend on: nothing is excluded.").is_empty());
    }
}
