//! End-to-end: curl against the management listener.

use postern_metrics::{Health, MetricsServer, REFUSED_METRIC, Registry, SourcePrefixes};
use std::process::Command;

/// Runs curl and returns (HTTP status, body).
fn curl(args: &[&str]) -> (String, String) {
    let out = Command::new("curl").args(["-s", "-m", "5", "-w", "\n%{http_code}"]).args(args).output();
    let Ok(out) = out else {
        panic!("curl could not be run");
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.to_owned(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_metrics_and_other_paths_are_404() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::new();
    let hits = registry.counter("postern_test_hits_total", "Test hits.")?;
    let reasons = registry.labelled_counter("postern_test_reasons_total", "By reason.", "reason", &["a\"b", "c"])?;
    hits.add(7);
    reasons.inc("a\"b");
    let server = MetricsServer::bind("127.0.0.1:0".parse()?, registry, SourcePrefixes::any()).await?;
    let base = format!("http://{}", server.local_addr());

    let url = format!("{base}/metrics");
    let (code, body) = tokio::task::spawn_blocking(move || curl(&[&url])).await?;
    assert_eq!(code, "200");
    assert!(body.contains("# TYPE postern_test_hits_total counter\npostern_test_hits_total 7\n"));
    assert!(body.contains("postern_test_reasons_total{reason=\"a\\\"b\"} 1\n"));
    assert!(body.contains("postern_test_reasons_total{reason=\"c\"} 0\n"));

    let url = format!("{base}/other");
    let (code, _) = tokio::task::spawn_blocking(move || curl(&[&url])).await?;
    assert_eq!(code, "404");

    let url = format!("{base}/metrics");
    let (code, _) = tokio::task::spawn_blocking(move || curl(&["-X", "POST", "--data", "x=1", &url])).await?;
    assert_eq!(code, "413");

    let url = format!("{base}/metrics");
    let (code, _) = tokio::task::spawn_blocking(move || curl(&["-X", "DELETE", &url])).await?;
    assert_eq!(code, "405");

    // A request head over the bound is refused (hyper answers 431) rather than buffered.
    let url = format!("{base}/metrics");
    let big = format!("X-Big: {}", "a".repeat(20_000));
    let (code, _) = tokio::task::spawn_blocking(move || curl(&["-H", &big, &url])).await?;
    assert_eq!(code, "431");

    server.shutdown().await;
    let url = format!("{base}/metrics");
    let (code, _) = tokio::task::spawn_blocking(move || curl(&[&url])).await?;
    assert_eq!(code, "000", "the listener is gone after shutdown");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_outside_the_allowed_prefixes_is_closed_at_accept_and_counted()
-> Result<(), Box<dyn std::error::Error>> {
    let allowed = SourcePrefixes::parse(&["127.0.0.1/32"])?;
    let server = MetricsServer::bind("127.0.0.1:0".parse()?, Registry::new(), allowed).await?;
    let url = format!("http://{}/metrics", server.local_addr());

    // 127.0.0.2 is loopback too, but outside 127.0.0.1/32: no HTTP answer at all.
    let from_outside = url.clone();
    let (code, body) = tokio::task::spawn_blocking(move || curl(&["--interface", "127.0.0.2", &from_outside])).await?;
    assert_eq!(code, "000", "refused before any answer, got {code}: {body}");

    let (code, body) = tokio::task::spawn_blocking(move || curl(&["--interface", "127.0.0.1", &url])).await?;
    assert_eq!(code, "200");
    assert!(body.contains(&format!("{REFUSED_METRIC}{{reason=\"source\"}} 1\n")), "the refusal is counted:\n{body}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_200_while_serving_and_503_once_withdrawn() -> Result<(), Box<dyn std::error::Error>> {
    let health = Health::serving();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let server = MetricsServer::serve_with_health(tcp, Registry::new(), SourcePrefixes::any(), health.clone())?;
    let url = format!("http://{}/health", server.local_addr());
    let probe = url.clone();
    let (code, body) = tokio::task::spawn_blocking(move || curl(&[&probe])).await?;
    assert_eq!((code.as_str(), body.as_str()), ("200", "serving\n"));
    health.withdraw();
    let (code, body) = tokio::task::spawn_blocking(move || curl(&[&url])).await?;
    assert_eq!((code.as_str(), body.as_str()), ("503", "withdrawn: shutting down\n"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_serves_the_new_socket_closes_the_old_and_the_allowed_sources_change_live()
-> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::new();
    let mut server = MetricsServer::bind("127.0.0.1:0".parse()?, registry, SourcePrefixes::any()).await?;
    let old = format!("http://{}/metrics", server.local_addr());
    let moved = server.move_to(tokio::net::TcpListener::bind("127.0.0.1:0").await?)?;
    let new = format!("http://{moved}/metrics");
    let url = new.clone();
    let (code, _) = tokio::task::spawn_blocking(move || curl(&[&url])).await?;
    assert_eq!(code, "200", "the new socket serves");
    let (code, _) = tokio::task::spawn_blocking(move || curl(&[&old])).await?;
    assert_eq!(code, "000", "the old socket is closed");

    server.set_allowed(SourcePrefixes::parse(&["127.0.0.2/32"])?);
    let url = new.clone();
    let (code, _) = tokio::task::spawn_blocking(move || curl(&["--interface", "127.0.0.1", &url])).await?;
    assert_eq!(code, "000", "a source no longer allowed is closed at accept");
    let (code, body) = tokio::task::spawn_blocking(move || curl(&["--interface", "127.0.0.2", &new])).await?;
    assert_eq!(code, "200", "the newly allowed source is served");
    assert!(body.contains(&format!("{REFUSED_METRIC}{{reason=\"source\"}} 1\n")), "one refusal counted:\n{body}");
    Ok(())
}
