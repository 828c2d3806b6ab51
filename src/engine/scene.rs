//! Choosing what a picture of the graph shows, from the store, as one reader may
//! see it: the tasks around the ones named, or a room's most blocking chains.
//! How it looks is `crate::picture`'s business.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};

use super::sight::Sight;
use crate::domain::{self, Changes, Digest, Reader, RoomWork, Task, TaskKey};
use crate::picture::{MAX_NODES, More, Node, Scene};
use crate::store::{Store, StoreError, StoreResult, StoreTx};

/// Which way a task was reached from the named ones: the walk goes on the same
/// way, so the picture holds the blockers up to the roots and what waits on the
/// named tasks, not their cousins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    Named,
    Upstream,
    Downstream,
}

/// The graph around `named` (which exist): their blockers up to the roots and the
/// tasks waiting on them, nearest first, blockers before waiters, up to
/// [`MAX_NODES`]; what did not fit is counted beside the drawn task it hangs on.
/// The critical path is the longest chain of unfinished work through the first
/// named: to it, then on from it.
pub(super) async fn around(
    tx: &mut dyn StoreTx,
    sight: &mut Sight,
    named: &[Task],
) -> StoreResult<Scene> {
    let mut chosen: Vec<Task> = Vec::new();
    let mut seen: BTreeSet<TaskKey> = BTreeSet::new();
    let mut edges: Vec<(TaskKey, TaskKey)> = Vec::new();
    let mut open_blockers: BTreeSet<TaskKey> = BTreeSet::new();
    let mut more: BTreeMap<(TaskKey, bool), usize> = BTreeMap::new();
    let mut queue: VecDeque<(Task, Reached)> = VecDeque::new();
    for task in named {
        if seen.insert(task.key) {
            queue.push_back((task.clone(), Reached::Named));
        }
    }
    while let Some((task, reached)) = queue.pop_front() {
        let key = task.key;
        chosen.push(task);
        // Every drawn task's blockers: its colour depends on them, and edges
        // between drawn tasks are drawn whichever way they were reached.
        for blocker in tx.blockers_of(key).await? {
            if !blocker.status.is_resolved() {
                open_blockers.insert(key);
            }
            edges.push((key, blocker.key));
            if reached == Reached::Downstream || seen.contains(&blocker.key) {
                continue;
            }
            if seen.len() < MAX_NODES {
                seen.insert(blocker.key);
                queue.push_back((blocker, Reached::Upstream));
            } else {
                *more.entry((key, false)).or_default() += 1;
            }
        }
        if reached == Reached::Upstream {
            continue;
        }
        for dependent in tx.dependents_of(key).await? {
            edges.push((dependent.key, key));
            if seen.contains(&dependent.key) {
                continue;
            }
            if seen.len() < MAX_NODES {
                seen.insert(dependent.key);
                queue.push_back((dependent, Reached::Downstream));
            } else {
                *more.entry((key, true)).or_default() += 1;
            }
        }
    }
    let named_keys: Vec<String> = named.iter().map(|t| t.key.to_string()).collect();
    let heading = format!("Around {}", named_keys.join(", "));
    let nodes = drawn(tx, sight, chosen, |key| open_blockers.contains(&key)).await?;
    let mut scene = Scene::new(heading, nodes, edges);
    if let Some(first) = named.first() {
        scene.critical = scene.longest_open_chain_through(first.key);
    }
    scene.more = more
        .into_iter()
        .map(|((key, waiting), count)| More {
            key,
            count,
            waiting,
        })
        .collect();
    Ok(scene)
}

/// The room's most blocking chains: the digest's root blockers, most waited on
/// first, each with its longest chain of waiting tasks, up to [`MAX_NODES`]. The
/// first root's chain is the critical path; each root says how many more wait on
/// it than are drawn. Empty when nothing in the room waits on anything.
pub(super) async fn room(
    tx: &mut dyn StoreTx,
    sight: &mut Sight,
    room: &str,
    room_name: &str,
    now: DateTime<Utc>,
) -> StoreResult<Scene> {
    let work = tx.open_work_in(room).await?;
    let digest = domain::digest(&work, Changes::default(), now);
    chains(tx, sight, &work, &digest, room_name, digest.roots.len()).await
}

/// The chains of the first `roots` of `digest`'s root blockers in `work`: what
/// [`room`] draws, and with one root the picture a digest carries.
pub(super) async fn chains(
    tx: &mut dyn StoreTx,
    sight: &mut Sight,
    work: &RoomWork,
    digest: &Digest,
    room_name: &str,
    roots: usize,
) -> StoreResult<Scene> {
    let mut keys: Vec<TaskKey> = Vec::new();
    let mut seen: BTreeSet<TaskKey> = BTreeSet::new();
    let mut chains: Vec<Vec<TaskKey>> = Vec::new();
    let mut more = Vec::new();
    for root in digest.roots.iter().take(roots) {
        // Root first: work flows down the picture.
        let chain: Vec<TaskKey> = root
            .chain
            .iter()
            .rev()
            .copied()
            .take(MAX_NODES.saturating_sub(keys.len()))
            .collect();
        if chain.is_empty() {
            break;
        }
        for key in &chain {
            if seen.insert(*key) {
                keys.push(*key);
            }
        }
        let left = root.waiting.saturating_sub(chain.len() - 1);
        if left > 0 {
            more.push(More {
                key: root.key,
                count: left,
                waiting: true,
            });
        }
        chains.push(chain);
    }
    // The open edges between drawn tasks, beyond each chain's own: one pass.
    let edges: Vec<(TaskKey, TaskKey)> = work
        .open_edges()
        .iter()
        .filter(|(task, blocker)| seen.contains(task) && seen.contains(blocker))
        .copied()
        .collect();
    let tasks = tx.tasks(&keys).await?;
    let mut by_key: BTreeMap<TaskKey, Task> = tasks.into_iter().map(|t| (t.key, t)).collect();
    let ordered: Vec<Task> = keys.iter().filter_map(|k| by_key.remove(k)).collect();
    let nodes = drawn(tx, sight, ordered, |key| work.waits_on_a_task(key)).await?;
    let heading = match (digest.root_count, chains.len()) {
        (0, _) => format!("Nothing in {room_name} waits on another task"),
        (_, 1) => format!("{room_name}: the chain that holds up most"),
        (n, _) => format!("{room_name}: what holds up most ({n} root blockers)"),
    };
    let mut scene = Scene::new(heading, nodes, edges);
    scene.critical = chains.into_iter().next().unwrap_or_default();
    scene.more = more;
    Ok(scene)
}

/// A picture's file name for a room (`graph-general` for `#general`): letters,
/// digits, `-` and `_` stay.
pub(super) fn file_name(prefix: &str, room_name: &str) -> String {
    let safe: String = room_name
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .take(40)
        .collect();
    if safe.is_empty() {
        format!("{prefix}-room")
    } else {
        format!("{prefix}-{safe}")
    }
}

/// `tasks` as nodes the reader may see: a private room's titles stay in it.
async fn drawn(
    tx: &mut dyn StoreTx,
    sight: &mut Sight,
    tasks: Vec<Task>,
    waits_on_open: impl Fn(TaskKey) -> bool,
) -> StoreResult<Vec<Node>> {
    let seen = sight.tasks(tx, tasks).await?;
    Ok(seen
        .iter()
        .map(|task| Node::new(task, waits_on_open(task.key)))
        .collect())
}

/// Why `baton graph` could not draw what was asked.
#[derive(Debug, thiserror::Error)]
pub enum GraphRequestError {
    #[error("there is no task {0}")]
    NoSuchTask(TaskKey),
    #[error("no room is called `{asked}`; rooms with tasks: {known}")]
    NoSuchRoom { asked: String, known: String },
    #[error("name a task (baton graph T-7) or a room (--room ROOM); rooms with tasks: {known}")]
    WhichRoom { known: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `baton graph [TASK] [--room ROOM]` draws, as the room's members see it:
/// the room named (by id or name), else the task's own room. Private tasks of
/// other rooms show as their key, owner and status.
///
/// # Errors
/// A task or room that does not exist, no task and several rooms, or the store.
pub async fn graph_request(
    store: &dyn Store,
    task: Option<TaskKey>,
    room: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Scene, GraphRequestError> {
    let rooms = store.rooms_with_tasks().await?;
    let known = || {
        let names: Vec<&str> = rooms.iter().map(|r| r.name.as_str()).take(20).collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    let chosen = match room {
        Some(asked) => Some(
            rooms
                .iter()
                .find(|r| r.id == asked)
                .or_else(|| rooms.iter().find(|r| r.name == asked))
                .ok_or_else(|| GraphRequestError::NoSuchRoom {
                    asked: asked.to_owned(),
                    known: known(),
                })?,
        ),
        None => None,
    };
    let mut tx = store.begin_read().await?;
    let tx = tx.as_mut();
    match task {
        Some(key) => {
            let task = tx
                .task(key)
                .await?
                .ok_or(GraphRequestError::NoSuchTask(key))?;
            let reader = chosen.map_or_else(|| task.home_room.clone(), |r| r.id.clone());
            let mut sight = Sight::new(Reader::Room(reader));
            Ok(around(tx, &mut sight, &[task]).await?)
        }
        None => {
            let chosen = match (chosen, rooms.as_slice()) {
                (Some(room), _) => room,
                (None, [only]) => only,
                (None, _) => return Err(GraphRequestError::WhichRoom { known: known() }),
            };
            let mut sight = Sight::new(Reader::Room(chosen.id.clone()));
            Ok(self::room(tx, &mut sight, &chosen.id, &chosen.name, now).await?)
        }
    }
}
