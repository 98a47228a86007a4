//! The line editor: control keys, history, over-long lines, garbage and escape sequences.
mod common;

use common::{SHOW_VERSION, Term};
use postern_cli_engine::{HISTORY_LEN, LINE_MAX, Privilege};

fn op() -> Term {
    Term::new(Privilege::Operator)
}

#[test]
fn typing_echoes_and_the_screen_matches_the_line() {
    let mut t = op();
    let out = t.feed("show");
    assert_eq!(out, "show");
    t.feed("\x7f\x08");
    assert_eq!(t.session.line(), "sh");
    assert_eq!(t.screen().current(), "gw>sh");
}

#[test]
fn cursor_moves_and_insertion_in_the_middle() {
    let mut t = op();
    t.feed("shw version");
    t.feed("\x01\x1b[C\x1b[C");
    t.feed("o");
    assert_eq!(t.session.line(), "show version");
    let s = t.screen();
    assert_eq!((s.current().as_str(), s.col), ("gw>show version", "gw>sho".len()));
    t.feed("\x05\x1bOD\x1bOD\x7f");
    assert_eq!(t.session.line(), "show verson");
    let s = t.screen();
    assert_eq!((s.current().as_str(), s.col), ("gw>show verson", "gw>show vers".len()));
    t.feed("\x1b[3~\x1b[4~");
    assert_eq!(t.session.line(), "show versn");
    assert_eq!(t.screen().col, "gw>show versn".len());
    t.feed("\x1b[1~\x1b[3~");
    assert_eq!(t.screen().current(), "gw>how versn");
}

#[test]
fn edges_ring_the_bell() {
    let mut t = op();
    let out = t.feed("\x7f\x1b[D\x1b[C\x1b[3~");
    assert_eq!(out.matches('\x07').count(), 4, "{out:?}");
    assert_eq!(t.session.line(), "");
}

#[test]
fn ctrl_u_kills_the_line_and_ctrl_k_the_tail() {
    let mut t = op();
    t.feed("show version\x15");
    assert_eq!(t.session.line(), "");
    assert_eq!(t.screen().current(), "gw>");
    t.feed("show version\x02\x02\x0b");
    assert_eq!(t.session.line(), "show versi");
    assert_eq!(t.screen().current(), "gw>show versi");
}

#[test]
fn ctrl_w_kills_the_word_before_the_cursor() {
    let mut t = op();
    t.feed("show device-cache  \x17");
    assert_eq!(t.session.line(), "show ");
    t.feed("\x17");
    assert_eq!(t.session.line(), "");
    let out = t.feed("\x17");
    assert!(out.contains('\x07'));
    t.feed("show version\x02\x02\x02\x17");
    assert_eq!(t.session.line(), "show ion");
    assert_eq!(t.screen().current(), "gw>show ion");
}

#[test]
fn ctrl_c_abandons_the_line() {
    let mut t = op();
    t.feed("show vers\x03");
    assert_eq!(t.session.line(), "");
    assert!(t.backend.calls.is_empty());
    assert!(t.screen().text().contains("gw>show vers^C\ngw>"));
    assert!(t.session.history().next().is_none());
}

#[test]
fn every_line_ending_counts_once() {
    for ending in ["\r", "\n", "\r\n", "\r\0"] {
        let mut t = op();
        t.feed(format!("show version{ending}show version{ending}"));
        let runs = t.backend.calls.iter().filter(|c| c.action == SHOW_VERSION).count();
        assert_eq!(runs, 2, "{ending:?}");
        let prompts = t.screen().text().matches("gw>").count();
        assert_eq!(prompts, 3, "{ending:?}");
    }
    // Split across feeds.
    let mut t = op();
    t.feed("show version\r");
    t.feed("\n");
    t.feed("\n");
    assert_eq!(t.screen().text().matches("gw>").count(), 3);
}

#[test]
fn history_with_arrow_keys() {
    let mut t = op();
    t.line("show version");
    t.line("show device-cache");
    t.feed("show d");
    t.feed("\x1b[A");
    assert_eq!(t.session.line(), "show device-cache");
    assert_eq!(t.screen().current(), "gw>show device-cache");
    t.feed("\x1bOA");
    assert_eq!(t.session.line(), "show version");
    let out = t.feed("\x1b[A");
    assert!(out.contains('\x07'), "no older line: {out:?}");
    assert_eq!(t.session.line(), "show version");
    t.feed("\x1b[B\x1b[B");
    assert_eq!(t.session.line(), "show d", "the draft comes back");
    assert_eq!(t.screen().current(), "gw>show d");
    t.feed("\x15\x10\r");
    assert_eq!(t.backend.calls.len(), 3);
    let history: Vec<&str> = t.session.history().collect();
    assert_eq!(history, ["show version", "show device-cache"]);
}

#[test]
fn history_keeps_the_newest_lines() {
    let mut t = op();
    for i in 0..HISTORY_LEN + 3 {
        t.line(&format!("show device-cache d{i}"));
    }
    let history: Vec<&str> = t.session.history().collect();
    assert_eq!(history.len(), HISTORY_LEN);
    assert_eq!(history[0], "show device-cache d3");
    for _ in 0..HISTORY_LEN + 5 {
        t.feed("\x1b[A");
    }
    assert_eq!(t.session.line(), "show device-cache d3");
}

#[test]
fn over_long_lines_are_refused_with_a_bell() {
    let mut t = op();
    let out = t.feed("a".repeat(LINE_MAX + 10));
    assert_eq!(t.session.line().len(), LINE_MAX);
    assert_eq!(out.matches('\x07').count(), 10);
    t.feed("\x01");
    let out = t.feed("b");
    assert!(out.contains('\x07'));
    assert!(!t.session.line().contains('b'));
    let out = t.feed("\r");
    assert!(out.contains("% Invalid input"), "{out:?}");
}

#[test]
fn garbage_bytes_are_dropped() {
    let mut t = op();
    let out = t.feed(b"sh\x00\x1f\x11\x80\xbfow\xff");
    assert_eq!(t.session.line(), "show");
    assert_eq!(out.matches('\x07').count(), 1, "one bell for 0xff: {out:?}");
    let out = t.feed("caf\u{e9}\u{20ac}".as_bytes());
    assert_eq!(t.session.line(), "showcaf");
    assert_eq!(out.matches('\x07').count(), 2, "one bell per character: {out:?}");
}

#[test]
fn stray_escape_sequences_are_consumed() {
    let mut t = op();
    t.feed("show \x1b[12;40R\x1b[?1;2c\x1bOP\x1b[99~\x1b[200~ver\x1b[201~");
    assert_eq!(t.session.line(), "show ver");
    t.feed("\x1bsion");
    assert_eq!(t.session.line(), "show version");
    t.feed("\r");
    assert_eq!(t.backend.calls.len(), 1);
    // A sequence cut by a line end does not swallow the Enter.
    t.feed("show version\x1b[1\r");
    assert_eq!(t.backend.calls.len(), 2);
}

#[test]
fn ctrl_l_redraws_the_line() {
    let mut t = op();
    t.feed("show v\x02\x0c");
    let s = t.screen();
    assert_eq!((s.current().as_str(), s.col), ("gw>show v", "gw>show ".len()));
}
