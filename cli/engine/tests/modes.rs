//! Mode changes: enable, disable, configure, sub-modes, exit, end, Ctrl-Z, Ctrl-D.
mod common;

use common::{CONN, CONNECTOR, HOSTNAME, IF, INTERFACE, Term, UEM_MODE};
use postern_cli_engine::{Mode, Privilege, SessionEvent, Value};

#[test]
fn prompts_follow_the_mode() {
    let mut t = Term::new(Privilege::Administrator);
    assert_eq!(t.screen().current(), "gw>");
    t.line("enable");
    assert_eq!(t.session.mode(), Mode::Privileged);
    assert_eq!(t.screen().current(), "gw#");
    let out = t.line("conf t");
    assert!(out.contains("Enter configuration commands"), "{out}");
    assert_eq!(t.screen().current(), "gw(config)#");
    t.line("interface eth0");
    assert_eq!(t.session.mode(), Mode::Sub(IF));
    assert_eq!(t.screen().current(), "gw(config-if)#");
    t.line("exit");
    assert_eq!(t.screen().current(), "gw(config)#");
    t.line("exit");
    assert_eq!(t.screen().current(), "gw#");
    t.line("disable");
    assert_eq!(t.screen().current(), "gw>");
}

#[test]
fn exit_from_exec_ends_the_session_and_later_bytes_are_ignored() {
    let mut t = Term::admin();
    let before = t.out.len();
    let event = t.session.feed(b"exit\rshow version\r", &mut t.backend, &mut t.out).expect("vec");
    assert_eq!(event, SessionEvent::Ended);
    assert!(t.session.is_ended());
    assert!(t.backend.calls.is_empty());
    assert!(!String::from_utf8_lossy(&t.out[before..]).contains("gw#"));
    let event = t.session.feed(b"show version\r", &mut t.backend, &mut t.out).expect("vec");
    assert_eq!(event, SessionEvent::Ended);
    assert!(t.backend.calls.is_empty());
}

#[test]
fn end_and_ctrl_z_return_to_privileged_exec_from_any_depth() {
    let mut t = Term::config();
    t.line("uem");
    t.line("connector primary");
    assert_eq!(t.session.mode(), Mode::Sub(CONN));
    assert_eq!(t.screen().current(), "gw(config-uem-conn)#");
    t.line("end");
    assert_eq!(t.session.mode(), Mode::Privileged);
    assert!(t.session.path().is_empty());

    t.line("configure terminal");
    t.line("interface eth1");
    t.feed("ip addr\x1a");
    assert_eq!(t.session.mode(), Mode::Privileged);
    assert_eq!(t.session.line(), "");
    assert!(t.screen().text().contains("gw(config-if)#ip addr^Z"));
    assert_eq!(t.screen().current(), "gw#");
}

#[test]
fn ctrl_z_outside_config_changes_nothing() {
    let mut t = Term::admin();
    t.feed("sh\x1a");
    assert_eq!(t.session.mode(), Mode::Privileged);
    assert_eq!(t.screen().current(), "gw#");
}

#[test]
fn nested_sub_modes_exit_one_level_at_a_time() {
    let mut t = Term::config();
    t.line("uem");
    t.line("connector primary");
    t.line("exit");
    assert_eq!(t.session.mode(), Mode::Sub(UEM_MODE));
    t.line("exit");
    assert_eq!(t.session.mode(), Mode::Config);
    t.line("exit");
    assert_eq!(t.session.mode(), Mode::Privileged);
}

#[test]
fn sub_mode_commands_see_the_path_that_entered_them() {
    let mut t = Term::config();
    t.line("int eth0");
    t.line("shutdown");
    let call = t.backend.calls.last().expect("shutdown ran");
    assert_eq!(call.mode, Mode::Sub(IF));
    assert_eq!(call.path.len(), 1);
    assert_eq!(call.path[0].0, IF);
    assert_eq!(call.path[0].1[0].value, Value::Word("eth0".into()));
    let entering = t.backend.calls.iter().find(|c| c.action == INTERFACE).expect("interface ran");
    assert!(entering.path.is_empty());
}

#[test]
fn a_parent_command_typed_in_a_sub_mode_runs_there_and_moves_up() {
    let mut t = Term::config();
    t.line("interface eth0");
    t.line("hostname edge1");
    assert_eq!(t.session.mode(), Mode::Config);
    let call = t.backend.calls.last().expect("hostname ran");
    assert_eq!((call.action, call.mode), (HOSTNAME, Mode::Config));
    assert!(call.path.is_empty());
    // …and a parent command that enters another sub-mode goes there.
    t.line("interface eth0");
    t.line("uem");
    assert_eq!(t.session.mode(), Mode::Sub(UEM_MODE));
    // From two levels down, up to CONFIG.
    t.line("connector c1");
    t.line("interface eth2");
    assert_eq!(t.session.mode(), Mode::Sub(IF));
    assert_eq!(t.session.path().len(), 1);
    assert!(t.backend.calls.iter().any(|c| c.action == CONNECTOR));
}

#[test]
fn a_line_that_fits_no_enclosing_mode_reports_the_sub_mode_error() {
    let mut t = Term::config();
    t.line("interface eth0");
    let out = t.line("frobnicate");
    assert!(out.contains("% Invalid input detected at '^' marker."), "{out}");
    assert_eq!(t.session.mode(), Mode::Sub(IF));
}

#[test]
fn the_prompt_shows_a_hostname_changed_by_a_command() {
    let mut t = Term::config();
    t.line("hostname edge1");
    assert_eq!(t.screen().current(), "edge1(config)#");
    t.line("no hostname");
    assert_eq!(t.screen().current(), "postern(config)#");
}

#[test]
fn hostile_hostnames_cannot_drive_the_terminal() {
    let mut t = Term::admin();
    t.backend.host = "evil\x1b]0;x\x07name".into();
    t.line("");
    assert_eq!(t.screen().current(), "evil?]0;x?name#");
    t.backend.host = "x".repeat(500);
    t.line("");
    assert_eq!(t.screen().current().len(), postern_cli_engine::HOSTNAME_MAX + 1);
}

#[test]
fn ctrl_d_exits_on_an_empty_line_and_deletes_otherwise() {
    let mut t = Term::config();
    t.feed("\x04");
    assert_eq!(t.session.mode(), Mode::Privileged);
    t.feed("shox\x01\x05\x02\x04w");
    assert_eq!(t.session.line(), "show");
    t.feed("\x15\x04");
    assert!(t.session.is_ended());
}

#[test]
fn the_backend_hears_of_every_mode_change() {
    let mut t = Term::admin();
    t.line("configure terminal");
    t.line("interface eth0");
    t.feed("\x1a");
    assert_eq!(
        t.backend.mode_changes,
        [(Mode::Privileged, Mode::Config), (Mode::Config, Mode::Sub(IF)), (Mode::Sub(IF), Mode::Privileged)]
    );
}

#[test]
fn operators_cannot_enable() {
    let mut t = Term::new(Privilege::Operator);
    let out = t.line("enable");
    assert!(out.contains("% Permission denied"), "{out}");
    assert!(out.contains("login key"), "{out}");
    assert_eq!(t.session.mode(), Mode::Exec);
    assert!(t.session.enable().is_err());
    assert_eq!(t.session.mode(), Mode::Exec);
}
