-- Signals from code forges (GitHub, GitLab).

-- Who a forge account is in chat: people link themselves with
-- `link github LOGIN`. One account per person and forge, one person per account.
CREATE TABLE forge_accounts (
    forge     TEXT    NOT NULL,
    login     TEXT    NOT NULL, -- lower-case: forges compare logins without case
    person    TEXT    NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (forge, login)
);
CREATE UNIQUE INDEX forge_accounts_by_person ON forge_accounts (forge, person);

-- The pull and merge requests that link tasks, remembered between their events:
-- CI runs and reviews name only the change or its commit.
CREATE TABLE forge_changes (
    forge               TEXT    NOT NULL,
    repo                TEXT    NOT NULL,
    number              BIGINT NOT NULL,
    url                 TEXT    NOT NULL,
    title               TEXT    NOT NULL,
    closes              TEXT    NOT NULL, -- task numbers, "3,12"
    mentions            TEXT    NOT NULL,
    state               TEXT    NOT NULL, -- draft | open | merged | closed
    head_sha            TEXT,
    merge_sha           TEXT,
    awaiting_green      BOOLEAN NOT NULL DEFAULT FALSE,
    review_requested_at BIGINT,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (forge, repo, number)
);
CREATE INDEX forge_changes_by_head ON forge_changes (forge, repo, head_sha);
CREATE INDEX forge_changes_by_merge ON forge_changes (forge, repo, merge_sha);
CREATE INDEX forge_changes_waiting_review ON forge_changes (review_requested_at);

-- A room's `settings done-on merge|green`; NULL is the default, merge.
ALTER TABLE rooms ADD COLUMN done_on TEXT;
