//! A toy CLI standing in for the real engine: enough behaviour to tell transports apart.

use postern_cli_transport::{AuthorisedKey, Flow, OneShot, Output, Peer, Privilege, Session, SessionFactory};

pub const VERSION_LINE: &str = "Postern toy 1.0";

/// Runs one line, writing its output: (success, end of session).
/// `wait-for PATH` prints `waiting`, blocks until PATH exists, then prints `done`: what a
/// long command looks like to a transport.
fn run_line(peer: &Peer, line: &str, out: &mut dyn Output) -> (bool, bool) {
    let line = line.trim();
    let (text, ok, end) = match line {
        "" => (String::new(), true, false),
        "show version" => (format!("{VERSION_LINE}\n"), true, false),
        "whoami" => (format!("{} {} {:?}\n", peer.user, peer.privilege.name(), peer.transport), true, false),
        "exit" => (String::new(), true, true),
        "fail" => ("% failed on purpose\n".into(), false, false),
        _ if line.starts_with("wait-for ") => {
            out.write(b"waiting\n");
            let path = std::path::Path::new(line.trim_start_matches("wait-for "));
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !path.exists() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            (if path.exists() { "done\n" } else { "gave up\n" }.into(), path.exists(), false)
        }
        _ if line.starts_with("configure") => match peer.privilege {
            Privilege::Administrator => ("configured\n".into(), true, false),
            Privilege::Operator => ("% operators may not configure\n".into(), false, false),
        },
        _ => (format!("echo: {line}\n"), true, false),
    };
    out.write(text.as_bytes());
    (ok, end)
}

struct ToySession {
    peer: Peer,
    line: Vec<u8>,
}

impl ToySession {
    fn prompt(&self) -> String {
        let mark = if self.peer.privilege == Privilege::Administrator { '#' } else { '>' };
        format!("{}{mark} ", self.peer.user)
    }
}

impl Session for ToySession {
    fn start(&mut self, out: &mut dyn Output) {
        out.write(format!("Welcome {}\n{}", self.peer.user, self.prompt()).as_bytes());
    }

    fn feed(&mut self, input: &[u8], out: &mut dyn Output) -> Flow {
        for &byte in input {
            if byte == b'\r' || byte == b'\n' {
                out.write(b"\n");
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.line.clear();
                let (_, end) = run_line(&self.peer, &line, out);
                if end {
                    return Flow::End;
                }
                out.write(self.prompt().as_bytes());
            } else if self.line.len() < 256 {
                self.line.push(byte);
                out.write(&[byte]);
            }
        }
        Flow::Continue
    }
}

/// The toy factory: fixed authorised keys.
pub struct ToyFactory {
    pub keys: Vec<AuthorisedKey>,
}

impl SessionFactory for ToyFactory {
    fn interactive(&self, peer: &Peer) -> Box<dyn Session> {
        Box::new(ToySession { peer: peer.clone(), line: Vec::new() })
    }

    fn one_shot(&self, peer: &Peer, lines: &str) -> OneShot {
        let mut output = Vec::new();
        let success = self.run_lines(peer, lines, &mut output);
        OneShot { output: String::from_utf8_lossy(&output).into_owned(), success }
    }

    fn run_lines(&self, peer: &Peer, lines: &str, out: &mut dyn Output) -> bool {
        let mut success = true;
        for line in lines.lines() {
            let (ok, end) = run_line(peer, line, out);
            success &= ok;
            if end {
                break;
            }
        }
        success
    }

    fn authorised_keys(&self) -> Vec<AuthorisedKey> {
        self.keys.clone()
    }
}
