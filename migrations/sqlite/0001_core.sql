-- Baton's core schema. Append-only: change it with a new migration, never by editing.
-- Times are Unix milliseconds (UTC).

-- Projection of each task's current state; the events table is the history.
CREATE TABLE tasks (
    number           INTEGER PRIMARY KEY,
    title            TEXT    NOT NULL,
    owner            TEXT,
    status           TEXT    NOT NULL,
    external_blocker TEXT,
    home_room        TEXT    NOT NULL,
    home_thread      TEXT,
    created_by       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    done_at          INTEGER,
    last_activity_at INTEGER NOT NULL
);
CREATE INDEX tasks_by_owner ON tasks (owner, status);
CREATE INDEX tasks_by_room ON tasks (home_room, status);

-- "task depends on blocker".
CREATE TABLE dependencies (
    task    INTEGER NOT NULL REFERENCES tasks (number),
    blocker INTEGER NOT NULL REFERENCES tasks (number),
    PRIMARY KEY (task, blocker)
);
CREATE INDEX dependencies_by_blocker ON dependencies (blocker, task);

CREATE TABLE events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task              INTEGER NOT NULL,
    kind              TEXT    NOT NULL,
    payload           TEXT    NOT NULL,
    actor             TEXT    NOT NULL,
    at                INTEGER NOT NULL,
    platform          TEXT    NOT NULL,
    room              TEXT    NOT NULL,
    message_id        TEXT,
    permalink         TEXT,
    platform_event_id TEXT
);
CREATE INDEX events_by_task ON events (task, id);

-- Every accepted platform event id: a redelivered event changes nothing.
CREATE TABLE inbound (
    platform_event_id TEXT    PRIMARY KEY,
    received_at       INTEGER NOT NULL
);

-- Messages to deliver, written in the same transaction as the events that cause them.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key     TEXT    NOT NULL UNIQUE,
    platform            TEXT    NOT NULL,
    dm_to               TEXT,
    room                TEXT,
    thread_task         INTEGER,
    card_for            INTEGER,
    body                TEXT    NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'pending',
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          INTEGER NOT NULL,
    claimed_until       INTEGER,
    last_error          TEXT,
    created_at          INTEGER NOT NULL,
    delivered_at        INTEGER,
    platform_message_id TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before, id);

CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    display_name  TEXT,
    timezone      TEXT,
    working_hours TEXT,
    dm_room       TEXT
);

CREATE TABLE rooms (
    id      TEXT    PRIMARY KEY,
    name    TEXT    NOT NULL,
    private BOOLEAN NOT NULL DEFAULT FALSE
);

-- Who has been seen in which room: decides whose DMs may quote a room's notes.
CREATE TABLE room_members (
    room   TEXT NOT NULL,
    person TEXT NOT NULL,
    PRIMARY KEY (room, person)
);
