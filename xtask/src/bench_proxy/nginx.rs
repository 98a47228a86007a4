//! nginx, Debian's package, in two roles: the plain-HTTP back end that answers every
//! request with a small 200, and the peer proxy (TLS termination, one worker, keep-alive
//! to the back end) that Postern is compared with.

use super::cpu;
use super::pki::Pki;
use super::process::{Placement, Spawned, pinned};
use super::scratch::Scratch;
use crate::shell::{Result, StepError};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A running nginx (master and workers); stopped when dropped.
pub(crate) struct Nginx {
    spawned: Option<Spawned>,
    workers: Vec<u32>,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
}

/// Connections an nginx worker takes unless told otherwise.
const WORKER_CONNECTIONS: usize = 16_384;

/// Settings shared by every role: `workers` workers with room for `connections`
/// connections each (and the descriptors they need), no daemonising, files in the scratch
/// dir.
fn common(dir: &Path, role: &str, connections: usize, workers: u16) -> String {
    let d = dir.display();
    format!(
        "worker_processes {workers};\nworker_rlimit_nofile {};\ndaemon off;\npid {d}/nginx-{role}.pid;\nerror_log {d}/nginx-{role}-error.log warn;\n\
         events {{ worker_connections {connections}; }}\n",
        connections + 1024
    )
}

/// Temporary-file paths inside the scratch dir, so nginx never needs its system ones.
fn temp_paths(dir: &Path, role: &str) -> String {
    let d = dir.display();
    ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .iter()
        .map(|kind| format!("  {kind}_temp_path {d}/nginx-{role}-{kind};\n"))
        .collect()
}

/// The back end's file servers: the same files over TLS and over plain HTTP.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileServers {
    /// HTTPS.
    pub(crate) tls: SocketAddr,
    /// Plain HTTP.
    pub(crate) plain: SocketAddr,
}

/// The back end: `return 200` for every request on `addr` (plain HTTP, keep-alive for as
/// long as the client wants), and the files of `dir/www` over TLS and over plain HTTP.
fn backend_conf(dir: &Path, addr: SocketAddr, files: FileServers, pki: &Pki) -> String {
    format!(
        "{}http {{\n{}  access_log off;\n  keepalive_requests 1000000;\n  server {{\n    listen {addr};\n    \
         location / {{ default_type text/plain; return 200 \"exchange back end\\n\"; }}\n  }}\n  server {{\n    \
         listen {} ssl;\n    ssl_certificate {};\n    ssl_certificate_key {};\n    root {}/www;\n  }}\n  server {{\n    \
         listen {};\n    root {}/www;\n  }}\n}}\n",
        common(dir, "backend", WORKER_CONNECTIONS, 1),
        temp_paths(dir, "backend"),
        files.tls,
        pki.server_cert.display(),
        pki.server_key.display(),
        dir.display(),
        files.plain,
        dir.display()
    )
}

/// The peer proxy: TLS 1.2/1.3 with the benchmark certificate, an access log like
/// Postern's, and a keep-alive upstream pool.
fn proxy_conf(dir: &Path, role: &str, addr: SocketAddr, backend: SocketAddr, pki: &Pki, workers: u16) -> String {
    format!(
        "{}http {{\n{}  access_log {}/nginx-{role}-access.log;\n  keepalive_requests 1000000;\n  \
         upstream exchange {{ server {backend}; keepalive 64; keepalive_requests 1000000; }}\n  server {{\n    \
         listen {addr} ssl;\n    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_protocols TLSv1.2 TLSv1.3;\n    \
         location / {{ proxy_pass http://exchange; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}\n  }}\n}}\n",
        common(dir, role, WORKER_CONNECTIONS, workers),
        temp_paths(dir, role),
        dir.display(),
        pki.server_cert.display(),
        pki.server_key.display()
    )
}

/// The peer proxy for held requests: as [`proxy_conf`], with room for `held` client and
/// `held` back-end connections, and a back-end read timeout longer than any hold.
fn holding_conf(dir: &Path, addr: SocketAddr, backend: SocketAddr, pki: &Pki, held: usize) -> String {
    format!(
        "{}http {{\n{}  access_log {}/nginx-holding-access.log;\n  \
         upstream exchange {{ server {backend}; keepalive 64; }}\n  server {{\n    \
         listen {addr} ssl;\n    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_protocols TLSv1.2 TLSv1.3;\n    \
         location / {{ proxy_pass http://exchange; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_read_timeout 3600s; }}\n  }}\n}}\n",
        common(dir, "holding", 2 * held + 2048, 1),
        temp_paths(dir, "holding"),
        dir.display(),
        pki.server_cert.display(),
        pki.server_key.display()
    )
}

fn program() -> PathBuf {
    let system = PathBuf::from("/usr/sbin/nginx");
    if system.is_file() { system } else { PathBuf::from("nginx") }
}

impl Nginx {
    /// Starts the back end on `addr` with its file servers on `files`, pinned to `cpu`
    /// when given.
    pub(crate) fn backend(
        scratch: &Scratch,
        addr: SocketAddr,
        files: FileServers,
        pki: &Pki,
        cpu: Option<usize>,
    ) -> Result<Self> {
        let conf = scratch.write("nginx-backend.conf", &backend_conf(scratch.path(), addr, files, pki))?;
        Self::start(scratch.path(), "backend", &conf, addr, Placement::Pinned(cpu))
    }

    /// Starts the peer proxy as `role` (its files' names) on `addr` in front of `backend`,
    /// placed as `placement` says.
    pub(crate) fn proxy(
        scratch: &Scratch,
        role: &'static str,
        addr: SocketAddr,
        backend: SocketAddr,
        pki: &Pki,
        placement: Placement,
    ) -> Result<Self> {
        let text = proxy_conf(scratch.path(), role, addr, backend, pki, placement.workers());
        let conf = scratch.write(&format!("nginx-{role}.conf"), &text)?;
        Self::start(scratch.path(), role, &conf, addr, placement)
    }

    /// Starts the peer proxy for `held` held requests on `addr` in front of `backend`.
    pub(crate) fn holding_proxy(
        scratch: &Scratch,
        addr: SocketAddr,
        backend: SocketAddr,
        pki: &Pki,
        held: usize,
        cpu: Option<usize>,
    ) -> Result<Self> {
        let conf = scratch.write("nginx-holding.conf", &holding_conf(scratch.path(), addr, backend, pki, held))?;
        Self::start(scratch.path(), "holding", &conf, addr, Placement::Pinned(cpu))
    }

    fn start(dir: &Path, role: &'static str, conf: &Path, addr: SocketAddr, placement: Placement) -> Result<Self> {
        let mut cmd = pinned(placement.cpu(), &program());
        cmd.arg("-p").arg(dir).arg("-e").arg(dir.join(format!("nginx-{role}-error.log"))).arg("-c").arg(conf);
        let name = match role {
            "backend" => "nginx (back end)",
            _ => "nginx (proxy)",
        };
        let mut spawned = Spawned::start(name, &mut cmd, &dir.join(format!("nginx-{role}.out")))?;
        spawned.wait_for_port(addr)?;
        let master = spawned.pid();
        let start = Instant::now();
        let workers = loop {
            let workers: Vec<u32> = cpu::children(master)
                .into_iter()
                .filter(|&p| cpu::command_name(p).as_deref() == Some("nginx"))
                .collect();
            if workers.len() >= usize::from(placement.workers()) {
                break workers;
            }
            if start.elapsed() > Duration::from_secs(10) {
                return Err(StepError(format!("{name} started no worker")));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ok(Self { spawned: Some(spawned), workers, addr })
    }

    /// The master and its workers: whose CPU time is the proxy's.
    pub(crate) fn pids(&self) -> Vec<u32> {
        self.spawned.iter().map(Spawned::pid).chain(self.workers.iter().copied()).collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The master stops its workers on SIGTERM; any left behind are killed by pid.
        drop(self.spawned.take());
        for &worker in &self.workers {
            if let (Some("nginx"), Ok(raw)) = (cpu::command_name(worker).as_deref(), i32::try_from(worker)) {
                let _ = kill(Pid::from_raw(raw), Signal::SIGKILL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// nginx itself checks both configurations (`nginx -t`), certificates included.
    #[test]
    fn nginx_accepts_both_configurations() {
        if !program().is_file() && !crate::shell::have("nginx") {
            eprintln!("nginx is not installed: `cargo xtask bench proxy` installs it");
            return;
        }
        let scratch = Scratch::new().expect("scratch dir");
        let pki = Pki::create(scratch.path(), &[]).expect("certificates");
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        let files =
            FileServers { tls: "127.0.0.1:2".parse().expect("addr"), plain: "127.0.0.1:3".parse().expect("addr") };
        let confs = [
            scratch.write("backend.conf", &backend_conf(scratch.path(), addr, files, &pki)).expect("write"),
            scratch.write("proxy.conf", &proxy_conf(scratch.path(), "proxy", addr, addr, &pki, 2)).expect("write"),
            scratch.write("holding.conf", &holding_conf(scratch.path(), addr, addr, &pki, 20_000)).expect("write"),
        ];
        for conf in confs {
            let out = Command::new(program())
                .arg("-t")
                .arg("-p")
                .arg(scratch.path())
                .arg("-e")
                .arg(scratch.path().join("t.log"))
                .arg("-c")
                .arg(&conf)
                .output()
                .expect("nginx runs");
            assert!(out.status.success(), "{}: {}", conf.display(), String::from_utf8_lossy(&out.stderr));
        }
    }
}
