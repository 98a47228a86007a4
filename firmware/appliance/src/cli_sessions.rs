//! Connects the CLI transports to the engine and Postern's command set.

use postern_cli_commands::{Appliance, CliBackend};
use postern_cli_engine::{Grammar, Outcome, Session as EngineSession, SessionEvent};
use postern_cli_transport::{AuthorisedKey, Flow, OneShot, Output, Peer, Session, SessionFactory};
use postern_update_bundle::ImageTrust;
use std::sync::Arc;

/// Makes CLI sessions for every transport.
pub(crate) struct Sessions {
    appliance: Arc<Appliance>,
    grammar: Arc<Grammar>,
}

impl Sessions {
    /// Sessions over `appliance` with Postern's grammar.
    pub(crate) fn new(appliance: Arc<Appliance>, grammar: Arc<Grammar>) -> Self {
        Self { appliance, grammar }
    }

    fn engine_session(&self, peer: &Peer) -> (EngineSession, CliBackend) {
        (EngineSession::new(self.grammar.clone(), peer.privilege), CliBackend::new(self.appliance.clone(), &peer.user))
    }
}

/// An interactive login: the engine's session and this login's backend.
struct Interactive {
    session: EngineSession,
    backend: CliBackend,
    banner: String,
}

/// What a login sees first: the CLI's name and, when it runs from an image, which kind
/// (a test image says that it trusts the public test key).
fn banner(image: Option<ImageTrust>) -> String {
    let mut banner = String::from("Postern gateway CLI. Type ? for help.\r\n");
    if let Some(trust) = image {
        banner.push_str(&format!("Image: {}\r\n", trust.summary()));
    }
    banner
}

impl Session for Interactive {
    fn start(&mut self, out: &mut dyn Output) {
        out.write(self.banner.as_bytes());
        let _ = self.session.start(&self.backend, &mut EngineOut { out, lf_only: false, after_cr: false });
    }

    fn feed(&mut self, input: &[u8], out: &mut dyn Output) -> Flow {
        match self.session.feed(input, &mut self.backend, &mut EngineOut { out, lf_only: false, after_cr: false }) {
            Ok(SessionEvent::Continue) => Flow::Continue,
            _ => Flow::End,
        }
    }
}

/// The engine's writer over a transport's output: every write is passed on at once, so a
/// command's progress reaches the operator while it runs. Scripts get `\n` line ends.
struct EngineOut<'a> {
    out: &'a mut dyn Output,
    lf_only: bool,
    after_cr: bool,
}

impl embedded_io::ErrorType for EngineOut<'_> {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for EngineOut<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if !self.lf_only {
            self.out.write(buf);
            return Ok(buf.len());
        }
        // `\r\n` becomes `\n`, also when a write ends between the two.
        let mut plain = Vec::with_capacity(buf.len() + 1);
        for &byte in buf {
            if std::mem::take(&mut self.after_cr) && byte != b'\n' {
                plain.push(b'\r');
            }
            if byte == b'\r' {
                self.after_cr = true;
            } else {
                plain.push(byte);
            }
        }
        self.out.write(&plain);
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl SessionFactory for Sessions {
    fn interactive(&self, peer: &Peer) -> Box<dyn Session> {
        let (session, backend) = self.engine_session(peer);
        tracing::info!(user = %peer.user, transport = ?peer.transport, privilege = peer.privilege.name(), "CLI session started");
        Box::new(Interactive { session, backend, banner: banner(self.appliance.image_trust()) })
    }

    fn one_shot(&self, peer: &Peer, lines: &str) -> OneShot {
        let mut output = Vec::new();
        let success = self.run_lines(peer, lines, &mut output);
        OneShot { output: String::from_utf8_lossy(&output).into_owned(), success }
    }

    fn run_lines(&self, peer: &Peer, lines: &str, out: &mut dyn Output) -> bool {
        let (mut session, mut backend) = self.engine_session(peer);
        // Scripts start in privileged EXEC when the peer may; operators stay in EXEC.
        let _ = session.enable();
        let mut out = EngineOut { out, lf_only: true, after_cr: false };
        let outcome = session.run_script(lines, &mut backend, &mut out);
        if std::mem::take(&mut out.after_cr) {
            out.out.write(b"\r");
        }
        matches!(outcome, Ok(Outcome::Success | Outcome::Ended))
    }

    fn authorised_keys(&self) -> Vec<AuthorisedKey> {
        let store = self.appliance.store();
        store
            .running()
            .users
            .iter()
            .flat_map(|user| {
                let privilege = user.privilege;
                user.ssh_keys.iter().map(move |key| AuthorisedKey {
                    user: user.name.clone(),
                    privilege,
                    openssh: key.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_names_a_test_image_and_a_production_image() {
        let test = banner(Some(ImageTrust::Test));
        assert!(
            test.ends_with("\r\nImage: TEST (trusts the public test signing key; never use in production)\r\n"),
            "{test}"
        );
        assert!(banner(Some(ImageTrust::Production)).ends_with("\r\nImage: production\r\n"));
        assert!(!banner(None).contains("Image"));
    }

    #[test]
    fn scripts_get_plain_line_feeds_also_across_writes() {
        let mut collected = Vec::new();
        let mut out = EngineOut { out: &mut collected, lf_only: true, after_cr: false };
        for chunk in [&b"a\r\nb\r"[..], b"\nc\rd\r", b"\n"] {
            embedded_io::Write::write(&mut out, chunk).expect("infallible");
        }
        assert_eq!(collected, b"a\nb\nc\rd\n");
    }
}
