//! Tor's client side, as far as approdo can tell: a SOCKS5 listener on 127.0.0.1 (what
//! `--proxy socks5h://127.0.0.1:9050` reaches) that accepts one host name, the network's
//! onion address, and hands each connection to the server's unix socket with a PROXY v1 line
//! first, a new circuit id per connection — as tor's onion service does with
//! `HiddenServiceExportCircuitID haproxy`. Any other host is refused (SOCKS5 reply 4, host
//! unreachable), so a command that bypasses the proxy or names another host fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Starts the relay; returns its port. It runs until the test process ends.
pub fn start(onion_host: String, socket: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
    let port = listener.local_addr().expect("relay address").port();
    let circuits = Arc::new(AtomicU32::new(1));
    std::thread::spawn(move || {
        for conn in listener.incoming().map_while(Result::ok) {
            let (host, socket, circuits) = (onion_host.clone(), socket.clone(), circuits.clone());
            std::thread::spawn(move || {
                let circuit = circuits.fetch_add(1, Ordering::Relaxed);
                let _ = serve(conn, &host, &socket, circuit);
            });
        }
    });
    port
}

fn serve(mut c: TcpStream, host: &str, socket: &PathBuf, circuit: u32) -> std::io::Result<()> {
    // Greeting: version 5, n methods; we take "no authentication".
    let mut head = [0u8; 2];
    c.read_exact(&mut head)?;
    let mut methods = vec![0u8; usize::from(head[1])];
    c.read_exact(&mut methods)?;
    c.write_all(&[5, 0])?;
    // Request: version, CONNECT, reserved, address type.
    let mut req = [0u8; 4];
    c.read_exact(&mut req)?;
    let target = match req[3] {
        3 => {
            let mut len = [0u8; 1];
            c.read_exact(&mut len)?;
            let mut name = vec![0u8; usize::from(len[0])];
            c.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        1 => {
            let mut a = [0u8; 4];
            c.read_exact(&mut a)?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        _ => {
            let mut a = [0u8; 16];
            c.read_exact(&mut a)?;
            std::net::Ipv6Addr::from(a).to_string()
        }
    };
    let mut port = [0u8; 2];
    c.read_exact(&mut port)?;
    if req[1] != 1 || target != host || u16::from_be_bytes(port) != 80 {
        c.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0])?;
        return Ok(());
    }
    let mut up = UnixStream::connect(socket)?;
    // What tor writes first on every stream of a rendezvous circuit.
    write!(
        up,
        "PROXY TCP6 fc00:dead:beef:4dad::{:x}:{:x} ::1 65535 80\r\n",
        circuit >> 16,
        circuit & 0xffff
    )?;
    c.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])?;
    let (mut c2, mut up2) = (c.try_clone()?, up.try_clone()?);
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up2, &mut c2);
        let _ = c2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut c, &mut up);
    let _ = up.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
    Ok(())
}
