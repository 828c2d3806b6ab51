-- Leases: work that only one replica may do at a time (the Matrix sync). A holder
-- renews its lease well before it expires; when it dies, the lease runs out and
-- another replica takes it.
CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
