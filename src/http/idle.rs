//! Slow clients: a request body that sends nothing for `idle` ends with an error, so a
//! connection trickling a byte now and then (slowloris) cannot hold a handler, a buffer or an
//! upload slot for long. Headers have their own deadline (`client_request_timeout`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::error::PayloadError;
use bytes::Bytes;
use futures_util::Stream;
use tokio::time::{sleep, Instant, Sleep};

/// A body stream that fails after `idle` without data.
pub struct Idle<S> {
    inner: S,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

/// Wraps a request body.
pub fn idle<S>(inner: S, idle: Duration) -> Idle<S> {
    Idle {
        inner,
        idle,
        timer: Box::pin(sleep(idle)),
        done: false,
    }
}

impl<S> Stream for Idle<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(item) => {
                let deadline = Instant::now() + self.idle;
                self.timer.as_mut().reset(deadline);
                Poll::Ready(item)
            }
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.done = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client sent nothing for too long",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
