//! Fetching the patch list from its staging URL over HTTPS, trusting only the pinned CA,
//! on an interval: `URL` holds the document, `URL.sha256` its digest (as `sha256sum`
//! writes it). A failed fetch keeps the list in use and is shown as failed.

use crate::patch_list_store::PatchListStore;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use postern_config::{Config, HostCheckerSettings};
use postern_update_agent::Source;
use rustls::pki_types::ServerName;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a fetch may wait for the server at any step.
const STALL: Duration = Duration::from_secs(20);
/// The largest patch list fetched.
const MAX_DOCUMENT: usize = 16 << 20;

/// Fetches one `https://` URL's body, at most `limit` bytes.
async fn get(url: &str, ca_file: &Path, limit: usize) -> Result<Vec<u8>, String> {
    let Ok(Source::Https { host, port, path }) = Source::parse(url) else {
        return Err(format!("{url} is not an https URL"));
    };
    let pem = std::fs::read(ca_file).map_err(|e| format!("reading {}: {e}", ca_file.display()))?;
    let roots =
        postern_tls_client::roots_from_pem(&pem).map_err(|e| format!("the CA in {}: {e}", ca_file.display()))?;
    let config = postern_tls_client::client_config(roots, rustls::DEFAULT_VERSIONS, true)
        .map_err(|e| format!("TLS settings: {e}"))?;
    let server = ServerName::try_from(host.clone()).map_err(|e| format!("server name: {e}"))?;
    let step = |what: &'static str| move |e: &dyn std::fmt::Display| format!("{what}: {e}");
    let tcp = tokio::time::timeout(STALL, tokio::net::TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(|e| step("connecting")(&e))?
        .map_err(|e| step("connecting")(&e))?;
    let tls = tokio::time::timeout(STALL, tokio_rustls::TlsConnector::from(config).connect(server, tcp))
        .await
        .map_err(|e| step("TLS handshake")(&e))?
        .map_err(|e| step("TLS handshake")(&e))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| step("HTTP")(&e))?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::USER_AGENT, "postern-patch-list")
        .body(Empty::<Bytes>::new())
        .map_err(|e| step("request")(&e))?;
    let result = async {
        let response = tokio::time::timeout(STALL, sender.send_request(request))
            .await
            .map_err(|e| step("waiting for the answer")(&e))?
            .map_err(|e| step("waiting for the answer")(&e))?;
        if response.status() != hyper::StatusCode::OK {
            return Err(format!("{url}: the server answered {}", response.status()));
        }
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(frame) = tokio::time::timeout(STALL, body.frame()).await.map_err(|e| step("reading")(&e))? {
            let frame = frame.map_err(|e| step("reading")(&e))?;
            if let Some(data) = frame.data_ref() {
                if bytes.len() + data.len() > limit {
                    return Err(format!("{url} is larger than {limit} bytes"));
                }
                bytes.extend_from_slice(data);
            }
        }
        Ok(bytes)
    }
    .await;
    driver.abort();
    result
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
            let outcome = fetch_once(&store, url, ca_file).await;
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
