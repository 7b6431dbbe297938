//! The HTTP API (actix-web). `configure` is shared by `approdo serve` and the tests.
//!
//! Route families: `public` (directory, health, the landing page), `submit` (sealed reports
//! in), `officer` (challenge login, list, download, acknowledge, delete), `mailbox` (replies
//! to codenames, with and without JavaScript), `log` (checkpoint, tiles, proofs). There is no access
//! log: nothing here records an address, a user agent or a time.

mod assets;
mod budget;
mod cases;
mod code;
mod error;
pub mod headers;
mod idle;
mod mailbox;
mod nojs;
mod officer;
pub mod outreach;
mod pages;
pub mod pow;
pub mod proxy;
mod public;
mod session;
pub mod slots;
mod submit;
mod transparency;
mod uploads;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::{web, App};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

pub use assets::Site;
pub use code::ErrorCode;
pub use error::ApiError;
pub use outreach::OutreachSite;
pub use session::Sessions;

use crate::keys::SignedDirectory;
use crate::store::Store;

/// Limits an operator can tune.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest accepted age file, in bytes.
    pub max_report_bytes: u64,
    /// How long an officer session lasts.
    pub session_ttl: Duration,
    /// How long a login challenge can be answered.
    pub challenge_ttl: Duration,
    /// Submissions per second, server-wide (bursts of 10× allowed).
    pub submissions_per_second: u32,
    /// Officer login challenges per second, per officer key (signed requests) and per
    /// recipient (unsigned ones), bursts of 10× allowed.
    pub logins_per_second: u32,
    /// Resumable uploads without a new chunk for this long are removed, whatever the load.
    pub upload_ttl: Duration,
    /// Resumable uploads without a new chunk for this long give their slot (and bytes) to the
    /// next client who needs one.
    pub upload_stale: Duration,
    /// Most resumable uploads in progress at once, server-wide.
    pub max_pending_uploads: usize,
    /// Most resumable uploads one tor circuit may hold (with the PROXY line).
    pub uploads_per_circuit: usize,
    /// Most bytes stored but not finalised (uploads and submissions in flight), server-wide.
    pub max_pending_bytes: u64,
    /// No-JavaScript mailbox logins (server-side KDF) per second, server-wide, and mailbox
    /// reads per second per mailbox (bursts of 10× allowed).
    pub mailbox_logins_per_second: u32,
    /// Days a reply waits in a mailbox before it is removed.
    pub reply_ttl_days: u32,
    /// How often queued log entries are integrated and a checkpoint signed (at multiples of it
    /// since the epoch, UTC: daily means at midnight).
    pub log_interval: Duration,
    /// Free space to keep on the data filesystem, and an optional cap on the store file.
    pub space: crate::store::SpacePolicy,
    /// Submissions and mailbox logins per minute from one tor circuit (with the PROXY line).
    pub per_circuit_per_minute: u32,
    /// Proof-of-work base cost of an anonymous write (leading zero bits at idle; 0 = off); it
    /// rises to this plus 4 as upload slots fill.
    pub pow_bits: u32,
    /// A request body that sends nothing for this long is cut (slow clients).
    pub body_idle: Duration,
    /// A victim's page left alone this long leaves for the neutral page: `safety.js` with
    /// JavaScript, a `<noscript>` meta refresh on pages that show secrets without it.
    pub page_idle: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_report_bytes: 512 * 1024 * 1024,
            session_ttl: Duration::from_secs(15 * 60),
            challenge_ttl: Duration::from_secs(120),
            submissions_per_second: 200,
            logins_per_second: 20,
            upload_ttl: Duration::from_secs(300),
            upload_stale: Duration::from_secs(60),
            max_pending_uploads: 1000,
            uploads_per_circuit: 4,
            max_pending_bytes: 2048 * 1024 * 1024,
            mailbox_logins_per_second: 5,
            reply_ttl_days: 30,
            log_interval: Duration::from_secs(86_400),
            space: crate::store::SpacePolicy {
                min_free: 64 * 1024 * 1024,
                max_store: None,
            },
            per_circuit_per_minute: 30,
            pow_bits: 14,
            body_idle: Duration::from_secs(30),
            page_idle: Duration::from_secs(600),
        }
    }
}

/// Shared state of the server.
pub struct AppState {
    pub store: Store,
    pub directory: Arc<SignedDirectory>,
    pub limits: Limits,
    pub sessions: Sessions,
    slots: slots::Slots,
    form_tokens: nojs::token::FormTokens,
    pow_tokens: nojs::token::FormTokens,
    /// Where the no-JavaScript path spools files, encrypted to an ephemeral key.
    pub spool_dir: std::path::PathBuf,
    /// The assets served for this network (the page script holds its key).
    site: Site,
    /// What `/healthz` and the admin socket's `health` report.
    pub health: crate::health::Health,
    submit_limiter: DefaultDirectRateLimiter,
    /// Per-officer and per-mailbox budgets (`budget`).
    budgets: budget::Budgets,
    /// The codename KDF's own small pool.
    kdf: mailbox::kdf::KdfPool,
    mailbox_limiter: DefaultDirectRateLimiter,
    circuit_limiter: governor::DefaultKeyedRateLimiter<proxy::CircuitId>,
}

fn limiter(per_second: u32) -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(per_second.max(1).saturating_mul(10)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
}

impl AppState {
    /// Builds the state; `spool_dir` is emptied (leftovers of a crash are undecryptable).
    pub fn new(
        store: Store,
        directory: SignedDirectory,
        limits: Limits,
        spool_dir: std::path::PathBuf,
    ) -> Self {
        let _ = std::fs::remove_dir_all(&spool_dir);
        let site = Site::for_network(directory.network_key());
        let health = crate::health::Health::new(store.clone(), limits.space);
        let slots = slots::Slots::new(slots::SlotPolicy {
            max: limits.max_pending_uploads.max(1),
            per_circuit: limits.uploads_per_circuit.max(1),
            stale: limits.upload_stale,
            ttl: limits.upload_ttl,
            max_pending: limits.max_pending_bytes,
        });
        // Uploads that survived a restart hold slots again before the first request.
        for id in store.resumable_at_open() {
            match store.resumable_status_blocking(id).ok().flatten() {
                Some(r) => slots.seed(id, r.next, &r.above),
                None => slots.seed(id, 0, &[]),
            }
        }
        AppState {
            health,
            store,
            directory: Arc::new(directory),
            sessions: Sessions::new(limits.session_ttl, limits.challenge_ttl),
            site,
            slots,
            form_tokens: nojs::token::FormTokens::default(),
            pow_tokens: nojs::token::FormTokens::default(),
            spool_dir,
            submit_limiter: limiter(limits.submissions_per_second),
            budgets: budget::Budgets::new(
                limits.logins_per_second,
                limits.mailbox_logins_per_second,
            ),
            kdf: mailbox::kdf::KdfPool::default(),
            mailbox_limiter: limiter(limits.mailbox_logins_per_second),
            circuit_limiter: RateLimiter::keyed(Quota::per_minute(
                NonZeroU32::new(limits.per_circuit_per_minute.max(1)).unwrap_or(NonZeroU32::MIN),
            )),
            limits,
        }
    }
}

impl AppState {
    /// Room for `bytes` more on disk (507 otherwise, before anything is written).
    pub(crate) fn admit_bytes(&self, bytes: u64) -> Result<(), ApiError> {
        self.store
            .room_for(bytes, self.limits.space)
            .map_err(ApiError::from)
    }

    /// Room for `bytes` more that will wait, unfinalised: the bytes already waiting count
    /// too, so pending bytes never take more than about half the room left, and the rest stays
    /// for accepted reports (507 otherwise).
    pub(crate) fn admit_pending(&self, bytes: u64) -> Result<(), ApiError> {
        self.admit_bytes(bytes.saturating_add(self.slots.pending_bytes()))
    }

    /// The per-circuit limit (connections relayed with tor's PROXY line carry their circuit).
    pub(crate) fn admit_circuit(&self, req: &actix_web::HttpRequest) -> Result<(), ApiError> {
        match req.conn_data::<proxy::CircuitId>() {
            Some(c) if self.circuit_limiter.check_key(c).is_err() => Err(ApiError::RateLimited),
            _ => Ok(()),
        }
    }

    /// Removes the chunks of uploads whose slots were taken back (fire and forget).
    pub(crate) fn reclaim(&self, evicted: Vec<crate::model::ReportId>) {
        for id in evicted {
            self.store.abort_upload(id);
        }
    }

    /// Forgets circuits not seen for a while (the limiter's memory stays bounded).
    pub(crate) fn forget_old_circuits(&self) {
        self.circuit_limiter.retain_recent();
        self.budgets.forget_idle();
    }

    /// The partner a submission is for (an unknown one is refused for free, before any
    /// budget is spent), then the rate limits (server-wide, per circuit) and room on disk.
    fn admit_submission(
        &self,
        req: &actix_web::HttpRequest,
        partner: &str,
    ) -> Result<crate::keys::Partner, ApiError> {
        let partner = self
            .directory
            .directory()
            .partner(partner)
            .cloned()
            .ok_or_else(|| ApiError::UnknownPartner(partner.chars().take(64).collect()))?;
        if self.submit_limiter.check().is_err() {
            return Err(ApiError::RateLimited);
        }
        self.admit_circuit(req)?;
        self.admit_bytes(crate::store::CHUNK_SIZE as u64)?;
        Ok(partner)
    }
}

/// Runs a blocking store call off the async workers.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
}

/// The body length a request declares (`Content-Length`), if it declares a valid one.
pub(super) fn declared_len(req: &actix_web::HttpRequest) -> Option<u64> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

fn json_error(msg: String) -> actix_web::Error {
    ApiError::BadRequest(msg).into()
}

/// Largest JSON body of the API (sealed replies, the only big ones, are read separately).
const JSON_LIMIT: usize = 64 * 1024;

/// The whole application: the security headers on every response (errors included), every
/// route, the JSON error handlers. `approdo serve` runs it on every worker
/// ([`crate::server::Server::start`]); the in-process tests (`tests/it/inproc/`) run the same
/// one through actix's test service.
pub fn app(
    state: web::Data<AppState>,
    outreach: web::Data<OutreachSite>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(outreach)
        .wrap(headers::security_headers())
        .configure(move |cfg| configure(cfg, state))
}

/// Registers every route and the JSON error handlers for extractor failures.
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .app_data(
            web::QueryConfig::default().error_handler(|e, _| json_error(format!("bad query: {e}"))),
        )
        .app_data(
            web::PathConfig::default().error_handler(|e, _| json_error(format!("bad path: {e}"))),
        )
        .app_data(
            web::FormConfig::default()
                .limit(16 * 1024)
                .error_handler(|e, _| json_error(format!("bad form: {e}"))),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(JSON_LIMIT)
                .error_handler(|e, _| match e {
                    JsonPayloadError::Overflow { .. }
                    | JsonPayloadError::OverflowKnownLength { .. } => {
                        ApiError::TooLarge(JSON_LIMIT as u64).into()
                    }
                    e => json_error(format!("bad JSON body: {e}")),
                }),
        )
        .configure(public::routes)
        .configure(submit::routes)
        .configure(officer::routes)
        .configure(cases::routes)
        .configure(uploads::routes)
        .configure(assets::routes)
        .configure(pages::routes)
        .configure(nojs::routes)
        .configure(mailbox::routes)
        .configure(transparency::routes)
        .configure(pow::routes)
        .configure(outreach::routes)
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::NoRoute)
        }));
}
