//! `cargo xtask bundle` and `cargo xtask sign`: signed update bundles made from an image, and
//! their keys. The format is in `docs/update-bundle.md`.

mod check;
mod make;
mod sign;

pub(crate) use make::{BundleArgs, run};
pub(crate) use sign::{SignArgs, new_key, sign};
