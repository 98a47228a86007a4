//! Graceful shutdown of the ActiveSync proxy: on SIGTERM a held Ping gets a whole answer
//! (503 shutting-down, `Connection: close`), an idle keep-alive connection is closed in
//! order (no reset), and posternd exits well within the drain bound.

mod common;

use common::proxy::{ALLOWED_QUERY, backend, backend_log, certificate, port_from, write_config};
use common::{DEADLINE, Daemon};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long posternd lets connections drain before aborting them (data_plane.rs).
const DRAIN: Duration = Duration::from_secs(10);

const PING: &str = "Cmd=Ping&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";

/// Python's http.client over ssl: connection A makes one Sync and stays open, idle;
/// connection B sends a Ping the back end holds. Prints `ready`, then one line per
/// connection saying how it ended.
const CLIENTS: &str = r#"
import http.client, ssl, sys
port, ca, sync, ping = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
tls = ssl.create_default_context(cafile=ca)
def conn():
    return http.client.HTTPSConnection("127.0.0.1", port, context=tls, timeout=60)
idle = conn()
idle.request("POST", "/Microsoft-Server-ActiveSync?" + sync, body=b"sync")
first = idle.getresponse(); first.read()
held = conn()
held.request("POST", "/Microsoft-Server-ActiveSync?" + ping, body=b"ping")
print("ready", first.status, first.getheader("Connection"), flush=True)
try:
    answer = held.getresponse()
    body = answer.read()
    print("ping", answer.status, answer.getheader("X-Postern-Reason"), answer.getheader("Connection"), len(body), flush=True)
except Exception as e:
    print("ping error", type(e).__name__, e, flush=True)
try:
    data = idle.sock.recv(1)
    print("idle", "closed" if data == b"" else "data", flush=True)
except Exception as e:
    print("idle error", type(e).__name__, e, flush=True)
"#;

#[test]
fn sigterm_answers_a_held_ping_closes_an_idle_connection_and_exits_within_the_drain() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));

    let mut clients = Command::new("python3")
        .arg("-c")
        .arg(CLIENTS)
        .arg(port.to_string())
        .arg(dir.path().join("cert.pem"))
        .args([ALLOWED_QUERY, PING])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut lines = BufReader::new(clients.stdout.take().expect("stdout")).lines().map_while(Result::ok);
    let ready = lines.next().expect("the clients report");
    assert_eq!(ready, "ready 200 None", "the Sync was answered and its connection kept alive");
    let start = Instant::now();
    while !backend_log(dir.path()).contains("Cmd=Ping") {
        assert!(start.elapsed() < DEADLINE, "the Ping never reached the back end");
        std::thread::sleep(Duration::from_millis(20));
    }

    let status = Command::new("kill").args(["-TERM", &daemon.child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let term = Instant::now();
    let ping = lines.next().expect("the Ping's end");
    assert_eq!(
        ping.split_whitespace().take(4).collect::<Vec<_>>(),
        ["ping", "503", "shutting-down", "close"],
        "a whole answer, not a reset: {ping}"
    );
    let idle = lines.next().expect("the idle connection's end");
    assert_eq!(idle, "idle closed", "the idle keep-alive connection is closed in order");
    let exited = loop {
        if let Some(status) = daemon.child.try_wait().expect("wait") {
            break status;
        }
        assert!(term.elapsed() < DRAIN, "posternd did not exit within the drain bound");
        std::thread::sleep(Duration::from_millis(20));
    };
    println!("posternd exited {} ms after SIGTERM ({exited})", term.elapsed().as_millis());
    let drained = daemon.wait_for("listener drained");
    assert!(drained.contains("aborted: 0"), "no connection was left to abort: {drained}");
    let _ = clients.wait();
}
