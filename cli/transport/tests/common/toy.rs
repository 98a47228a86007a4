//! A toy CLI standing in for the real engine: enough behaviour to tell transports apart.

use postern_cli_transport::{AuthorisedKey, Flow, OneShot, Peer, Privilege, Session, SessionFactory};

pub const VERSION_LINE: &str = "Postern toy 1.0";

/// Runs one line: (output, success, end of session).
fn run_line(peer: &Peer, line: &str) -> (String, bool, bool) {
    let line = line.trim();
    match line {
        "" => (String::new(), true, false),
        "show version" => (format!("{VERSION_LINE}\n"), true, false),
        "whoami" => (format!("{} {} {:?}\n", peer.user, peer.privilege.name(), peer.transport), true, false),
        "exit" => (String::new(), true, true),
        "fail" => ("% failed on purpose\n".into(), false, false),
        _ if line.starts_with("configure") => match peer.privilege {
            Privilege::Administrator => ("configured\n".into(), true, false),
            Privilege::Operator => ("% operators may not configure\n".into(), false, false),
        },
        _ => (format!("echo: {line}\n"), true, false),
    }
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
    fn start(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(format!("Welcome {}\n{}", self.peer.user, self.prompt()).as_bytes());
    }

    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Flow {
        for &byte in input {
            if byte == b'\r' || byte == b'\n' {
                out.push(b'\n');
                let line = String::from_utf8_lossy(&self.line).into_owned();
                self.line.clear();
                let (text, _, end) = run_line(&self.peer, &line);
                out.extend_from_slice(text.as_bytes());
                if end {
                    return Flow::End;
                }
                out.extend_from_slice(self.prompt().as_bytes());
            } else if self.line.len() < 256 {
                self.line.push(byte);
                out.push(byte);
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
        let mut output = String::new();
        let mut success = true;
        for line in lines.lines() {
            let (text, ok, end) = run_line(peer, line);
            output.push_str(&text);
            success &= ok;
            if end {
                break;
            }
        }
        OneShot { output, success }
    }

    fn authorised_keys(&self) -> Vec<AuthorisedKey> {
        self.keys.clone()
    }
}
