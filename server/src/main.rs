use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use guildhall_app::domain::role::Role;
use guildhall_app::i18n::Locale;
use guildhall_app::server::accounts::{self, NewAccount};
use guildhall_app::server::cache::Topic;
use guildhall_app::server::cache::listen::listen;
use guildhall_app::server::certificates::{self, Actor};
use guildhall_app::server::content::{Catalogue, Content, ContentError, last_modified};
use guildhall_app::server::db::{self, Backend};
use guildhall_app::server::quiz;
use guildhall_app::server::rate_limit;
use guildhall_app::server::sessions::SqlSessionStore;
use guildhall_app::server::{AppError, AppState};
use guildhall_server::config::{
    AdminCommand, CertificatesCommand, Cli, Command, Config, ContentCommand, LogFormat,
};
use guildhall_server::connections;
use guildhall_server::deadline::Deadline;
use guildhall_server::metrics::Metrics;
use guildhall_server::router;
use tracing_subscriber::EnvFilter;

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    release_large_allocations();
    // An optional .env file; variables already set win.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    init_tracing(cli.config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("guildhall: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("guildhall: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await.map(|()| ExitCode::SUCCESS),
        Command::Admin(AdminCommand::Create {
            email,
            name,
            language,
        }) => {
            let (pool, _) = open_database(&config).await?;
            let password = read_new_password()?;
            let refused = |e: AppError| {
                format!(
                    "cannot create this administrator: {}",
                    e.code().message(Locale::en)
                )
            };
            let account = NewAccount::check(&name, &email, &password, &language, Role::Admin)
                .map_err(refused)?;
            let user = accounts::create(&pool, account).await.map_err(refused)?;
            println!("Administrator {} <{}> created.", user.name, user.email);
            Ok(ExitCode::SUCCESS)
        }
        Command::Content(ContentCommand::Check) => match Catalogue::load(&config.content_dir) {
            Ok(catalogue) => {
                let translations: usize = catalogue
                    .modules()
                    .iter()
                    .map(|m| m.translations.len())
                    .sum();
                let quizzes = catalogue.modules().iter().filter_map(|m| m.quiz.as_ref());
                let (quiz_count, questions) =
                    quizzes.fold((0, 0), |(n, q), quiz| (n + 1, q + quiz.questions.len()));
                let code =
                    catalogue
                        .code_of_conduct()
                        .map_or("no code of conduct".to_owned(), |c| {
                            let clauses = c.clauses("en").count();
                            format!(
                                "code of conduct version {} with {clauses} clauses",
                                c.version
                            )
                        });
                println!(
                    "{}: {} modules in {translations} files, {quiz_count} quizzes with {questions} questions, certificate programmes: {}, {code}, forum categories: {}; no problems found",
                    config.content_dir.display(),
                    catalogue.modules().len(),
                    catalogue.programmes().len(),
                    catalogue.categories().len()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                print_content_errors(&errors);
                Ok(ExitCode::FAILURE)
            }
        },
        Command::Backup { file } => {
            if file.exists() {
                return Err(
                    format!("{} already exists; choose a new file name", file.display()).into(),
                );
            }
            let (pool, backend) = open_database(&config).await?;
            db::backup(&pool, backend, &file).await?;
            println!("Backup written to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(guildhall_server::config::DemoCommand::Members {
            count,
            password,
            email_prefix,
            language,
        }) => create_demo_members(&config, count, &password, &email_prefix, &language).await,
        Command::Demo(guildhall_server::config::DemoCommand::Forum {
            threads,
            posts,
            email_prefix,
        }) => {
            let catalogue = Catalogue::load(&config.content_dir).map_err(|errors| {
                print_content_errors(&errors);
                "the content folder has errors"
            })?;
            let (pool, backend) = open_database(&config).await?;
            let started = std::time::Instant::now();
            let seeded = guildhall_app::server::forum::demo::seed(
                &pool,
                backend,
                &catalogue,
                &email_prefix,
                threads,
                posts,
                db::now(),
            )
            .await?;
            println!(
                "{} threads and {} posts written in {:.1} s.",
                seeded.threads,
                seeded.posts,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Certificates(command) => manage_certificates(&config, command).await,
    }
}

/// `guildhall certificates issue|revoke`: the admin pages' actions, for scripts and
/// migrations from an earlier system.
async fn manage_certificates(
    config: &Config,
    command: CertificatesCommand,
) -> Result<ExitCode, Failure> {
    let refused = |e: AppError| -> Failure { e.code().message(Locale::en).into() };
    let catalogue = Catalogue::load(&config.content_dir).map_err(|errors| {
        print_content_errors(&errors);
        "the content folder has errors; nothing was issued or revoked"
    })?;
    let (pool, backend) = open_database(config).await?;
    let state = router::app_state(
        pool,
        backend,
        config.settings(),
        Content::new(catalogue),
        &config.site_root,
    );
    match command {
        CertificatesCommand::Issue {
            email,
            programme,
            reason,
            out,
        } => {
            let reason = guildhall_app::domain::form::reason(&reason)
                .map_err(|code| refused(code.into()))?;
            let member = accounts::find_by_email(&state.pool, &email)
                .await?
                .ok_or_else(|| format!("no member has the email address {email}"))?;
            let request = certificates::store::Request::Manual { reason };
            let certificate = certificates::service::issue(
                &state,
                member.id,
                &programme,
                request,
                &Actor::command_line(),
            )
            .await
            .map_err(refused)?;
            // Running servers drop their copies of the pages this changes.
            state
                .caches
                .announce(&state.pool, &[Topic::Certificates])
                .await;
            if let Some(out) = out {
                let pdf = certificates::store::pdf(&state.pool, certificate.id)
                    .await?
                    .ok_or("the issued PDF is missing")?;
                std::fs::write(&out, pdf)
                    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
                eprintln!("PDF written to {}", out.display());
            }
            eprintln!(
                "Issued certificate {} to {} <{}>; verify at {}",
                certificate.serial(),
                certificate.holder_name,
                member.email,
                certificates::service::verify_url(&state.settings, &certificate.code)
            );
            println!("{}", certificate.display_code());
            Ok(ExitCode::SUCCESS)
        }
        CertificatesCommand::Revoke { code, reason } => {
            let reason = guildhall_app::domain::form::reason(&reason)
                .map_err(|code| refused(code.into()))?;
            let stored = certificates::code::normalise(&code)
                .ok_or_else(|| format!("{code:?} is not a verification code"))?;
            let certificate = certificates::store::find_by_code(&state.pool, &stored)
                .await?
                .ok_or_else(|| format!("no certificate has the code {code}"))?;
            certificates::store::revoke(
                &state.pool,
                backend,
                certificate.id,
                &Actor::command_line(),
                reason,
                db::now(),
            )
            .await
            .map_err(refused)?;
            state
                .caches
                .announce(&state.pool, &[Topic::Certificates])
                .await;
            println!(
                "Revoked certificate {} of {}.",
                certificate.serial(),
                certificate.holder_name
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `guildhall demo members`: accounts for demonstrations and load tests. They share one
/// argon2 hash, computed once, so hundreds are created in a second rather than minutes.
async fn create_demo_members(
    config: &Config,
    count: u32,
    password: &str,
    email_prefix: &str,
    language: &str,
) -> Result<ExitCode, Failure> {
    let refused = |e: AppError| {
        format!(
            "cannot create the demo members: {}",
            e.code().message(Locale::en)
        )
    };
    let accounts = (1..=count)
        .map(|n| {
            NewAccount::check(
                &format!("Demo member {n}"),
                &format!("{email_prefix}{n}@example.org"),
                password,
                language,
                Role::Member,
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?;
    let (pool, _) = open_database(config).await?;
    let created = accounts::create_many(&pool, &accounts, password)
        .await
        .map_err(refused)?;
    println!(
        "{created} members created, {} already existed ({email_prefix}1@example.org to {email_prefix}{count}@example.org).",
        accounts.len() as u64 - created
    );
    Ok(ExitCode::SUCCESS)
}

async fn open_database(config: &Config) -> Result<(sqlx::AnyPool, db::Backend), Failure> {
    let (pool, backend) = db::connect(&config.database_url).await?;
    db::migrate(&pool, backend)
        .await
        .map_err(|e| format!("{e}; the portal was not started"))?;
    Ok((pool, backend))
}

async fn serve(config: Config) -> Result<(), Failure> {
    let catalogue = Catalogue::load(&config.content_dir).map_err(|errors| {
        print_content_errors(&errors);
        format!(
            "refusing to start: {} problem(s) in {}; nothing was served",
            errors.len(),
            config.content_dir.display()
        )
    })?;
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

fn print_content_errors(errors: &[ContentError]) {
    for error in errors {
        eprintln!("{error}");
    }
    eprintln!("{} problem(s) found", errors.len());
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

/// Each password check allocates 19 MiB. glibc raises its mmap threshold after such a block
/// is freed, so later ones come from the heap and are kept: a burst of sign-ins left the
/// process at ~500 MB. A fixed threshold hands every large block back when it is freed.
fn release_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

/// Asks twice at a terminal; reads one line when the password is piped in.
fn read_new_password() -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            return Err("the two passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn,leptos_axum=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
