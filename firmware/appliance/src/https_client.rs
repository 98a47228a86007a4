//! One HTTPS request from the gateway to a server the operator names, trusting only the
//! CA configured for it: the patch list's staging server, the remediation webhook, the
//! administrative portal.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use postern_update_agent::Source;
use rustls::pki_types::ServerName;
use std::path::Path;
use std::time::Duration;

/// How long a request may wait for the server at any step.
const STALL: Duration = Duration::from_secs(20);

/// A request: `method` on `url` with `body` (sent as `content_type` when there is one);
/// returns the status and at most `limit` bytes of the answer's body.
pub(crate) async fn request(
    method: hyper::Method,
    url: &str,
    ca_file: &Path,
    body: Option<(&'static str, Vec<u8>)>,
    limit: usize,
) -> Result<(hyper::StatusCode, Vec<u8>), String> {
    exchange(method, url, ca_file, &[], body, limit).await.map(|(status, _, bytes)| (status, bytes))
}

/// As [`request`], with extra request headers, also returning the answer's headers.
pub(crate) async fn exchange(
    method: hyper::Method,
    url: &str,
    ca_file: &Path,
    headers: &[(hyper::header::HeaderName, String)],
    body: Option<(&'static str, Vec<u8>)>,
    limit: usize,
) -> Result<(hyper::StatusCode, hyper::HeaderMap, Vec<u8>), String> {
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
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::USER_AGENT, "postern-gateway");
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let bytes = match body {
        Some((content_type, bytes)) => {
            builder = builder.header(hyper::header::CONTENT_TYPE, content_type);
            bytes
        }
        None => Vec::new(),
    };
    let request = builder.body(Full::new(Bytes::from(bytes))).map_err(|e| step("request")(&e))?;
    let result = async {
        let response = tokio::time::timeout(STALL, sender.send_request(request))
            .await
            .map_err(|e| step("waiting for the answer")(&e))?
            .map_err(|e| step("waiting for the answer")(&e))?;
        let status = response.status();
        let answer_headers = response.headers().clone();
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(frame) = tokio::time::timeout(STALL, body.frame()).await.map_err(|e| step("reading")(&e))? {
            let frame = frame.map_err(|e| step("reading")(&e))?;
            if let Some(data) = frame.data_ref() {
                if bytes.len() + data.len() > limit {
                    return Err(format!("{url}: the answer is larger than {limit} bytes"));
                }
                bytes.extend_from_slice(data);
            }
        }
        Ok((status, answer_headers, bytes))
    }
    .await;
    driver.abort();
    result
}
