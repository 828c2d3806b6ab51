-- Digests and quiet hours.

-- A room's digest schedule, "09:30 Europe/Berlin mon-fri" or "off"; NULL is the default.
ALTER TABLE rooms ADD COLUMN digest TEXT;

-- One row per room per local day a digest was posted: the unique key is what makes a
-- digest happen once, across restarts and replicas.
CREATE TABLE digests (
    room      TEXT    NOT NULL,
    day       TEXT    NOT NULL,
    posted_at BIGINT NOT NULL,
    PRIMARY KEY (room, day)
);

-- `handoff` messages held for quiet hours are merged into one per person.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'message';
CREATE INDEX outbox_held ON outbox (dm_to, status, kind, not_before);

CREATE INDEX events_by_time ON events (at);

-- Task numbers come from a sequence: replicas creating tasks at once do not all
-- compute the same MAX(number) + 1 and conflict.
CREATE SEQUENCE task_numbers OWNED BY tasks.number;
SELECT setval('task_numbers', COALESCE((SELECT MAX(number) FROM tasks), 0) + 1, false);
