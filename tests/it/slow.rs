//! Slow clients (slowloris): headers that never finish and bodies that trickle are cut after
//! `--client-timeout`, store nothing, and do not stop others from being served.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{self, TestServer};

/// Sends `head`, then waits for the server to answer or close; what it said.
fn stall(addr: &str, head: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    // A safety net only: the server must act well before it.
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(head).unwrap();
    let mut answer = Vec::new();
    match s.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the server held a stalled connection: {e}"),
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn stalled_headers_and_trickling_bodies_are_cut() {
    // No proof of work: the stalled body must be read (and cut), not refused at once with 428.
    let server = TestServer::start(&["--client-timeout", "1", "--pow-bits", "0"]);
    let addr = server.url.trim_start_matches("http://").to_owned();
    let addr2 = addr.clone();
    // Headers that never end, and a body that stops after 10 of 100 000 bytes — at once.
    let headers = std::thread::spawn(move || {
        stall(
            &addr2,
            b"POST /api/v1/submissions?partner=cav-milano HTTP/1.1\r\nHost: x\r\n",
        )
    });
    let body = stall(
        &addr,
        b"POST /api/v1/submissions?partner=cav-milano HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nage-encryp",
    );
    let headers = headers.join().unwrap();
    assert!(
        headers.is_empty() || headers.starts_with("HTTP/1.1 408"),
        "{headers}"
    );
    assert!(body.is_empty() || body.starts_with("HTTP/1.1 4"), "{body}");
    // Others are served; the stalled ones stored nothing.
    let sealed = common::seal("cav-milano", &common::report_json("after the stall"), &[]);
    assert_eq!(server.submit_raw("cav-milano", &sealed).0, 201);
    assert_eq!(server.officer("cav-milano").list().unwrap().len(), 1);
}
