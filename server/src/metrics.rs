//! What an operator watches, in Prometheus text format at `/metrics` on a separate address
//! (local-only by default): requests by status, requests cut off by the deadline,
//! connections held, refused and closed for idling, database pool use and the password
//! hashing queue.
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use sqlx::AnyPool;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

/// Counters and gauges shared by the listener, the router and the `/metrics` page.
#[derive(Default)]
pub struct Metrics {
    responses: Family<StatusLabel, Counter>,
    pub timed_out: Counter,
    pub connections_open: Gauge,
    refused: Family<ReasonLabel, Counter>,
    pub closed_idle: Counter,
    pub accept_errors: Counter,
    pool: Family<StateLabel, Gauge>,
    argon2: Family<StateLabel, Gauge>,
}

/// Why a connection was turned away (a label of `guildhall_connections_refused_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every connection slot holds a request in flight.
    Full,
    /// The client's address holds its share of connections, all busy.
    PerAddress,
}

impl Metrics {
    pub fn refused(&self, why: Refusal) {
        let reason = match why {
            Refusal::Full => "full",
            Refusal::PerAddress => "per_address",
        };
        self.refused.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// The page, with the pool and hashing queue read as they are now.
    pub fn render(&self, pool: &AnyPool) -> String {
        let idle = pool.num_idle() as i64;
        let open = i64::from(pool.size());
        let set = |family: &Family<StateLabel, Gauge>, state, value| {
            family.get_or_create(&StateLabel { state }).set(value);
        };
        set(&self.pool, "in_use", open - idle);
        set(&self.pool, "idle", idle);
        let hashing = guildhall_app::server::passwords::queue();
        set(&self.argon2, "running", hashing.running as i64);
        set(&self.argon2, "waiting", hashing.waiting as i64);

        let mut registry = Registry::with_prefix("guildhall");
        registry.register(
            "http_responses",
            "Responses sent, by HTTP status",
            self.responses.clone(),
        );
        registry.register(
            "http_requests_timed_out",
            "Requests answered 503 because they ran past the request deadline",
            self.timed_out.clone(),
        );
        registry.register(
            "connections_open",
            "Client connections held now",
            self.connections_open.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections answered 503 and closed at once, by reason",
            self.refused.clone(),
        );
        registry.register(
            "connections_closed_idle",
            "Idle connections closed to make room for new ones",
            self.closed_idle.clone(),
        );
        registry.register(
            "accept_errors",
            "Failures to accept a connection (such as running out of file descriptors)",
            self.accept_errors.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections, in use and idle",
            self.pool.clone(),
        );
        registry.register(
            "password_hashing",
            "Password hashes running and waiting for a slot",
            self.argon2.clone(),
        );
        let mut page = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut page, &registry);
        page
    }
}

/// Counts every response by its status (outermost layer of the portal's router).
pub async fn count_responses(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let res = next.run(req).await;
    metrics
        .responses
        .get_or_create(&StatusLabel {
            status: res.status().as_u16(),
        })
        .inc();
    res
}

/// The `/metrics` page, served on its own listener.
pub fn router(metrics: Arc<Metrics>, pool: AnyPool) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            (
                [(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                metrics.render(&pool),
            )
                .into_response()
        }),
    )
}
