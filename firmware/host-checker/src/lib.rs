//! Sans-IO Host Checker policy engine (contract H1, H3, H4, H6): per-OS policies —
//! minimum OS version, required and forbidden software with version ranges, patch
//! levels from a vendor patch list (products or specific patches, never both), ignored
//! severities, forwarding and factory-default passwords — evaluated against the posture
//! an endpoint reported. Every rule yields pass or fail with a reason and, on failure,
//! remediation text naming the check and where to get the fix. Realm policies and
//! roles decide which resources a device reaches from the policies it passed.

mod collector;
mod evaluate;
mod exchange;
mod patch_list;
mod patch_list_document;
mod platform;
mod policy;
mod posture;
mod roles;
mod sasl;
mod verifier;
mod version;

pub use crate::{
    collector::{Collector, CollectorOutput, CollectorResult, PostureReport},
    evaluate::{Decision, RuleOutcome, evaluate},
    exchange::{ANY_VALIDATOR, COLLECTOR_ID, VALIDATOR_ID},
    patch_list::{PatchEntry, PatchList, Severity},
    patch_list_document::{MAX_PATCHES, PATCH_LIST_FORMAT, PatchListError},
    platform::{Platform, PlatformMatch},
    policy::{Monitor, Policy, PolicyError, SoftwareRule, VersionRange},
    posture::Posture,
    roles::{AccessRules, Admission, Refusal, Resource, Role, UserMatch},
    sasl::{PasswordCheck, SASL_MAX_ATTEMPTS, SaslAccounts, SaslRejection},
    verifier::{PolicySet, Verifier, VerifierConfig, VerifierOutput},
    version::compare_versions,
};
