//! Drives a session from a blocking byte stream pair until it ends.

use embedded_io::{Read, Write};

use crate::backend::Backend;
use crate::session::{Session, SessionEvent};

/// A transport failed while pumping a session.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PumpError<R, W> {
    /// Reading the user's bytes failed.
    #[error("reading from the terminal failed: {0}")]
    Read(R),
    /// Writing to the user's terminal failed.
    #[error("writing to the terminal failed: {0}")]
    Write(W),
}

/// Writes the first prompt, then reads, feeds and writes until the session ends or the
/// input reaches its end (a read of zero bytes).
pub fn pump<B, R, W>(
    session: &mut Session,
    backend: &mut B,
    input: &mut R,
    output: &mut W,
) -> Result<(), PumpError<R::Error, W::Error>>
where
    B: Backend + ?Sized,
    R: Read,
    W: Write,
{
    session.start(backend, output).map_err(PumpError::Write)?;
    let mut buf = [0u8; 256];
    loop {
        let n = input.read(&mut buf).map_err(PumpError::Read)?;
        let Some(bytes) = buf.get(..n).filter(|b| !b.is_empty()) else { return Ok(()) };
        if session.feed(bytes, backend, output).map_err(PumpError::Write)? == SessionEvent::Ended {
            return Ok(());
        }
    }
}
