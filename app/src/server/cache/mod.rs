//! What is kept in memory so that reading costs neither rendering nor queries: pages (whole,
//! or as templates that each member's own parts are filled into), who owns a session, and
//! each member's reading progress.
//!
//! Correctness rests on one clock. Every change ticks it and records the tick against what
//! changed (a member, certificates, the forum); an entry remembers the tick at which its data
//! was read, and is served only while nothing it depends on has changed since. Changes are
//! recorded after their transaction commits, so an entry read before the commit is never
//! taken for one read after it. Changes on other instances arrive through PostgreSQL's
//! `NOTIFY` (see `listen`); while that channel is down, nothing is served from memory.
pub mod listen;
pub mod other_processes;
pub mod template;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::HeaderMap;
use moka::sync::Cache;
use sqlx::AnyPool;

use super::certificates::LOOKUP_WINDOW;
use super::db::Backend;
use crate::domain::member::UserView;
use crate::domain::role::Role;
use crate::i18n::Locale;
use template::Template;

/// The `NOTIFY` channel that carries changes between instances.
pub const CHANNEL: &str = "guildhall_changes";

/// A session's owner is looked up again at least this often, which also keeps an active
/// session's idle timer moving.
const SESSION_OWNER_TTL: Duration = Duration::from_secs(30);
/// A backstop: no page is kept longer, whatever the clock says.
const PAGE_TTL: Duration = Duration::from_secs(300);
const PAGE_BYTES: u64 = 64 * 1024 * 1024;
const ENTRIES: u64 = 100_000;

/// What a change touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// One member's account, sessions, progress or passes.
    Member(i64),
    /// Every member (a role change, say).
    Members,
    /// Certificates: issued, revoked, superseded; the public register.
    Certificates,
    /// Anything in the forum.
    Forum,
}

impl Topic {
    fn encode(self) -> String {
        match self {
            Topic::Member(id) => format!("member:{id}"),
            Topic::Members => "members".into(),
            Topic::Certificates => "certificates".into(),
            Topic::Forum => "forum".into(),
        }
    }

    fn decode(text: &str) -> Option<Topic> {
        match text {
            "members" => Some(Topic::Members),
            "certificates" => Some(Topic::Certificates),
            "forum" => Some(Topic::Forum),
            _ => text
                .strip_prefix("member:")?
                .parse()
                .ok()
                .map(Topic::Member),
        }
    }
}

/// What a write through the HTTP API (`path`, by `caller`) may have changed. Every write by a
/// member may show on their own pages (progress, name, sessions); the rest goes by area.
pub fn written(path: &str, caller: Option<i64>) -> Vec<Topic> {
    let mut topics = match path {
        // Names show in the forum and on the public register.
        "/api/update_profile" => vec![Topic::Certificates, Topic::Forum],
        // A passed quiz can issue a certificate by itself.
        "/api/quiz/submit" => vec![Topic::Certificates],
        "/api/admin/set_role" => vec![Topic::Members],
        p if p.starts_with("/api/certificates/") => vec![Topic::Certificates],
        p if p.starts_with("/api/forum/") => vec![Topic::Forum],
        _ => vec![],
    };
    topics.extend(caller.map(Topic::Member));
    topics
}

/// A response header by which a page says until when (Unix seconds) it reads the same; the
/// page cache takes it off.
pub const FRESH_UNTIL: &str = "x-guildhall-fresh-until";

/// A value and the tick at which it was read.
#[derive(Debug)]
pub struct Remembered<T> {
    pub value: T,
    pub read_at: u64,
}

/// Who a session belongs to.
#[derive(Clone, Debug)]
pub struct SessionOwner {
    pub user: UserView,
    pub signed_in_at: i64,
    /// Notifications they have not read, counted in the header.
    pub unread_notes: i64,
}

/// A member's reading progress and passed quizzes, by module.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub read: HashMap<String, HashSet<String>>,
    pub passed: HashSet<String>,
}

/// What a member did in the forum that shows on every thread they read.
#[derive(Clone, Debug, Default)]
pub struct ForumStanding {
    /// The newest version of the code of conduct they accepted.
    pub accepted_version: Option<i64>,
    pub endorsed: HashSet<i64>,
}

/// A page as requested: path and query, interface language, and the role it was rendered
/// for (`None` for visitors).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub path: String,
    pub locale: Locale,
    pub role: Option<Role>,
}

#[derive(Debug)]
pub struct CachedPage {
    pub template: Template,
    pub headers: HeaderMap,
    pub depends: &'static [Topic],
    /// The content the page was rendered from; a reload makes it stale.
    pub catalogue: usize,
    /// Unix seconds after which the page would read differently (a certificate expiring).
    pub fresh_until: Option<i64>,
}

#[derive(Clone)]
pub struct Caches(Arc<Inner>);

struct Inner {
    clock: AtomicU64,
    members: AtomicU64,
    certificates: AtomicU64,
    forum: AtomicU64,
    member: RwLock<HashMap<i64, u64>>,
    /// Anything read before this tick is stale (changes may have been missed).
    floor: AtomicU64,
    /// False while changes on other instances could go unheard.
    in_sync: AtomicBool,
    postgres: bool,
    /// A process beside the server on SQLite (the command line): its changes are logged for
    /// the server to read.
    beside_server: AtomicBool,
    /// Signs this instance's announcements, so that it does not apply its own twice: once
    /// was at the change, and a second time, later, would make fresh entries look stale.
    instance: String,
    session_owners: Cache<String, Arc<Remembered<SessionOwner>>>,
    progress: Cache<i64, Arc<Remembered<Progress>>>,
    standing: Cache<i64, Arc<Remembered<ForumStanding>>>,
    pages: Cache<PageKey, Arc<Remembered<CachedPage>>>,
    /// Addresses that ran out of verification misses: no page is served to them from here.
    refused: Cache<IpAddr, ()>,
}

impl Caches {
    /// On SQLite, one process serves the database and hears all its changes. On PostgreSQL
    /// nothing is served from memory until `listen` has joined the channel.
    pub fn new(backend: Backend) -> Self {
        let postgres = backend == Backend::Postgres;
        Caches(Arc::new(Inner {
            clock: AtomicU64::new(1),
            members: AtomicU64::new(0),
            certificates: AtomicU64::new(0),
            forum: AtomicU64::new(0),
            member: RwLock::default(),
            floor: AtomicU64::new(0),
            in_sync: AtomicBool::new(!postgres),
            postgres,
            beside_server: AtomicBool::new(false),
            instance: format!("{:016x}", rand::random::<u64>()),
            session_owners: Cache::builder()
                .max_capacity(ENTRIES)
                .time_to_live(SESSION_OWNER_TTL)
                .build(),
            progress: Cache::builder().max_capacity(ENTRIES).build(),
            standing: Cache::builder().max_capacity(ENTRIES).build(),
            pages: Cache::builder()
                .weigher(|_, page: &Arc<Remembered<CachedPage>>| page.value.template.weight())
                .max_capacity(PAGE_BYTES)
                .time_to_live(PAGE_TTL)
                .build(),
            refused: Cache::builder()
                .max_capacity(ENTRIES)
                .time_to_live(LOOKUP_WINDOW)
                .build(),
        }))
    }

    /// The tick to remember with data about to be read.
    pub fn tick(&self) -> u64 {
        self.0.clock.load(Ordering::Acquire)
    }

    fn changed_at(&self, topic: Topic) -> u64 {
        let inner = &self.0;
        match topic {
            Topic::Member(id) => {
                let own = inner
                    .member
                    .read()
                    .map(|m| m.get(&id).copied().unwrap_or(0))
                    .unwrap_or(u64::MAX);
                own.max(inner.members.load(Ordering::Acquire))
            }
            Topic::Members => inner.members.load(Ordering::Acquire),
            Topic::Certificates => inner.certificates.load(Ordering::Acquire),
            Topic::Forum => inner.forum.load(Ordering::Acquire),
        }
    }

    /// Whether data read at `read_at` still holds for everything in `depends`.
    pub fn fresh(&self, read_at: u64, depends: &[Topic]) -> bool {
        self.0.in_sync.load(Ordering::Acquire)
            && read_at >= self.0.floor.load(Ordering::Acquire)
            && depends.iter().all(|&t| self.changed_at(t) <= read_at)
    }

    /// Records a change made here or heard from another instance.
    pub fn changed(&self, topic: Topic) {
        let inner = &self.0;
        let tick = inner.clock.fetch_add(1, Ordering::AcqRel) + 1;
        match topic {
            Topic::Member(id) => {
                if let Ok(mut member) = inner.member.write() {
                    if member.len() >= ENTRIES as usize {
                        // Forget who changed when; everything read so far goes stale instead.
                        member.clear();
                        inner.floor.store(tick, Ordering::Release);
                    }
                    member.insert(id, tick);
                }
                inner.progress.invalidate(&id);
                inner.standing.invalidate(&id);
            }
            Topic::Members => inner.members.store(tick, Ordering::Release),
            Topic::Certificates => inner.certificates.store(tick, Ordering::Release),
            Topic::Forum => inner.forum.store(tick, Ordering::Release),
        }
    }

    /// This process changes a SQLite database that a server is serving (the command line):
    /// its announcements go to the log the server reads.
    pub fn beside_server(&self) {
        self.0.beside_server.store(true, Ordering::Release);
    }

    /// Records changes that have just been committed, here and on every other instance.
    pub async fn announce(&self, pool: &AnyPool, topics: &[Topic]) {
        for &topic in topics {
            self.changed(topic);
        }
        if topics.is_empty() {
            return;
        }
        let topics = topics
            .iter()
            .map(|t| t.encode())
            .collect::<Vec<_>>()
            .join(",");
        if !self.0.postgres && self.0.beside_server.load(Ordering::Acquire) {
            let now = crate::server::db::now();
            other_processes::log(pool, &self.0.instance, &topics, now).await;
        }
        if self.0.postgres {
            let payload = format!("{} {topics}", self.0.instance);
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(pool)
                .await;
            if let Err(err) = sent {
                // Other instances keep their copies until the backstop expires them.
                tracing::error!(error = %err, "could not announce a change to other instances");
            }
        }
    }

    /// A message from the channel: the sending instance, a space, and one or more topics,
    /// comma-separated. This instance's own were applied when it made them.
    pub fn heard(&self, payload: &str) {
        let (from, topics) = payload.split_once(' ').unwrap_or(("", payload));
        if from == self.0.instance {
            return;
        }
        for topic in topics.split(',').filter_map(Topic::decode) {
            self.changed(topic);
        }
    }

    pub fn in_sync(&self) -> bool {
        self.0.in_sync.load(Ordering::Acquire)
    }

    /// Whether changes elsewhere are being heard; on every switch all entries go stale.
    pub fn set_in_sync(&self, in_sync: bool) {
        let tick = self.0.clock.fetch_add(1, Ordering::AcqRel) + 1;
        self.0.floor.store(tick, Ordering::Release);
        self.0.in_sync.store(in_sync, Ordering::Release);
        self.0.session_owners.invalidate_all();
        self.0.progress.invalidate_all();
        self.0.standing.invalidate_all();
        self.0.pages.invalidate_all();
    }

    pub fn refuse_lookups_from(&self, ip: IpAddr) {
        self.0.refused.insert(ip, ());
    }

    pub fn lookups_refused(&self, ip: IpAddr) -> bool {
        self.0.refused.contains_key(&ip)
    }

    pub fn session_owner(&self, session: &str) -> Option<SessionOwner> {
        let entry = self.0.session_owners.get(session)?;
        let id = entry.value.user.id;
        self.fresh(entry.read_at, &[Topic::Member(id)])
            .then(|| entry.value.clone())
    }

    pub fn keep_session_owner(&self, session: &str, owner: SessionOwner, read_at: u64) {
        if self.fresh(read_at, &[Topic::Member(owner.user.id)]) {
            let entry = Remembered {
                value: owner,
                read_at,
            };
            self.0
                .session_owners
                .insert(session.to_owned(), Arc::new(entry));
        }
    }

    pub fn forget_session(&self, session: &str) {
        self.0.session_owners.invalidate(session);
    }

    pub fn progress(&self, member: i64) -> Option<Arc<Remembered<Progress>>> {
        self.members_own(&self.0.progress, member)
    }

    pub fn keep_progress(&self, member: i64, progress: Progress, read_at: u64) {
        self.keep_members_own(&self.0.progress, member, progress, read_at);
    }

    pub fn forum_standing(&self, member: i64) -> Option<Arc<Remembered<ForumStanding>>> {
        self.members_own(&self.0.standing, member)
    }

    pub fn keep_forum_standing(&self, member: i64, standing: ForumStanding, read_at: u64) {
        self.keep_members_own(&self.0.standing, member, standing, read_at);
    }

    /// The member's progress from memory, else from `read` (kept for next time).
    pub async fn progress_or_read<E>(
        &self,
        member: i64,
        read: impl Future<Output = Result<Progress, E>>,
    ) -> Result<Arc<Remembered<Progress>>, E> {
        self.members_own_or_read(&self.0.progress, member, read)
            .await
    }

    /// The member's forum standing from memory, else from `read` (kept for next time).
    pub async fn forum_standing_or_read<E>(
        &self,
        member: i64,
        read: impl Future<Output = Result<ForumStanding, E>>,
    ) -> Result<Arc<Remembered<ForumStanding>>, E> {
        self.members_own_or_read(&self.0.standing, member, read)
            .await
    }

    /// `read` is a future, so nothing is read before the clock is: a change that commits
    /// while it reads makes the entry stale, never one read before it look current.
    async fn members_own_or_read<T: Clone + Send + Sync + 'static, E>(
        &self,
        cache: &Cache<i64, Arc<Remembered<T>>>,
        member: i64,
        read: impl Future<Output = Result<T, E>>,
    ) -> Result<Arc<Remembered<T>>, E> {
        if let Some(entry) = self.members_own(cache, member) {
            return Ok(entry);
        }
        let read_at = self.tick();
        let value = read.await?;
        self.keep_members_own(cache, member, value.clone(), read_at);
        Ok(Arc::new(Remembered { value, read_at }))
    }

    fn members_own<T: Send + Sync + 'static>(
        &self,
        cache: &Cache<i64, Arc<Remembered<T>>>,
        member: i64,
    ) -> Option<Arc<Remembered<T>>> {
        let entry = cache.get(&member)?;
        self.fresh(entry.read_at, &[Topic::Member(member)])
            .then_some(entry)
    }

    fn keep_members_own<T: Send + Sync + 'static>(
        &self,
        cache: &Cache<i64, Arc<Remembered<T>>>,
        member: i64,
        value: T,
        read_at: u64,
    ) {
        if self.fresh(read_at, &[Topic::Member(member)]) {
            cache.insert(member, Arc::new(Remembered { value, read_at }));
        }
    }

    /// A page still true for the catalogue being served, at `now` (Unix seconds).
    pub fn page(
        &self,
        key: &PageKey,
        catalogue: usize,
        now: i64,
    ) -> Option<Arc<Remembered<CachedPage>>> {
        let entry = self.0.pages.get(key)?;
        let page = &entry.value;
        (self.fresh(entry.read_at, page.depends)
            && page.catalogue == catalogue
            && page.fresh_until.is_none_or(|until| now < until))
        .then_some(entry)
    }

    pub fn keep_page(&self, key: PageKey, page: CachedPage, read_at: u64) {
        if self.fresh(read_at, page.depends) {
            let entry = Remembered {
                value: page,
                read_at,
            };
            self.0.pages.insert(key, Arc::new(entry));
        }
    }
}

#[cfg(test)]
mod tests;
