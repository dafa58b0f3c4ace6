-- What a bulk certificate issue did, kept so that the admin is sent to a short summary
-- address (/admin/certificates/batches/7) instead of one carrying every issued id.
CREATE TABLE certificate_batches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    programme  TEXT    NOT NULL,
    -- The admin who issued; NULL if not issued through an account.
    admin_id   INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL
);

-- One row per member asked for, in the order asked: the certificate issued, or why not (an
-- error code such as 'NameNotPrintable'). Member ids come from a form, so no foreign key.
CREATE TABLE certificate_batch_members (
    batch_id       INTEGER NOT NULL REFERENCES certificate_batches (id),
    position       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    certificate_id INTEGER REFERENCES certificates (id),
    refusal        TEXT,
    PRIMARY KEY (batch_id, position),
    CHECK ((certificate_id IS NULL) <> (refusal IS NULL))
);
