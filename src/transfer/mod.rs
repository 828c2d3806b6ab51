//! `baton import` / `baton export`: tasks as JSON lines (DESIGN §4, a stable contract).
//!
//! One task a line: `{"key": "T-1", "title": "...", "owner": "user17", "depends_on":
//! ["T-0"]}`. Export adds `status`, `events` and where the task lives, so that
//! export → import round-trips. An owner without a platform prefix is a console
//! person (`user17` is `console:@user17`).

use std::collections::HashSet;
use std::io::Write;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chat::console;
use crate::domain::{
    DependencyGraph, EventKind, NewEvent, PersonId, Source, Status, Task, TaskKey,
};
use crate::store::{ExportedTask, ImportTx, ImportedTask, Store, StoreError};

/// Tasks per batch while importing: what an import holds besides the keys and the
/// edges, and what one round of `INSERT`s carries.
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
/// The file streams through in batches of `IMPORT_BATCH` tasks, every batch in
/// the same transaction ([`ImportTx`]), which commits only once the whole file has
/// passed every check: a bad line, a duplicate, a key already taken, an unknown
/// blocker, a cycle or a database failure at any point rolls all of it back. What
/// stays in memory is one batch plus every key and `(task, blocker)` edge (a few
/// dozen bytes a task), not the whole file: a million tasks import in well under
/// the memory the parsed file would take.
///
/// # Errors
/// [`ImportError`] naming the first problem found: bad lines, duplicates and keys
/// already taken in file order as the file is read, then unknown blockers, then
/// cycles. Nothing is imported then.
pub async fn import(
    store: &dyn Store,
    input: impl AsyncBufRead + Unpin,
    now: DateTime<Utc>,
) -> Result<usize, ImportError> {
    let tx = store.begin_import().await?;
    import_into(tx, input, now, IMPORT_BATCH).await
}

/// [`import`] into a transaction already begun, `batch` tasks at a time. Every
/// `return Err` drops `tx` uncommitted, which rolls it back.
async fn import_into(
    mut tx: Box<dyn ImportTx>,
    input: impl AsyncBufRead + Unpin,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<usize, ImportError> {
    // Every key of the file: to refuse duplicates, and to tell blockers in the file
    // from blockers that must already be in the database.
    let mut keys: HashSet<TaskKey> = HashSet::new();
    // `(task, blocker)` in file order, inserted once every task is: a task may depend
    // on one further on in the file, and the foreign keys are not deferred.
    let mut edges: Vec<(TaskKey, TaskKey)> = Vec::new();
    let mut tasks: Vec<ImportedTask> = Vec::with_capacity(batch);
    // Read without blocking the runtime: the input may be a pipe that waits.
    let mut lines = input.lines();
    let mut index = 0;
    while let Some(line) = lines.next_line().await? {
        index += 1;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = parse_line(index, &line)?;
        let key = parsed.key;
        if !keys.insert(key) {
            return Err(ImportError::DuplicateKey(key));
        }
        edges.extend(parsed.depends_on.iter().map(|blocker| (key, *blocker)));
        tasks.push(imported(parsed, now));
        if tasks.len() >= batch {
            insert_batch(&mut *tx, &mut tasks).await?;
        }
    }
    insert_batch(&mut *tx, &mut tasks).await?;
    check_blockers(&mut *tx, &keys, &edges).await?;
    let count = keys.len();
    // Not needed any more; freed before a cycle check may build a graph.
    drop(keys);
    check_cycles(&edges)?;
    for chunk in edges.chunks(batch.max(1)) {
        tx.insert_dependencies(chunk).await?;
    }
    tx.commit().await?;
    Ok(count)
}

/// Line `number` (counting from 1) of the input, not blank.
fn parse_line(number: usize, line: &str) -> Result<TaskLine, ImportError> {
    let parsed: TaskLine = serde_json::from_str(line).map_err(|e| ImportError::BadLine {
        line: number,
        message: e.to_string(),
    })?;
    if parsed.title.trim().is_empty() {
        return Err(ImportError::BadLine {
            line: number,
            message: "the title is empty".to_owned(),
        });
    }
    Ok(parsed)
}

/// Inserts a batch, refusing it when one of its keys is taken already, and empties
/// it. Earlier batches cannot hold its keys (duplicates are refused as the file is
/// read), so a taken key was in the database before the import.
async fn insert_batch(
    tx: &mut dyn ImportTx,
    tasks: &mut Vec<ImportedTask>,
) -> Result<(), ImportError> {
    if tasks.is_empty() {
        return Ok(());
    }
    let keys: Vec<TaskKey> = tasks.iter().map(|t| t.task.key).collect();
    let taken: HashSet<TaskKey> = tx.existing(&keys).await?.into_iter().collect();
    if let Some(key) = keys.into_iter().find(|key| taken.contains(key)) {
        return Err(ImportError::Exists(key));
    }
    tx.insert(tasks).await?;
    tasks.clear();
    Ok(())
}

/// Refuses a dependency on a task that is neither in the file nor in the database,
/// naming the first such edge in file order. The blockers outside the file are
/// looked up together, not a round trip each.
async fn check_blockers(
    tx: &mut dyn ImportTx,
    keys: &HashSet<TaskKey>,
    edges: &[(TaskKey, TaskKey)],
) -> Result<(), ImportError> {
    let mut outside: Vec<TaskKey> = edges
        .iter()
        .map(|(_, blocker)| *blocker)
        .filter(|blocker| !keys.contains(blocker))
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    outside.sort_unstable();
    outside.dedup();
    let known: HashSet<TaskKey> = tx.existing(&outside).await?.into_iter().collect();
    match edges
        .iter()
        .find(|(_, blocker)| !keys.contains(blocker) && !known.contains(blocker))
    {
        Some(&(task, blocker)) => Err(ImportError::UnknownBlocker { task, blocker }),
        None => Ok(()),
    }
}

/// Refuses dependencies that form a cycle, naming one.
fn check_cycles(edges: &[(TaskKey, TaskKey)]) -> Result<(), ImportError> {
    // Going round a cycle ends where it began, so the numbers cannot only go down:
    // at least one of its edges goes from a task to a blocker numbered as high or
    // higher (a task depending on itself is such an edge too). When no edge of the
    // file does — generated workloads, and files whose tasks depend only on earlier
    // ones — there is no cycle, and the graph, the biggest thing an import would
    // build, is not built. Edges to tasks already in the database cannot close a
    // cycle either: those tasks depend only on tasks that were there before them
    // (the foreign keys saw to that), never on one this import brings.
    if !edges
        .iter()
        .any(|(task, blocker)| blocker.number() >= task.number())
    {
        return Ok(());
    }
    let graph = DependencyGraph::from_edges(edges.iter().copied());
    match graph.find_cycle() {
        Some(cycle) => Err(ImportError::Cycle(cycle.spelled())),
        None => Ok(()),
    }
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
        events,
    }
}

/// Tasks read from the store at a time by [`export`].
const EXPORT_PAGE: i64 = 1_000;

/// Writes every task as one JSON line, in key order, a page at a time: what is
/// in memory is one page, however large the database.
///
/// # Errors
/// When the store fails or `out` cannot be written.
pub async fn export(store: &dyn Store, mut out: impl Write) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut after = None;
    loop {
        let page = store.export_page(after, EXPORT_PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.task.key);
        for exported in page {
            serde_json::to_writer(&mut out, &line_of(exported))?;
            out.write_all(b"\n")?;
            count += 1;
        }
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
mod tests;
