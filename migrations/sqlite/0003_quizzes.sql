-- Quizzes as they were when attempted, members' attempts and their answers.

-- Every version of a quiz an attempt was drawn from, whole (JSON of the loaded quiz), so
-- that editing the files never changes an open attempt or a past review.
CREATE TABLE quiz_versions (
    module_slug TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    quiz        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (module_slug, version)
);

CREATE TABLE quiz_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_slug  TEXT    NOT NULL,
    quiz_version TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    -- NULL: no time limit. Answers are refused after it.
    deadline     INTEGER,
    last_saved_at INTEGER,
    submitted_at INTEGER,
    question_count INTEGER NOT NULL,
    correct_count  INTEGER,
    score        INTEGER,
    passed       INTEGER,
    FOREIGN KEY (module_slug, quiz_version) REFERENCES quiz_versions (module_slug, version)
);
-- One open attempt per member and quiz: parallel starts cannot dodge the limits.
CREATE UNIQUE INDEX quiz_attempts_one_open ON quiz_attempts (user_id, module_slug) WHERE submitted_at IS NULL;
CREATE INDEX quiz_attempts_member ON quiz_attempts (user_id, module_slug, started_at);
CREATE INDEX quiz_attempts_module ON quiz_attempts (module_slug, submitted_at);

-- One row per drawn question, in the order shown; the answer is saved as it is given.
CREATE TABLE quiz_answers (
    attempt_id   INTEGER NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    question_id  TEXT    NOT NULL,
    -- Option indices (in file order) in the order shown, as JSON; '[]' for text questions.
    option_order TEXT    NOT NULL,
    answer       TEXT,
    saved_at     INTEGER,
    correct      INTEGER,
    PRIMARY KEY (attempt_id, question_id)
);
