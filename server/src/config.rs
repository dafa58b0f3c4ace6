use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use guildhall_app::server::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "guildhall",
    version,
    about = "Guildhall: the member portal of a professional or trade association"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Every setting can come from a flag or from the environment (a `.env` file is read too).
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Database URL: `sqlite://data/guildhall.db` (file created on first run) or
    /// `postgres://user:password@host/dbname`. One binary serves both.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/guildhall.db",
        global = true
    )]
    pub database_url: String,

    /// Address and port the portal listens on.
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub site_addr: SocketAddr,

    /// The portal's public base URL, used for absolute links and QR codes. When it starts
    /// with https://, cookies are Secure and HSTS is sent.
    #[arg(
        long,
        env = "GUILDHALL_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub public_url: String,

    /// Folder holding training modules, quizzes, programmes and the code of conduct.
    #[arg(
        long,
        env = "GUILDHALL_CONTENT_DIR",
        default_value = "content",
        global = true
    )]
    pub content_dir: PathBuf,

    /// Reload the content folder when its files change (for writing modules; a broken
    /// edit is logged and the last good content kept).
    #[arg(
        long,
        env = "GUILDHALL_WATCH_CONTENT",
        default_value_t = false,
        global = true
    )]
    pub watch_content: bool,

    /// Folder with the built browser assets (`pkg/`), as cargo-leptos writes them.
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,

    /// Take the client address from the last X-Forwarded-For entry. Only behind a proxy
    /// you control, which must overwrite that header.
    #[arg(
        long,
        env = "GUILDHALL_TRUST_FORWARDED_FOR",
        default_value_t = false,
        global = true
    )]
    pub trust_forwarded_for: bool,

    /// Minutes without a request after which a session ends.
    #[arg(long, env = "GUILDHALL_SESSION_IDLE_MINUTES", default_value_t = 24 * 60, global = true)]
    pub session_idle_minutes: u64,

    /// Hours after sign-in after which a session ends however active it is.
    #[arg(long, env = "GUILDHALL_SESSION_MAX_HOURS", default_value_t = 14 * 24, global = true)]
    pub session_max_hours: u64,

    /// Failed sign-ins allowed per account, and per client address, in 15 minutes.
    #[arg(
        long,
        env = "GUILDHALL_LOGIN_ATTEMPTS",
        default_value_t = 10,
        global = true
    )]
    pub login_attempts: i64,
    #[arg(
        long,
        env = "GUILDHALL_LOGIN_ATTEMPTS_PER_IP",
        default_value_t = 50,
        global = true
    )]
    pub login_attempts_per_ip: i64,

    /// Accounts one client address may register in an hour.
    #[arg(
        long,
        env = "GUILDHALL_REGISTRATIONS_PER_IP",
        default_value_t = 20,
        global = true
    )]
    pub registrations_per_ip: i64,

    /// Seconds to wait after a failed quiz attempt, for every quiz, instead of each quiz's
    /// own `cooldown_minutes`. For tests and demonstrations.
    #[arg(long, env = "GUILDHALL_QUIZ_COOLDOWN_SECONDS", global = true)]
    pub quiz_cooldown_seconds: Option<u64>,

    /// Forum posts (threads and replies) one member may write in ten minutes.
    #[arg(
        long,
        env = "GUILDHALL_POSTS_PER_10_MINUTES",
        default_value_t = 20,
        global = true
    )]
    pub posts_per_10_minutes: i64,

    /// Distinct members' flags that hide a post until a moderator has reviewed it.
    #[arg(
        long,
        env = "GUILDHALL_FLAGS_TO_HIDE",
        default_value_t = 3,
        global = true
    )]
    pub flags_to_hide: i64,

    /// Days an account must exist before its flags count towards hiding a post (staff's
    /// always count); every flag still reaches the moderators.
    #[arg(
        long,
        env = "GUILDHALL_FLAG_STANDING_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub flag_standing_days: u64,

    /// Publish the best-practices feed to anyone at /forum/practices.atom; otherwise each
    /// member reads it through a feed address of their own.
    #[arg(
        long,
        env = "GUILDHALL_PUBLIC_PRACTICES_FEED",
        default_value_t = false,
        global = true
    )]
    pub public_practices_feed: bool,

    /// The association named on certificates.
    #[arg(
        long,
        env = "GUILDHALL_ASSOCIATION_NAME",
        default_value = "Guildhall Association",
        global = true
    )]
    pub association_name: String,

    /// Who signs certificates: name and title, printed under the signature line.
    #[arg(
        long,
        env = "GUILDHALL_SIGNATORY_NAME",
        default_value = "Certification Board",
        global = true
    )]
    pub signatory_name: String,
    #[arg(
        long,
        env = "GUILDHALL_SIGNATORY_TITLE",
        default_value = "Chair",
        global = true
    )]
    pub signatory_title: String,

    /// Also serve `/bench/baseline`: the home page's bytes, rendered once at start, from
    /// memory. Only for load-test baselines (BENCHMARKS.md); never in production.
    #[arg(
        long,
        env = "GUILDHALL_BENCH_BASELINE",
        default_value_t = false,
        global = true
    )]
    pub bench_baseline: bool,

    /// Seconds a request may take before its response begins; past it the caller gets 503 and
    /// the log names the request. A response that has begun (a download) is not cut.
    #[arg(
        long,
        env = "GUILDHALL_REQUEST_TIMEOUT_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_seconds: u64,

    /// Seconds a client has to send a whole request head, from opening the connection or
    /// from the end of the previous response: slow senders and idle kept-alive connections
    /// are closed after it.
    #[arg(
        long,
        env = "GUILDHALL_HEADER_TIMEOUT_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub header_timeout_seconds: u64,

    /// Client connections held at once. When full, the oldest idle one is closed for a new
    /// one; when all are busy, new ones get 503. Default: what the open-file limit allows,
    /// keeping 128 descriptors for the database and files, at most 10,000.
    #[arg(long, env = "GUILDHALL_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,

    /// Client connections one address may hold at once (0: no limit). Not applied with
    /// GUILDHALL_TRUST_FORWARDED_FOR, where every connection comes from the proxy.
    #[arg(
        long,
        env = "GUILDHALL_MAX_CONNECTIONS_PER_IP",
        default_value_t = 128,
        global = true
    )]
    pub max_connections_per_ip: usize,

    /// Where `/metrics` (Prometheus text format) is served: keep it on a local or internal
    /// address; `off` serves none.
    #[arg(
        long,
        env = "GUILDHALL_METRICS_ADDR",
        default_value = "127.0.0.1:9184",
        global = true
    )]
    pub metrics_addr: MetricsAddr,

    /// Log format: `text` for people, `json` for log collectors. Levels via RUST_LOG.
    #[arg(
        long,
        env = "GUILDHALL_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

/// An address to serve metrics on, or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricsAddr(pub Option<SocketAddr>);

impl std::str::FromStr for MetricsAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("off") {
            return Ok(MetricsAddr(None));
        }
        s.parse()
            .map(|addr| MetricsAddr(Some(addr)))
            .map_err(|_| format!("expected an address such as 127.0.0.1:9184, or off (got {s:?})"))
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    pub fn settings(&self) -> Settings {
        Settings {
            public_url: self.public_url.trim_end_matches('/').to_owned(),
            session_idle: Duration::from_secs(self.session_idle_minutes * 60),
            session_absolute: Duration::from_secs(self.session_max_hours * 3600),
            trust_forwarded_for: self.trust_forwarded_for,
            login_attempts_per_account: self.login_attempts,
            login_attempts_per_ip: self.login_attempts_per_ip,
            login_window: Duration::from_secs(15 * 60),
            registrations_per_ip_hour: self.registrations_per_ip,
            quiz_cooldown: self.quiz_cooldown_seconds.map(Duration::from_secs),
            posts_per_ten_minutes: self.posts_per_10_minutes,
            flags_to_hide: self.flags_to_hide.max(1),
            flag_standing: Duration::from_secs(self.flag_standing_days * 86_400),
            association_name: self.association_name.clone(),
            signatory_name: self.signatory_name.clone(),
            signatory_title: self.signatory_title.clone(),
            public_url_wrong: self.public_url_problem().is_some(),
            public_practices_feed: self.public_practices_feed,
        }
    }

    /// Why the public URL cannot be right: the portal listens beyond this machine while the
    /// URL printed into every certificate's QR code points back at the machine itself.
    pub fn public_url_problem(&self) -> Option<String> {
        let host_and_port = self.public_url.split("://").nth(1)?.split('/').next()?;
        let host = match host_and_port.strip_prefix('[') {
            Some(v6) => v6.split(']').next()?,
            None => host_and_port.split(':').next()?,
        };
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        (loopback && !self.site_addr.ip().is_loopback()).then(|| {
            format!(
                "GUILDHALL_PUBLIC_URL is {} but the portal listens on {}: every certificate's \
                 QR code and verification link would point at the reader's own machine. Set \
                 GUILDHALL_PUBLIC_URL to the address members use.",
                self.public_url, self.site_addr
            )
        })
    }

    pub fn request_deadline(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds.max(1))
    }

    /// How the listener holds connections, given the open-file limit in force.
    pub fn connection_limits(&self, open_files: u64) -> crate::connections::Limits {
        let fitting = open_files.saturating_sub(128).clamp(16, 10_000) as usize;
        crate::connections::Limits {
            max_connections: self.max_connections.unwrap_or(fitting).max(1),
            per_address: (self.max_connections_per_ip > 0 && !self.trust_forwarded_for)
                .then_some(self.max_connections_per_ip),
            header_timeout: Duration::from_secs(self.header_timeout_seconds.max(1)),
            drain: self.request_deadline(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal (what runs when no command is given).
    Serve,
    /// Manage administrator accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Work with the content folder.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Write a consistent copy of the live SQLite database to FILE (PostgreSQL: use pg_dump).
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
    },
    /// Issue and revoke certificates (the same as the admin pages, recorded as the command line).
    #[command(subcommand)]
    Certificates(CertificatesCommand),
    /// Demonstration and load-test data (never needed in production).
    #[command(subcommand)]
    Demo(DemoCommand),
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Create COUNT member accounts `<prefix><n>@example.org` (n = 1..COUNT) sharing one
    /// password, hashed once. Emails already registered are skipped; prints how many were
    /// created.
    Members {
        /// How many members.
        #[arg(long)]
        count: u32,
        /// The password every one of them signs in with.
        #[arg(long)]
        password: String,
        /// Emails are `<prefix><n>@example.org`.
        #[arg(long, default_value = "member")]
        email_prefix: String,
        /// Preferred language: cs, en, lv, pl or sl.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Fill the forum with THREADS threads and POSTS posts in all, written by the demo
    /// members (create them first), who accept the code of conduct. For load tests.
    Forum {
        #[arg(long, default_value_t = 10_000)]
        threads: u64,
        #[arg(long, default_value_t = 100_000)]
        posts: u64,
        /// Authors are the members whose email starts with this.
        #[arg(long, default_value = "member")]
        email_prefix: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertificatesCommand {
    /// Issue a certificate without the quizzes (prior learning, an earlier system) and print
    /// its verification code. Refused while the member holds a valid one.
    Issue {
        /// The member's email address.
        #[arg(long)]
        email: String,
        /// The programme's slug (its file name in content/programs/).
        #[arg(long = "program")]
        programme: String,
        /// Why: kept in the certificate's history.
        #[arg(long)]
        reason: String,
        /// Also write the issued PDF to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Revoke a certificate by its verification code; its verification page says so at once.
    Revoke {
        /// The verification code, e.g. 7K3M-Q9XA-2B4C-D5EF.
        code: String,
        /// Why: kept in the certificate's history.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account (the way to make the first one). The password is
    /// asked for twice at a terminal, or read as one line from standard input.
    Create {
        /// Email address to sign in with.
        #[arg(long)]
        email: String,
        /// Full name, as it should appear on certificates.
        #[arg(long)]
        name: String,
        /// Preferred language: cs, en, lv, pl or sl.
        #[arg(long, default_value = "en")]
        language: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Validate the content folder, print every problem with its file and line, and exit
    /// non-zero if there is any.
    Check,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    fn config(args: &[&str]) -> super::Config {
        Cli::parse_from([&["guildhall"], args].concat()).config
    }

    #[test]
    fn a_loopback_public_url_is_flagged_only_when_the_portal_listens_beyond_loopback() {
        let exposed = config(&[
            "--site-addr",
            "0.0.0.0:3000",
            "--public-url",
            "http://127.0.0.1:3000",
        ]);
        assert!(exposed.public_url_problem().is_some());
        let localhost = config(&[
            "--site-addr",
            "10.0.0.5:80",
            "--public-url",
            "http://localhost",
        ]);
        assert!(localhost.public_url_problem().is_some());
        let v6 = config(&[
            "--site-addr",
            "[::]:3000",
            "--public-url",
            "http://[::1]:3000/",
        ]);
        assert!(v6.public_url_problem().is_some());
        let local = config(&[
            "--site-addr",
            "127.0.0.1:3000",
            "--public-url",
            "http://127.0.0.1:3000",
        ]);
        assert!(
            local.public_url_problem().is_none(),
            "a developer's own machine"
        );
        let real = config(&[
            "--site-addr",
            "0.0.0.0:3000",
            "--public-url",
            "https://members.example.org",
        ]);
        assert!(real.public_url_problem().is_none());
    }
}
