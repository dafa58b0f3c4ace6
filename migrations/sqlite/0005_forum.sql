-- The code of conduct's acceptances, and the forum: threads (discussions and best
-- practices), posts with their edit history, endorsements, flags, moderation and
-- notifications.

-- Who accepted which version of the code of conduct, and when.
CREATE TABLE conduct_acceptances (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, version)
);

CREATE TABLE forum_threads (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    category      TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('discussion', 'practice')),
    title         TEXT    NOT NULL,
    author_id     INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_post_at  INTEGER NOT NULL,
    -- Posts not deleted, the opening one included.
    post_count    INTEGER NOT NULL DEFAULT 0,
    pinned        INTEGER NOT NULL DEFAULT 0,
    locked        INTEGER NOT NULL DEFAULT 0,
    deleted_at    INTEGER
);
CREATE INDEX forum_threads_activity ON forum_threads (category, pinned, last_post_at);
CREATE INDEX forum_threads_recent ON forum_threads (last_post_at);

-- Training modules a thread (usually a best practice) applies to.
CREATE TABLE forum_thread_modules (
    thread_id   INTEGER NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    module_slug TEXT    NOT NULL,
    PRIMARY KEY (thread_id, module_slug)
);
CREATE INDEX forum_thread_modules_module ON forum_thread_modules (module_slug, thread_id);

-- Posts keep their markdown and the sanitised HTML made from it when written. The opening
-- post of a best practice also has its three fields.
CREATE TABLE forum_posts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id      INTEGER NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    -- 1 for the opening post, then in order: fixes the page a post is on.
    number         INTEGER NOT NULL,
    author_id      INTEGER NOT NULL REFERENCES users (id),
    body           TEXT    NOT NULL,
    body_html      TEXT    NOT NULL,
    situation      TEXT,
    situation_html TEXT,
    practice       TEXT,
    practice_html  TEXT,
    result         TEXT,
    result_html    TEXT,
    created_at     INTEGER NOT NULL,
    edited_at      INTEGER,
    deleted_at     INTEGER,
    -- Hidden by moderators, or by enough members' flags until a moderator reviews it.
    hidden_at      INTEGER,
    hidden_clause  TEXT
);
CREATE UNIQUE INDEX forum_posts_thread ON forum_posts (thread_id, number);
CREATE INDEX forum_posts_author ON forum_posts (author_id, created_at);

-- Every earlier version of a post (and of its thread's title), kept when it is edited.
CREATE TABLE forum_post_revisions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id    INTEGER NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    title      TEXT,
    body       TEXT    NOT NULL,
    situation  TEXT,
    practice   TEXT,
    result     TEXT,
    -- When this version was replaced.
    replaced_at INTEGER NOT NULL
);
CREATE INDEX forum_post_revisions_post ON forum_post_revisions (post_id, id);

-- Members who endorse a post; one each.
CREATE TABLE forum_endorsements (
    post_id    INTEGER NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- A member's flag on a post cites a clause of the code; one per member and post until a
-- moderator resolves it.
CREATE TABLE forum_flags (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id     INTEGER NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    clause      TEXT    NOT NULL,
    comment     TEXT,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE UNIQUE INDEX forum_flags_one_open ON forum_flags (post_id, user_id) WHERE resolved_at IS NULL;
CREATE INDEX forum_flags_open ON forum_flags (resolved_at, post_id);

-- What moderators did, to which post and member, citing which clause, and why.
CREATE TABLE moderation_actions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id      INTEGER REFERENCES forum_posts (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    moderator_id INTEGER NOT NULL REFERENCES users (id),
    action       TEXT    NOT NULL CHECK (action IN ('hide', 'restore', 'lock', 'unlock', 'delete', 'dismiss', 'warn', 'suspend')),
    clause       TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    -- For a suspension: when it ends.
    until        INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX moderation_actions_member ON moderation_actions (member_id, created_at);

-- Suspended members read but cannot post until then.
ALTER TABLE users ADD COLUMN suspended_until INTEGER;

-- In-app notifications: replies to your threads, endorsements, moderation outcomes.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('reply', 'endorsement', 'moderation')),
    thread_id  INTEGER REFERENCES forum_threads (id) ON DELETE CASCADE,
    post_id    INTEGER REFERENCES forum_posts (id) ON DELETE CASCADE,
    -- Who caused it (a member's name as it was), or the moderation action and its clause.
    detail     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- Full-text search over every post (the opening post carries its thread's title and a best
-- practice's fields), one row per post with the post's id as its rowid. unicode61 without
-- diacritics: one tokenizer for all five languages.
CREATE VIRTUAL TABLE forum_search USING fts5(
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
