//! One structured decision event per decided request, one access event per request.

use crate::harness::client::send;
use crate::harness::setup::{ALLOWED, BLOCKED, Harness, plain};
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn events(&self, target: &str) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .filter(|event| event["target"] == target)
            .map(|event| event["fields"].clone())
            .collect()
    }
}

// A current-thread runtime: the subscriber set for this thread sees every task.
#[tokio::test(flavor = "current_thread")]
async fn decisions_and_accesses_are_logged_with_their_fields() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::start(|_| {}).await;
    assert_eq!(send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await.status, 200);
    assert_eq!(send(h.addr, "POST", &plain("Ping", BLOCKED, "bob@example.com"), &[]).await.status, 403);
    assert_eq!(send(h.addr, "POST", "/other?secret=1", &[]).await.status, 404);

    let decisions = captured.events("postern::decision");
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    let fields = |e: &Value| {
        (e["device"].clone(), e["user"].clone(), e["command"].clone(), e["decision"].clone(), e["reason"].clone())
    };
    assert_eq!(
        fields(&decisions[0]),
        ("EAS1".into(), "alice@example.com".into(), "Sync".into(), "allow".into(), "uem-compliant".into())
    );
    assert_eq!(
        fields(&decisions[1]),
        ("EAS2".into(), "bob@example.com".into(), "Ping".into(), "block".into(), "uem-blocked".into())
    );

    // The access event is written when the response body is done with, which may be
    // after the client has read it: wait for three, then check there are exactly three.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while captured.events("postern::access").len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let accesses = captured.events("postern::access");
    assert_eq!(accesses.len(), 3, "{accesses:?}");
    let by_status = |status: u64| accesses.iter().find(|a| a["status"] == status).unwrap().clone();
    let allowed = by_status(200);
    assert_eq!(allowed["method"], "POST");
    assert_eq!(allowed["path"], "/Microsoft-Server-ActiveSync");
    assert_eq!(allowed["device"], "EAS1");
    assert_eq!(allowed["bytes_in"], 8);
    assert_eq!(allowed["bytes_out"], "received 8".len() as u64);
    assert_eq!(allowed["outcome"], "done");
    assert!(allowed["duration_ms"].is_u64());
    assert_eq!(by_status(403)["outcome"], "blocked");
    assert_eq!(by_status(404)["path"], "/other");
}
