//! The forum: threads (discussions and best practices) in the content's categories, posts
//! written in markdown and stored with their sanitised HTML, edits kept as revisions.
pub mod demo;
pub mod feed;
pub mod markup;
pub mod moderation;
pub mod notifications;
pub mod search;
pub mod service;
pub mod store;

/// Posts per page of a thread; a post's page never changes, deleted posts keep their place.
pub const POSTS_PER_PAGE: i64 = 20;
/// Threads per page of a category.
pub const THREADS_PER_PAGE: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Discussion,
    Practice,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Discussion => "discussion",
            Kind::Practice => "practice",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Discussion, Kind::Practice]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A thread as lists show it.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadSummary {
    pub id: i64,
    pub category: String,
    pub kind: Kind,
    pub title: String,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: i64,
    pub last_post_at: i64,
    pub post_count: i64,
    pub pinned: bool,
    pub locked: bool,
    pub deleted: bool,
    /// Training modules it applies to.
    pub modules: Vec<String>,
}

/// The three fields of a best practice, as written and as rendered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Practice {
    pub situation: String,
    pub practice: String,
    pub result: String,
    pub situation_html: String,
    pub practice_html: String,
    pub result_html: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    /// 1 for the opening post, then in order; deleted posts keep their number.
    pub number: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub body_html: String,
    pub practice: Option<Practice>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// Hidden by a moderator or by members' flags, citing this clause (`None`: pending review).
    pub hidden_at: Option<i64>,
    pub hidden_clause: Option<String>,
    pub endorsements: i64,
    /// Endorsements by members who hold a valid certificate.
    pub certified_endorsements: i64,
    pub endorsed_by_viewer: bool,
    pub author_certified: bool,
}

/// An earlier version of a post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub title: Option<String>,
    pub body: String,
    pub situation: Option<String>,
    pub practice: Option<String>,
    pub result: Option<String>,
    pub replaced_at: i64,
}

/// The page of a thread that shows post number `number`.
pub fn page_of(number: i64) -> i64 {
    (number.max(1) - 1) / POSTS_PER_PAGE + 1
}

pub fn thread_url(thread: i64, page: i64) -> String {
    if page <= 1 {
        format!("/forum/t/{thread}")
    } else {
        format!("/forum/t/{thread}?page={page}")
    }
}

pub fn post_url(thread: i64, number: i64, post: i64) -> String {
    format!("{}#post-{post}", thread_url(thread, page_of(number)))
}
