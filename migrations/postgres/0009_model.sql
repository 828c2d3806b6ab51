-- An optional language model (`model.url`).
-- What a long handoff's summary is made from: the upstream notes its recipient
-- may read, as JSON. The outbox worker asks the model when it delivers, so no
-- command's transaction waits on a model.
ALTER TABLE outbox ADD COLUMN summary_source TEXT;
-- A room that said `settings summaries off`: nothing said there is sent to a model.
ALTER TABLE rooms ADD COLUMN summaries_off BOOLEAN NOT NULL DEFAULT FALSE;
-- A proposal the model made for a message the grammar did not understand,
-- waiting for its author to confirm it in the same room (`yes`). One per person
-- and room: a newer proposal replaces the older one.
CREATE TABLE proposals (
    room TEXT NOT NULL,
    person TEXT NOT NULL,
    command TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (room, person)
);
