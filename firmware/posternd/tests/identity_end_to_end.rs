//! An identity cannot be borrowed (S1, S2): a DeviceId known for one user, sent with
//! another user, is never decided from the cache; the UEM's enrolment decides, and the
//! request is refused with `user-mismatch` while the real user's device keeps working.

mod common;

use common::Daemon;
use common::proxy::{ALLOWED_QUERY, activesync, backend, backend_log, certificate, port_from, write_config};

const BORROWED: &str = "Cmd=Sync&User=mallory%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";

#[test]
fn a_device_id_sent_with_another_user_is_refused_and_the_owner_keeps_access() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let (status, all) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "alice's phone is allowed and now cached: {all}");
    for _ in 0..2 {
        let (status, all) = activesync(dir.path(), port, BORROWED);
        assert!(status.contains("403"), "{all}");
        assert!(all.to_ascii_lowercase().contains("x-postern-reason: user-mismatch"), "{all}");
    }
    assert!(!backend_log(dir.path()).contains("mallory"), "the borrowed identity never reached the back end");
    let (status, all) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "the owner is still served (the cache was left as it was): {all}");
}
