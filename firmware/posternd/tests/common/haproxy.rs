//! HAProxy (Debian's package) in TCP mode in front of posternd. Its listening sockets are
//! bound here on port 0 and handed to it as inherited descriptors (`bind fd@N`), so no
//! port is ever fixed or guessed.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// A running haproxy, killed when dropped; its log (stderr) is collected.
pub struct Haproxy {
    child: Child,
    log: Arc<Mutex<String>>,
    /// The frontends' ports, in the order their sockets were given.
    pub ports: Vec<u16>,
}

/// A socket for one frontend, bound on `127.0.0.1:0`; `{fd}` in the configuration names it.
pub struct Frontend {
    listener: TcpListener,
}

impl Frontend {
    pub fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a frontend socket");
        Self { listener }
    }

    /// The `bind` argument that takes this socket.
    pub fn bind_arg(&self) -> String {
        format!("fd@{}", self.listener.as_raw_fd())
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().expect("local addr").port()
    }
}

impl Haproxy {
    /// Writes `config` to `dir/haproxy.cfg` and runs haproxy in the foreground with the
    /// frontends' sockets inherited.
    pub fn start(dir: &Path, config: &str, frontends: Vec<Frontend>) -> Self {
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).expect("haproxy.cfg");
        for frontend in &frontends {
            let fd = frontend.listener.as_raw_fd();
            nix::fcntl::fcntl(&frontend.listener, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()))
                .unwrap_or_else(|e| panic!("inheritable fd {fd}: {e}"));
        }
        let mut child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("haproxy starts (Debian package haproxy)");
        let ports = frontends.iter().map(Frontend::port).collect();
        // haproxy has its own copies now; ours would keep accepting beside it.
        drop(frontends);
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        });
        let haproxy = Self { child, log, ports };
        std::thread::sleep(std::time::Duration::from_millis(300));
        haproxy.assert_running();
        haproxy
    }

    /// What haproxy has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn assert_running(&self) {
        let pid = self.child.id();
        assert!(Path::new(&format!("/proc/{pid}")).exists(), "haproxy exited:\n{}", self.log());
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
