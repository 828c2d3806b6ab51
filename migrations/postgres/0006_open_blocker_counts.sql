-- How many of each task's blockers are still open (open or in progress), kept by
-- the triggers below on every write that can change it: a dependency added or
-- removed, a blocker finished, cancelled or reopened. "Does this task wait on
-- another?" is then a test of its own row instead of a probe of its dependencies
-- and their blockers' rows: `mine` sorts someone's thousands of tasks with it and
-- `blocked` counts a room's.
ALTER TABLE tasks ADD COLUMN open_blockers INTEGER NOT NULL DEFAULT 0;

UPDATE tasks t SET open_blockers = counted.open
FROM (
    SELECT d.task, COUNT(*) AS open FROM dependencies d JOIN tasks b ON b.number = d.blocker
    WHERE b.status IN ('open', 'in_progress') GROUP BY d.task
) counted
WHERE t.number = counted.task;

-- `mine` sorts someone's open tasks into sections by these columns alone: with
-- them in the index it need not read the tasks' rows (once they are vacuumed).
DROP INDEX tasks_by_owner;
CREATE INDEX tasks_by_owner ON tasks (owner, status, open_blockers, external_blocker)
    INCLUDE (number);

-- Once per statement, over all the rows it inserted: an import adds its
-- dependencies in batches of thousands, and a trigger call per row would cost
-- seconds there.
CREATE FUNCTION count_added_open_blockers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks t SET open_blockers = t.open_blockers + counted.open
    FROM (
        SELECT a.task, COUNT(*) AS open FROM added a JOIN tasks b ON b.number = a.blocker
        WHERE b.status IN ('open', 'in_progress') GROUP BY a.task
    ) counted
    WHERE t.number = counted.task;
    RETURN NULL;
END $$;

CREATE TRIGGER open_blockers_when_dependencies_added AFTER INSERT ON dependencies
REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION count_added_open_blockers();

CREATE FUNCTION count_removed_open_blocker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET open_blockers = open_blockers - 1
    WHERE number = OLD.task
      AND (SELECT status FROM tasks WHERE number = OLD.blocker) IN ('open', 'in_progress');
    RETURN NULL;
END $$;

CREATE TRIGGER open_blockers_when_dependency_removed AFTER DELETE ON dependencies
FOR EACH ROW EXECUTE FUNCTION count_removed_open_blocker();

-- Only a change between open and closed counts: open → in progress changes nothing.
-- The UPDATE inside does not set `status`, so it does not fire this trigger again.
CREATE FUNCTION count_closed_or_reopened_blocker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks
    SET open_blockers = open_blockers
        + CASE WHEN NEW.status IN ('open', 'in_progress') THEN 1 ELSE -1 END
    WHERE number IN (SELECT task FROM dependencies WHERE blocker = NEW.number);
    RETURN NULL;
END $$;

CREATE TRIGGER open_blockers_when_blocker_closes_or_reopens AFTER UPDATE OF status ON tasks
FOR EACH ROW
WHEN ((OLD.status IN ('open', 'in_progress')) <> (NEW.status IN ('open', 'in_progress')))
EXECUTE FUNCTION count_closed_or_reopened_blocker();
