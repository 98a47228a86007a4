//! TLS 1.2 and 1.3 are served, TLS 1.1 is refused; curl reaches an HTTP service.

mod common;
use common::*;
use postern_proxy_front::{ClientAuth, HttpLimits, ListenerConfig, PeerInfo, hardened_http1_builder};
use postern_test_wait::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls12_and_tls13_succeed_tls11_fails() -> TestResult {
    let pki = Pki::new("versions CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let port = front.port;
    let ca = pki.ca_pem.to_string_lossy().into_owned();

    // openssl offers AES-256 first; the server's own order picks AES-128 (tls_config).
    for (flag, proto, cipher) in
        [("-tls1_2", "TLSv1.2", "AES128-GCM-SHA256"), ("-tls1_3", "TLSv1.3", "TLS_AES_128_GCM_SHA256")]
    {
        let ca = ca.clone();
        let out = tokio::task::spawn_blocking(move || {
            s_client(port, &[flag, "-CAfile", &ca, "-verify_return_error", "-alpn", "http/1.1"])
        })
        .await??;
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{flag}: {text} {}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(&format!("New, {proto}, Cipher is")), "{flag}: {text}");
        assert!(
            text.contains(&format!("Cipher is {}", cipher))
                || text.contains(&format!("Cipher is ECDHE-ECDSA-{cipher}"))
                || text.contains(&format!("Cipher is ECDHE-RSA-{cipher}")),
            "{flag}: {text}"
        );
        assert!(text.contains("Verify return code: 0 (ok)"), "{flag}: {text}");
        assert!(text.contains("ALPN protocol: http/1.1"), "{flag}: {text}");
    }
    let m = front.metrics.clone();
    assert!(eventually(|| m.handshakes_completed.get() == 2).await);

    // SECLEVEL=0 lets this openssl offer TLS 1.1 at all, so the refusal is the server's.
    let out =
        tokio::task::spawn_blocking(move || s_client(port, &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])).await??;
    assert!(!out.status.success(), "TLS 1.1 must fail");
    assert!(eventually(|| m.handshake_failures.get("protocol") == 1).await, "the server saw and refused it");
    assert_eq!(front.metrics.handshakes_completed.get(), 2);
    Ok(())
}

async fn hello_http(tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>, peer: PeerInfo) {
    let service = hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
        let body = format!("echo {}", req.uri().path());
        Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Full::new(hyper::body::Bytes::from(
            body,
        ))))
    });
    let conn =
        hardened_http1_builder(&HttpLimits::default()).serve_connection(hyper_util::rt::TokioIo::new(tls), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = peer.shutdown_requested() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_with_cacert_reaches_the_service() -> TestResult {
    let pki = Pki::new("curl CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), hello_http).await?;
    let url = format!("https://localhost:{}/some/path", front.port);
    let resolve = format!("localhost:{}:127.0.0.1", front.port);
    let ca = pki.ca_pem.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["-sS", "-m", "5", "--cacert"])
            .arg(&ca)
            .args(["--resolve", &resolve, &url])
            .output()
    })
    .await??;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "echo /some/path");

    // Without the CA the server is not trusted.
    let url = format!("https://127.0.0.1:{}/", front.port);
    let out =
        tokio::task::spawn_blocking(move || std::process::Command::new("curl").args(["-sS", "-m", "5", &url]).output())
            .await??;
    assert!(!out.status.success());
    Ok(())
}
