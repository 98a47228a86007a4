//! Arbitrary input never panics, never grows the line past its capacity, and never makes
//! the engine emit anything but plain text and its own few control sequences.
mod common;

use common::{Screen, Term, Toy, grammar};
use postern_cli_engine::{HISTORY_LEN, LINE_MAX, Privilege, Session, pump};
use proptest::prelude::*;

/// Bytes a user or a broken terminal might send: words of the toy grammar, control keys,
/// escape sequences, and anything at all.
fn chunk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        prop::sample::select(vec![
            &b"show "[..],
            b"sh run\r",
            b"enable\r",
            b"conf t\r",
            b"interface eth0\r",
            b"no ",
            b"?",
            b"\t",
            b"exit\r",
            b"end\r",
            b"\x1a",
            b"\x03",
            b"\x15",
            b"\x17",
            b"\x1b[A",
            b"\x1b[B",
            b"\x1b[C",
            b"\x1b[D",
            b"\x1bOA",
            b"\x1b[12;40R",
            b"\x1b",
            b"\r\n",
            b"\r\0",
            b"hostname ",
            b"rollback 7\r",
            b"ip address ",
            b"description ",
            b"\x04",
            b"\x7f",
        ])
        .prop_map(<[u8]>::to_vec),
        "[ -~]{0,600}".prop_map(String::into_bytes),
    ]
}

fn output_is_tame(out: &[u8]) -> Result<(), TestCaseError> {
    let mut i = 0;
    while i < out.len() {
        match out[i] {
            0x1b => {
                prop_assert_eq!(out.get(i + 1..i + 3), Some(&b"[K"[..]), "unexpected escape at {}", i);
                i += 3;
                continue;
            }
            b'\r' | b'\n' | 0x07 | 0x08 | 0x20..=0x7e => {}
            other => prop_assert!(false, "byte {:#x} written at {}", other, i),
        }
        i += 1;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_handled(chunks in proptest::collection::vec(chunk(), 0..40), admin in any::<bool>()) {
        let privilege = if admin { Privilege::Administrator } else { Privilege::Operator };
        let mut t = Term::new(privilege);
        for c in &chunks {
            t.feed(c);
            prop_assert!(t.session.line().len() <= LINE_MAX);
            prop_assert!(t.session.history().count() <= HISTORY_LEN);
            prop_assert!(t.session.line().bytes().all(|b| (0x20..0x7f).contains(&b)));
        }
        output_is_tame(&t.out)?;
    }

    #[test]
    fn the_screen_always_shows_the_line(keys in proptest::collection::vec(
        prop::sample::select(vec![
            &b"a"[..], b"b", b" ", b"\x7f", b"\x1b[D", b"\x1b[C", b"\x01", b"\x05", b"\x15", b"\x0b", b"\x17",
            b"\x1b[3~", b"\x0c",
        ]),
        0..80,
    )) {
        let mut t = Term::new(Privilege::Operator);
        for k in &keys {
            t.feed(k);
        }
        let screen = Screen::render(&t.out);
        prop_assert_eq!(screen.current(), format!("gw>{}", t.session.line()));
    }

    #[test]
    fn scripts_of_anything_are_handled(script in "\\PC{0,300}") {
        let mut t = Term::admin();
        let mut out = Vec::new();
        let _ = t.session.run_script(&script, &mut t.backend, &mut out);
        output_is_tame(&out)?;
    }
}

#[test]
fn pump_runs_until_exit() {
    let mut session = Session::new(grammar(), Privilege::Operator);
    let mut backend = Toy::default();
    let mut input: &[u8] = b"show version\rexit\rshow version\r";
    let mut output = Vec::new();
    pump(&mut session, &mut backend, &mut input, &mut output).expect("slices and vecs do not fail");
    assert!(session.is_ended());
    assert_eq!(backend.calls.len(), 1);
    let text = String::from_utf8(output).expect("ASCII");
    assert!(text.starts_with("gw>show version\r\nPostern 0.1.0\r\n"), "{text:?}");
}

#[test]
fn pump_stops_at_the_end_of_input() {
    let mut session = Session::new(grammar(), Privilege::Operator);
    let mut backend = Toy::default();
    let mut input: &[u8] = b"show ver";
    let mut output = Vec::new();
    pump(&mut session, &mut backend, &mut input, &mut output).expect("slices and vecs do not fail");
    assert!(!session.is_ended());
    assert_eq!(session.line(), "show ver");
}
