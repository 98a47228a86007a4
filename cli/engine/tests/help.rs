//! `?` context help and Tab completion.
mod common;

use common::Term;
use postern_cli_engine::Privilege;

#[test]
fn question_mark_after_a_space_lists_the_next_words() {
    let mut t = Term::admin();
    let out = t.feed("show ?");
    assert_eq!(
        out,
        "show ?\r\n\
         \x20 device-cache    Devices in the cache\r\n\
         \x20 history         Commands typed in this session\r\n\
         \x20 running-config  Current operating configuration\r\n\
         \x20 version         System software status\r\n\
         \r\n\
         \rgw#show \x1b[K"
    );
    assert_eq!(t.session.line(), "show ");
    assert_eq!(t.screen().current(), "gw#show ");
}

#[test]
fn help_marks_where_the_line_may_end() {
    let mut t = Term::config();
    let out = t.feed("rollback ?");
    assert!(out.contains("  <0-49>  Revision, 0 = latest\r\n"), "{out:?}");
    assert!(!out.contains("<cr>"), "{out:?}");
    let out = t.feed("5 ?");
    assert!(out.contains("  <cr>\r\n"), "{out:?}");
    t.feed("\x15");
    let out = t.feed("show ?");
    assert!(out.contains("% Invalid input"), "show is not a CONFIG command: {out:?}");
}

#[test]
fn question_mark_after_letters_lists_completions() {
    let mut t = Term::admin();
    let out = t.feed("d?");
    assert!(out.starts_with("d?\r\ndevice-cache  disable\r\n\rgw#d\x1b[K"), "{out:?}");
    t.feed("\x15");
    let out = t.feed("zz?");
    assert!(out.contains("% Unrecognized command\r\n"), "{out:?}");
    t.feed("\x15");
    let out = t.feed("rollback 4?");
    assert!(out.contains("\r\n   ^\r\n% Invalid input"), "rollback is a CONFIG command: {out:?}");
    assert_eq!(t.session.line(), "rollback 4");
}

#[test]
fn argument_help_after_letters_names_the_argument() {
    let mut t = Term::config();
    let out = t.feed("rollback 4?");
    assert!(out.contains("\r\n<0-49>\r\n"), "{out:?}");
    t.feed("\x15");
    let out = t.feed("logging level ?");
    for level in ["debug", "info", "warning"] {
        assert!(out.contains(&format!("  {level:<7}  Severity\r\n")), "{out:?}");
    }
}

#[test]
fn help_in_the_middle_of_a_line_keeps_the_line_and_cursor() {
    let mut t = Term::admin();
    t.feed("show version");
    t.feed("\x1b[D".repeat(7));
    let out = t.feed("?");
    assert!(out.contains("  version "), "{out:?}");
    assert_eq!(t.session.line(), "show version");
    let screen = t.screen();
    assert_eq!(screen.current(), "gw#show version");
    assert_eq!(screen.col, "gw#show ".len());
    t.feed("x");
    assert_eq!(t.session.line(), "show xversion");
    assert_eq!(t.screen().current(), "gw#show xversion");
}

#[test]
fn help_for_a_bad_earlier_word_points_at_it() {
    let mut t = Term::admin();
    t.feed("show bogus ?");
    let rows: Vec<String> = t.screen().text().lines().map(String::from).collect();
    let at = rows.iter().position(|r| r == "gw#show bogus ?").expect("line shown");
    assert_eq!(rows[at + 1], format!("{}^", " ".repeat("gw#show ".len())));
    assert_eq!(rows[at + 2], "% Invalid input detected at '^' marker.");
    assert_eq!(t.screen().current(), "gw#show bogus ");
}

#[test]
fn top_level_help_in_config_offers_no_and_the_engine_commands() {
    let mut t = Term::config();
    let out = t.feed("?");
    for word in ["commit", "end", "exit", "help", "hostname", "interface", "no", "rollback", "uem"] {
        assert!(out.contains(&format!("\r\n  {word} ")), "{word} missing: {out:?}");
    }
    t.feed("no ?");
    let out = t.feed("\x15no ?");
    assert!(out.contains("  hostname "), "{out:?}");
    assert!(out.contains("  logging "), "{out:?}");
    for word in ["commit", "interface", "end", "exit", "no "] {
        assert!(!out.contains(&format!("\r\n  {word}")), "{word} has no no-form: {out:?}");
    }
}

#[test]
fn commands_above_the_session_privilege_are_not_offered() {
    let mut t = Term::new(Privilege::Operator);
    let out = t.feed("show ?");
    assert!(out.contains("  version "), "{out:?}");
    assert!(!out.contains("running-config"), "{out:?}");
    let out = t.feed("r?");
    assert!(out.contains("Unrecognized"), "{out:?}");
    let out = t.feed("\t");
    assert!(out.contains('\x07'), "{out:?}");
    assert_eq!(t.session.line(), "show r");
}

#[test]
fn tab_completes_a_unique_prefix() {
    let mut t = Term::admin();
    t.feed("sh\t");
    assert_eq!(t.session.line(), "show ");
    t.feed("ru\t");
    assert_eq!(t.session.line(), "show running-config ");
    assert_eq!(t.screen().current(), "gw#show running-config ");
    t.feed("\x15conf\tt\t");
    assert_eq!(t.session.line(), "configure terminal ");
}

#[test]
fn tab_extends_a_common_prefix_then_lists() {
    let mut t = Term::config();
    t.line("interface eth0");
    t.feed("i\t");
    assert_eq!(t.session.line(), "ip");
    let out = t.feed("\t");
    assert!(out.contains("\r\nip  ipv6\r\n"), "{out:?}");
    assert_eq!(t.screen().current(), "gw(config-if)#ip");
    t.feed("v\t");
    assert_eq!(t.session.line(), "ipv6 ");
}

#[test]
fn tab_completes_choices_and_rings_for_nothing() {
    let mut t = Term::config();
    t.feed("logging level w\t");
    assert_eq!(t.session.line(), "logging level warning ");
    let out = t.feed("\x15rollback \t");
    assert_eq!(out.matches('\x07').count(), 1, "{out:?}");
    let out = t.feed("\x15zz\t");
    assert_eq!(out.matches('\x07').count(), 1, "{out:?}");
    assert_eq!(t.session.line(), "zz");
}

#[test]
fn tab_in_the_middle_of_a_line_inserts_at_the_cursor() {
    let mut t = Term::admin();
    t.feed("sh version\x01\x06\x06");
    t.feed("\t");
    assert_eq!(t.session.line(), "show  version");
    let screen = t.screen();
    assert_eq!(screen.current(), "gw#show  version");
    assert_eq!(screen.col, "gw#show ".len());
}

#[test]
fn the_help_command_explains_help() {
    let mut t = Term::new(Privilege::Operator);
    let out = t.line("help");
    assert!(out.contains("question mark '?'"), "{out}");
}

#[test]
fn tab_completes_values_the_backend_knows() {
    let mut t = Term::admin();
    t.feed("show device-cache Ap\t");
    assert_eq!(t.session.line(), "show device-cache Appl");
    let out = t.feed("\t");
    assert!(out.contains("ApplA1  ApplB2"), "{out:?}");
    t.feed("B\t");
    assert_eq!(t.session.line(), "show device-cache ApplB2 ");
    t.feed("\x15");
    // A value that the argument's kind would refuse is never offered.
    t.feed("show device-cache b\t");
    assert_eq!(t.session.line(), "show device-cache b");
}
