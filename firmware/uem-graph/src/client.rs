//! Talking to Graph: the cached token, authorised GETs with one refresh on 401 and
//! bounded waits on 429/503, and listings that follow `@odata.nextLink` verbatim.

use crate::endpoint::Endpoint;
use crate::https::{Exchange, Reply, exchange};
use crate::secret::read_secret;
use crate::settings::{GraphLimits, GraphSettings};
use crate::setup_error::GraphSetupError;
use crate::token::{AccessToken, refusal_text};
use crate::wire::{DevicePage, ManagedDevice, error_text};
use hyper::Method;
use hyper::body::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use postern_uem_connector::UemError;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tokio_rustls::TlsConnector;

/// What a form value keeps unescaped (RFC 3986 unreserved).
const FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// The wait assumed for a 429 without a usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// A Graph tenant reached with the client-credentials flow.
pub(crate) struct GraphClient {
    tls: TlsConnector,
    token_endpoint: Endpoint,
    graph: Endpoint,
    base: String,
    client_id: String,
    secret_file: PathBuf,
    scope: String,
    limits: GraphLimits,
    token: Mutex<Option<AccessToken>>,
}

impl GraphClient {
    /// A client for these settings; checks the URLs, the trust store and the secret file.
    pub(crate) fn new(settings: &GraphSettings) -> Result<Self, GraphSetupError> {
        let parse = |field, url: &str| {
            Endpoint::parse(url).map_err(|reason| GraphSetupError::BadUrl { field, url: url.to_owned(), reason })
        };
        let token_endpoint = parse("token_url", &settings.token_url)?;
        let graph = parse("graph_url", &settings.graph_url)?;
        if graph.target.query().is_some() {
            return Err(GraphSetupError::BadUrl {
                field: "graph_url",
                url: settings.graph_url.clone(),
                reason: "a base URL carries no query".to_owned(),
            });
        }
        read_secret(&settings.client_secret_file)?;
        let tls = TlsConnector::from(crate::tls::client_config(settings.ca_file.as_deref())?);
        Ok(Self {
            tls,
            scope: format!("https://{}/.default", graph.authority),
            base: format!("https://{}{}", graph.authority, graph.target.path().trim_end_matches('/')),
            token_endpoint,
            graph,
            client_id: settings.client_id.clone(),
            secret_file: settings.client_secret_file.clone(),
            limits: settings.limits,
            token: Mutex::new(None),
        })
    }

    /// The bounds of every call.
    pub(crate) fn limits(&self) -> &GraphLimits {
        &self.limits
    }

    /// `{graph}/v1.0/{path_and_query}` as an endpoint (the parts are built by this crate).
    pub(crate) fn url(&self, path_and_query: &str) -> Result<Endpoint, UemError> {
        let url = format!("{}/v1.0/{path_and_query}", self.base);
        Endpoint::parse(&url).map_err(|reason| UemError::BadAnswer {
            endpoint: self.graph.display(),
            reason: format!("cannot build a request URL: {reason}"),
        })
    }

    /// A usable token: the cached one while fresh, otherwise a new one.
    async fn token(&self) -> Result<AccessToken, UemError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| t.fresh_at(Instant::now())) {
            return Ok(token.clone());
        }
        let token = self.fetch_token().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forgets `used` if it is still the cached token (after Graph refused it).
    async fn forget(&self, used: &AccessToken) {
        let mut cached = self.token.lock().await;
        if cached.as_ref() == Some(used) {
            *cached = None;
        }
    }

    async fn fetch_token(&self) -> Result<AccessToken, UemError> {
        let shown = self.token_endpoint.display();
        let secret = read_secret(&self.secret_file).map_err(|e| {
            tracing::error!(error = %e, "client secret unavailable");
            UemError::Unauthorised { endpoint: shown.clone() }
        })?;
        let form = format!(
            "client_id={}&scope={}&client_secret={}&grant_type=client_credentials",
            utf8_percent_encode(&self.client_id, FORM),
            utf8_percent_encode(&self.scope, FORM),
            utf8_percent_encode(&secret, FORM),
        );
        let mut throttled = 0;
        loop {
            let reply = exchange(
                &self.tls,
                Exchange {
                    method: Method::POST,
                    endpoint: &self.token_endpoint,
                    bearer: None,
                    form: Some(form.clone()),
                    max_body: self.limits.max_token_bytes,
                    timeout: self.limits.request_timeout,
                },
            )
            .await?;
            match reply.status {
                200 => {
                    return AccessToken::parse(&reply.body, Instant::now())
                        .map_err(|reason| UemError::BadAnswer { endpoint: shown.clone(), reason });
                }
                400 | 401 => {
                    tracing::error!(refusal = %refusal_text(&reply.body), "token endpoint refused the client credentials");
                    return Err(UemError::Unauthorised { endpoint: shown });
                }
                429 | 503 => self.wait_out(&reply, &shown, &mut throttled).await?,
                status => {
                    return Err(UemError::Status { endpoint: shown, status, message: refusal_text(&reply.body) });
                }
            }
        }
    }

    /// Waits out a 429/503 if the limits allow, or ends the call with `Throttled`.
    async fn wait_out(&self, reply: &Reply, shown: &str, throttled: &mut u32) -> Result<(), UemError> {
        let wait = match (reply.status, reply.retry_after) {
            (_, Some(wait)) => wait,
            (429, None) => DEFAULT_RETRY_AFTER,
            (status, None) => {
                return Err(UemError::Status { endpoint: shown.to_owned(), status, message: error_text(&reply.body) });
            }
        };
        if *throttled >= self.limits.max_throttle_retries || wait > self.limits.max_inline_wait {
            return Err(UemError::Throttled { endpoint: shown.to_owned(), retry_after: wait });
        }
        *throttled += 1;
        tracing::warn!(
            endpoint = shown,
            status = reply.status,
            wait_ms = wait.as_millis() as u64,
            "Graph asked to slow down; waiting"
        );
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// An authorised GET: the body of a 200, the token refreshed once on a 401, 429/503
    /// waited out within the limits; any other status is an error.
    pub(crate) async fn get(&self, url: &Endpoint) -> Result<Bytes, UemError> {
        let shown = url.display();
        let (mut refreshed, mut throttled) = (false, 0);
        loop {
            let token = self.token().await?;
            let reply = exchange(
                &self.tls,
                Exchange {
                    method: Method::GET,
                    endpoint: url,
                    bearer: Some(token.value()),
                    form: None,
                    max_body: self.limits.max_page_bytes,
                    timeout: self.limits.request_timeout,
                },
            )
            .await?;
            match reply.status {
                200 => return Ok(reply.body),
                401 if !refreshed => {
                    tracing::info!(endpoint = %shown, "Graph refused the token; refreshing it once");
                    self.forget(&token).await;
                    refreshed = true;
                }
                401 => return Err(UemError::Unauthorised { endpoint: shown }),
                429 | 503 => self.wait_out(&reply, &shown, &mut throttled).await?,
                status => {
                    return Err(UemError::Status { endpoint: shown, status, message: error_text(&reply.body) });
                }
            }
        }
    }

    /// Every device of a listing, following `@odata.nextLink` exactly as Graph wrote it
    /// (same origin only), within the page and device bounds.
    pub(crate) async fn list(&self, first: Endpoint) -> Result<Vec<ManagedDevice>, UemError> {
        let mut devices = Vec::new();
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            if pages == self.limits.max_pages {
                return Err(UemError::BadAnswer {
                    endpoint: url.display(),
                    reason: format!("the listing runs over {} pages", self.limits.max_pages),
                });
            }
            pages += 1;
            let body = self.get(&url).await?;
            let bad = |reason: String| UemError::BadAnswer { endpoint: url.display(), reason };
            let page: DevicePage =
                serde_json::from_slice(&body).map_err(|e| bad(format!("not a managedDevice page: {e}")))?;
            if devices.len() + page.value.len() > self.limits.max_devices {
                return Err(bad(format!("the listing holds over {} devices", self.limits.max_devices)));
            }
            devices.extend(page.value);
            if let Some(link) = page.next_link {
                let link_ep = Endpoint::parse(&link).map_err(|e| bad(format!("unusable @odata.nextLink: {e}")))?;
                if !link_ep.same_origin(&self.graph) {
                    return Err(bad("@odata.nextLink leads to another host".to_owned()));
                }
                next = Some(link_ep);
            }
        }
        tracing::debug!(pages, devices = devices.len(), "Graph listing read");
        Ok(devices)
    }
}
