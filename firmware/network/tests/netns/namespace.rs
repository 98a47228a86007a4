//! Network namespaces the tests make with `ip netns add` and remove when dropped (a test
//! that fails still removes them), and a veth pair between two of them.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A named network namespace, removed on drop.
pub(crate) struct Namespace {
    pub(crate) name: String,
}

impl Namespace {
    /// Makes a namespace with a name of its own.
    pub(crate) fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("pt-net-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        run(&["ip", "netns", "add", &name]);
        Self { name }
    }

    /// `ip -n NAME ARGS…`, which must succeed; its output.
    pub(crate) fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["ip", "-n", self.name.as_str()];
        all.extend_from_slice(args);
        run(&all)
    }

    /// Runs `f` on a thread that has entered this namespace: the sockets it opens, the
    /// interfaces it names and the `/proc/sys/net` it reads are the namespace's.
    pub(crate) fn enter<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let path = format!("/run/netns/{}", self.name);
                    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                    nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("entering the namespace");
                    f()
                })
                .join()
                .expect("thread in the namespace")
        })
    }

    /// The global addresses on `device`, as `ip` prints them (`192.0.2.10/24`), sorted.
    pub(crate) fn addresses(&self, device: &str) -> Vec<String> {
        let shown = self.ip(&["-o", "address", "show", "dev", device, "scope", "global"]);
        let mut addresses: Vec<String> = shown
            .lines()
            .filter_map(|l| l.split_whitespace().skip_while(|w| !w.starts_with("inet")).nth(1))
            .map(str::to_owned)
            .collect();
        addresses.sort();
        addresses
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let removed = Command::new("ip").args(["netns", "del", &self.name]).status();
        if !removed.as_ref().is_ok_and(|s| s.success()) {
            eprintln!("network namespace {} not removed: {removed:?}", self.name);
        }
    }
}

/// Two namespaces joined by a veth pair: `va` in the first, `vb` (up) in the second.
pub(crate) fn pair() -> (Namespace, Namespace) {
    let (a, b) = (Namespace::new(), Namespace::new());
    a.ip(&["link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &b.name]);
    b.ip(&["link", "set", "vb", "up"]);
    (a, b)
}

/// Whether the tests can run: they make network namespaces, which needs root.
pub(crate) fn root() -> bool {
    let root = nix::unistd::geteuid().is_root();
    if !root {
        eprintln!("skipped: making network namespaces needs root (run the tests as root)");
    }
    root
}

/// Runs a program that must succeed; its output.
pub(crate) fn run(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ip -n NAME -o monitor address` running: the kernel's address events as they happen.
pub(crate) struct Monitor {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Monitor {
    /// Starts it, and waits until it reports an address added to `device` to be sure it
    /// listens (the address is removed again).
    pub(crate) fn start(ns: &Namespace, device: &str) -> Self {
        let mut child = Command::new("ip")
            .args(["-n", &ns.name, "-o", "monitor", "address"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("ip monitor");
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut monitor = Self { child, lines, seen: Vec::new() };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !monitor.seen.iter().any(|l| l.contains("192.0.2.254/32")) {
            assert!(std::time::Instant::now() < deadline, "ip monitor reported nothing: {:?}", monitor.seen);
            ns.ip(&["address", "replace", "192.0.2.254/32", "dev", device]);
            monitor.drain(std::time::Duration::from_millis(100));
        }
        ns.ip(&["address", "del", "192.0.2.254/32", "dev", device]);
        monitor
    }

    fn drain(&mut self, wait: std::time::Duration) {
        while let Ok(line) = self.lines.recv_timeout(wait) {
            self.seen.push(line);
        }
    }

    /// The events reported so far (waiting a moment for the last ones).
    pub(crate) fn events(&mut self) -> &[String] {
        self.drain(std::time::Duration::from_millis(200));
        &self.seen
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
