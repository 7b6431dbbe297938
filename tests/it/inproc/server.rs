//! The composition root in process: `Server::build` listens and stops, and `Server::open`
//! refuses, before anything is opened or written, what cannot work.

use std::path::PathBuf;

use approdo::server::{Network, Server, ServerError, Settings};

/// The composition root in process: `Server::build` on port 0 answers on a real socket, and
/// stops when asked (the store closes).
#[actix_web::test]
async fn the_server_builds_listens_and_stops_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let running = Server::build(Settings::demo(dir.path().join("data")))
        .await
        .unwrap();
    let addr = running.addrs[0];
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let shutdown = running.shutdown.clone();
    let run = actix_web::rt::spawn(running.wait());
    let status = actix_web::web::block(move || {
        ureq::get(&format!("http://{addr}/healthz"))
            .call()
            .map(|r| r.status())
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(status, 200);
    shutdown.stop(true).await;
    let stopped = run.await.unwrap().unwrap();
    drop(stopped);
}

/// Refused before the store is opened: the PROXY line without a unix socket, a unix socket a
/// live server answers on, the DEMO network without `--demo`, a second server on the same
/// data directory.
#[actix_web::test]
async fn open_refuses_what_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let refused = |settings: Settings| match Server::open(settings) {
        Ok(_) => panic!("opened"),
        Err(e) => e,
    };

    let mut s = Settings::demo(data.clone());
    s.proxy_protocol = true;
    assert!(matches!(refused(s), ServerError::ProxyWithoutSocket));
    assert!(!data.exists(), "nothing written before the refusal");

    let sock = dir.path().join("live.sock");
    let _live = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let mut s = Settings::demo(data.clone());
    s.unix_socket = Some(sock.clone());
    let e = refused(s);
    assert!(
        matches!(e, ServerError::SocketInUse(ref p) if *p == sock),
        "{e}"
    );
    assert!(
        e.to_string().contains("another server is listening on"),
        "{e}"
    );
    assert!(!data.exists(), "nothing written before the refusal");

    let keys = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keys/demo");
    let mut s = Settings::demo(data.clone());
    s.network = Network::Files {
        directory: keys.join("directory.json"),
        network_key: keys.join("network.pub"),
    };
    let e = refused(s);
    assert!(matches!(e, ServerError::DemoWithoutFlag(_)), "{e}");

    let first = Server::open(Settings::demo(data.clone())).unwrap();
    let e = refused(Settings::demo(data.clone()));
    assert!(matches!(e, ServerError::StoreHeld { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("another server holds this data directory"),
        "{e}"
    );
    drop(first);
}
