-- A member's own address for the best-practices feed: a feed reader cannot sign in, so the
-- address itself is the key. The member can replace it at any time.
ALTER TABLE users ADD COLUMN feed_token TEXT;
CREATE UNIQUE INDEX users_feed_token ON users (feed_token);
