-- A reply only its asker needs (help, a refusal): platforms that can show a message
-- to one person in a room (Slack's ephemeral messages) do so.
ALTER TABLE outbox ADD COLUMN only_for TEXT;
