-- What a bulk certificate issue did, kept so that the admin is sent to a short summary
-- address (/admin/certificates/batches/7) instead of one carrying every issued id.
CREATE TABLE certificate_batches (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme  TEXT    NOT NULL,
    -- The admin who issued; NULL if not issued through an account.
    admin_id   BIGINT  REFERENCES users (id),
    created_at BIGINT  NOT NULL
);

-- One row per member asked for, in the order asked: the certificate issued, or why not (an
-- error code such as 'NameNotPrintable'). Member ids come from a form, so no foreign key.
CREATE TABLE certificate_batch_members (
    batch_id       BIGINT  NOT NULL REFERENCES certificate_batches (id),
    position       BIGINT  NOT NULL,
    user_id        BIGINT  NOT NULL,
    certificate_id BIGINT  REFERENCES certificates (id),
    refusal        TEXT,
    PRIMARY KEY (batch_id, position),
    CHECK ((certificate_id IS NULL) <> (refusal IS NULL))
);
