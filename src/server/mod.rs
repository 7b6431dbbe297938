//! The composition root: one place that turns [`Settings`] into a running server. It refuses
//! what cannot work before anything is opened, picks the directory to serve ([`Network`]),
//! opens the store, builds the state, binds the admin socket, spawns the background jobs
//! ([`jobs`]), binds TCP, the unix socket and tor's PROXY front, and on stop aborts the jobs
//! and closes the store. `approdo serve` is flags → [`Settings`] → [`Server::build`] → wait;
//! the in-process tests take [`Server::open`] and run [`Server::app`] through actix's test
//! service, without sockets.
//!
//! Modules: [`jobs`] (the background loops), `network` (which directory is served).

pub mod jobs;
mod network;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::{web, HttpServer};

pub use network::Network;

use crate::http::{self, AppState, Limits, OutreachSite};
use crate::outreach::OnionAddress;
use crate::store::{self, Store};

/// Everything a server needs, resolved (flags over the configuration over the defaults).
#[derive(Debug)]
pub struct Settings {
    /// The data directory (the redb file, the spool, the admin socket, `demo/`).
    pub data: PathBuf,
    /// Which directory is served.
    pub network: Network,
    /// A TCP address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: Option<String>,
    /// A unix socket to listen on (for a tor onion service).
    pub unix_socket: Option<PathBuf>,
    /// Expect tor's PROXY v1 line first on every unix-socket connection.
    pub proxy_protocol: bool,
    /// The tunable limits.
    pub limits: Limits,
    /// Days an acknowledged report is kept.
    pub retention_days: u32,
    /// HTTP worker threads.
    pub workers: usize,
    /// How long a client may take to send its request headers.
    pub client_timeout: Duration,
    /// This site's onion address, for the printable cards at /outreach.
    pub onion: Option<OnionAddress>,
}

impl Settings {
    /// The demo network on `data`, listening on a free loopback port, default limits.
    pub fn demo(data: PathBuf) -> Settings {
        Settings {
            data,
            network: Network::Demo,
            listen: Some("127.0.0.1:0".to_owned()),
            unix_socket: None,
            proxy_protocol: false,
            limits: Limits::default(),
            retention_days: crate::config::DEFAULT_RETENTION_DAYS,
            workers: 2,
            client_timeout: Limits::default().body_idle,
            onion: None,
        }
    }
}

/// Why a server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// `--proxy-protocol` without a unix socket to read it on.
    #[error("--proxy-protocol reads tor's PROXY line on the unix socket: give --unix-socket too")]
    ProxyWithoutSocket,
    /// A live server answers on the unix socket: removing it would take over its visitors.
    #[error(
        "another server is listening on {}; stop it first (`systemctl stop approdo`) or give \
         this one its own --unix-socket",
        .0.display()
    )]
    SocketInUse(PathBuf),
    /// The configured directory is refused and no earlier one can be served instead.
    #[error(
        "the configured directory cannot be served (run `approdo check --config` for details)"
    )]
    ConfiguredDirectory(#[source] crate::config::ConfigError),
    /// The demo network could not be installed or read.
    #[error("installing the demo network")]
    Demo(#[source] crate::keys::KeyError),
    /// The network key given by `--network-key` cannot be read.
    #[error("reading the network key")]
    NetworkKey(#[source] crate::keys::KeyError),
    /// The directory given by `--directory` does not verify.
    #[error("the directory does not verify; refusing to serve it")]
    Unverified(#[source] crate::keys::KeyError),
    /// The DEMO network's key or directory given without `--demo`.
    #[error("refusing to serve the DEMO network without --demo")]
    DemoWithoutFlag(#[source] crate::config::ConfigError),
    /// Another server holds the data directory's store.
    #[error(
        "another server holds this data directory ({}): stop it first (`systemctl stop approdo`)",
        .data.display()
    )]
    StoreHeld {
        /// The data directory.
        data: PathBuf,
        /// The store's refusal.
        #[source]
        source: store::StoreError,
    },
    /// The store could not be opened.
    #[error("opening the store in {}", .data.display())]
    Store {
        /// The data directory.
        data: PathBuf,
        /// Why.
        #[source]
        source: store::StoreError,
    },
    /// A socket could not be bound.
    #[error("cannot listen on {what}")]
    Listen {
        /// The address or socket (`unix socket PATH`, `the internal listener`).
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP server failed while running.
    #[error("server stopped with an error")]
    Stopped(#[source] std::io::Error),
}

/// A server opened but not yet listening: the store, the state, the admin socket.
pub struct Server {
    settings: Settings,
    state: web::Data<AppState>,
    outreach: web::Data<OutreachSite>,
    admin: Option<std::os::unix::net::UnixListener>,
    closer: store::Closer,
}

impl Server {
    /// [`Server::open`] then [`Server::start`]: a server listening, its jobs running. Call it
    /// on an actix system (`actix_web::rt::System`, `#[actix_web::test]`).
    pub async fn build(settings: Settings) -> Result<Running, ServerError> {
        Server::open(settings)?.start()
    }

    /// Checks the settings, picks the directory, opens the store and builds the state. Refused
    /// before anything is opened or written: `--proxy-protocol` without a unix socket, a unix
    /// socket a live server answers on.
    pub fn open(settings: Settings) -> Result<Server, ServerError> {
        if settings.proxy_protocol && settings.unix_socket.is_none() {
            return Err(ServerError::ProxyWithoutSocket);
        }
        if let Some(sock) = &settings.unix_socket {
            refuse_live_socket(sock)?;
        }
        let data = settings.data.clone();
        let (directory, refused) = network::load_directory(&settings.network, &data)?;
        let store = Store::open(&data, &directory).map_err(|source| {
            if source.to_string().contains("already open") {
                ServerError::StoreHeld {
                    data: data.clone(),
                    source,
                }
            } else {
                ServerError::Store {
                    data: data.clone(),
                    source,
                }
            }
        })?;
        // Without it the server still serves; only `approdo backup` of the running server fails.
        let admin = crate::admin::bind(&data)
            .inspect_err(|e| {
                eprintln!("approdo: warning: {e}; `approdo backup` needs the server stopped")
            })
            .ok();
        let closer = store.closer();
        let state = web::Data::new(AppState::new(
            store,
            directory,
            settings.limits.clone(),
            data.join("spool"),
        ));
        if let Some(reason) = refused {
            eprintln!("approdo: warning: {reason}");
            state.health.degrade(reason);
        }
        let outreach = web::Data::new(OutreachSite {
            onion: settings.onion.clone(),
        });
        Ok(Server {
            settings,
            state,
            outreach,
            admin,
            closer,
        })
    }

    /// The application every worker runs ([`http::app`] on this server's state).
    pub fn app(
        &self,
    ) -> actix_web::App<
        impl actix_web::dev::ServiceFactory<
            actix_web::dev::ServiceRequest,
            Config = (),
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    > {
        http::app(self.state.clone(), self.outreach.clone())
    }

    /// The server's state (its store, directory, limits, health).
    pub fn state(&self) -> &web::Data<AppState> {
        &self.state
    }

    /// Binds the sockets and spawns the background jobs; the server runs until
    /// [`Shutdown::stop`], SIGINT or SIGTERM. Must run on an actix system.
    pub fn start(self) -> Result<Running, ServerError> {
        let Server {
            settings,
            state,
            outreach,
            admin,
            closer,
        } = self;
        let circuits = http::proxy::Circuits::default();
        let tagger = circuits.clone();
        let app_state = state.clone();
        let mut server = HttpServer::new(move || http::app(app_state.clone(), outreach.clone()))
            .on_connect(move |conn, ext| tagger.on_connect(conn, ext))
            .workers(settings.workers.max(1))
            .client_request_timeout(settings.client_timeout.max(Duration::from_secs(1)))
            .client_disconnect_timeout(Duration::from_secs(5));
        let listen = match (&settings.listen, &settings.unix_socket) {
            (Some(l), _) => Some(l.clone()),
            (None, None) => Some("127.0.0.1:8080".to_owned()),
            (None, Some(_)) => None,
        };
        if let Some(l) = &listen {
            server = server.bind(l).map_err(|source| ServerError::Listen {
                what: l.clone(),
                source,
            })?;
        }
        // Before the unix socket: actix lists a placeholder TCP address for it.
        let addrs = server.addrs();
        let mut front = None;
        match &settings.unix_socket {
            Some(sock) if settings.proxy_protocol => {
                // tor → unix socket → (PROXY line read here) → internal loopback port → HTTP.
                let internal = |source| ServerError::Listen {
                    what: "the internal listener".to_owned(),
                    source,
                };
                let inner = std::net::TcpListener::bind("127.0.0.1:0").map_err(internal)?;
                let inner_addr = inner.local_addr().map_err(internal)?;
                server = server.listen(inner).map_err(internal)?;
                let _ = std::fs::remove_file(sock);
                let uds =
                    tokio::net::UnixListener::bind(sock).map_err(|source| ServerError::Listen {
                        what: format!("unix socket {}", sock.display()),
                        source,
                    })?;
                front = Some(http::proxy::front(uds, inner_addr, circuits));
            }
            Some(sock) => {
                server = server
                    .bind_uds(sock)
                    .map_err(|source| ServerError::Listen {
                        what: format!("unix socket {}", sock.display()),
                        source,
                    })?;
            }
            None => {}
        }
        use actix_web::rt::spawn;
        let mut jobs = vec![
            spawn(jobs::collect_abandoned(state.clone())),
            spawn(jobs::expire_replies(state.clone())),
            spawn(jobs::integrate_log(state.clone())),
            spawn(jobs::retention(
                state.store.clone(),
                settings.retention_days,
            )),
        ];
        if let Some(l) = admin {
            let (store, health) = (state.store.clone(), state.health.clone());
            jobs.push(spawn(crate::admin::serve(l, store, health)));
        }
        jobs.extend(front.map(|f| spawn(f)));
        let server = server.run();
        Ok(Running {
            addrs,
            unix_socket: settings.unix_socket,
            shutdown: Shutdown(server.handle()),
            server,
            jobs,
            closer,
            data: settings.data,
        })
    }
}

/// A server listening: its addresses, a handle to stop it, and the run to wait on.
pub struct Running {
    /// The TCP addresses it listens on (the port picked for `:0`).
    pub addrs: Vec<SocketAddr>,
    /// The unix socket it listens on, if any.
    pub unix_socket: Option<PathBuf>,
    /// Stops the server from anywhere (a test, a signal handler of one's own).
    pub shutdown: Shutdown,
    server: actix_web::dev::Server,
    jobs: Vec<actix_web::rt::task::JoinHandle<()>>,
    closer: store::Closer,
    data: PathBuf,
}

impl Running {
    /// Runs until the server stops (SIGINT, SIGTERM or [`Shutdown::stop`]), then aborts the
    /// background jobs and removes the admin socket. The store closes once the last handle
    /// is gone: wait for it with [`Stopped::close`] after the actix system ends.
    pub async fn wait(self) -> Result<Stopped, ServerError> {
        let result = self.server.await.map_err(ServerError::Stopped);
        for job in &self.jobs {
            job.abort();
        }
        let _ = std::fs::remove_file(crate::admin::socket_path(&self.data));
        result.map(|()| Stopped {
            closer: self.closer,
        })
    }
}

/// Stops a running server.
#[derive(Clone)]
pub struct Shutdown(actix_web::dev::ServerHandle);

impl Shutdown {
    /// Stops the server (`graceful`: in-flight requests finish first) and waits until it has.
    pub async fn stop(&self, graceful: bool) {
        self.0.stop(graceful).await;
    }
}

/// A server that has stopped; its store closes when the last handle goes.
pub struct Stopped {
    closer: store::Closer,
}

impl Stopped {
    /// Waits up to `timeout` for the store writer to finish; returns whether it did (if not,
    /// the next start repairs the file).
    pub fn close(self, timeout: Duration) -> bool {
        self.closer.wait(timeout)
    }
}

/// Refuses a unix socket a live server answers on: removing it would silently take over that
/// server's visitors (a stale file left by a crash, which nobody answers, is replaced).
fn refuse_live_socket(sock: &std::path::Path) -> Result<(), ServerError> {
    if std::os::unix::net::UnixStream::connect(sock).is_ok() {
        return Err(ServerError::SocketInUse(sock.to_owned()));
    }
    Ok(())
}
