//! The request deadline: a request whose response has not begun within the configured time
//! is answered 503 and logged, so a stuck database or render cannot hold a client (and its
//! connection) forever. A body that has begun streams on: downloads are not cut.
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guildhall_app::server::identity::{CallerRecord, request_too_slow, visitor_locale};

use crate::metrics::Metrics;

#[derive(Clone)]
pub struct Deadline {
    pub limit: Duration,
    pub metrics: Arc<Metrics>,
}

impl Default for Deadline {
    fn default() -> Self {
        Deadline {
            limit: Duration::from_secs(30),
            metrics: Arc::default(),
        }
    }
}

pub async fn within_deadline(
    State(deadline): State<Deadline>,
    mut req: Request,
    next: Next,
) -> Response {
    let caller = CallerRecord::default();
    req.extensions_mut().insert(caller.clone());
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let locale = visitor_locale(req.headers());
    let started = Instant::now();
    match tokio::time::timeout(deadline.limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            deadline.metrics.timed_out.inc();
            tracing::warn!(
                %method,
                path,
                member = caller.member(),
                waited_ms = started.elapsed().as_millis() as u64,
                "request cut off at the deadline"
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                request_too_slow(locale),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn_with_state;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    // Paused time: the clock jumps ahead whenever every task waits, so nothing sleeps.
    #[tokio::test(start_paused = true)]
    async fn a_request_past_the_deadline_is_answered_503_in_the_callers_language_and_counted() {
        let metrics = Arc::<Metrics>::default();
        let deadline = Deadline {
            limit: Duration::from_secs(30),
            metrics: metrics.clone(),
        };
        let app = Router::new()
            .route(
                "/stuck",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    "too late"
                }),
            )
            .route("/quick", get(|| async { "in time" }))
            .layer(from_fn_with_state(deadline, within_deadline));
        let ask = |path: &str| {
            axum::http::Request::get(path)
                .header(header::ACCEPT_LANGUAGE, "cs")
                .body(Body::empty())
                .unwrap()
        };

        let res = app.clone().oneshot(ask("/stuck")).await.unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[header::RETRY_AFTER], "5");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, request_too_slow(guildhall_app::i18n::Locale::cs));
        assert_eq!(metrics.timed_out.get(), 1);

        let res = app.oneshot(ask("/quick")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(metrics.timed_out.get(), 1, "a quick request is not counted");
    }
}
