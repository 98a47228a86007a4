//! A toy command set shaped like Postern's, a recording backend, and a tiny terminal.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use postern_cli_engine::{
    ActionId, ArgKind, ArgValue, Backend, CommandError, Grammar, Invocation, Mode, Node, Privilege, Session, SubModeId,
};

pub const SHOW_VERSION: ActionId = ActionId(1);
pub const SHOW_RUNNING: ActionId = ActionId(2);
pub const SHOW_CACHE: ActionId = ActionId(3);
pub const HOSTNAME: ActionId = ActionId(4);
pub const INTERFACE: ActionId = ActionId(5);
pub const IP_ADDRESS: ActionId = ActionId(6);
pub const SHUTDOWN: ActionId = ActionId(7);
pub const COMMIT: ActionId = ActionId(8);
pub const ROLLBACK: ActionId = ActionId(9);
pub const RELOAD: ActionId = ActionId(10);
pub const CLEAR: ActionId = ActionId(11);
pub const IPV6: ActionId = ActionId(12);
pub const DESCRIPTION: ActionId = ActionId(13);
pub const UEM: ActionId = ActionId(14);
pub const CONNECTOR: ActionId = ActionId(15);
pub const URL: ActionId = ActionId(16);
pub const LOGGING: ActionId = ActionId(17);
pub const IMPORT: ActionId = ActionId(18);

pub const IF: SubModeId = SubModeId(1);
pub const UEM_MODE: SubModeId = SubModeId(2);
pub const CONN: SubModeId = SubModeId(3);

const EXEC: &[Mode] = &[Mode::Exec, Mode::Privileged];

pub fn grammar() -> Arc<Grammar> {
    let show = Node::keyword("show", "Show running system information").children([
        Node::keyword("version", "System software status").action(SHOW_VERSION),
        Node::keyword("running-config", "Current operating configuration")
            .privilege(Privilege::Administrator)
            .action(SHOW_RUNNING),
        Node::keyword("device-cache", "Devices in the cache")
            .action(SHOW_CACHE)
            .child(Node::arg("ID", ArgKind::Word { max_len: 64 }, "One device, by ActiveSync id").action(SHOW_CACHE)),
    ]);
    let hostname = Node::keyword("hostname", "Set the system's network name")
        .no_action(HOSTNAME)
        .child(Node::arg("WORD", ArgKind::Word { max_len: 63 }, "This system's network name").both(HOSTNAME));
    let interface = Node::keyword("interface", "Select an interface to configure")
        .child(Node::arg("WORD", ArgKind::Word { max_len: 15 }, "Interface name").action(INTERFACE).enters(IF));
    let ip = Node::keyword("ip", "Interface Internet Protocol config commands").child(
        Node::keyword("address", "Set the IP address of an interface")
            .no_action(IP_ADDRESS)
            .child(Node::arg("A.B.C.D/N", ArgKind::Ipv4Prefix, "IP address and prefix length").both(IP_ADDRESS)),
    );
    let logging = Node::keyword("logging", "Logging control").child(
        Node::keyword("level", "Lowest severity logged")
            .child(Node::arg("LEVEL", ArgKind::OneOf(&["debug", "info", "warning"]), "Severity").both(LOGGING)),
    );
    Arc::new(
        Grammar::builder()
            .sub_mode(IF, "config-if", Mode::Config)
            .sub_mode(UEM_MODE, "config-uem", Mode::Config)
            .sub_mode(CONN, "config-uem-conn", Mode::Sub(UEM_MODE))
            .command(EXEC, show)
            .command(&[Mode::Privileged], Node::keyword("reload", "Halt and perform a cold restart").action(RELOAD))
            .command(
                &[Mode::Privileged],
                Node::keyword("device-cache", "Manage the device cache").child(
                    Node::keyword("clear", "Forget devices").action(CLEAR).child(
                        Node::arg("ID", ArgKind::Word { max_len: 64 }, "One device, by ActiveSync id").action(CLEAR),
                    ),
                ),
            )
            .command(&[Mode::Config], hostname)
            .command(&[Mode::Config], interface)
            .command(&[Mode::Config], logging)
            .command(&[Mode::Config], Node::keyword("import", "Paste a text, ended by quit").action(IMPORT).pastes())
            .command(
                &[Mode::Config],
                Node::keyword("commit", "Make the candidate configuration running").action(COMMIT),
            )
            .command(
                &[Mode::Config],
                Node::keyword("rollback", "Load a previous configuration into the candidate").child(
                    Node::arg("N", ArgKind::Integer { min: 0, max: 49 }, "Revision, 0 = latest").action(ROLLBACK),
                ),
            )
            .command(&[Mode::Config], Node::keyword("uem", "Configure the UEM connection").action(UEM).enters(UEM_MODE))
            .command(&[Mode::Sub(IF)], ip)
            .command(
                &[Mode::Sub(IF)],
                Node::keyword("ipv6", "IPv6 interface commands")
                    .child(Node::keyword("enable", "Enable IPv6 on the interface").both(IPV6)),
            )
            .command(&[Mode::Sub(IF)], Node::keyword("shutdown", "Shut the interface down").both(SHUTDOWN))
            .command(
                &[Mode::Sub(IF)],
                Node::keyword("description", "Interface description")
                    .child(Node::arg("LINE", ArgKind::Rest { max_len: 80 }, "Up to 80 characters").both(DESCRIPTION)),
            )
            .command(
                &[Mode::Sub(UEM_MODE)],
                Node::keyword("connector", "Configure a connector").child(
                    Node::arg("NAME", ArgKind::Word { max_len: 32 }, "Connector name").action(CONNECTOR).enters(CONN),
                ),
            )
            .command(
                &[Mode::Sub(CONN)],
                Node::keyword("url", "Connector URL")
                    .child(Node::arg("URL", ArgKind::Word { max_len: 200 }, "https://…").action(URL)),
            )
            .build()
            .expect("the toy grammar is valid"),
    )
}

/// What the backend saw for one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub action: ActionId,
    pub negated: bool,
    pub mode: Mode,
    pub path: Vec<(SubModeId, Vec<ArgValue>)>,
    pub keywords: Vec<&'static str>,
    pub args: Vec<ArgValue>,
    pub text: Option<String>,
}

/// Records calls; `hostname` changes the prompt; `rollback` fails past revision 9.
#[derive(Debug)]
pub struct Toy {
    pub host: String,
    pub calls: Vec<Call>,
    pub mode_changes: Vec<(Mode, Mode)>,
}

impl Default for Toy {
    fn default() -> Self {
        Self { host: "gw".into(), calls: Vec::new(), mode_changes: Vec::new() }
    }
}

impl Backend for Toy {
    fn hostname(&self) -> &str {
        &self.host
    }

    fn execute(&mut self, inv: &Invocation<'_>, out: &mut dyn std::fmt::Write) -> Result<(), CommandError> {
        self.calls.push(Call {
            action: inv.action(),
            negated: inv.negated(),
            mode: inv.mode(),
            path: inv.path().iter().map(|f| (f.sub_mode, f.args.clone())).collect(),
            keywords: inv.keywords().to_vec(),
            args: inv.args().to_vec(),
            text: inv.text().map(str::to_owned),
        });
        match inv.action() {
            SHOW_VERSION => writeln!(out, "Postern 0.1.0\nbuilt from source")?,
            HOSTNAME if inv.negated() => self.host = "postern".into(),
            HOSTNAME => self.host = inv.arg("WORD").and_then(|v| v.as_str()).unwrap_or_default().into(),
            ROLLBACK => {
                let n = inv.arg("N").and_then(|v| v.as_integer()).unwrap_or_default();
                if n > 9 {
                    return Err(CommandError::Failed(format!("revision {n} does not exist")));
                }
            }
            SHOW_CACHE => write!(out, "device \x1b[31mred\x1b[0m")?,
            _ => {}
        }
        Ok(())
    }

    fn known_values(&self, keywords: &[&'static str], arg: &'static str, typed: &str) -> Vec<String> {
        match (keywords, arg) {
            (["show", "device-cache"], "ID") => ["ApplA1", "ApplB2", "SEC1", "bad id with spaces"]
                .iter()
                .filter(|v| v.starts_with(typed))
                .map(|v| v.to_string())
                .collect(),
            _ => Vec::new(),
        }
    }

    fn mode_changed(&mut self, from: Mode, to: Mode, _out: &mut dyn std::fmt::Write) {
        self.mode_changes.push((from, to));
    }
}

/// A session with its backend and everything written so far.
pub struct Term {
    pub session: Session,
    pub backend: Toy,
    pub out: Vec<u8>,
}

impl Term {
    pub fn new(privilege: Privilege) -> Self {
        let mut t = Self { session: Session::new(grammar(), privilege), backend: Toy::default(), out: Vec::new() };
        t.session.start(&t.backend, &mut t.out).expect("writing to a Vec cannot fail");
        t
    }

    /// An administrator already in privileged EXEC mode.
    pub fn admin() -> Self {
        let mut t = Self::new(Privilege::Administrator);
        t.session.enable().expect("administrators may enable");
        t.line("");
        t
    }

    /// An administrator in CONFIG mode.
    pub fn config() -> Self {
        let mut t = Self::admin();
        t.line("configure terminal");
        assert_eq!(t.session.mode(), Mode::Config);
        t
    }

    /// Feeds bytes; returns what they wrote.
    pub fn feed(&mut self, bytes: impl AsRef<[u8]>) -> String {
        let start = self.out.len();
        self.session.feed(bytes.as_ref(), &mut self.backend, &mut self.out).expect("Vec writes cannot fail");
        String::from_utf8_lossy(&self.out[start..]).into_owned()
    }

    /// Types a line and Enter; returns what it wrote.
    pub fn line(&mut self, text: &str) -> String {
        self.feed(format!("{text}\r"))
    }

    /// Runs a line through the scripting API.
    pub fn run(&mut self, line: &str) -> (postern_cli_engine::Outcome, String) {
        let mut out = Vec::new();
        let outcome = self.session.run_line(line, &mut self.backend, &mut out).expect("Vec writes cannot fail");
        (outcome, String::from_utf8(out).expect("engine output is UTF-8"))
    }

    /// The screen as a terminal would show it after everything written.
    pub fn screen(&self) -> Screen {
        Screen::render(&self.out)
    }
}

/// A minimal terminal: printable bytes, CR, LF, BS, `ESC [ K`, `ESC [ n D`; bells dropped.
#[derive(Debug, Default)]
pub struct Screen {
    pub rows: Vec<Vec<u8>>,
    pub row: usize,
    pub col: usize,
    pub bells: usize,
}

impl Screen {
    pub fn render(bytes: &[u8]) -> Self {
        let mut s = Screen { rows: vec![Vec::new()], ..Screen::default() };
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' => s.col = 0,
                b'\n' => {
                    s.row += 1;
                    if s.rows.len() <= s.row {
                        s.rows.push(Vec::new());
                    }
                }
                0x08 => s.col = s.col.saturating_sub(1),
                0x07 => s.bells += 1,
                0x1b if bytes.get(i + 1) == Some(&b'[') => {
                    let mut j = i + 2;
                    while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                        j += 1;
                    }
                    let n: usize = std::str::from_utf8(&bytes[i + 2..j]).ok().and_then(|n| n.parse().ok()).unwrap_or(1);
                    match bytes.get(j) {
                        Some(b'K') => s.rows[s.row].truncate(s.col),
                        Some(b'D') => s.col = s.col.saturating_sub(n),
                        other => panic!("unexpected escape sequence ending {other:?}"),
                    }
                    i = j;
                }
                b => {
                    assert!((0x20..0x7f).contains(&b), "unexpected byte {b:#x} on screen");
                    let row = &mut s.rows[s.row];
                    if row.len() <= s.col {
                        row.resize(s.col, b' ');
                        row.push(b);
                    } else {
                        row[s.col] = b;
                    }
                    s.col += 1;
                }
            }
            i += 1;
        }
        s
    }

    /// The row the cursor is on.
    pub fn current(&self) -> String {
        String::from_utf8_lossy(&self.rows[self.row]).into_owned()
    }

    /// All rows joined with `\n`.
    pub fn text(&self) -> String {
        self.rows.iter().map(|r| String::from_utf8_lossy(r).into_owned()).collect::<Vec<_>>().join("\n")
    }
}
