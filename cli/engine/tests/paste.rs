//! Pasted text: a command declared with `pastes()` collects the lines up to `quit` and runs
//! with them; oversized, unterminated or abandoned pastes run nothing.

mod common;

use common::*;
use postern_cli_engine::{Mode, Outcome, PASTE_MAX};

fn imports(t: &Term) -> Vec<Option<String>> {
    t.backend.calls.iter().filter(|c| c.action == IMPORT).map(|c| c.text.clone()).collect()
}

#[test]
fn typed_lines_up_to_quit_are_the_commands_text_and_stay_out_of_history() {
    let mut t = Term::config();
    let said = t.line("import");
    assert!(said.contains("end it with a line containing only `quit`"), "{said}");
    assert!(t.session.is_pasting());
    assert!(imports(&t).is_empty(), "nothing runs before quit");
    t.line("-----BEGIN SECRET-----");
    t.line("ab+/cd? ==");
    t.line("-----END SECRET-----");
    t.line("quit");
    assert!(!t.session.is_pasting());
    assert_eq!(imports(&t), [Some("-----BEGIN SECRET-----\nab+/cd? ==\n-----END SECRET-----\n".to_owned())]);
    assert_eq!(t.session.mode(), Mode::Config);
    assert!(
        t.session.history().all(|line| !line.contains("SECRET") && !line.contains("ab+/")),
        "pasted lines are not history"
    );
    t.line("hostname after");
    assert_eq!(t.backend.host, "after", "the session reads commands again");
}

#[test]
fn a_script_carries_a_paste_between_commands() {
    let mut t = Term::admin();
    let mut out = Vec::new();
    let outcome = t
        .session
        .run_script("configure terminal\nimport\nline one\nline two\nquit\nhostname scripted", &mut t.backend, &mut out)
        .expect("vec");
    assert_eq!(outcome, Outcome::Success, "{}", String::from_utf8_lossy(&out));
    assert_eq!(imports(&t), [Some("line one\nline two\n".to_owned())]);
    assert_eq!(t.backend.host, "scripted");
}

#[test]
fn an_oversized_paste_is_refused_and_runs_nothing() {
    let mut t = Term::config();
    t.run("import");
    let line = "A".repeat(500);
    for _ in 0..=(PASTE_MAX / 500) {
        assert_eq!(t.run(&line).0, Outcome::Success);
    }
    let (outcome, said) = t.run("quit");
    assert_eq!(outcome, Outcome::Failed);
    assert!(said.contains("longer than 65536 bytes; nothing was changed"), "{said}");
    assert!(imports(&t).is_empty());
    assert!(!t.session.is_pasting());
}

#[test]
fn a_script_without_quit_and_a_ctrl_c_run_nothing() {
    let mut t = Term::admin();
    let mut out = Vec::new();
    let outcome =
        t.session.run_script("configure terminal\nimport\nhalf a text", &mut t.backend, &mut out).expect("vec");
    assert_eq!(outcome, Outcome::Failed);
    assert!(String::from_utf8_lossy(&out).contains("did not end with a line `quit`"));
    assert!(!t.session.is_pasting());

    t.line("import");
    t.line("some text");
    let said = t.feed([0x03]);
    assert!(said.contains("Paste abandoned; nothing was changed"), "{said}");
    assert!(!t.session.is_pasting());
    t.line("quit");
    assert!(imports(&t).is_empty());
}
