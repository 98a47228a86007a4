//! The patch list's published form: a JSON document (`postern-patch-list/1`) of products
//! with their patches, parsed and checked into a [`PatchList`].
//!
//! ```json
//! { "format": "postern-patch-list/1", "version": 7,
//!   "products": [ { "platform": "linux:debian", "name": "openssl",
//!                   "patches": [ { "id": "DSA-5678-1", "fixed_version": "3.0.15-1~deb12u1",
//!                                  "severity": "high", "url": "https://…" } ] } ] }
//! ```

use std::collections::HashSet;

use serde::Deserialize;

use crate::patch_list::{PatchEntry, PatchList, Severity};
use crate::platform::PlatformMatch;

/// The value of the document's `format` field.
pub const PATCH_LIST_FORMAT: &str = "postern-patch-list/1";
/// The most advisories one list may hold.
pub const MAX_PATCHES: usize = 200_000;

/// Why a patch-list document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchListError {
    /// Not JSON of the documented shape.
    #[error("the patch list is not a {PATCH_LIST_FORMAT} document: {0}")]
    Malformed(String),
    /// Another format.
    #[error("the patch list's format is {found:?}, not {PATCH_LIST_FORMAT:?}")]
    Format {
        /// The format it named.
        found: String,
    },
    /// Version 0.
    #[error("the patch list's version must be 1 or more")]
    Version,
    /// A field of one product or patch is wrong.
    #[error("product {product:?}: {reason}")]
    Entry {
        /// The product.
        product: String,
        /// What is wrong.
        reason: String,
    },
    /// One advisory listed twice.
    #[error("advisory {0} is listed twice")]
    Duplicate(String),
    /// Too many advisories.
    #[error("the patch list holds more than {MAX_PATCHES} advisories")]
    TooLarge,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: String,
    version: u64,
    products: Vec<Product>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Product {
    platform: String,
    name: String,
    patches: Vec<Patch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    id: String,
    fixed_version: String,
    severity: String,
    #[serde(default)]
    url: Option<String>,
}

fn printable(text: &str) -> bool {
    !text.is_empty() && text.len() <= 255 && !text.chars().any(char::is_control)
}

impl PatchList {
    /// Parses and checks a `postern-patch-list/1` document.
    pub fn from_json(text: &str) -> Result<Self, PatchListError> {
        let doc: Document = serde_json::from_str(text).map_err(|e| PatchListError::Malformed(e.to_string()))?;
        if doc.format != PATCH_LIST_FORMAT {
            return Err(PatchListError::Format { found: doc.format });
        }
        if doc.version == 0 {
            return Err(PatchListError::Version);
        }
        let mut entries = Vec::new();
        let mut ids = HashSet::new();
        for product in doc.products {
            let bad = |reason: String| PatchListError::Entry { product: product.name.clone(), reason };
            if !printable(&product.name) || product.name.contains(' ') {
                return Err(bad("the name must be 1 to 255 printable characters without spaces".into()));
            }
            let platform = PlatformMatch::parse(&product.platform).ok_or_else(|| {
                bad(format!("platform {:?} is not linux, linux:<ID>, windows, macos, android or ios", product.platform))
            })?;
            for patch in product.patches {
                if !printable(&patch.id) || !printable(&patch.fixed_version) {
                    return Err(bad("a patch's id and fixed_version must be 1 to 255 printable characters".into()));
                }
                let severity = Severity::parse(&patch.severity).ok_or_else(|| {
                    bad(format!(
                        "{}: severity {:?} is not low, moderate (medium), important (high) or critical",
                        patch.id, patch.severity
                    ))
                })?;
                if let Some(url) = &patch.url
                    && (!url.starts_with("https://") || !printable(url))
                {
                    return Err(bad(format!("{}: url {url:?} is not an https URL", patch.id)));
                }
                if !ids.insert(patch.id.clone()) {
                    return Err(PatchListError::Duplicate(patch.id));
                }
                if entries.len() == MAX_PATCHES {
                    return Err(PatchListError::TooLarge);
                }
                entries.push(PatchEntry {
                    id: patch.id,
                    platform: platform.clone(),
                    product: product.name.clone(),
                    fixed_version: patch.fixed_version,
                    severity,
                    url: patch.url,
                });
            }
        }
        Ok(Self { version: doc.version, entries })
    }
}
