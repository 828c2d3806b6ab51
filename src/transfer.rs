//! `baton import` / `baton export`: tasks as JSON lines (DESIGN §4, a stable contract).
//!
//! One task a line: `{"key": "T-1", "title": "...", "owner": "user17", "depends_on":
//! ["T-0"]}`. Export adds `status`, `events` and where the task lives, so that
//! export → import round-trips. An owner without a platform prefix is a console
//! person (`user17` is `console:@user17`).

use std::collections::HashSet;
use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chat::console;
use crate::domain::{
    DependencyGraph, EventKind, NewEvent, PersonId, Source, Status, Task, TaskKey,
};
use crate::store::{ExportedTask, ImportedTask, Store, StoreError};

/// Tasks per store call while importing: bounds memory per transaction batch.
const IMPORT_BATCH: usize = 20_000;
/// Where imported tasks live when the line does not say.
const DEFAULT_ROOM: &str = "console:#general";

/// One line of an import or export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskLine {
    pub key: TaskKey,
    pub title: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<TaskKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_blocker: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventLine>,
}

/// One event of an exported task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventLine {
    #[serde(flatten)]
    pub kind: EventKind,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub platform: String,
    pub room: String,
}

/// Why an import was refused; nothing was imported. `Display` is for the user.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("line {line}: {message}")]
    BadLine { line: usize, message: String },
    #[error("{0} appears twice")]
    DuplicateKey(TaskKey),
    #[error("{task} depends on {blocker}, which is neither in the file nor in the database")]
    UnknownBlocker { task: TaskKey, blocker: TaskKey },
    #[error("the dependencies form a cycle: {0}")]
    Cycle(String),
    #[error("{0} already exists in the database; import into a fresh database")]
    Exists(TaskKey),
    #[error("could not read the input")]
    Read(#[from] std::io::Error),
    #[error("the database failed")]
    Store(#[from] StoreError),
}

/// `user17` / `@user17` → `console:@user17`; `slack:T1:U2` stays as it is.
fn person_of(owner: &str) -> PersonId {
    let owner = owner.trim();
    match owner.split_once(':') {
        Some((platform, _)) if !owner.starts_with('@') && !platform.is_empty() => {
            PersonId::from_stored(owner.to_owned())
        }
        _ => PersonId::new(
            console::PLATFORM,
            &format!("@{}", owner.trim_start_matches('@')),
        ),
    }
}

/// The reverse of [`person_of`]: console people without the prefix or `@`.
fn owner_of(person: &PersonId) -> String {
    if person.platform() == console::PLATFORM {
        person.handle().trim_start_matches('@').to_owned()
    } else {
        person.as_str().to_owned()
    }
}

/// Reads JSON lines and imports them, all or nothing.
///
/// # Errors
/// [`ImportError`] naming the first bad line, duplicate, unknown blocker or cycle;
/// nothing is imported then.
pub async fn import(
    store: &dyn Store,
    input: impl BufRead,
    now: DateTime<Utc>,
) -> Result<usize, ImportError> {
    let mut lines = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: TaskLine = serde_json::from_str(&line).map_err(|e| ImportError::BadLine {
            line: index + 1,
            message: e.to_string(),
        })?;
        if parsed.title.trim().is_empty() {
            return Err(ImportError::BadLine {
                line: index + 1,
                message: "the title is empty".to_owned(),
            });
        }
        lines.push(parsed);
    }
    check(store, &lines).await?;
    let tasks: Vec<ImportedTask> = lines.into_iter().map(|line| imported(line, now)).collect();
    for batch in tasks.chunks(IMPORT_BATCH) {
        store.import(batch).await?;
    }
    Ok(tasks.len())
}

/// Refuses duplicates, dangling dependencies, cycles and keys already taken.
async fn check(store: &dyn Store, lines: &[TaskLine]) -> Result<(), ImportError> {
    let mut keys = HashSet::with_capacity(lines.len());
    for line in lines {
        if !keys.insert(line.key) {
            return Err(ImportError::DuplicateKey(line.key));
        }
    }
    let mut tx = store.begin().await?;
    let mut known_outside = HashSet::new();
    for line in lines {
        for blocker in &line.depends_on {
            if keys.contains(blocker) || known_outside.contains(blocker) {
                continue;
            }
            if tx.task(*blocker).await?.is_none() {
                return Err(ImportError::UnknownBlocker {
                    task: line.key,
                    blocker: *blocker,
                });
            }
            known_outside.insert(*blocker);
        }
    }
    if let Some(first) = lines.first()
        && tx.task(first.key).await?.is_some()
    {
        return Err(ImportError::Exists(first.key));
    }
    drop(tx);
    let graph = DependencyGraph::from_edges(
        lines
            .iter()
            .flat_map(|l| l.depends_on.iter().map(|b| (l.key, *b))),
    );
    if let Some(cycle) = graph.find_cycle() {
        return Err(ImportError::Cycle(cycle.spelled()));
    }
    Ok(())
}

fn imported(line: TaskLine, now: DateTime<Utc>) -> ImportedTask {
    let created_by = line
        .created_by
        .as_deref()
        .map_or_else(|| PersonId::new(console::PLATFORM, "@import"), person_of);
    let room = line.room.clone().unwrap_or_else(|| DEFAULT_ROOM.to_owned());
    let status = line.status.unwrap_or(Status::Open);
    let owner = line
        .owner
        .as_deref()
        .filter(|o| !o.trim().is_empty())
        .map(person_of);
    let events: Vec<NewEvent> = if line.events.is_empty() {
        let source = Source {
            platform: "import".to_owned(),
            room: room.clone(),
            ..Source::default()
        };
        let event = |kind| NewEvent {
            task: line.key,
            kind,
            actor: created_by.clone(),
            at: now,
            source: source.clone(),
        };
        let mut events = vec![event(EventKind::Created {
            title: line.title.clone(),
            owner: owner.clone(),
        })];
        events.extend(
            line.depends_on
                .iter()
                .map(|b| event(EventKind::DependencyAdded { blocker: *b })),
        );
        events
    } else {
        line.events
            .iter()
            .map(|e| NewEvent {
                task: line.key,
                kind: e.kind.clone(),
                actor: PersonId::from_stored(e.actor.clone()),
                at: e.at,
                source: Source {
                    platform: e.platform.clone(),
                    room: e.room.clone(),
                    ..Source::default()
                },
            })
            .collect()
    };
    let created_at = events.first().map_or(now, |e| e.at);
    let last_activity_at = events.last().map_or(now, |e| e.at);
    let done_at = status.is_resolved().then(|| {
        events
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Done { .. } | EventKind::Cancelled))
            .map_or(now, |e| e.at)
    });
    ImportedTask {
        task: Task {
            key: line.key,
            title: line.title.trim().to_owned(),
            owner,
            status,
            external_blocker: line.external_blocker,
            home_room: room,
            home_thread: None,
            created_by,
            created_at,
            updated_at: last_activity_at,
            done_at,
            last_activity_at,
        },
        depends_on: line.depends_on,
        events,
    }
}

/// Writes every task as one JSON line, in key order.
///
/// # Errors
/// When the store fails or `out` cannot be written.
pub async fn export(store: &dyn Store, mut out: impl Write) -> anyhow::Result<usize> {
    let tasks = store.export().await?;
    let count = tasks.len();
    for exported in tasks {
        serde_json::to_writer(&mut out, &line_of(exported))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(count)
}

fn line_of(exported: ExportedTask) -> TaskLine {
    let ExportedTask {
        task,
        depends_on,
        events,
    } = exported;
    TaskLine {
        key: task.key,
        title: task.title,
        owner: task.owner.as_ref().map(owner_of),
        depends_on,
        status: Some(task.status),
        room: Some(task.home_room),
        created_by: Some(owner_of(&task.created_by)),
        external_blocker: task.external_blocker,
        events: events
            .into_iter()
            .map(|e| EventLine {
                kind: e.kind,
                actor: e.actor.as_str().to_owned(),
                at: e.at,
                platform: e.source.platform,
                room: e.source.room,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_without_a_platform_are_console_people() {
        assert_eq!(person_of("user17").as_str(), "console:@user17");
        assert_eq!(person_of("@alice").as_str(), "console:@alice");
        assert_eq!(person_of("slack:T1:U2").as_str(), "slack:T1:U2");
        assert_eq!(owner_of(&person_of("user17")), "user17");
        assert_eq!(owner_of(&person_of("slack:T1:U2")), "slack:T1:U2");
    }

    #[test]
    fn a_contract_line_reads_with_defaults() {
        let line: TaskLine = serde_json::from_str(
            r#"{"key": "T-1", "title": "Ship it", "owner": "user17", "depends_on": ["T-0"]}"#,
        )
        .unwrap();
        let task = imported(line, Utc::now());
        assert_eq!(task.task.status, Status::Open);
        assert_eq!(task.depends_on, [TaskKey::new(0)]);
        assert_eq!(task.events.len(), 2, "created + dependency added");
    }
}
