//! The admin listener answers only requests bearing the admin token, and takes bodies
//! only as declared JSON; `postern-uem admin` reads the token the server made.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::Uem;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

/// One raw HTTP/1.1 request to the admin listener; returns the status code.
fn status(port: u16, head: &str, body: &str) -> u16 {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let request =
        format!("{head}\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    tcp.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"))
}

#[test]
fn the_admin_api_needs_its_token_and_json_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), &[]);
    let token_file = dir.path().join("admin-token");
    let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the token file is private");
    let token = std::fs::read_to_string(&token_file).unwrap();
    let bearer = format!("Authorization: Bearer {}", token.trim());
    let settings = r#"{"new_device_when_unreachable":"allow","supports_quarantine":true,"kind":"neurons"}"#;

    assert_eq!(status(uem.admin_port, "GET /admin/devices HTTP/1.1", ""), 401);
    let wrong = "GET /admin/devices HTTP/1.1\r\nAuthorization: Bearer not-the-token";
    assert_eq!(status(uem.admin_port, wrong, ""), 401);
    let put = "PUT /admin/settings HTTP/1.1\r\nContent-Type: application/json";
    assert_eq!(status(uem.admin_port, put, settings), 401, "a body without the token");

    let get = format!("GET /admin/devices HTTP/1.1\r\n{bearer}");
    assert_eq!(status(uem.admin_port, &get, ""), 200);
    let untyped = format!("PUT /admin/settings HTTP/1.1\r\n{bearer}");
    assert_eq!(status(uem.admin_port, &untyped, settings), 415, "no Content-Type");
    let text = format!("PUT /admin/settings HTTP/1.1\r\n{bearer}\r\nContent-Type: text/plain");
    assert_eq!(status(uem.admin_port, &text, settings), 415, "not JSON");
    let json = format!("PUT /admin/settings HTTP/1.1\r\n{bearer}\r\nContent-Type: application/json");
    assert_eq!(status(uem.admin_port, &json, settings), 204);

    // The admin command finds the token beside the state file, and sees the change.
    assert!(uem.admin(&["settings"]).contains("neurons"));
}
