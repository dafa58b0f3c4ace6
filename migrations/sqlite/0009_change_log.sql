-- Changes made by another process (the command line) while the server runs: the server reads
-- new rows every second and forgets what they made stale. Rows are pruned after an hour.
CREATE TABLE cache_changes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    instance TEXT    NOT NULL,
    topics   TEXT    NOT NULL,
    at       INTEGER NOT NULL
);
