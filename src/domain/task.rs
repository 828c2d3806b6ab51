//! Tasks, their statuses and whether they are ready to work on.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TaskKey;

/// A person's platform identity: `console:@alice`, `slack:T123:U456`,
/// `matrix:@alice:example.org`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(String);

impl PersonId {
    /// A person on `platform` known there as `handle`.
    pub fn new(platform: &str, handle: &str) -> Self {
        Self(format!("{platform}:{handle}"))
    }

    /// Wraps an identity read back from the store.
    pub fn from_stored(id: String) -> Self {
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How the person is written in chat: the part after the platform, `@alice`.
    pub fn handle(&self) -> &str {
        self.0.split_once(':').map_or(&self.0, |(_, handle)| handle)
    }

    /// The platform part: `console`, `slack`, `matrix`.
    pub fn platform(&self) -> &str {
        self.0.split_once(':').map_or("", |(platform, _)| platform)
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.handle())
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    InProgress,
    Done,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Cancelled => "cancelled",
        }
    }

    /// Done or cancelled: a resolved task no longer holds anything up.
    pub fn is_resolved(self) -> bool {
        matches!(self, Status::Done | Status::Cancelled)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::InProgress => "in progress",
            other => other.as_str(),
        })
    }
}

/// A status string from the store that is not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("unknown task status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "open" => Status::Open,
            "in_progress" => Status::InProgress,
            "done" => Status::Done,
            "cancelled" => Status::Cancelled,
            other => return Err(UnknownStatus(other.to_owned())),
        })
    }
}

/// A task as its projection row holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub key: TaskKey,
    pub title: String,
    pub owner: Option<PersonId>,
    pub status: Status,
    /// Free-text reason when something outside Baton holds the task up.
    pub external_blocker: Option<String>,
    /// The room where the task's card was posted.
    pub home_room: String,
    /// The platform's id of the card's thread, once the card has been delivered.
    pub home_thread: Option<String>,
    pub created_by: PersonId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub last_activity_at: DateTime<Utc>,
}

/// Whether a task can be worked on now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Open or in progress, nothing holds it up.
    Ready,
    /// Open or in progress, held up by the listed tasks and/or an external reason.
    Blocked {
        open_blockers: Vec<TaskKey>,
        external: Option<String>,
    },
    /// Done or cancelled.
    Closed,
}

impl Task {
    /// Who may finish, start, cancel, reopen, reassign or unblock this task: its owner,
    /// its creator, or anyone when it has no owner.
    pub fn may_be_changed_by(&self, person: &PersonId) -> bool {
        match &self.owner {
            None => true,
            Some(owner) => owner == person || &self.created_by == person,
        }
    }

    /// Derives readiness from the task and the current state of its blockers.
    pub fn readiness<'a>(&self, blockers: impl IntoIterator<Item = &'a Task>) -> Readiness {
        if self.status.is_resolved() {
            return Readiness::Closed;
        }
        let open_blockers: Vec<TaskKey> = blockers
            .into_iter()
            .filter(|b| !b.status.is_resolved())
            .map(|b| b.key)
            .collect();
        if open_blockers.is_empty() && self.external_blocker.is_none() {
            Readiness::Ready
        } else {
            Readiness::Blocked {
                open_blockers,
                external: self.external_blocker.clone(),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An open task `T-n` created by @carol, owned by `owner` (console handles).
    pub(crate) fn task(n: u64, owner: Option<&str>) -> Task {
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        Task {
            key: TaskKey::new(n),
            title: format!("task {n}"),
            owner: owner.map(|h| PersonId::new("console", h)),
            status: Status::Open,
            external_blocker: None,
            home_room: "console:#general".into(),
            home_thread: None,
            created_by: PersonId::new("console", "@carol"),
            created_at: at,
            updated_at: at,
            done_at: None,
            last_activity_at: at,
        }
    }

    #[test]
    fn a_task_without_open_blockers_is_ready() {
        let mut blocker = task(1, None);
        blocker.status = Status::Done;
        assert_eq!(task(2, None).readiness([&blocker]), Readiness::Ready);
    }

    #[test]
    fn an_open_blocker_or_an_external_reason_blocks() {
        let blocker = task(1, None);
        assert_eq!(
            task(2, None).readiness([&blocker]),
            Readiness::Blocked {
                open_blockers: vec![TaskKey::new(1)],
                external: None
            }
        );
        let mut waiting = task(3, None);
        waiting.external_blocker = Some("legal review".into());
        assert!(matches!(
            waiting.readiness([]),
            Readiness::Blocked {
                external: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn cancelled_blockers_resolve_the_dependency() {
        let mut blocker = task(1, None);
        blocker.status = Status::Cancelled;
        assert_eq!(task(2, None).readiness([&blocker]), Readiness::Ready);
    }

    #[test]
    fn finished_tasks_are_closed_whatever_their_blockers() {
        let mut done = task(2, None);
        done.status = Status::Done;
        assert_eq!(done.readiness([&task(1, None)]), Readiness::Closed);
    }

    #[test]
    fn owner_creator_or_anyone_for_unowned_tasks_may_change_them() {
        let carol = PersonId::new("console", "@carol");
        let alice = PersonId::new("console", "@alice");
        let bob = PersonId::new("console", "@bob");
        let owned = task(1, Some("@alice"));
        assert!(owned.may_be_changed_by(&alice));
        assert!(owned.may_be_changed_by(&carol), "the creator may");
        assert!(!owned.may_be_changed_by(&bob));
        assert!(task(2, None).may_be_changed_by(&bob));
    }

    #[test]
    fn person_ids_show_their_handle() {
        let id = PersonId::new("matrix", "@alice:example.org");
        assert_eq!(id.handle(), "@alice:example.org");
        assert_eq!(id.platform(), "matrix");
        assert_eq!(id.to_string(), "@alice:example.org");
    }
}
