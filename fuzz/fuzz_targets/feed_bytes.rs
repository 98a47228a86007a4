//! Feeds arbitrary bytes to a CLI session over the toy command set of the engine's tests,
//! interactively (in chunks) and through the scripting API.
#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../cli/engine/tests/common/mod.rs"]
mod common;

use common::{Toy, grammar};
use postern_cli_engine::{LINE_MAX, Privilege, Session};

/// Discards output, counting it, so memory stays the engine's own.
struct Sink(usize);

impl embedded_io::ErrorType for Sink {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&control, bytes)) = data.split_first() else { return };
    let privilege = if control & 1 == 1 { Privilege::Administrator } else { Privilege::Operator };
    let chunk = usize::from(control >> 1) % 16 + 1;
    let grammar = grammar();

    let mut session = Session::new(grammar.clone(), privilege);
    let mut backend = Toy::default();
    let mut sink = Sink(0);
    let _ = session.start(&backend, &mut sink);
    for piece in bytes.chunks(chunk) {
        let _ = session.feed(piece, &mut backend, &mut sink);
        assert!(session.line().len() <= LINE_MAX);
    }

    let mut scripted = Session::new(grammar, privilege);
    let _ = scripted.enable();
    let _ = scripted.run_script(&String::from_utf8_lossy(bytes), &mut backend, &mut sink);
});
