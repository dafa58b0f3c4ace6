-- Which sections of which module each member has read (whatever the language).
CREATE TABLE section_progress (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module_slug TEXT    NOT NULL,
    section_id  TEXT    NOT NULL,
    read_at     INTEGER NOT NULL,
    PRIMARY KEY (user_id, module_slug, section_id)
);
