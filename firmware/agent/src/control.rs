//! The agent's side of the control channel, sans I/O: what to send on a new connection,
//! what each message from the gateway changes, when to reconnect. The shell
//! (`channel.rs`) carries out the [`Action`]s.

use postern_agent_wire::{Cookie, RefuseReason, Repr, Resource};
use std::time::Duration;

/// The first wait before reconnecting after a loss.
pub(crate) const BACKOFF_FIRST: Duration = Duration::from_millis(500);
/// The longest wait between attempts.
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The wait after the gateway refused or revoked the device (an operator may lift a
/// block; asking more often would only load the gateway).
pub(crate) const REFUSED_RETRY: Duration = Duration::from_secs(30);

/// The state the user sees (`postern-agent status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Not yet connected since the agent started.
    Starting,
    /// A session is open.
    Connected,
    /// The connection was lost; the agent reconnects with its cookie.
    Reconnecting,
    /// The gateway refuses the device.
    Refused(String),
    /// The gateway ended the session.
    Revoked(String),
}

impl State {
    /// The one-line form: `connected`, `refused: operator-blocked`, …
    pub(crate) fn line(&self) -> String {
        match self {
            Self::Starting => "starting".into(),
            Self::Connected => "connected".into(),
            Self::Reconnecting => "reconnecting".into(),
            Self::Refused(reason) => format!("refused: {reason}"),
            Self::Revoked(reason) => format!("revoked: {reason}"),
        }
    }
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send this message.
    Send(Repr),
    /// Store this cookie (0600), or remove the stored one.
    SaveCookie(Option<Cookie>),
    /// Write the status (state, session, resources) for `postern-agent status`.
    Publish,
    /// A change the user is told of (a notification), beyond the status.
    Notify(String),
    /// Close this connection and connect again after this long.
    Reconnect(Duration),
}

/// The control channel's state.
#[derive(Debug)]
pub(crate) struct Control {
    version: String,
    cookie: Option<Cookie>,
    pub(crate) state: State,
    pub(crate) session: Option<u64>,
    pub(crate) resources: Vec<Resource>,
    backoff: Duration,
    /// Whether the Hello on this connection offered a cookie.
    offered_cookie: bool,
    nonce: u64,
}

impl Control {
    /// A control channel starting with the cookie kept from an earlier run, if any.
    pub(crate) fn new(version: &str, cookie: Option<Cookie>) -> Self {
        Self {
            version: version.to_owned(),
            cookie,
            state: State::Starting,
            session: None,
            resources: Vec::new(),
            backoff: BACKOFF_FIRST,
            offered_cookie: false,
            nonce: 0,
        }
    }

    /// A connection is up: say Hello, with the cookie if there is one.
    pub(crate) fn connected(&mut self) -> Vec<Action> {
        self.offered_cookie = self.cookie.is_some();
        vec![Action::Send(Repr::Hello { version: self.version.clone(), cookie: self.cookie })]
    }

    /// The next keep-alive.
    pub(crate) fn ping(&mut self) -> Repr {
        self.nonce = self.nonce.wrapping_add(1);
        Repr::Ping(self.nonce)
    }

    /// The connection failed or closed: reconnect with back-off, silently.
    pub(crate) fn lost(&mut self) -> Vec<Action> {
        let wait = match self.state {
            State::Refused(_) | State::Revoked(_) => REFUSED_RETRY,
            _ => {
                let wait = self.backoff;
                self.backoff = (self.backoff * 2).min(BACKOFF_CAP);
                wait
            }
        };
        let mut actions = Vec::new();
        if matches!(self.state, State::Connected | State::Starting) {
            self.state = State::Reconnecting;
            actions.push(Action::Publish);
        }
        actions.push(Action::Reconnect(wait));
        actions
    }

    /// A message from the gateway.
    pub(crate) fn received(&mut self, message: Repr) -> Vec<Action> {
        match message {
            Repr::Welcome { session, cookie, resources } => {
                let resumed = self.offered_cookie && self.session == Some(session);
                let reauthenticated = !self.offered_cookie && self.session.is_some();
                let was = std::mem::replace(&mut self.state, State::Connected);
                self.session = Some(session);
                self.resources = resources;
                self.backoff = BACKOFF_FIRST;
                self.cookie = Some(cookie);
                let mut actions = vec![Action::SaveCookie(Some(cookie)), Action::Publish];
                if reauthenticated {
                    actions.push(Action::Notify(format!("re-authenticated: new session {session}")));
                } else if !resumed || !matches!(was, State::Reconnecting | State::Connected) {
                    actions.push(Action::Notify(format!("connected: session {session}")));
                }
                actions
            }
            Repr::Refused { reason: RefuseReason::CookieUnknown, .. } => {
                // The gateway no longer knows the session: start a new one at once.
                self.cookie = None;
                vec![Action::SaveCookie(None), Action::Reconnect(Duration::ZERO)]
            }
            Repr::Refused { reason, detail } => {
                let why =
                    if detail.is_empty() { reason.code().to_owned() } else { format!("{} ({detail})", reason.code()) };
                self.state = State::Refused(why.clone());
                vec![Action::Publish, Action::Notify(format!("refused: {why}")), Action::Reconnect(REFUSED_RETRY)]
            }
            Repr::Revoked { reason } => {
                self.cookie = None;
                self.session = None;
                self.resources.clear();
                self.state = State::Revoked(reason.clone());
                vec![
                    Action::SaveCookie(None),
                    Action::Publish,
                    Action::Notify(format!("revoked: {reason}")),
                    Action::Reconnect(REFUSED_RETRY),
                ]
            }
            Repr::Resources(resources) => {
                self.resources = resources;
                vec![Action::Publish]
            }
            Repr::Ping(nonce) => vec![Action::Send(Repr::Pong(nonce))],
            Repr::Pong(_) => Vec::new(),
            Repr::Hello { .. } => vec![Action::Reconnect(self.backoff)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn welcome(session: u64, cookie: u8) -> Repr {
        Repr::Welcome { session, cookie: [cookie; 32], resources: Vec::new() }
    }

    #[test]
    fn a_first_hello_has_no_cookie_and_a_welcome_stores_one() {
        let mut control = Control::new("1", None);
        assert_eq!(control.connected(), [Action::Send(Repr::Hello { version: "1".into(), cookie: None })]);
        let actions = control.received(welcome(7, 1));
        assert!(actions.contains(&Action::SaveCookie(Some([1; 32]))));
        assert!(actions.contains(&Action::Notify("connected: session 7".into())));
        assert_eq!(control.state, State::Connected);
    }

    #[test]
    fn a_loss_reconnects_silently_with_the_cookie_and_backs_off() {
        let mut control = Control::new("1", None);
        control.connected();
        control.received(welcome(7, 1));
        assert_eq!(control.lost(), [Action::Publish, Action::Reconnect(BACKOFF_FIRST)]);
        assert_eq!(control.lost(), [Action::Reconnect(BACKOFF_FIRST * 2)]);
        assert_eq!(control.connected(), [Action::Send(Repr::Hello { version: "1".into(), cookie: Some([1; 32]) })]);
        let actions = control.received(welcome(7, 1));
        assert!(!actions.iter().any(|a| matches!(a, Action::Notify(_))), "a resumed session is silent: {actions:?}");
        assert_eq!(control.lost(), [Action::Publish, Action::Reconnect(BACKOFF_FIRST)], "back-off reset");
    }

    #[test]
    fn a_refused_cookie_leads_to_a_fresh_hello_and_only_then_a_notice() {
        let mut control = Control::new("1", Some([3; 32]));
        control.session = Some(4);
        control.connected();
        let refused = Repr::Refused { reason: RefuseReason::CookieUnknown, detail: String::new() };
        assert_eq!(control.received(refused), [Action::SaveCookie(None), Action::Reconnect(Duration::ZERO)]);
        assert_eq!(control.connected(), [Action::Send(Repr::Hello { version: "1".into(), cookie: None })]);
        let actions = control.received(welcome(9, 2));
        assert!(actions.contains(&Action::Notify("re-authenticated: new session 9".into())), "{actions:?}");
    }

    #[test]
    fn revoked_and_refused_devices_say_why_and_wait() {
        let mut control = Control::new("1", None);
        control.connected();
        control.received(welcome(1, 1));
        let actions = control.received(Repr::Revoked { reason: "operator-blocked".into() });
        assert!(actions.contains(&Action::SaveCookie(None)));
        assert!(actions.contains(&Action::Reconnect(REFUSED_RETRY)));
        assert_eq!(control.state.line(), "revoked: operator-blocked");
        control.connected();
        let refused = Repr::Refused { reason: RefuseReason::DeviceBlocked, detail: "operator-blocked".into() };
        control.received(refused);
        assert_eq!(control.state.line(), "refused: device-blocked (operator-blocked)");
        assert_eq!(control.lost(), [Action::Reconnect(REFUSED_RETRY)]);
    }
}
