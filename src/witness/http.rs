//! The witness over HTTP (c2sp.org/tlog-witness): `POST /add-checkpoint` and the monitoring
//! read `GET /<origin hash>/checkpoint`. Bodies over [`MAX_BODY`] are refused (413) before
//! they are read whole; nothing but the state file is written.

use std::sync::Arc;

use actix_web::{get, post, web, App, HttpResponse, HttpServer};

use super::state::{Verdict, Witness, MAX_BODY};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[post("/add-checkpoint")]
async fn add_checkpoint(witness: web::Data<Arc<Witness>>, body: web::Bytes) -> HttpResponse {
    let w = witness.get_ref().clone();
    let verdict = web::block(move || w.add_checkpoint(&body, now())).await;
    match verdict {
        Ok(Ok(Verdict::Cosigned(line))) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(line),
        Ok(Ok(Verdict::Conflict(size))) => HttpResponse::Conflict()
            .content_type("text/x.tlog.size")
            .body(format!("{size}\n")),
        Ok(Ok(Verdict::Refused(status, why))) => HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
        )
        .content_type("text/plain; charset=utf-8")
        .body(format!("{why}\n")),
        Ok(Err(e)) => HttpResponse::InternalServerError()
            .content_type("text/plain; charset=utf-8")
            .body(format!("{e}\n")),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[get("/{origin_hash}/checkpoint")]
async fn latest(witness: web::Data<Arc<Witness>>, origin: web::Path<String>) -> HttpResponse {
    match witness.latest_by_hash(&origin) {
        Some(note) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(note),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Serves `witness` on `listen` until the process is stopped; prints the address it bound.
pub fn serve(witness: Witness, listen: &str) -> std::io::Result<()> {
    let witness = web::Data::new(Arc::new(witness));
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(witness.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .service(add_checkpoint)
                .service(latest)
        })
        .workers(2)
        .bind(listen)?;
        for addr in server.addrs() {
            println!("witness listening on http://{addr}");
        }
        server.run().await
    })
}
