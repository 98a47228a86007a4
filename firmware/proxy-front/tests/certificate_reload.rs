//! A certificate swapped on disk is used by new connections while live ones keep
//! working; a broken pair is refused and the old certificate stays in use.

mod common;
use common::*;
use postern_proxy_front::{ClientAuth, ListenerConfig, ReloadOutcome};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swap_is_picked_up_and_live_connection_survives() -> TestResult {
    let pki = Pki::new("reload CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let port = front.port;
    let first = file_fingerprint(&pki.cert)?;
    assert_eq!(tokio::task::spawn_blocking(move || served_fingerprint(port)).await??, first);

    let mut live = connect(port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut live, b"before").await?, b"before");
    let live_cert = live.get_ref().1.peer_certificates().and_then(|c| c.first()).cloned().ok_or("no cert")?;

    pki.write_server_cert("second")?;
    let second = file_fingerprint(&pki.cert)?;
    assert_ne!(first, second);
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Reloaded);
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Unchanged);
    assert_eq!(tokio::task::spawn_blocking(move || served_fingerprint(port)).await??, second);

    // The connection opened before the swap still works, on the old certificate.
    assert_eq!(round_trip(&mut live, b"after the swap").await?, b"after the swap");
    let new_conn = connect(port, client_config(&pki.ca_pem, None)?).await?;
    let new_cert = new_conn.get_ref().1.peer_certificates().and_then(|c| c.first()).cloned().ok_or("no cert")?;
    assert_ne!(live_cert, new_cert);
    assert_eq!(front.metrics.certificate_reloads.get("reloaded"), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periodic_check_picks_up_a_swap() -> TestResult {
    let pki = Pki::new("periodic CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let _task = front.watcher.spawn_periodic(Duration::from_millis(100));
    pki.write_server_cert("periodic second")?;
    let expected = file_fingerprint(&pki.cert)?;
    let port = front.port;
    let mut served = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        served = tokio::task::spawn_blocking(move || served_fingerprint(port)).await??;
        if served == expected {
            break;
        }
    }
    assert_eq!(served, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_pair_is_refused_and_old_one_kept() -> TestResult {
    let pki = Pki::new("broken CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let port = front.port;
    let original = file_fingerprint(&pki.cert)?;

    // Garbage in the certificate file.
    let good_cert = std::fs::read(&pki.cert)?;
    std::fs::write(&pki.cert, b"-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n")?;
    assert!(matches!(front.watcher.check_now(), ReloadOutcome::Refused { .. }));
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Unchanged, "reported once");
    assert_eq!(tokio::task::spawn_blocking(move || served_fingerprint(port)).await??, original);

    // A valid certificate whose key does not match.
    let (other_cert, _other_key) = pki.issue("mismatch", vec!["localhost".into()], false)?;
    std::fs::write(&pki.cert, other_cert)?;
    let outcome = front.watcher.check_now();
    assert!(matches!(&outcome, ReloadOutcome::Refused { reason } if !reason.is_empty()), "{outcome:?}");
    assert_eq!(tokio::task::spawn_blocking(move || served_fingerprint(port)).await??, original);

    // An empty file.
    std::fs::write(&pki.cert, b"")?;
    assert!(matches!(front.watcher.check_now(), ReloadOutcome::Refused { .. }));
    assert_eq!(front.metrics.certificate_reloads.get("refused"), 3);
    assert_eq!(front.metrics.certificate_reloads.get("reloaded"), 0);

    // Restoring the good file is picked up again.
    std::fs::write(&pki.cert, good_cert)?;
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Reloaded);
    let mut conn = connect(port, client_config(&pki.ca_pem, None)?).await?;
    assert_eq!(round_trip(&mut conn, b"still fine").await?, b"still fine");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_files_are_served_at_once_and_a_mismatched_pair_is_refused() -> TestResult {
    let pki = Pki::new("first CA")?;
    let other = Pki::new("second CA")?;
    let front = start(pki.settings(ClientAuth::None), ListenerConfig::default(), echo).await?;
    let port = front.port;
    let original = file_fingerprint(&pki.cert)?;

    // The other pki's certificate with this one's key: refused, the old pair stays.
    let outcome = front.watcher.use_files(&other.cert, &pki.key);
    assert!(matches!(outcome, ReloadOutcome::Refused { .. }), "{outcome:?}");
    assert_eq!(tokio::task::spawn_blocking(move || served_fingerprint(port)).await??, original);
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Unchanged, "the old files are still the ones watched");

    assert_eq!(front.watcher.use_files(&other.cert, &other.key), ReloadOutcome::Reloaded);
    assert_eq!(front.watcher.use_files(&other.cert, &other.key), ReloadOutcome::Unchanged);
    let expected = file_fingerprint(&other.cert)?;
    assert_eq!(tokio::task::spawn_blocking(move || served_fingerprint(port)).await??, expected);

    // From now on the new files are the ones watched.
    other.write_server_cert("second, renewed")?;
    assert_eq!(front.watcher.check_now(), ReloadOutcome::Reloaded);
    Ok(())
}
