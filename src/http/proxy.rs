//! The PROXY protocol v1 line tor sends first on every connection to an onion service with
//! `HiddenServiceExportCircuitID haproxy`, and the front listener that reads it.
//!
//! tor encodes the rendezvous circuit's id in the source address:
//! `PROXY TCP6 fc00:dead:beef:4dad::AAAA:BBBB ::1 65535 80\r\n` is circuit `0xAAAABBBB`. Behind
//! tor every visitor comes from the same place, so the circuit is the only thing that tells
//! two visitors apart; it keys the rate limits, lives only in memory for the length of the
//! connection, and is never written anywhere.
//!
//! The front listener accepts on the unix socket tor forwards to, reads and parses the line,
//! then relays the connection to the HTTP server on an internal loopback port, remembering
//! which internal source port carries which circuit; the HTTP server looks the circuit up
//! when it accepts the relayed connection ([`Circuits::on_connect`]).

use std::collections::HashMap;
use std::net::{Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, map_res};
use nom::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest PROXY v1 line, CRLF included (the specification's limit).
pub const MAX_LINE: usize = 107;

/// Errors of the PROXY line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProxyError {
    /// Not a PROXY v1 line.
    #[error("not a PROXY protocol v1 line")]
    Malformed,
    /// Longer than 107 bytes without a CRLF.
    #[error("PROXY line too long")]
    TooLong,
}

/// A tor rendezvous circuit id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CircuitId(pub u32);

/// What a PROXY v1 line says.
#[derive(Debug, PartialEq, Eq)]
pub enum ProxyLine {
    /// `PROXY UNKNOWN …`: no address information.
    Unknown,
    /// A TCP4/TCP6 line: source and destination.
    Tcp {
        source: SocketAddr,
        dest: SocketAddr,
    },
}

impl ProxyLine {
    /// The tor circuit id, if the source is in tor's `fc00:dead:beef:4dad::/64`.
    pub fn circuit(&self) -> Option<CircuitId> {
        let ProxyLine::Tcp {
            source: SocketAddr::V6(s),
            ..
        } = self
        else {
            return None;
        };
        let seg = s.ip().segments();
        (seg[..4] == [0xfc00, 0xdead, 0xbeef, 0x4dad])
            .then(|| CircuitId((u32::from(seg[6]) << 16) | u32::from(seg[7])))
    }
}

fn word(i: &str) -> nom::IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_hexdigit() || c == '.' || c == ':')(i)
}

fn port(i: &str) -> nom::IResult<&str, u16> {
    map_res(digit1, |d: &str| {
        if d.len() > 1 && d.starts_with('0') {
            Err(())
        } else {
            d.parse::<u16>().map_err(|_| ())
        }
    })
    .parse(i)
}

/// Parses one PROXY v1 line (with its CRLF).
pub fn parse_line(line: &[u8]) -> Result<ProxyLine, ProxyError> {
    if line.len() > MAX_LINE {
        return Err(ProxyError::TooLong);
    }
    let text = std::str::from_utf8(line).map_err(|_| ProxyError::Malformed)?;
    let text = text.strip_suffix("\r\n").ok_or(ProxyError::Malformed)?;
    if let Ok((_, _)) = all_consuming((
        tag::<_, _, nom::error::Error<&str>>("PROXY UNKNOWN"),
        nom::combinator::rest,
    ))
    .parse(text)
    {
        return Ok(ProxyLine::Unknown);
    }
    let (_, (_, proto, _, src, _, dst, _, sport, _, dport)) = all_consuming((
        tag("PROXY "),
        alt((tag("TCP4"), tag("TCP6"))),
        char(' '),
        word,
        char(' '),
        word,
        char(' '),
        port,
        char(' '),
        port,
    ))
    .parse(text)
    .map_err(|_: nom::Err<nom::error::Error<&str>>| ProxyError::Malformed)?;
    let addr = |a: &str, p: u16| -> Result<SocketAddr, ProxyError> {
        if proto == "TCP6" {
            a.parse::<Ipv6Addr>()
                .map(|ip| SocketAddr::new(ip.into(), p))
                .map_err(|_| ProxyError::Malformed)
        } else {
            a.parse::<std::net::Ipv4Addr>()
                .map(|ip| SocketAddr::new(ip.into(), p))
                .map_err(|_| ProxyError::Malformed)
        }
    };
    Ok(ProxyLine::Tcp {
        source: addr(src, sport)?,
        dest: addr(dst, dport)?,
    })
}

/// Which internal connection carries which circuit (in memory only).
#[derive(Clone, Default)]
pub struct Circuits(Arc<Mutex<HashMap<u16, CircuitId>>>);

impl Circuits {
    fn insert(&self, port: u16, c: CircuitId) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(port, c);
    }

    fn remove(&self, port: u16) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&port);
    }

    /// For `HttpServer::on_connect`: tags a relayed connection with its circuit.
    pub fn on_connect(&self, conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions) {
        let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = tcp.peer_addr() else { return };
        if let Some(c) = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&peer.port())
        {
            ext.insert(*c);
        }
    }
}

/// Reads the PROXY line; returns it parsed and any bytes read past it.
async fn read_line(
    stream: &mut tokio::net::UnixStream,
) -> Result<(ProxyLine, Vec<u8>), ProxyError> {
    let mut buf = Vec::with_capacity(256);
    let mut piece = [0u8; 256];
    loop {
        if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
            let line = parse_line(&buf[..end + 2])?;
            return Ok((line, buf[end + 2..].to_vec()));
        }
        if buf.len() > MAX_LINE {
            return Err(ProxyError::TooLong);
        }
        let n = stream
            .read(&mut piece)
            .await
            .map_err(|_| ProxyError::Malformed)?;
        if n == 0 {
            return Err(ProxyError::Malformed);
        }
        buf.extend_from_slice(&piece[..n]);
    }
}

async fn relay(
    mut client: tokio::net::UnixStream,
    inner: SocketAddr,
    circuits: Circuits,
) -> std::io::Result<()> {
    let read = tokio::time::timeout(Duration::from_secs(10), read_line(&mut client)).await;
    let Ok(Ok((line, rest))) = read else {
        // No valid PROXY line in time: not from tor. Close without a word.
        return Ok(());
    };
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse().map_err(std::io::Error::other)?)?;
    let port = socket.local_addr()?.port();
    if let Some(c) = line.circuit() {
        circuits.insert(port, c);
    }
    let result = async {
        let mut server = socket.connect(inner).await?;
        server.write_all(&rest).await?;
        tokio::io::copy_bidirectional(&mut client, &mut server).await
    }
    .await;
    circuits.remove(port);
    result.map(|_| ())
}

/// Accepts on `listener` forever, relaying each connection to `inner` after its PROXY line.
pub async fn front(listener: tokio::net::UnixListener, inner: SocketAddr, circuits: Circuits) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let circuits = circuits.clone();
        tokio::spawn(async move {
            let _ = relay(stream, inner, circuits).await;
        });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tor_lines_give_the_circuit() {
        let l = parse_line(b"PROXY TCP6 fc00:dead:beef:4dad::1:2 ::1 65535 80\r\n").unwrap();
        assert_eq!(l.circuit(), Some(CircuitId(0x0001_0002)));
        let l = parse_line(b"PROXY TCP4 192.0.2.1 192.0.2.2 1234 80\r\n").unwrap();
        assert_eq!(l.circuit(), None);
        assert_eq!(
            parse_line(b"PROXY UNKNOWN\r\n").unwrap(),
            ProxyLine::Unknown
        );
        for bad in [
            &b"PROXY TCP6 fc00::1 ::1 65535 80\n"[..],
            b"PROXY TCP4 fc00::1 ::1 1 2\r\n",
            b"PROXY TCP6 fc00::1 ::1 65536 80\r\n",
            b"PROXY TCP6 fc00::1 ::1 01 80\r\n",
            b"GET / HTTP/1.1\r\n",
            b"PROXY TCP6  fc00::1 ::1 1 2\r\n",
            b"",
        ] {
            assert_eq!(parse_line(bad), Err(ProxyError::Malformed), "{bad:?}");
        }
        assert_eq!(parse_line(&[b'P'; 200]), Err(ProxyError::TooLong));
    }
}
