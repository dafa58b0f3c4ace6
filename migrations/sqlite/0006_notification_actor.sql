-- Which member's act a notification reports (a reply's author, an endorser), so that taking
-- an endorsement back and giving it again does not tell the author a second time.
ALTER TABLE notifications ADD COLUMN actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX notifications_post ON notifications (post_id, kind, actor_id);
