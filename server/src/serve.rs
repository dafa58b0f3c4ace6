//! `guildhall serve`: the portal itself, with its background jobs, its metrics listener and
//! its orderly shutdown.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use guildhall_app::server::AppState;
use guildhall_app::server::cache::Topic;
use guildhall_app::server::cache::listen::listen;
use guildhall_app::server::cache::other_processes;
use guildhall_app::server::content::{Catalogue, Content, last_modified};
use guildhall_app::server::db::{self, Backend};
use guildhall_app::server::quiz;
use guildhall_app::server::rate_limit;
use guildhall_app::server::sessions::SqlSessionStore;
use guildhall_server::config::Config;
use guildhall_server::connections;
use guildhall_server::deadline::Deadline;
use guildhall_server::metrics::Metrics;
use guildhall_server::router;

use crate::{Failure, open_database, print_content_errors};

pub async fn serve(config: Config) -> Result<(), Failure> {
    let catalogue = Catalogue::load(&config.content_dir).map_err(|errors| {
        print_content_errors(&errors);
        format!(
            "refusing to start: {} problem(s) in {}; nothing was served",
            errors.len(),
            config.content_dir.display()
        )
    })?;
    if let Some(problem) = config.public_url_problem() {
        tracing::error!("{problem}");
        eprintln!("guildhall: WARNING: {problem}");
    }
    tracing::info!(modules = catalogue.modules().len(), "content loaded");
    let content = Content::new(catalogue);
    if config.watch_content {
        tokio::spawn(watch_content(config.content_dir.clone(), content.clone()));
    }
    let (pool, backend) = open_database(&config).await?;
    tracing::info!(backend = ?backend, "database ready, migrations applied");
    let state = router::app_state(
        pool.clone(),
        backend,
        config.settings(),
        content.clone(),
        &config.site_root,
    );
    if backend == Backend::Postgres {
        tokio::spawn(listen(state.caches.clone(), config.database_url.clone()));
    } else {
        tokio::spawn(other_processes::follow(state.caches.clone(), pool.clone()));
    }
    tokio::spawn(close_expired_attempts(state.clone()));
    let metrics = std::sync::Arc::<Metrics>::default();
    let deadline = Deadline {
        limit: config.request_deadline(),
        metrics: metrics.clone(),
    };
    let mut app = router::build_with(state, deadline);
    if config.bench_baseline {
        app = router::with_bench_baseline(app).await;
    }

    tokio::spawn(sweep_expired(pool.clone()));

    let limits = config.connection_limits(raise_open_files_limit());
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.site_addr))?;
    if let Some(addr) = config.metrics_addr.0 {
        serve_metrics(addr, metrics.clone(), pool.clone()).await;
    }
    tracing::info!(
        max_connections = limits.max_connections,
        per_address = limits.per_address,
        "Guildhall listening on http://{}",
        config.site_addr
    );
    connections::serve(listener, app, limits, metrics, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// `/metrics` on its own (local) address. A second instance on the same machine finds the
/// port taken: it says so and serves the portal without metrics.
async fn serve_metrics(addr: SocketAddr, metrics: std::sync::Arc<Metrics>, pool: sqlx::AnyPool) {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => {
            tracing::info!("metrics at http://{addr}/metrics");
            let app = guildhall_server::metrics::router(metrics, pool);
            tokio::spawn(async move { axum::serve(listener, app).await });
        }
        Err(e) => tracing::error!(
            "cannot serve metrics on {addr}: {e}; set GUILDHALL_METRICS_ADDR to a free address or off"
        ),
    }
}

/// Raises the soft limit on open files to the hard one (each connection holds a descriptor)
/// and returns the limit in force.
fn raise_open_files_limit() -> u64 {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return 1024;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        limit.rlim_cur
    }
    #[cfg(not(unix))]
    {
        1024
    }
}

/// Development aid: reloads the content when a file under it changes.
async fn watch_content(dir: PathBuf, content: Content) {
    let mut seen = last_modified(&dir);
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        let now = last_modified(&dir);
        if now == seen {
            continue;
        }
        seen = now;
        match Catalogue::load(&dir) {
            Ok(catalogue) => {
                content.replace(catalogue);
                tracing::info!("content reloaded");
            }
            Err(errors) => {
                for error in &errors {
                    tracing::warn!("{error}");
                }
                tracing::warn!(
                    "content not reloaded: {} problem(s); still serving the last good version",
                    errors.len()
                );
            }
        }
    }
}

/// Expired sessions and stale rate-limit counters are removed hourly.
async fn sweep_expired(pool: sqlx::AnyPool) {
    let store = SqlSessionStore::new(pool.clone());
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!(error = %e, "could not delete expired sessions");
        }
        if let Err(e) = rate_limit::forget_old(&pool, Duration::from_secs(24 * 3600)).await {
            tracing::warn!(error = %e, "could not delete old rate-limit counters");
        }
    }
}

/// Quiz attempts whose time ran out while nobody was looking are graded each minute, so the
/// member's history and the admins' statistics never wait for the member to come back.
async fn close_expired_attempts(state: AppState) {
    let (pool, backend, content) = (&state.pool, state.backend, &state.content);
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        let catalogue = content.get();
        let quiz_of = |slug: &str| catalogue.module(slug).and_then(|m| m.quiz.clone());
        match quiz::attempts::close_all_expired(pool, backend, quiz_of, db::now()).await {
            Ok(0) => {}
            Ok(closed) => {
                tracing::info!(closed, "graded quiz attempts whose time ran out");
                // A pass shows on its member's pages; which members is not worth tracking here.
                state.caches.announce(pool, &[Topic::Members]).await;
            }
            Err(e) => tracing::warn!(error = %e, "could not grade expired quiz attempts"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
