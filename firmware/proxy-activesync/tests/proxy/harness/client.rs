//! A real HTTP/1.1 client over TCP to the proxy.

use super::backend::Generated;
use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Incoming};
use hyper::client::conn::http1;
use hyper::http::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpStream;

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request with `body` and returns the response with its body unread.
pub async fn send_body<B>(
    proxy: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: B,
) -> Response<Incoming>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(proxy).await.unwrap();
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut request = Request::builder().method(method).uri(target).header("host", "mail.public.example");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    sender.send_request(request.body(body).unwrap()).await.unwrap()
}

/// Sends one request with a short body and reads the whole answer.
pub async fn send(proxy: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Answer {
    let body = http_body_util::Full::new(Bytes::from_static(b"<wbxml/>"));
    let response = send_body(proxy, method, target, headers, body).await;
    let (parts, body) = response.into_parts();
    Answer { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes() }
}

/// A body of `n` bytes generated as it is sent.
pub fn generated(n: u64) -> Generated {
    Generated::new(n)
}
