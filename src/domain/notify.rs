//! Who hears about what (DESIGN §3, "Notification rules").
//!
//! Given the tasks a change touched, as they are after the change, these functions
//! decide the notices to send. One notice per recipient per causing event: several
//! tasks becoming ready for one person arrive in one message.

use std::collections::BTreeMap;

use super::{PersonId, Readiness, Task, TaskKey};

/// A task that depends on the changed task, with all of its blockers as they are
/// after the change.
#[derive(Debug, Clone)]
pub struct Dependent {
    pub task: Task,
    pub blockers: Vec<Task>,
}

/// Tasks became ready for someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub tasks: Vec<TaskKey>,
}

/// Tasks that were ready are blocked again by `by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reblock {
    pub tasks: Vec<TaskKey>,
    pub by: TaskKey,
}

/// A notice and where it goes: a DM to a task's owner, or, for a task nobody owns,
/// its home thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    HandoffDm { to: PersonId, handoff: Handoff },
    HandoffInThread { task: TaskKey },
    ReblockDm { to: PersonId, reblock: Reblock },
    ReblockInThread { task: TaskKey, by: TaskKey },
}

/// After `resolved` was finished or cancelled by `actor`: its dependents whose last
/// blocker this was become ready, and their owners get a handoff.
///
/// The caller passes only a real transition (the task was open or in progress before).
pub fn after_resolution(actor: &PersonId, dependents: &[Dependent]) -> Vec<Notice> {
    let ready = dependents
        .iter()
        .filter(|d| d.task.readiness(&d.blockers) == Readiness::Ready)
        .map(|d| &d.task);
    handoffs(actor, ready)
}

/// After `reopened` was reopened by `actor`: dependents it held up alone are blocked
/// again, and their owners are told once.
pub fn after_reopen(reopened: TaskKey, actor: &PersonId, dependents: &[Dependent]) -> Vec<Notice> {
    let mut dms: BTreeMap<&PersonId, Vec<TaskKey>> = BTreeMap::new();
    let mut notices = Vec::new();
    for dependent in dependents {
        let was_ready = matches!(
            dependent.task.readiness(&dependent.blockers),
            Readiness::Blocked { ref open_blockers, external: None } if open_blockers == &[reopened]
        );
        if !was_ready {
            continue;
        }
        match &dependent.task.owner {
            Some(owner) if owner == actor => {}
            Some(owner) => dms.entry(owner).or_default().push(dependent.task.key),
            None => notices.push(Notice::ReblockInThread {
                task: dependent.task.key,
                by: reopened,
            }),
        }
    }
    notices.extend(dms.into_iter().map(|(to, tasks)| Notice::ReblockDm {
        to: to.clone(),
        reblock: Reblock {
            tasks,
            by: reopened,
        },
    }));
    notices
}

/// After `task` was given to `new_owner` by `actor`: if it is ready, the new owner
/// gets the handoff right away.
pub fn after_assign(task: &Task, readiness: &Readiness, actor: &PersonId) -> Vec<Notice> {
    if *readiness == Readiness::Ready {
        handoffs(actor, [task])
    } else {
        Vec::new()
    }
}

/// Handoffs for tasks that just became ready: one DM per owner (never to the person
/// who caused it), and a thread message for each task without an owner.
pub fn handoffs<'a>(actor: &PersonId, ready: impl IntoIterator<Item = &'a Task>) -> Vec<Notice> {
    let mut dms: BTreeMap<&PersonId, Vec<TaskKey>> = BTreeMap::new();
    let mut notices = Vec::new();
    for task in ready {
        match &task.owner {
            Some(owner) if owner == actor => {}
            Some(owner) => dms.entry(owner).or_default().push(task.key),
            None => notices.push(Notice::HandoffInThread { task: task.key }),
        }
    }
    notices.extend(dms.into_iter().map(|(to, tasks)| Notice::HandoffDm {
        to: to.clone(),
        handoff: Handoff { tasks },
    }));
    notices
}

#[cfg(test)]
mod tests {
    use super::super::Status;
    use super::super::task::tests::task;
    use super::*;

    fn person(handle: &str) -> PersonId {
        PersonId::new("console", handle)
    }

    fn done(mut t: Task) -> Task {
        t.status = Status::Done;
        t
    }

    #[test]
    fn the_last_blocker_finishing_hands_off_to_the_owner() {
        let t1 = done(task(1, Some("@alice")));
        let t2 = Dependent {
            task: task(2, Some("@bob")),
            blockers: vec![t1.clone()],
        };
        let notices = after_resolution(&person("@alice"), &[t2]);
        assert_eq!(
            notices,
            [Notice::HandoffDm {
                to: person("@bob"),
                handoff: Handoff {
                    tasks: vec![TaskKey::new(2)]
                }
            }]
        );
    }

    #[test]
    fn a_dependent_with_another_open_blocker_gets_nothing() {
        let t1 = done(task(1, Some("@alice")));
        let t3 = Dependent {
            task: task(3, Some("@dan")),
            blockers: vec![t1, task(2, Some("@bob"))],
        };
        assert!(after_resolution(&person("@alice"), &[t3]).is_empty());
    }

    #[test]
    fn nobody_is_told_about_their_own_action() {
        let t1 = done(task(1, Some("@alice")));
        let mine = Dependent {
            task: task(2, Some("@alice")),
            blockers: vec![t1],
        };
        assert!(after_resolution(&person("@alice"), &[mine]).is_empty());
    }

    #[test]
    fn several_tasks_ready_for_one_person_make_one_dm() {
        let t1 = done(task(1, None));
        let dependents: Vec<_> = [2, 3]
            .map(|n| Dependent {
                task: task(n, Some("@bob")),
                blockers: vec![t1.clone()],
            })
            .into();
        let notices = after_resolution(&person("@carol"), &dependents);
        assert_eq!(
            notices,
            [Notice::HandoffDm {
                to: person("@bob"),
                handoff: Handoff {
                    tasks: vec![TaskKey::new(2), TaskKey::new(3)]
                }
            }]
        );
    }

    #[test]
    fn an_unowned_task_that_becomes_ready_is_announced_in_its_thread() {
        let t1 = done(task(1, None));
        let unowned = Dependent {
            task: task(2, None),
            blockers: vec![t1],
        };
        assert_eq!(
            after_resolution(&person("@carol"), &[unowned]),
            [Notice::HandoffInThread {
                task: TaskKey::new(2)
            }]
        );
    }

    #[test]
    fn an_external_blocker_keeps_the_task_blocked() {
        let t1 = done(task(1, None));
        let mut waiting = task(2, Some("@bob"));
        waiting.external_blocker = Some("legal".into());
        let dependent = Dependent {
            task: waiting,
            blockers: vec![t1],
        };
        assert!(after_resolution(&person("@carol"), &[dependent]).is_empty());
    }

    #[test]
    fn reopening_reblocks_only_tasks_it_alone_held_up() {
        let reopened = task(1, Some("@alice"));
        let was_ready = Dependent {
            task: task(2, Some("@bob")),
            blockers: vec![reopened.clone()],
        };
        let was_blocked = Dependent {
            task: task(3, Some("@dan")),
            blockers: vec![reopened.clone(), task(4, None)],
        };
        let notices = after_reopen(reopened.key, &person("@alice"), &[was_ready, was_blocked]);
        assert_eq!(
            notices,
            [Notice::ReblockDm {
                to: person("@bob"),
                reblock: Reblock {
                    tasks: vec![TaskKey::new(2)],
                    by: TaskKey::new(1)
                }
            }]
        );
    }

    #[test]
    fn assigning_a_ready_task_hands_it_off_unless_you_take_it_yourself() {
        let t = task(5, Some("@bob"));
        assert_eq!(
            after_assign(&t, &Readiness::Ready, &person("@carol")).len(),
            1
        );
        assert!(after_assign(&t, &Readiness::Ready, &person("@bob")).is_empty());
        let blocked = Readiness::Blocked {
            open_blockers: vec![TaskKey::new(1)],
            external: None,
        };
        assert!(after_assign(&t, &blocked, &person("@carol")).is_empty());
    }
}
