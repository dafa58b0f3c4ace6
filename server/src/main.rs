use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::Parser;
use guildhall_app::domain::role::Role;
use guildhall_app::i18n::Locale;
use guildhall_app::server::AppError;
use guildhall_app::server::accounts::{self, NewAccount};
use guildhall_app::server::cache::Topic;
use guildhall_app::server::certificates::{self, Actor};
use guildhall_app::server::content::{Catalogue, Content, ContentError};
use guildhall_app::server::db;
use guildhall_server::config::{
    AdminCommand, CertificatesCommand, Cli, Command, Config, ContentCommand, LogFormat,
};
use guildhall_server::router;
use tracing_subscriber::EnvFilter;

mod serve;

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
        Command::Serve => serve::serve(config).await.map(|()| ExitCode::SUCCESS),
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
            let copied = db::backup(&config.database_url, &file).await?;
            println!(
                "Backup written to {}: {} members, {} certificates, {} forum posts.",
                file.display(),
                copied.members,
                copied.certificates,
                copied.posts
            );
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
    // A server may be serving this database: it must learn of what is changed here.
    state.caches.beside_server();
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

fn print_content_errors(errors: &[ContentError]) {
    for error in errors {
        eprintln!("{error}");
    }
    eprintln!("{} problem(s) found", errors.len());
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
