//! tor's PROXY v1 line on the unix socket (`--proxy-protocol`): each rendezvous circuit gets its
//! own rate limit, a connection without a valid line gets nothing, and the circuit id is
//! never written anywhere.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

use crate::common::{self, TestServer};

/// Sends `proxy` then an HTTP/1.1 request over the unix socket; the status, or `None` when
/// the server closed without answering.
fn over_socket(
    sock: &std::path::Path,
    proxy: &[u8],
    method: &str,
    path: &str,
    body: &[u8],
) -> Option<u16> {
    let mut s = UnixStream::connect(sock).unwrap();
    let mut req = proxy.to_vec();
    req.extend(
        format!(
            "{method} {path} HTTP/1.1\r\nHost: x.onion\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    req.extend_from_slice(body);
    s.write_all(&req).ok()?;
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn line(circuit: u32) -> Vec<u8> {
    format!(
        "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\n",
        circuit >> 16,
        circuit & 0xffff
    )
    .into_bytes()
}

#[test]
fn each_circuit_has_its_own_limit_and_strangers_get_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("approdo.sock");
    let server = TestServer::start(&[
        "--unix-socket",
        sock.to_str().unwrap(),
        "--proxy-protocol",
        "--per-circuit-per-minute",
        "3",
        // This test is about the circuit limits; raw socket posts carry no proof of work.
        "--pow-bits",
        "0",
    ]);
    let sealed = common::seal("cav-milano", &common::report_json("circuit"), &[]);
    let submit = "/api/v1/submissions?partner=cav-milano";
    let a = 0x0007_0042;
    let statuses: Vec<Option<u16>> = (0..4)
        .map(|_| over_socket(&sock, &line(a), "POST", submit, &sealed))
        .collect();
    assert_eq!(statuses, vec![Some(201), Some(201), Some(201), Some(429)]);
    // Another circuit is not affected; neither are mailbox logins' own accounting elsewhere.
    assert_eq!(
        over_socket(&sock, &line(8), "POST", submit, &sealed),
        Some(201)
    );
    assert_eq!(
        over_socket(&sock, &line(8), "GET", "/healthz", b""),
        Some(200)
    );
    // The loopback listener (no circuit) is limited only server-wide.
    assert_eq!(server.submit_raw("cav-milano", &sealed).0, 201);

    // Without a valid PROXY line: the connection closes with no answer at all.
    assert_eq!(over_socket(&sock, b"", "GET", "/healthz", b""), None);
    assert_eq!(
        over_socket(&sock, b"PROXY TCP6 nonsense\r\n", "GET", "/healthz", b""),
        None
    );
    assert_eq!(
        over_socket(&sock, &[b'P'; 300], "GET", "/healthz", b""),
        None
    );

    // The circuit ids live in memory only.
    for needle in ["fc00:dead", "dead:beef", "458818"] {
        assert_eq!(
            common::scan(&server.data, needle.as_bytes()),
            0,
            "{needle} on disk"
        );
        assert!(!String::from_utf8_lossy(&server.output()).contains(needle));
    }
}
