//! The helper's request loop over a real `SOCK_SEQPACKET` pair: a bind answers with a
//! listening socket a client can reach, a refused bind with the errno text, a malformed
//! or oversized request with `Malformed` (and the loop keeps serving), and closing
//! posternd's end ends the loop.

use postern_privileged_helper::wire::MAX_REQUEST;
use postern_privileged_helper::{Answer, Request, exchange, serve};
use rustix::net::{AddressFamily, SocketFlags, SocketType};
use std::io::{Read, Write};
use std::net::TcpStream;

#[test]
fn binds_refuses_and_answers_malformed_requests_until_the_socket_closes() {
    let (ours, theirs) =
        rustix::net::socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)
            .expect("socket pair");
    let helper = std::thread::spawn(move || serve(&theirs));

    let bind = Request::BindTcp { address: "127.0.0.1:0".parse().expect("address") };
    let (answer, fd) = exchange(&ours, &bind.encode().expect("encodes")).expect("answer");
    let Answer::Bound { address } = answer else { panic!("not bound: {answer:?}") };
    assert_ne!(address.port(), 0, "the answer names the port actually bound");
    let listener = std::net::TcpListener::from(fd.expect("a socket is attached"));
    assert_eq!(listener.local_addr().expect("local address"), address);
    listener.set_nonblocking(false).expect("blocking for the test");
    let mut client = TcpStream::connect(address).expect("the handed socket listens");
    client.write_all(b"ping").expect("write");
    let (mut served, _) = listener.accept().expect("accept");
    let mut got = [0u8; 4];
    served.read_exact(&mut got).expect("read");
    assert_eq!(&got, b"ping");

    // The same address again: in use.
    let again = Request::BindTcp { address };
    let (answer, fd) = exchange(&ours, &again.encode().expect("encodes")).expect("answer");
    assert!(fd.is_none());
    match answer {
        Answer::Refused { errno, reason } => {
            assert_eq!(errno, 98, "EADDRINUSE: {reason}");
            assert!(reason.starts_with("bind: ") && reason.contains("in use"), "{reason}");
        }
        other => panic!("not refused: {other:?}"),
    }

    for garbage in [&b"\xff\xff\xff"[..], &[0u8; MAX_REQUEST + 40][..], &[7u8][..]] {
        let (answer, fd) = exchange(&ours, garbage).expect("a malformed request is answered");
        assert!(fd.is_none());
        assert!(matches!(answer, Answer::Malformed { .. }), "{answer:?}");
    }
    // Still serving after them.
    let (answer, fd) = exchange(&ours, &bind.encode().expect("encodes")).expect("answer");
    assert!(matches!(answer, Answer::Bound { .. }) && fd.is_some(), "{answer:?}");

    drop(ours);
    helper.join().expect("no panic").expect("the loop ends cleanly when posternd's end closes");
}
