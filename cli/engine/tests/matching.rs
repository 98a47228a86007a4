//! Matching: abbreviations, ambiguity, arguments, `no` forms, errors and privilege.
mod common;

use common::{
    CLEAR, DESCRIPTION, HOSTNAME, IP_ADDRESS, IPV6, LOGGING, SHOW_CACHE, SHOW_RUNNING, SHOW_VERSION, SHUTDOWN, Term,
};
use postern_cli_engine::{Mode, Outcome, Privilege, Value};

#[test]
fn unique_prefixes_abbreviate_every_word() {
    let mut t = Term::admin();
    let out = t.line("sh ver");
    assert!(out.contains("Postern 0.1.0\r\nbuilt from source\r\n"), "{out:?}");
    t.line("sho run");
    t.line("s   r");
    t.line("dev cl");
    let actions: Vec<_> = t.backend.calls.iter().map(|c| c.action).collect();
    assert_eq!(actions, [SHOW_VERSION, SHOW_RUNNING, SHOW_RUNNING, CLEAR]);
}

#[test]
fn ambiguity_lists_the_candidates_and_runs_nothing() {
    let mut t = Term::admin();
    let out = t.line("d");
    assert!(out.contains("% Ambiguous command: \"d\" could be: device-cache disable"), "{out}");
    assert!(t.backend.calls.is_empty());
    assert_eq!(t.session.mode(), Mode::Privileged);
    t.line("de clear");
    assert_eq!(t.backend.calls.last().map(|c| c.action), Some(CLEAR));
    t.line("di");
    assert_eq!(t.session.mode(), Mode::Exec);
}

#[test]
fn an_exact_keyword_wins_over_a_longer_one() {
    let mut t = Term::config();
    t.line("interface eth0");
    let out = t.line("ip address 10.0.0.1/24");
    assert!(!out.contains('%'), "{out}");
    let call = t.backend.calls.last().expect("ran");
    assert_eq!(call.action, IP_ADDRESS);
    assert_eq!(call.args[0].value, Value::Ipv4Prefix { addr: [10, 0, 0, 1], len: 24 });
    t.line("ipv ena");
    assert_eq!(t.backend.calls.last().map(|c| c.action), Some(IPV6));
    let out = t.line("i");
    assert!(out.contains("could be: ip ipv6"), "{out}");
}

#[test]
fn the_caret_points_at_the_offending_word() {
    let mut t = Term::admin();
    t.line("show  bogus");
    let screen = t.screen();
    let rows: Vec<String> = screen.text().lines().map(String::from).collect();
    let at = rows.iter().position(|r| r == "gw#show  bogus").expect("the typed line is on screen");
    assert_eq!(rows[at + 1], format!("{}^", " ".repeat("gw#show  ".len())));
    assert_eq!(rows[at + 2], "% Invalid input detected at '^' marker.");

    let mut t = Term::config();
    t.line("rollback 50");
    let text = t.screen().text();
    assert!(text.contains(&format!("\n{}^\n", " ".repeat("gw(config)#rollback ".len()))), "{text}");
}

#[test]
fn the_scripting_api_prints_the_line_above_the_caret() {
    let mut t = Term::admin();
    let (outcome, out) = t.run("show version extra");
    assert_eq!(outcome, Outcome::Failed);
    assert_eq!(out, "show version extra\r\n             ^\r\n% Invalid input detected at '^' marker.\r\n");
}

#[test]
fn incomplete_commands_say_so() {
    let mut t = Term::config();
    let out = t.line("rollback");
    assert!(out.contains("% Incomplete command."), "{out}");
    let out = t.line("logging");
    assert!(out.contains("% Incomplete command."), "{out}");
    let out = t.line("no");
    assert!(out.contains("% Incomplete command."), "{out}");
    assert!(t.backend.calls.is_empty());
}

#[test]
fn optional_arguments() {
    let mut t = Term::new(Privilege::Operator);
    t.line("show device-cache");
    t.line("show dev ABC123");
    let calls = &t.backend.calls;
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c.action == SHOW_CACHE));
    assert!(calls[0].args.is_empty());
    assert_eq!(calls[1].args[0].name, "ID");
    assert_eq!(calls[1].args[0].value, Value::Word("ABC123".into()));
}

#[test]
fn no_forms_set_the_flag_and_may_stop_early() {
    let mut t = Term::config();
    t.line("no hostname");
    t.line("no hostname edge1");
    t.line("hostname edge1");
    let flags: Vec<_> = t.backend.calls.iter().map(|c| (c.action, c.negated, c.args.len())).collect();
    assert_eq!(flags, [(HOSTNAME, true, 0), (HOSTNAME, true, 1), (HOSTNAME, false, 1)]);
    t.line("int eth0");
    t.line("no shut");
    t.line("no ip address");
    let last: Vec<_> = t.backend.calls.iter().rev().take(2).map(|c| (c.action, c.negated)).collect();
    assert_eq!(last, [(IP_ADDRESS, true), (SHUTDOWN, true)]);
}

#[test]
fn commands_without_a_no_form_refuse_it() {
    let mut t = Term::config();
    let out = t.line("no commit");
    assert!(out.contains("% Invalid input"), "{out}");
    let out = t.line("no no hostname");
    assert!(out.contains("% Invalid input"), "{out}");
    assert!(t.backend.calls.is_empty());
}

#[test]
fn argument_kinds_are_checked() {
    let mut t = Term::config();
    t.line("rollback 49");
    t.line("rollback 5");
    assert_eq!(t.backend.calls.len(), 2);
    assert_eq!(t.backend.calls[1].args[0].value, Value::Integer(5));
    for bad in ["rollback -1", "rollback 50", "rollback x", "logging level fatal"] {
        let out = t.line(bad);
        assert!(out.contains("% Invalid input"), "{bad}: {out}");
    }
    t.line("logging lev w");
    let call = t.backend.calls.last().expect("logging ran");
    assert_eq!((call.action, call.args[0].value.clone()), (LOGGING, Value::Choice("warning")));
    t.line("interface a-name-far-too-long-for-an-interface");
    assert_eq!(t.session.mode(), Mode::Config);
}

#[test]
fn rest_of_line_arguments_keep_inner_spaces() {
    let mut t = Term::config();
    t.line("int eth0");
    t.line("description  uplink to   the core  ");
    let call = t.backend.calls.last().expect("description ran");
    assert_eq!(call.action, DESCRIPTION);
    assert_eq!(call.args[0].value, Value::Text("uplink to   the core".into()));
}

#[test]
fn backend_failures_are_printed_and_reported() {
    let mut t = Term::config();
    let (outcome, out) = t.run("rollback 12");
    assert_eq!(outcome, Outcome::Failed);
    assert_eq!(out, "% revision 12 does not exist\r\n");
    assert_eq!(t.run("rollback 3").0, Outcome::Success);
}

#[test]
fn commands_above_the_session_privilege_are_denied_when_typed_in_full() {
    let mut t = Term::new(Privilege::Operator);
    let out = t.line("show running-config");
    assert!(out.contains("% Permission denied: \"running-config\" needs administrator privilege."), "{out}");
    // An abbreviation does not even find it.
    let out = t.line("show run");
    assert!(out.contains("% Invalid input"), "{out}");
    assert!(t.backend.calls.is_empty());
    t.line("show version");
    assert_eq!(t.backend.calls.len(), 1);
}

#[test]
fn exec_only_commands_are_not_found_in_user_exec() {
    let mut t = Term::new(Privilege::Administrator);
    let out = t.line("reload");
    assert!(out.contains("% Invalid input"), "{out}");
    let out = t.line("configure terminal");
    assert!(out.contains("% Invalid input"), "{out}");
    assert_eq!(t.session.mode(), Mode::Exec);
}

#[test]
fn scripts_run_line_by_line_and_stop_at_the_first_failure() {
    let mut t = Term::admin();
    let mut out = Vec::new();
    let outcome =
        t.session.run_script("configure terminal ; hostname x\ncommit", &mut t.backend, &mut out).expect("vec");
    assert_eq!(outcome, Outcome::Success);
    assert_eq!(t.backend.host, "x");
    assert_eq!(t.session.mode(), Mode::Config);
    let outcome = t.session.run_script("hostname y; bogus; hostname z", &mut t.backend, &mut out).expect("vec");
    assert_eq!(outcome, Outcome::Failed);
    assert_eq!(t.backend.host, "y");
    let outcome = t.session.run_script("end;exit;hostname q", &mut t.backend, &mut out).expect("vec");
    assert_eq!(outcome, Outcome::Ended);
    assert_eq!(t.backend.host, "y");
}

#[test]
fn scripting_refuses_over_long_and_non_ascii_lines() {
    let mut t = Term::config();
    let (outcome, out) = t.run(&format!("hostname {}", "a".repeat(600)));
    assert_eq!(outcome, Outcome::Failed);
    assert!(out.contains("Line too long"), "{out}");
    let (outcome, out) = t.run("hostname caf\u{e9}");
    assert_eq!(outcome, Outcome::Failed);
    assert!(out.contains("% Invalid input"), "{out}");
    let (outcome, _) = t.run("hostname a\x1bb");
    assert_eq!(outcome, Outcome::Failed);
    assert!(t.backend.calls.is_empty());
}

#[test]
fn command_output_is_neutralised() {
    let mut t = Term::new(Privilege::Operator);
    let out = t.line("show device-cache");
    assert!(out.contains("device ?[31mred?[0m\r\n"), "{out:?}");
}

#[test]
fn show_history_is_answered_by_the_engine() {
    let mut t = Term::new(Privilege::Operator);
    t.line("show version");
    t.line("sh hist");
    let out = t.line("show history");
    assert!(out.contains("  show version\r\n  sh hist\r\n  show history\r\n"), "{out:?}");
    assert_eq!(t.backend.calls.len(), 1);
}
