-- The code of conduct's acceptances, and the forum: threads (discussions and best
-- practices), posts with their edit history, endorsements, flags, moderation and
-- notifications.

-- Who accepted which version of the code of conduct, and when.
CREATE TABLE conduct_acceptances (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, version)
);

CREATE TABLE forum_threads (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category      TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('discussion', 'practice')),
    title         TEXT    NOT NULL,
    author_id     BIGINT NOT NULL REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    last_post_at  BIGINT NOT NULL,
    -- Posts not deleted, the opening one included.
    post_count    BIGINT NOT NULL DEFAULT 0,
    pinned        BIGINT NOT NULL DEFAULT 0,
    locked        BIGINT NOT NULL DEFAULT 0,
    deleted_at    BIGINT
);
CREATE INDEX forum_threads_activity ON forum_threads (category, pinned, last_post_at);
CREATE INDEX forum_threads_recent ON forum_threads (last_post_at);

-- Training modules a thread (usually a best practice) applies to.
CREATE TABLE forum_thread_modules (
    thread_id   BIGINT NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    module_slug TEXT    NOT NULL,
    PRIMARY KEY (thread_id, module_slug)
);
CREATE INDEX forum_thread_modules_module ON forum_thread_modules (module_slug, thread_id);

-- Posts keep their markdown and the sanitised HTML made from it when written. The opening
-- post of a best practice also has its three fields.
CREATE TABLE forum_posts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id      BIGINT NOT NULL REFERENCES forum_threads (id) ON DELETE CASCADE,
    -- 1 for the opening post, then in order: fixes the page a post is on.
    number         BIGINT NOT NULL,
    author_id      BIGINT NOT NULL REFERENCES users (id),
    body           TEXT    NOT NULL,
    body_html      TEXT    NOT NULL,
    situation      TEXT,
    situation_html TEXT,
    practice       TEXT,
    practice_html  TEXT,
    result         TEXT,
    result_html    TEXT,
    created_at     BIGINT NOT NULL,
    edited_at      BIGINT,
    deleted_at     BIGINT,
    -- Hidden by moderators, or by enough members' flags until a moderator reviews it.
    hidden_at      BIGINT,
    hidden_clause  TEXT
);
CREATE UNIQUE INDEX forum_posts_thread ON forum_posts (thread_id, number);
CREATE INDEX forum_posts_author ON forum_posts (author_id, created_at);

-- Every earlier version of a post (and of its thread's title), kept when it is edited.
CREATE TABLE forum_post_revisions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    title      TEXT,
    body       TEXT    NOT NULL,
    situation  TEXT,
    practice   TEXT,
    result     TEXT,
    -- When this version was replaced.
    replaced_at BIGINT NOT NULL
);
CREATE INDEX forum_post_revisions_post ON forum_post_revisions (post_id, id);

-- Members who endorse a post; one each.
CREATE TABLE forum_endorsements (
    post_id    BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

-- A member's flag on a post cites a clause of the code; one per member and post until a
-- moderator resolves it.
CREATE TABLE forum_flags (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     BIGINT NOT NULL REFERENCES forum_posts (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    clause      TEXT    NOT NULL,
    comment     TEXT,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE UNIQUE INDEX forum_flags_one_open ON forum_flags (post_id, user_id) WHERE resolved_at IS NULL;
CREATE INDEX forum_flags_open ON forum_flags (resolved_at, post_id);

-- What moderators did, to which post and member, citing which clause, and why.
CREATE TABLE moderation_actions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id      BIGINT REFERENCES forum_posts (id) ON DELETE CASCADE,
    member_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    moderator_id BIGINT NOT NULL REFERENCES users (id),
    action       TEXT    NOT NULL CHECK (action IN ('hide', 'restore', 'lock', 'unlock', 'delete', 'dismiss', 'warn', 'suspend')),
    clause       TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    -- For a suspension: when it ends.
    until        BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX moderation_actions_member ON moderation_actions (member_id, created_at);

-- Suspended members read but cannot post until then.
ALTER TABLE users ADD COLUMN suspended_until BIGINT;

-- In-app notifications: replies to your threads, endorsements, moderation outcomes.
CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('reply', 'endorsement', 'moderation')),
    thread_id  BIGINT REFERENCES forum_threads (id) ON DELETE CASCADE,
    post_id    BIGINT REFERENCES forum_posts (id) ON DELETE CASCADE,
    -- Who caused it (a member's name as it was), or the moderation action and its clause.
    detail     TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- Full-text search over every post (the opening post carries its thread's title and a best
-- practice's fields). The 'simple' configuration neither stems nor drops stop words, so it
-- serves all five languages alike.
CREATE TABLE forum_search (
    post_id  BIGINT PRIMARY KEY REFERENCES forum_posts (id) ON DELETE CASCADE,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body)
    ) STORED
);
CREATE INDEX forum_search_document ON forum_search USING GIN (document);
