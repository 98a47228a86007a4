//! Fetching the patch list from its staging URL over HTTPS, trusting only the pinned CA,
//! on an interval: `URL` holds the document, `URL.sha256` its digest (as `sha256sum`
//! writes it). A failed fetch keeps the list in use and is shown as failed.

use crate::patch_list_store::PatchListStore;
use postern_config::{Config, HostCheckerSettings};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The largest patch list fetched.
const MAX_DOCUMENT: usize = 16 << 20;

/// Fetches one `https://` URL's body, at most `limit` bytes; anything but 200 fails.
async fn get(url: &str, ca_file: &Path, limit: usize) -> Result<Vec<u8>, String> {
    match crate::https_client::request(hyper::Method::GET, url, ca_file, None, limit).await? {
        (hyper::StatusCode::OK, body) => Ok(body),
        (status, _) => Err(format!("{url}: the server answered {status}")),
    }
}

/// Fetches the list and its digest and offers them to `store`.
async fn fetch_once(store: &PatchListStore, url: &str, ca_file: &Path) -> Result<String, String> {
    let document = get(url, ca_file, MAX_DOCUMENT).await?;
    let digest = get(&format!("{url}.sha256"), ca_file, 1024).await?;
    let digest = String::from_utf8_lossy(&digest);
    let digest = digest.split_whitespace().next().unwrap_or_default();
    let document = String::from_utf8(document).map_err(|_| "the patch list is not UTF-8".to_owned())?;
    store.import(&document, digest, url).map_err(|e| e.to_string())
}

/// Fetches from the committed staging URL at start, after every commit that changes the
/// source, and every interval, until `stop`.
pub(crate) async fn run(
    store: Arc<PatchListStore>,
    mut running: watch::Receiver<Arc<Config>>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let settings: HostCheckerSettings = running.borrow_and_update().host_checker.clone();
        let wait = Duration::from_secs(settings.patch_list_interval_secs.into());
        if let (Some(url), Some(ca_file)) = (&settings.patch_list_url, &settings.patch_list_ca_file) {
            let outcome = tokio::select! {
                outcome = fetch_once(&store, url, ca_file) => outcome,
                _ = stop.changed() => return,
            };
            match &outcome {
                Ok(done) => tracing::info!(%url, outcome = %done, "patch list fetched"),
                Err(reason) => {
                    tracing::warn!(%url, %reason, "patch list fetch failed; the last good list stays in use")
                }
            }
            store.record_fetch(url, outcome);
        }
        let source = |s: &HostCheckerSettings| {
            (s.patch_list_url.clone(), s.patch_list_ca_file.clone(), s.patch_list_interval_secs)
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => break,
                changed = running.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if source(&running.borrow().host_checker) != source(&settings) {
                        break;
                    }
                }
                _ = stop.changed() => return,
            }
        }
    }
}
