-- How many of each task's blockers are still open (open or in progress), kept by
-- the triggers below on every write that can change it: a dependency added or
-- removed, a blocker finished, cancelled or reopened. "Does this task wait on
-- another?" is then a test of its own row instead of a probe of its dependencies
-- and their blockers' rows: `mine` sorts someone's thousands of tasks with it and
-- `blocked` counts a room's.
ALTER TABLE tasks ADD COLUMN open_blockers INTEGER NOT NULL DEFAULT 0;

UPDATE tasks SET open_blockers = (
    SELECT COUNT(*) FROM dependencies d JOIN tasks b ON b.number = d.blocker
    WHERE d.task = tasks.number AND b.status IN ('open', 'in_progress')
);

-- `mine` sorts someone's open tasks into sections by these columns alone: with
-- them in the index it reads no task's row.
DROP INDEX tasks_by_owner;
CREATE INDEX tasks_by_owner ON tasks (owner, status, open_blockers, external_blocker);

CREATE TRIGGER open_blockers_when_dependency_added AFTER INSERT ON dependencies
WHEN (SELECT status FROM tasks WHERE number = NEW.blocker) IN ('open', 'in_progress')
BEGIN
    UPDATE tasks SET open_blockers = open_blockers + 1 WHERE number = NEW.task;
END;

CREATE TRIGGER open_blockers_when_dependency_removed AFTER DELETE ON dependencies
WHEN (SELECT status FROM tasks WHERE number = OLD.blocker) IN ('open', 'in_progress')
BEGIN
    UPDATE tasks SET open_blockers = open_blockers - 1 WHERE number = OLD.task;
END;

-- Only a change between open and closed counts: open → in progress changes nothing.
-- The UPDATE inside does not set `status`, so it does not fire this trigger again.
CREATE TRIGGER open_blockers_when_blocker_closes_or_reopens AFTER UPDATE OF status ON tasks
WHEN (OLD.status IN ('open', 'in_progress')) <> (NEW.status IN ('open', 'in_progress'))
BEGIN
    UPDATE tasks
    SET open_blockers = open_blockers
        + CASE WHEN NEW.status IN ('open', 'in_progress') THEN 1 ELSE -1 END
    WHERE number IN (SELECT task FROM dependencies WHERE blocker = NEW.number);
END;
