//! Evaluation: every rule of every applicable policy yields an outcome with a reason.

use std::cmp::Ordering;

use postern_tnc_wire::pa::ForwardingEnabled;

use crate::{
    patch_list::{PatchEntry, PatchList},
    policy::{Monitor, Policy, SoftwareRule, VersionRange},
    posture::Posture,
    version::compare_versions,
};

/// The outcome of one rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleOutcome {
    /// The policy (`*` for the platform check that precedes all policies).
    pub policy: String,
    /// The check, e.g. `min-os-version`, `required:openssl`, `patch:DSA-5678-1`.
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why, in words.
    pub reason: String,
    /// On failure: what to do and where to get the fix.
    pub remediation: Option<String>,
}

/// The decision for one posture.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    /// Every rule passed.
    pub compliant: bool,
    /// The outcomes, in policy and rule order.
    pub outcomes: Vec<RuleOutcome>,
    /// The policies with a failed rule (`*` when no policy could check the endpoint).
    pub failed_policies: Vec<String>,
}

struct Ctx<'a> {
    policy: &'a Policy,
    outcomes: Vec<RuleOutcome>,
}

impl Ctx<'_> {
    fn pass(&mut self, check: String, reason: String) {
        self.outcomes.push(RuleOutcome {
            policy: self.policy.name.clone(),
            check,
            passed: true,
            reason,
            remediation: None,
        });
    }

    fn fail(&mut self, check: String, reason: String, fix: &str, url: Option<&str>) {
        let url = url.or(self.policy.remediation_url.as_deref());
        let remediation = match url {
            Some(url) => format!("{} ({check}): {reason}. {fix} See {url}", self.policy.name),
            None => format!("{} ({check}): {reason}. {fix}", self.policy.name),
        };
        self.outcomes.push(RuleOutcome {
            policy: self.policy.name.clone(),
            check,
            passed: false,
            reason,
            remediation: Some(remediation),
        });
    }
}

fn in_range(version: &str, range: &VersionRange) -> bool {
    range.min.as_deref().is_none_or(|min| compare_versions(version, min) != Ordering::Less)
        && range.below.as_deref().is_none_or(|below| compare_versions(version, below) == Ordering::Less)
}

fn describe(range: &VersionRange) -> String {
    match (&range.min, &range.below) {
        (Some(min), Some(below)) => format!(">= {min} and < {below}"),
        (Some(min), None) => format!(">= {min}"),
        (None, Some(below)) => format!("< {below}"),
        (None, None) => "any version".to_owned(),
    }
}

/// Evaluates `posture` against every policy that applies to its platform. A posture
/// without a platform, or on a platform no policy checks, is not compliant (H4).
pub fn evaluate(policies: &[Policy], posture: &Posture, patch_list: Option<&PatchList>) -> Decision {
    let platform_failure = |reason: String| Decision {
        compliant: false,
        outcomes: vec![RuleOutcome {
            policy: "*".to_owned(),
            check: "platform".to_owned(),
            passed: false,
            remediation: Some(format!("{reason}. Use a supported operating system or ask the administrator.")),
            reason,
        }],
        failed_policies: vec!["*".to_owned()],
    };
    let Some(platform) = &posture.platform else {
        return platform_failure("the endpoint reported no operating system".to_owned());
    };
    let applicable: Vec<&Policy> = policies.iter().filter(|p| p.platforms.iter().any(|m| m.covers(platform))).collect();
    if applicable.is_empty() {
        return platform_failure(format!("no policy can check {platform}"));
    }
    let mut outcomes = Vec::new();
    for policy in applicable {
        let mut ctx = Ctx { policy, outcomes: Vec::new() };
        os_version(&mut ctx, posture);
        software(&mut ctx, posture);
        switches(&mut ctx, posture);
        patches(&mut ctx, posture, patch_list);
        outcomes.append(&mut ctx.outcomes);
    }
    let mut failed_policies: Vec<String> = outcomes.iter().filter(|o| !o.passed).map(|o| o.policy.clone()).collect();
    failed_policies.dedup();
    Decision { compliant: failed_policies.is_empty(), outcomes, failed_policies }
}

fn os_version(ctx: &mut Ctx<'_>, posture: &Posture) {
    let Some(min) = ctx.policy.min_os_version.clone() else {
        return;
    };
    let check = "min-os-version".to_owned();
    match &posture.os_version {
        None => ctx.fail(check, "the OS version was not reported".into(), "Update the posture collector.", None),
        Some(v) if compare_versions(v, &min) == Ordering::Less => ctx.fail(
            check,
            format!("OS version {v} is older than {min}"),
            &format!("Upgrade the operating system to {min} or later."),
            None,
        ),
        Some(v) => ctx.pass(check, format!("OS version {v} >= {min}")),
    }
}

fn software(ctx: &mut Ctx<'_>, posture: &Posture) {
    let required: Vec<SoftwareRule> = ctx.policy.required.clone();
    for rule in &required {
        let check = format!("required:{}", rule.name);
        let want = describe(&rule.versions);
        match posture.packages.get(&rule.name) {
            None => ctx.fail(
                check,
                format!("{} is not installed", rule.name),
                &format!("Install {} ({want}).", rule.name),
                None,
            ),
            Some(v) if !in_range(v, &rule.versions) => ctx.fail(
                check,
                format!("{} {v} is not {want}", rule.name),
                &format!("Install {} {want}.", rule.name),
                None,
            ),
            Some(v) => ctx.pass(check, format!("{} {v} is {want}", rule.name)),
        }
    }
    let forbidden: Vec<SoftwareRule> = ctx.policy.forbidden.clone();
    for rule in &forbidden {
        let check = format!("forbidden:{}", rule.name);
        let range = describe(&rule.versions);
        match posture.packages.get(&rule.name) {
            Some(v) if in_range(v, &rule.versions) => ctx.fail(
                check,
                format!("{} {v} is installed ({range} is forbidden)", rule.name),
                &format!("Remove {}.", rule.name),
                None,
            ),
            Some(v) => ctx.pass(check, format!("{} {v} is outside the forbidden {range}", rule.name)),
            None => ctx.pass(check, format!("{} is not installed", rule.name)),
        }
    }
}

fn switches(ctx: &mut Ctx<'_>, posture: &Posture) {
    if ctx.policy.deny_forwarding {
        let check = "forwarding".to_owned();
        match posture.forwarding {
            Some(ForwardingEnabled::Disabled) => ctx.pass(check, "IP forwarding is disabled".into()),
            Some(ForwardingEnabled::Enabled) => {
                ctx.fail(check, "IP forwarding is enabled".into(), "Disable IP forwarding.", None)
            }
            _ => ctx.fail(
                check,
                "IP forwarding state is unknown".into(),
                "Let the collector read the forwarding state.",
                None,
            ),
        }
    }
    if ctx.policy.deny_default_password {
        let check = "default-password".to_owned();
        match posture.default_password {
            Some(false) => ctx.pass(check, "no factory default password".into()),
            Some(true) => {
                ctx.fail(check, "a factory default password is enabled".into(), "Change the default password.", None)
            }
            None => ctx.fail(
                check,
                "factory default password state is unknown".into(),
                "Let the collector report it.",
                None,
            ),
        }
    }
}

fn patches(ctx: &mut Ctx<'_>, posture: &Posture, list: Option<&PatchList>) {
    let monitor = ctx.policy.monitor.clone();
    if monitor == Monitor::Nothing {
        return;
    }
    let Some(list) = list else {
        ctx.fail(
            "patch-list".into(),
            "no patch list has been imported".into(),
            "Ask the administrator to import one.",
            None,
        );
        return;
    };
    let Some(platform) = posture.platform.clone() else {
        return;
    };
    let ignored = |e: &PatchEntry| ctx.policy.ignore_severities.contains(&e.severity);
    match monitor {
        Monitor::Nothing => {}
        Monitor::Products(products) => {
            for product in &products {
                let check = format!("product:{product}");
                let Some(installed) = posture.packages.get(product) else {
                    ctx.pass(check, format!("{product} is not installed"));
                    continue;
                };
                let missing: Vec<PatchEntry> = list
                    .entries
                    .iter()
                    .filter(|e| &e.product == product && e.platform.covers(&platform) && !ignored(e))
                    .filter(|e| compare_versions(installed, &e.fixed_version) == Ordering::Less)
                    .cloned()
                    .collect();
                match missing.iter().max_by(|a, b| compare_versions(&a.fixed_version, &b.fixed_version)) {
                    None => ctx.pass(check, format!("{product} {installed} carries every listed patch")),
                    Some(newest) => {
                        let ids: Vec<String> = missing.iter().map(|e| format!("{} ({})", e.id, e.severity)).collect();
                        ctx.fail(
                            check,
                            format!("{product} {installed} lacks {}", ids.join(", ")),
                            &format!("Upgrade {product} to {} or later.", newest.fixed_version),
                            newest.url.as_deref(),
                        );
                    }
                }
            }
        }
        Monitor::Patches(ids) => {
            for id in &ids {
                let check = format!("patch:{id}");
                let Some(entry) = list.by_id(id).cloned() else {
                    ctx.fail(
                        check,
                        format!("{id} is not in patch list version {}", list.version),
                        "Ask the administrator to update the patch list.",
                        None,
                    );
                    continue;
                };
                if !entry.platform.covers(&platform) {
                    ctx.pass(check, format!("{id} does not apply to {platform}"));
                } else if ignored(&entry) {
                    ctx.pass(check, format!("{id} is {} and that severity is ignored", entry.severity));
                } else {
                    match posture.packages.get(&entry.product) {
                        None => ctx.pass(check, format!("{} is not installed", entry.product)),
                        Some(v) if compare_versions(v, &entry.fixed_version) == Ordering::Less => ctx.fail(
                            check,
                            format!("{} {v} lacks {id} ({})", entry.product, entry.severity),
                            &format!("Upgrade {} to {} or later.", entry.product, entry.fixed_version),
                            entry.url.as_deref(),
                        ),
                        Some(v) => ctx.pass(check, format!("{} {v} carries {id}", entry.product)),
                    }
                }
            }
        }
    }
}
