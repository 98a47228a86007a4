//! A local HTTPS server standing in for the Microsoft identity platform and Graph: a
//! token endpoint handing out numbered tokens, and a scripted Graph.

#![allow(dead_code, unreachable_pub, reason = "shared by several test files")]

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use postern_uem_graph::{GraphConnector, GraphLimits, GraphSettings};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::convert::Infallible;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The client secret the token endpoint accepts.
pub const SECRET: &str = "s3cret~value";
/// The application id the token endpoint accepts.
pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";

/// One Graph request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request target, exactly as sent.
    pub target: String,
    /// The bearer token presented.
    pub bearer: Option<String>,
}

/// What Graph answers.
pub enum Answer {
    /// A status, extra headers and a body.
    Plain(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// 200 with a body that never ends (chunked, no length).
    Endless,
    /// Nothing for this long, then 200 `{}`.
    Stall(Duration),
}

impl Answer {
    /// 200 with a JSON body.
    pub fn json(body: impl Into<String>) -> Self {
        Answer::Plain(200, Vec::new(), body.into().into_bytes())
    }
}

type Script = dyn Fn(&Seen, &State) -> Answer + Send + Sync;

/// What the server has seen, and how its token endpoint behaves.
#[derive(Default)]
pub struct State {
    /// Graph requests, in order.
    pub graph: Mutex<Vec<Seen>>,
    /// Token requests (their form bodies), in order.
    pub tokens: Mutex<Vec<String>>,
    /// `expires_in` of the tokens handed out.
    pub expires_in: Mutex<u64>,
}

impl State {
    pub fn graph_requests(&self) -> Vec<Seen> {
        self.graph.lock().expect("lock").clone()
    }
    pub fn token_requests(&self) -> usize {
        self.tokens.lock().expect("lock").len()
    }
    /// Whether `bearer` is a token this server handed out.
    pub fn issued(&self, bearer: Option<&str>) -> bool {
        let n = self.token_requests();
        bearer.is_some_and(|b| (1..=n).any(|i| b == format!("tok-{i}")))
    }
}

/// The running fake.
pub struct FakeGraph {
    pub port: u16,
    pub state: Arc<State>,
    pub dir: tempfile::TempDir,
    pub ca_file: PathBuf,
    pub secret_file: PathBuf,
}

struct Endless;

impl Body for Endless {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&[b' '; 16 * 1024])))))
    }
}

fn full(status: u16, headers: Vec<(&'static str, String)>, body: Vec<u8>) -> Response<BoxBody<Bytes, Infallible>> {
    let mut r = Response::builder().status(status).header("content-type", "application/json");
    for (k, v) in headers {
        r = r.header(k, v);
    }
    r.body(Full::new(Bytes::from(body)).boxed()).expect("response")
}

fn form_value<'a>(form: &'a str, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    form.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| percent_decode_str(v).decode_utf8_lossy())
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<State>,
    script: Arc<Script>,
    refuse_secret: bool,
) -> Result<Response<BoxBody<Bytes, Infallible>>, Infallible> {
    let target = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    if target == "/tenant-1/oauth2/v2.0/token" {
        let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let form = String::from_utf8_lossy(&body).into_owned();
        let good = form_value(&form, "grant_type").as_deref() == Some("client_credentials")
            && form_value(&form, "client_id").as_deref() == Some(CLIENT_ID)
            && form_value(&form, "client_secret").as_deref() == Some(SECRET)
            && form_value(&form, "scope").is_some_and(|s| s.ends_with("/.default"))
            && !refuse_secret;
        let n = {
            let mut tokens = state.tokens.lock().expect("lock");
            tokens.push(form);
            tokens.len()
        };
        if !good {
            let refusal =
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#;
            return Ok(full(401, Vec::new(), refusal.as_bytes().to_vec()));
        }
        let expires_in = *state.expires_in.lock().expect("lock");
        let answer = format!(
            r#"{{"token_type":"Bearer","expires_in":{expires_in},"ext_expires_in":{expires_in},"access_token":"tok-{n}"}}"#
        );
        return Ok(full(200, Vec::new(), answer.into_bytes()));
    }
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let seen = Seen { target, bearer };
    state.graph.lock().expect("lock").push(seen.clone());
    if !state.issued(seen.bearer.as_deref()) {
        return Ok(full(
            401,
            Vec::new(),
            br#"{"error":{"code":"InvalidAuthenticationToken","message":"unknown token"}}"#.to_vec(),
        ));
    }
    Ok(match script(&seen, &state) {
        Answer::Plain(status, headers, body) => full(status, headers, body),
        Answer::Endless => Response::builder().status(200).body(Endless.boxed()).expect("response"),
        Answer::Stall(d) => {
            tokio::time::sleep(d).await;
            full(200, Vec::new(), b"{}".to_vec())
        }
    })
}

fn certificates() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate().expect("key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = Issuer::new(ca_params, ca_key);
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("params");
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &issuer).expect("cert");
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (ca_cert.pem(), vec![cert.der().clone()], key_der)
}

/// A CA certificate the fake's server certificate is not signed by.
pub fn other_ca_pem() -> String {
    certificates().0
}

impl FakeGraph {
    /// Starts the fake; `script` answers every Graph request that carries a token the
    /// token endpoint handed out (others get 401).
    pub async fn start(script: impl Fn(&Seen, &State) -> Answer + Send + Sync + 'static) -> Self {
        Self::start_with(|_| script, false).await
    }

    /// As [`FakeGraph::start`], with the script made once the port is known (for
    /// absolute `@odata.nextLink` URLs).
    pub async fn start_port_aware<S>(make: impl FnOnce(u16) -> S) -> Self
    where
        S: Fn(&Seen, &State) -> Answer + Send + Sync + 'static,
    {
        Self::start_with(make, false).await
    }

    /// The general form; with `refuse_secret`, the token endpoint refuses every client
    /// secret.
    pub async fn start_with<S>(make: impl FnOnce(u16) -> S, refuse_secret: bool) -> Self
    where
        S: Fn(&Seen, &State) -> Answer + Send + Sync + 'static,
    {
        let (ca_pem, chain, key) = certificates();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(State::default());
        *state.expires_in.lock().expect("lock") = 3_600;
        let script: Arc<Script> = Arc::new(make(port));
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, state, script) = (acceptor.clone(), st.clone(), script.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = service_fn(move |req| handle(req, state.clone(), script.clone(), refuse_secret));
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
                });
            }
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_pem).expect("write ca");
        let secret_file = dir.path().join("client-secret");
        std::fs::write(&secret_file, format!("{SECRET}\n")).expect("write secret");
        Self { port, state, dir, ca_file, secret_file }
    }

    /// The Graph base URL.
    pub fn base(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Connector settings pointing at this fake and trusting its CA, with these limits.
    pub fn settings(&self, limits: GraphLimits) -> GraphSettings {
        let config = postern_config::GraphConnector {
            tenant: "tenant-1".to_owned(),
            client_id: CLIENT_ID.to_owned(),
            client_secret_file: self.secret_file.clone(),
            token_url: Some(format!("{}/tenant-1/oauth2/v2.0/token", self.base())),
            graph_url: Some(self.base()),
            ca_file: None,
        };
        GraphSettings::from_config(&config).with_ca_file(self.ca_file.clone()).with_limits(limits)
    }

    /// A connector with the default limits.
    pub fn connector(&self) -> GraphConnector {
        self.connector_with(GraphLimits::default())
    }

    /// A connector with these limits.
    pub fn connector_with(&self, limits: GraphLimits) -> GraphConnector {
        GraphConnector::new(&self.settings(limits)).expect("connector")
    }
}

/// The first page's request target the connector sends for a full listing.
pub const LIST: &str = "/v1.0/deviceManagement/managedDevices?$select=id,userPrincipalName,easDeviceId,complianceState,exchangeAccessState,operatingSystem";

/// A `managedDevice` in the shape Graph sends it.
pub fn device(id: &str, upn: &str, eas: Option<&str>, compliance: &str, exchange: &str) -> String {
    let eas = eas.map_or("null".to_owned(), |e| format!("\"{e}\""));
    format!(
        r#"{{"id":"{id}","userPrincipalName":"{upn}","easDeviceId":{eas},"complianceState":"{compliance}","exchangeAccessState":"{exchange}","operatingSystem":"iOS","lastSyncDateTime":"2024-05-01T10:00:00Z"}}"#
    )
}

/// A page of devices, with a next link if given.
pub fn page(devices: &[String], next: Option<&str>) -> String {
    let next = next.map_or(String::new(), |n| format!(r#""@odata.nextLink":"{n}","#));
    format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices",{next}"value":[{}]}}"#,
        devices.join(",")
    )
}
