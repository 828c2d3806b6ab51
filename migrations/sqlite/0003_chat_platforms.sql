-- What the chat adapters need: finding a task from a reply in its card's thread,
-- and small per-adapter state (a Matrix session, a lease) that must survive restarts.

-- A reply in a thread is about the task whose card started it.
CREATE INDEX tasks_by_thread ON tasks (home_room, home_thread);

-- Adapter state by name, e.g. `matrix.session`; values are JSON.
CREATE TABLE adapter_state (
    name       TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at INTEGER NOT NULL
);
