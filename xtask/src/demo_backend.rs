//! A stand-in Exchange back end for the demo VM: answers every request with 200 and a
//! short text, so that an allowed device's request visibly gets through.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

/// Starts the back end on `addr` in background threads; an error if the port is taken.
pub(crate) fn start(addr: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    Ok(())
}

fn serve(stream: TcpStream) {
    let mut reader = BufReader::new(&stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if header == "\r\n" || header == "\n" {
                break;
            }
        }
        if length > 1 << 20 || std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink()).is_err() {
            return;
        }
        let body = format!("demo Exchange back end: {}\n", request.trim());
        let reply =
            format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}", body.len());
        if (&stream).write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}
