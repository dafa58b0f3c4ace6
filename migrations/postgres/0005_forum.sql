-- The code of conduct's acceptances, and the forum: threads (discussions and best
-- practices), posts with their edit history.

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
    deleted_at     BIGINT
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
