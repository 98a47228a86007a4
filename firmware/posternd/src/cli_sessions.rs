//! Connects the CLI transports to the engine and Postern's command set.

use postern_cli_commands::{Appliance, CliBackend};
use postern_cli_engine::{Grammar, Outcome, Session as EngineSession, SessionEvent};
use postern_cli_transport::{AuthorisedKey, Flow, OneShot, Peer, Session, SessionFactory};
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
    fn start(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.banner.as_bytes());
        let _ = self.session.start(&self.backend, out);
    }

    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Flow {
        match self.session.feed(input, &mut self.backend, out) {
            Ok(SessionEvent::Continue) => Flow::Continue,
            _ => Flow::End,
        }
    }
}

impl SessionFactory for Sessions {
    fn interactive(&self, peer: &Peer) -> Box<dyn Session> {
        let (session, backend) = self.engine_session(peer);
        tracing::info!(user = %peer.user, transport = ?peer.transport, privilege = peer.privilege.name(), "CLI session started");
        Box::new(Interactive { session, backend, banner: banner(self.appliance.image_trust()) })
    }

    fn one_shot(&self, peer: &Peer, lines: &str) -> OneShot {
        let (mut session, mut backend) = self.engine_session(peer);
        // Scripts start in privileged EXEC when the peer may; operators stay in EXEC.
        let _ = session.enable();
        let mut out = Vec::new();
        let outcome = session.run_script(lines, &mut backend, &mut out);
        let success = matches!(outcome, Ok(Outcome::Success | Outcome::Ended));
        OneShot { output: String::from_utf8_lossy(&out).replace("\r\n", "\n"), success }
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
}
