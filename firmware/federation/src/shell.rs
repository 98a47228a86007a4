//! The thin hyper shell around the sans-IO core: `FederationService` serves the SSO
//! endpoint for SPs, the ACS for the IdP and both metadata documents on connections the
//! project's TLS front end (postern-proxy-front) has handshaken.

use crate::access::{DeviceBinding, DeviceDirectory};
use crate::binding::BindingError;
use crate::config::FederationSet;
use crate::flow::{Federation, FlowError, Incoming, Outcome, Refusal, SignInRecord};
use crate::idp_response::ResponseError;
use crate::metadata::{idp_metadata, sp_metadata};
use crate::sessions::IssuedSession;
use crate::sp_request::SpRequestError;
use crate::xml_guard::RESPONSE_LIMITS;
use chrono::Utc;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming as Body};
use hyper::{Method, Request, Response, StatusCode, header};
use postern_proxy_apptunnel::{TunnelOrigins, device_identity};
use postern_proxy_front::{HttpLimits, PeerInfo, hardened_http1_builder};
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;

/// Path of the SSO endpoint (SPs send AuthnRequests here).
pub const SSO_PATH: &str = "/saml/idp/sso";
/// Path of the ACS (the IdP posts Responses here).
pub const ACS_PATH: &str = "/saml/sp/acs";
/// Path of Postern's IdP metadata.
pub const IDP_METADATA_PATH: &str = "/saml/idp/metadata";
/// Path of Postern's SP metadata.
pub const SP_METADATA_PATH: &str = "/saml/sp/metadata";

/// Largest request body read (a base64, form-encoded Response of the largest size accepted).
const MAX_BODY: usize = RESPONSE_LIMITS.max_bytes * 2;

/// Told of each decided sign-in (allowed, warned or denied) with its time in Unix seconds.
pub type SignInReporter = Arc<dyn Fn(&SignInRecord, u64) + Send + Sync>;

/// Told of each refused sign-in step (a refused AuthnRequest or Response, a body too
/// large) with the browser's address and the time in Unix seconds.
pub type RefusalReporter = Arc<dyn Fn(&Refusal, std::net::IpAddr, u64) + Send + Sync>;

/// Told of each session issued to an SP for an identified device (A5).
pub type SessionRecorder = Arc<dyn Fn(Vec<IssuedSession>) + Send + Sync>;

/// Whom the service tells of what happens; each is optional.
#[derive(Clone, Default)]
pub struct ServiceHooks {
    /// Every decided sign-in.
    pub sign_ins: Option<SignInReporter>,
    /// Every refused step.
    pub refusals: Option<RefusalReporter>,
    /// Every session issued to an SP for an identified device, before the browser gets
    /// its answer.
    pub sessions: Option<SessionRecorder>,
}

/// The federation proxy's HTTP service.
pub struct FederationService {
    federation: Mutex<Federation>,
    directory: Arc<dyn DeviceDirectory + Send + Sync>,
    hooks: ServiceHooks,
    /// The AppTunnel proxy's back-end connections, when a service may lead here.
    tunnels: std::sync::OnceLock<TunnelOrigins>,
}

impl std::fmt::Debug for FederationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederationService").finish_non_exhaustive()
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, content_type: &str, body: String) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

fn error_page(status: StatusCode, error: &dyn std::fmt::Display) -> Reply {
    let text = quick_xml::escape::escape(error.to_string()).into_owned();
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sign-in failed</title></head><body><h1>Sign-in failed</h1><p class=\"error\">{text}</p></body></html>\n"
    );
    reply(status, "text/html; charset=utf-8", body)
}

impl FederationService {
    /// A service for `federation`, looking devices up in `directory`.
    pub fn new(federation: Federation, directory: Arc<dyn DeviceDirectory + Send + Sync>) -> Arc<Self> {
        Self::with_hooks(federation, directory, ServiceHooks::default())
    }

    /// A service for `federation`, looking devices up in `directory`, telling `reporter`
    /// of every decided sign-in.
    pub fn reporting(
        federation: Federation,
        directory: Arc<dyn DeviceDirectory + Send + Sync>,
        reporter: SignInReporter,
    ) -> Arc<Self> {
        Self::with_hooks(federation, directory, ServiceHooks { sign_ins: Some(reporter), ..ServiceHooks::default() })
    }

    /// A service for `federation`, looking devices up in `directory`, telling `hooks` of
    /// what happens.
    pub fn with_hooks(
        federation: Federation,
        directory: Arc<dyn DeviceDirectory + Send + Sync>,
        hooks: ServiceHooks,
    ) -> Arc<Self> {
        Arc::new(Self { federation: Mutex::new(federation), directory, hooks, tunnels: Default::default() })
    }

    /// Ties connections that come through an AppTunnel to the tunnel's device and app
    /// (`DeviceBinding::AppTunnel`), looked up in `origins`. Set once; later calls are
    /// ignored.
    pub fn bind_tunnels(&self, origins: TunnelOrigins) {
        let _ = self.tunnels.set(origins);
    }

    /// Tells the refusal reporter, if any, and answers the browser with the error page.
    fn refuse(&self, refusal: &Refusal, source: std::net::IpAddr, now: chrono::DateTime<Utc>) -> Reply {
        if let Some(report) = &self.hooks.refusals {
            report(refusal, source, u64::try_from(now.timestamp()).unwrap_or_default());
        }
        refused(&refusal.error)
    }

    /// Serves `set` from the next request on; sign-ins in progress are kept (see
    /// [`Federation::reconfigure`]) and connections stay open.
    pub fn reconfigure(&self, set: FederationSet) {
        self.lock().reconfigure(set);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Federation> {
        self.federation.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Serves one handshaken connection until it ends or the listener shuts down.
    pub async fn serve(self: Arc<Self>, tls: TlsStream<TcpStream>, peer: PeerInfo) {
        let through = self.tunnels.get().zip(tls.get_ref().0.local_addr().ok());
        let (binding, source) = match through.and_then(|(tunnels, local)| tunnels.lookup(peer.addr, local)) {
            Some(origin) => {
                tracing::info!(peer = %peer.addr, client = %origin.client, device = %origin.uem_device_id, app = %origin.app, "sign-in connection through an AppTunnel");
                (DeviceBinding::AppTunnel { device_id: origin.uem_device_id, app: origin.app }, origin.client.ip())
            }
            None => (bind_device(&peer), peer.addr.ip()),
        };
        let service = hyper::service::service_fn(move |request| {
            let this = Arc::clone(&self);
            let binding = binding.clone();
            async move { Ok::<_, std::convert::Infallible>(this.handle(request, binding, source).await) }
        });
        let connection =
            hardened_http1_builder(&HttpLimits::default()).serve_connection(hyper_util::rt::TokioIo::new(tls), service);
        tokio::pin!(connection);
        tokio::select! {
            _ = connection.as_mut() => {}
            _ = peer.shutdown_requested() => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
    }

    async fn handle(&self, request: Request<Body>, binding: DeviceBinding, source: std::net::IpAddr) -> Reply {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let query = request.uri().query().unwrap_or_default().to_owned();
        let body = match Limited::new(request.into_body(), MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                let too_large = BindingError::TooLarge { field: "request body", limit: MAX_BODY };
                let flow_error: Option<FlowError> = match path.as_str() {
                    SSO_PATH => Some(SpRequestError::Binding(too_large).into()),
                    ACS_PATH => Some(ResponseError::Binding(too_large).into()),
                    _ => None,
                };
                if let (Some(report), Some(flow_error)) = (&self.hooks.refusals, flow_error) {
                    let refusal = Refusal::unattributed(&binding, flow_error);
                    report(&refusal, source, u64::try_from(Utc::now().timestamp()).unwrap_or_default());
                }
                return error_page(StatusCode::PAYLOAD_TOO_LARGE, &error);
            }
        };
        let now = Utc::now();
        match (method, path.as_str()) {
            (Method::GET, SSO_PATH) | (Method::POST, SSO_PATH) => {
                let incoming = if query.is_empty() { Incoming::Post(&body) } else { Incoming::Redirect(&query) };
                let started = self.lock().on_sp_request(incoming, binding.clone(), source, now);
                match started {
                    Ok(redirect) => {
                        let mut response = reply(StatusCode::FOUND, "text/plain", String::new());
                        if let Ok(location) = header::HeaderValue::from_str(&redirect.location) {
                            response.headers_mut().insert(header::LOCATION, location);
                        }
                        response
                    }
                    Err(error) => {
                        let refusal = self.lock().sp_request_refusal(incoming, &binding, error);
                        self.refuse(&refusal, source, now)
                    }
                }
            }
            (Method::POST, ACS_PATH) => {
                let (decided, issued) = {
                    let mut federation = self.lock();
                    let decided = federation.on_idp_response(&body, binding.clone(), self.directory.as_ref(), now);
                    (decided, federation.take_issued())
                };
                match decided {
                    Ok(record) => {
                        if let Some(recorder) = self.hooks.sessions.as_ref().filter(|_| !issued.is_empty()) {
                            recorder(issued);
                        }
                        if let Some(report) = &self.hooks.sign_ins {
                            report(&record, u64::try_from(now.timestamp()).unwrap_or_default());
                        }
                        let status = if matches!(record.outcome, Outcome::Deny { .. }) {
                            StatusCode::FORBIDDEN
                        } else {
                            StatusCode::OK
                        };
                        reply(status, "text/html; charset=utf-8", record.outcome.html())
                    }
                    Err(error) => {
                        let refusal = self.lock().idp_response_refusal(&body, &binding, error, now);
                        self.refuse(&refusal, source, now)
                    }
                }
            }
            (Method::GET, IDP_METADATA_PATH) => {
                reply(StatusCode::OK, "application/samlmetadata+xml", idp_metadata(self.lock().local()))
            }
            (Method::GET, SP_METADATA_PATH) => {
                reply(StatusCode::OK, "application/samlmetadata+xml", sp_metadata(self.lock().local()))
            }
            _ => error_page(StatusCode::NOT_FOUND, &format_args!("no SAML endpoint at {path}")),
        }
    }
}

fn refused(error: &FlowError) -> Reply {
    tracing::warn!(error = %error, "sign-in refused");
    let status = match error {
        FlowError::Full(_) => StatusCode::SERVICE_UNAVAILABLE,
        FlowError::Sign(_) => StatusCode::INTERNAL_SERVER_ERROR,
        FlowError::Request(_) | FlowError::Response(_) | FlowError::PairingGone(_) | FlowError::OtherPairing { .. } => {
            StatusCode::BAD_REQUEST
        }
    };
    error_page(status, error)
}

/// The device a connection's client certificate names (by AppTunnel's rule); none, or one
/// naming no device, leaves the sign-in unidentified.
fn bind_device(peer: &PeerInfo) -> DeviceBinding {
    match peer.client_cert.as_ref().map(|cert| device_identity(Some(cert), false)) {
        Some(Ok(id)) => DeviceBinding::Certificate { device_id: id.to_string() },
        Some(Err(error)) => {
            tracing::info!(peer = %peer.addr, reason = error.code(), "device certificate names no device");
            DeviceBinding::Unidentified
        }
        None => DeviceBinding::Unidentified,
    }
}
