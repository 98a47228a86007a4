//! Output filters after `show` (`| include`, `| exclude`, `| begin`, `| count`) and `do`
//! in CONFIG modes.
mod common;

use common::{DESCRIPTION, IF, SHOW_VERSION, Term};
use postern_cli_engine::{Mode, Outcome, Value};

#[test]
fn a_show_command_output_is_filtered() {
    let mut t = Term::admin();
    let (outcome, out) = t.run("show version | include built");
    assert_eq!(outcome, Outcome::Success);
    assert_eq!(out, "built from source\r\n");
    assert_eq!(t.run("sh ver | exclude built").1, "Postern 0.1.0\r\n");
    assert_eq!(t.run("show version | begin ^b").1, "built from source\r\n");
    assert_eq!(t.run("show version | count").1, "Count: 2 lines\r\n");
    assert_eq!(t.run("show version | match Postern | count").1, "Count: 1 line\r\n");
}

#[test]
fn a_bad_filter_is_refused_before_the_command_runs() {
    let mut t = Term::admin();
    let (outcome, out) = t.run("show version | include (");
    assert_eq!(outcome, Outcome::Failed);
    assert!(out.contains("% Invalid regular expression after `| include`"), "{out}");
    assert!(t.backend.calls.is_empty(), "the command must not run with a bad filter");
    let (outcome, out) = t.run("show version | count | include x");
    assert_eq!(outcome, Outcome::Failed);
    assert!(out.contains("must be the last filter"), "{out}");
}

#[test]
fn a_bar_in_a_configuration_argument_is_not_a_filter() {
    let mut t = Term::config();
    t.line("interface eth0");
    let (outcome, _) = t.run("description uplink | include core");
    assert_eq!(outcome, Outcome::Success);
    let call = t.backend.calls.last().expect("description ran");
    assert_eq!(call.action, DESCRIPTION);
    assert_eq!(call.args[0].value, Value::Text("uplink | include core".into()));
}

#[test]
fn do_runs_an_exec_command_and_stays_in_the_sub_mode() {
    let mut t = Term::config();
    t.line("interface eth0");
    let (outcome, out) = t.run("do show version | include Postern");
    assert_eq!(outcome, Outcome::Success, "{out}");
    assert_eq!(out, "Postern 0.1.0\r\n");
    let call = t.backend.calls.last().expect("show version ran");
    assert_eq!(call.action, SHOW_VERSION);
    assert_eq!(call.mode, Mode::Privileged);
    assert_eq!(t.session.mode(), Mode::Sub(IF));
    assert_eq!(t.screen().current(), "gw(config-if)#");
}

#[test]
fn do_refuses_commands_that_change_mode_and_points_at_mistakes() {
    let mut t = Term::config();
    let (outcome, out) = t.run("do configure terminal");
    assert_eq!(outcome, Outcome::Failed);
    assert!(out.contains("`do` runs EXEC commands that stay in this mode"), "{out}");
    assert_eq!(t.session.mode(), Mode::Config);
    let (outcome, out) = t.run("do show bogus");
    assert_eq!(outcome, Outcome::Failed);
    let caret = out.lines().find(|l| l.trim_end().ends_with('^')).expect("a caret line");
    assert_eq!(caret.find('^'), Some("do show ".len()), "{out}");
    let (outcome, _) = t.run("do");
    assert_eq!(outcome, Outcome::Failed);
}

#[test]
fn question_mark_and_tab_know_the_filters_and_do() {
    let mut t = Term::admin();
    let out = t.feed("show version | ?");
    for filter in ["begin", "count", "exclude", "include", "match"] {
        assert!(out.contains(&format!("  {filter} ")), "{filter} missing in {out:?}");
    }
    t.feed("inc\t");
    assert_eq!(t.session.line(), "show version | include ");
    t.feed("\x15");

    let mut t = Term::config();
    t.line("interface eth0");
    let out = t.feed("do show ?");
    assert!(out.contains("version"), "{out:?}");
    assert!(!out.contains("ip "), "{out:?}");
    t.feed("ver\t");
    assert_eq!(t.session.line(), "do show version ");
}
