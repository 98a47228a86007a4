//! The client against a real DHCP server: `postern-dhcp` in one network namespace, dnsmasq
//! in another, joined by a veth pair. The lease's address, default route and DNS servers
//! appear in the kernel and the lease record, the lease is renewed at T1, and when the
//! server is gone the address, route and DNS servers are removed at expiry. dnsmasq's router
//! advertisements give the interface an IPv6 address by SLAAC. Needs root.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use postern_dhcp_client::lease_file::LeaseRecord;

/// Two namespaces joined by a veth pair; removed with everything in them when dropped.
struct Link {
    server: String,
    client: String,
    dnsmasq: Option<Child>,
    dhcp: Option<Child>,
    dir: tempfile::TempDir,
}

const SERVER_VETH: &str = "veth-srv";
const CLIENT_VETH: &str = "veth-cli";

fn run(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Link {
    fn new(tag: &str) -> Self {
        assert!(nix::unistd::geteuid().is_root(), "this test makes network namespaces: run it as root");
        let id = std::process::id();
        let link = Self {
            server: format!("pdhcp-{id}-{tag}-s"),
            client: format!("pdhcp-{id}-{tag}-c"),
            dnsmasq: None,
            dhcp: None,
            dir: tempfile::tempdir().expect("temp dir"),
        };
        run(&["ip", "netns", "add", &link.server]);
        run(&["ip", "netns", "add", &link.client]);
        let (s, c) = (link.server.as_str(), link.client.as_str());
        run(&["ip", "-n", s, "link", "add", SERVER_VETH, "type", "veth", "peer", "name", CLIENT_VETH, "netns", c]);
        run(&["ip", "-n", s, "addr", "add", "192.0.2.1/24", "dev", SERVER_VETH]);
        run(&["ip", "-n", s, "addr", "add", "2001:db8:1::1/64", "dev", SERVER_VETH, "nodad"]);
        // Off until the client turns it on.
        let off = format!("echo 0 > /proc/sys/net/ipv6/conf/{CLIENT_VETH}/accept_ra");
        run(&["ip", "netns", "exec", c, "sh", "-c", &off]);
        for (ns, dev) in [(s, SERVER_VETH), (c, CLIENT_VETH), (s, "lo"), (c, "lo")] {
            run(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        link
    }

    fn leases(&self) -> PathBuf {
        self.dir.path().join("leases")
    }

    fn start_client(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("client.log")).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.client, env!("CARGO_BIN_EXE_postern-dhcp"), CLIENT_VETH, "--lease-dir"])
            .arg(self.leases())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postern-dhcp starts");
        self.dhcp = Some(child);
    }

    /// dnsmasq with two-minute leases (its shortest), T1 and T2 as given, and router
    /// advertisements for 2001:db8:1::/64.
    fn start_server(&mut self, t1: u32, t2: u32) {
        let log = std::fs::File::create(self.dir.path().join("dnsmasq.log")).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.server, "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0"])
            .args(["--user=root", "--bind-interfaces", &format!("--interface={SERVER_VETH}"), "--log-dhcp"])
            .args(["--dhcp-range=192.0.2.50,192.0.2.60,255.255.255.0,2m", "--dhcp-option=option:router,192.0.2.1"])
            .args(["--dhcp-option=option:dns-server,192.0.2.53", &format!("--dhcp-option=option:T1,{t1}")])
            .args([&format!("--dhcp-option=option:T2,{t2}"), "--enable-ra", "--dhcp-range=2001:db8:1::,ra-only"])
            .arg(format!("--dhcp-leasefile={}", self.dir.path().join("dnsmasq.leases").display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("dnsmasq starts");
        self.dnsmasq = Some(child);
    }

    fn stop_server(&mut self) {
        if let Some(mut child) = self.dnsmasq.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn client_says(&self, args: &[&str]) -> String {
        let mut all = vec!["ip", "-n", &self.client];
        all.extend_from_slice(args);
        run(&all)
    }

    fn logs(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        format!("--- client ---\n{}\n--- dnsmasq ---\n{}", read("client.log"), read("dnsmasq.log"))
    }

    /// Waits up to `limit` for `check` to give a value.
    fn wait<T>(&self, what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(value) = check() {
                return value;
            }
            assert!(Instant::now() < deadline, "{what} not within {limit:?}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop_server();
        if let Some(mut child) = self.dhcp.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn lease(dir: &Path) -> Option<LeaseRecord> {
    LeaseRecord::read(dir, CLIENT_VETH).expect("a readable lease record")
}

#[test]
fn a_lease_is_applied_renewed_and_removed_at_expiry() {
    let mut link = Link::new("a");
    link.start_client();
    let accept_ra = format!("/proc/sys/net/ipv6/conf/{CLIENT_VETH}/accept_ra");
    link.wait("accept_ra turned on", Duration::from_secs(10), || {
        let now = run(&["ip", "netns", "exec", &link.client, "cat", &accept_ra]);
        (now.trim() == "2").then_some(())
    });
    link.start_server(10, 15);
    let leases = link.leases();
    let first = link.wait("a lease", Duration::from_secs(30), || lease(&leases));
    assert!((50..=60).contains(&first.address.octets()[3]), "{first:?}");
    assert_eq!(first.prefix, 24);
    assert_eq!((first.router, first.server), (Some(Ipv4Addr::new(192, 0, 2, 1)), Ipv4Addr::new(192, 0, 2, 1)));
    assert_eq!(first.dns_servers, [Ipv4Addr::new(192, 0, 2, 53)]);
    let resolv = std::fs::read_to_string(leases.join("resolv.conf")).expect("resolv.conf");
    assert_eq!(resolv, "nameserver 192.0.2.53\n");
    assert_eq!((first.renews - first.obtained, first.expires - first.obtained), (10, 120));
    let address = format!("{}/24", first.address);
    let shown = link.client_says(&["-4", "addr", "show", "dev", CLIENT_VETH]);
    assert!(shown.contains(&address), "{address} not on the interface:\n{shown}");
    let routes = link.client_says(&["-4", "route", "show", "default"]);
    assert!(routes.contains("via 192.0.2.1"), "no default route:\n{routes}");
    let v6 = link.wait("an IPv6 address by SLAAC", Duration::from_secs(20), || {
        let shown = link.client_says(&["-6", "addr", "show", "dev", CLIENT_VETH, "scope", "global"]);
        shown.contains("2001:db8:1:").then_some(shown)
    });
    assert!(v6.contains("dynamic"), "a SLAAC address is dynamic:\n{v6}");

    // Renewed at T1 (10 s): the record moves on, the address stays.
    let renewed =
        link.wait("a renewal", Duration::from_secs(20), || lease(&leases).filter(|l| l.obtained > first.obtained));
    assert_eq!(renewed.address, first.address);
    assert!(link.logs().contains("DHCPACK"), "{}", link.logs());

    // No server: renewing (T1) and rebinding (T2) go unanswered; at expiry, two
    // minutes after the renewal, the address and the route go.
    link.stop_server();
    let left = renewed.expires.saturating_sub(renewed.obtained) + 10;
    link.wait("the lease to expire", Duration::from_secs(left), || lease(&leases).is_none().then_some(()));
    let shown = link.client_says(&["-4", "addr", "show", "dev", CLIENT_VETH]);
    assert!(!shown.contains(&address), "{address} still on the interface after expiry:\n{shown}");
    let routes = link.client_says(&["-4", "route", "show", "default"]);
    assert!(routes.trim().is_empty(), "a default route outlived the lease:\n{routes}");
    let log = link.logs();
    assert!(log.contains("DHCP lease lost"), "{log}");
    assert!(!leases.join("resolv.conf").exists(), "the expired lease's DNS servers are gone");
}
