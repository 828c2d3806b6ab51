//! Events: the append-only history of every task, and its audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{PersonId, TaskKey};

/// What happened to a task. Stored as JSON (`{"type": "done", "links": [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Created {
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<PersonId>,
    },
    Assigned {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<PersonId>,
    },
    Started,
    DependencyAdded {
        blocker: TaskKey,
    },
    DependencyRemoved {
        blocker: TaskKey,
    },
    /// Held up by something outside Baton.
    Blocked {
        reason: String,
    },
    Unblocked,
    Done {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        links: Vec<String>,
    },
    Reopened,
    Cancelled,
    NoteAdded {
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        links: Vec<String>,
    },
}

impl EventKind {
    /// The short name stored beside the payload, for queries and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::Assigned { .. } => "assigned",
            EventKind::Started => "started",
            EventKind::DependencyAdded { .. } => "dependency_added",
            EventKind::DependencyRemoved { .. } => "dependency_removed",
            EventKind::Blocked { .. } => "blocked",
            EventKind::Unblocked => "unblocked",
            EventKind::Done { .. } => "done",
            EventKind::Reopened => "reopened",
            EventKind::Cancelled => "cancelled",
            EventKind::NoteAdded { .. } => "note_added",
        }
    }
}

/// Where the message that caused an event came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `console`, `slack`, `matrix`, or `import`.
    pub platform: String,
    /// The room id, e.g. `console:#general`.
    pub room: String,
    /// The platform's message id, when it has one.
    pub message_id: Option<String>,
    /// A link back to the message, when the platform has one.
    pub permalink: Option<String>,
    /// The platform event id that caused this event (the inbound dedup key).
    pub event_id: Option<String>,
}

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub task: TaskKey,
    pub kind: EventKind,
    pub actor: PersonId,
    pub at: DateTime<Utc>,
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_their_stored_json() {
        let kind = EventKind::Done {
            links: vec!["https://github.com/acme/api/pull/1".into()],
        };
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(
            json,
            r#"{"type":"done","links":["https://github.com/acme/api/pull/1"]}"#
        );
        assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), kind);
    }
}
