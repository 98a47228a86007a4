//! AppTunnel stays inside its services, seen from outside with curl through posternd: a
//! wildcard service never connects to loopback, link-local or the gateway's own addresses
//! that a name resolves to (unless the service names the address), and a device
//! certificate without its device URI is identified by its common name only when
//! `apptunnel.identity_from_common_name` is on.

mod common;

use common::proxy::{
    apptunnel_section, backend, backend_log, certificate, common_name_only_device, device_pki, metrics_with, port_from,
    through_tunnel, write_config,
};
use common::{Daemon, cli, text};
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn a_common_name_names_the_device_only_when_the_setting_is_on() {
    for fallback in [false, true] {
        let dir = tempfile::tempdir().expect("temp dir");
        certificate(dir.path());
        device_pki(dir.path(), &["uem-0001"]);
        common_name_only_device(dir.path(), "uem-0001");
        let back = backend(dir.path());
        let mut section = apptunnel_section(dir.path(), back.port);
        if fallback {
            section = section.replace("[apptunnel]\n", "[apptunnel]\nidentity_from_common_name = true\n");
        }
        write_config(dir.path(), back.port, &section);
        let mut daemon = Daemon::start(dir.path(), &["--apptunnel-listen", "127.0.0.1:0"]);
        let port = port_from(&daemon.line_with("AppTunnel listening"));
        let url = format!("http://127.0.0.1:{}/tunnelled", back.port);

        // The device URI names the device either way.
        let (status, body) = through_tunnel(dir.path(), port, "uem-0001", &url, true);
        assert_eq!(status, "200", "{body}");
        let (status, body) = through_tunnel(dir.path(), port, "cn-uem-0001", &url, true);
        let plain =
            through_tunnel(dir.path(), port, "cn-uem-0001", &format!("http://127.0.0.1:{}/plain", back.port), false);
        let seen = backend_log(dir.path());
        let running = text(&cli(dir.path(), "show running-config"));
        if fallback {
            assert_eq!(status, "200", "{body}");
            assert_eq!(plain.0, "200", "{}", plain.1);
            assert_eq!(seen.lines().filter(|l| l.contains("/tunnelled")).count(), 2, "{seen}");
            assert!(running.lines().any(|l| l == "apptunnel identity-from-common-name"), "{running}");
        } else {
            assert_eq!(status, "403", "{body}");
            assert_eq!((plain.0.as_str(), plain.1.as_str()), ("403", "device-identity-missing\n"));
            assert_eq!(
                seen.lines().filter(|l| l.contains("/tunnelled")).count(),
                1,
                "the common name opened a tunnel: {seen}"
            );
            assert!(!seen.contains("/plain"), "{seen}");
            assert!(!running.contains("identity-from-common-name"), "{running}");
            daemon.line_with("common name is not used");
        }
    }
}

/// A back end on every address of this machine that answers each connection with a
/// short HTTP response and counts the connections.
fn counting_backend() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let _ =
                    (&stream).write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nreached");
            });
        }
    });
    (port, count)
}

/// An IPv4 address of this machine other than loopback and link-local, if it has one.
fn own_address() -> Option<IpAddr> {
    nix::ifaddrs::getifaddrs()
        .ok()?
        .filter_map(|i| i.address?.as_sockaddr_in().map(|a| a.ip()))
        .find(|ip| !ip.is_loopback() && !ip.is_link_local())
        .map(IpAddr::V4)
}

#[test]
fn a_wildcard_service_never_reaches_the_gateway_itself_unless_the_service_names_the_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    device_pki(dir.path(), &["uem-0001"]);
    let back = backend(dir.path());
    let (port, reached) = counting_backend();
    let own = own_address();
    let mut hosts = String::from(
        "127.0.0.1 loop.lab.example\n169.254.169.254 meta.lab.example\n0.0.0.0 any.lab.example\n127.0.0.1 db.named.example\n",
    );
    if let Some(ip) = own {
        hosts.push_str(&format!("{ip} own.lab.example\n"));
    }
    let services = format!(
        "{}\n[[apptunnel.services]]\nname = \"lab\"\nkind = \"http\"\nservers = [\"*.lab.example:{port}\"]\n\n[[apptunnel.services]]\nname = \"named\"\nkind = \"tcp\"\nservers = [\"*.named.example:{port}\", \"127.0.0.1:{port}\"]\n",
        apptunnel_section(dir.path(), back.port)
    );
    write_config(dir.path(), back.port, &services);
    let mut daemon = Daemon::start_with_hosts(
        dir.path(),
        &hosts,
        &["--apptunnel-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"],
    );
    let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));

    let mut refused = vec!["loop.lab.example", "meta.lab.example", "any.lab.example"];
    if own.is_some() {
        refused.push("own.lab.example");
    } else {
        eprintln!("this machine has no address besides loopback and link-local: the gateway-address case is left out");
    }
    for host in &refused {
        let (status, body) = through_tunnel(dir.path(), tunnels, "uem-0001", &format!("http://{host}:{port}/x"), true);
        assert_eq!(status, "403", "CONNECT {host}: {body}");
        let (status, body) = through_tunnel(dir.path(), tunnels, "uem-0001", &format!("http://{host}:{port}/x"), false);
        assert_eq!((status.as_str(), body.as_str()), ("403", "destination-forbidden\n"), "GET via {host}");
    }
    assert_eq!(reached.load(Ordering::SeqCst), 0, "a wildcard reached the gateway itself");
    daemon.line_with("wildcard destination refused");

    // The same loopback address, named explicitly by the service, is reached through its
    // wildcard; and directly, as the service's own server.
    let (status, body) =
        through_tunnel(dir.path(), tunnels, "uem-0001", &format!("http://db.named.example:{port}/y"), true);
    assert_eq!((status.as_str(), body.as_str()), ("200", "reached"));
    let (status, body) = through_tunnel(dir.path(), tunnels, "uem-0001", &format!("http://127.0.0.1:{port}/z"), true);
    assert_eq!((status.as_str(), body.as_str()), ("200", "reached"));
    assert_eq!(reached.load(Ordering::SeqCst), 2);

    let wanted = format!("postern_apptunnel_requests_total{{outcome=\"destination-forbidden\"}} {}", refused.len() * 2);
    let body = metrics_with(metrics, &[&wanted]);
    assert!(body.lines().any(|l| l == wanted), "{wanted} missing:\n{body}");
}
