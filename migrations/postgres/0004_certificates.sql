-- Certificates as issued, their PDFs (stored once, never re-rendered) and their history.

CREATE TABLE certificates (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The verification code, 16 Crockford base-32 characters (80 bits), stored without dashes.
    code            TEXT    NOT NULL UNIQUE,
    user_id         BIGINT NOT NULL REFERENCES users (id),
    programme       TEXT    NOT NULL,
    -- As printed: the holder's name and the programme title in the holder's language.
    holder_name     TEXT    NOT NULL,
    programme_title TEXT    NOT NULL,
    language        TEXT    NOT NULL,
    issued_at       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    basis           TEXT    NOT NULL CHECK (basis IN ('quizzes', 'renewal', 'manual', 'reissue')),
    revoked_at      BIGINT,
    superseded_at   BIGINT,
    superseded_by   BIGINT REFERENCES certificates (id)
);
-- One current certificate per member and programme: a second issue for the same
-- eligibility cannot slip in beside the first, however the requests race.
CREATE UNIQUE INDEX certificates_one_current ON certificates (user_id, programme)
    WHERE revoked_at IS NULL AND superseded_at IS NULL;
CREATE INDEX certificates_expiry ON certificates (programme, expires_at);

CREATE TABLE certificate_files (
    certificate_id BIGINT PRIMARY KEY REFERENCES certificates (id),
    pdf            BYTEA   NOT NULL,
    sha256         TEXT    NOT NULL
);

-- Who did what to a certificate, when and why.
CREATE TABLE certificate_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    certificate_id BIGINT NOT NULL REFERENCES certificates (id),
    action         TEXT    NOT NULL CHECK (action IN ('issued', 'revoked', 'superseded')),
    -- NULL when the command line or automatic issuing acted; `actor` says which.
    actor_id       BIGINT REFERENCES users (id),
    actor          TEXT    NOT NULL,
    reason         TEXT,
    at             BIGINT NOT NULL
);
CREATE INDEX certificate_events_certificate ON certificate_events (certificate_id, at);

-- Members choose to appear in the public register of certified members.
ALTER TABLE users ADD COLUMN listed_in_register BIGINT NOT NULL DEFAULT 0;
