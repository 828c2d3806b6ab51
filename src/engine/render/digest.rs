//! The daily digest's text: what a room's digest says, from the ranked facts
//! the domain decided and the few task rows the message names.

use chrono::{DateTime, Utc};

use super::{named, owner_of};
use crate::domain::{Status, Task, TaskKey};

/// How long something has been so: `today`, `1 day`, `3 days`.
fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    match (now - since).num_days() {
        i64::MIN..=0 => "today".to_owned(),
        1 => "1 day".to_owned(),
        days => format!("{days} days"),
    }
}

/// `T-4 (@dan, open 2 days)`.
fn aged(task: &Task, now: DateTime<Utc>) -> String {
    let since = if task.status == Status::InProgress {
        task.last_activity_at
    } else {
        task.created_at
    };
    format!(
        "{} ({}, {} {})",
        task.key,
        owner_of(task),
        task.status,
        age(since, now)
    )
}

/// How many tasks each of the digest's lists names before counting the rest: a
/// room of 100,000 open tasks must still fit one chat message.
const DIGEST_LIST_LIMIT: usize = 10;

/// A chain longer than twice this (plus one) is shown by its two ends.
const CHAIN_ENDS: usize = 3;

/// The first [`DIGEST_LIST_LIMIT`] keys of a digest list, and how many are left.
fn digest_page(keys: &[TaskKey]) -> (&[TaskKey], usize) {
    let shown = keys.len().min(DIGEST_LIST_LIMIT);
    (&keys[..shown], keys.len() - shown)
}

/// A chain's head and tail, and how many tasks between them are left out.
fn chain_ends(chain: &[TaskKey]) -> (&[TaskKey], usize, &[TaskKey]) {
    if chain.len() <= 2 * CHAIN_ENDS + 1 {
        return (chain, 0, &[]);
    }
    let tail = chain.len() - CHAIN_ENDS;
    (&chain[..CHAIN_ENDS], tail - CHAIN_ENDS, &chain[tail..])
}

/// Every task the digest message names: the engine loads only these rows.
pub(in crate::engine) fn digest_names(digest: &crate::domain::Digest) -> Vec<TaskKey> {
    let mut keys = std::collections::BTreeSet::new();
    for root in &digest.roots {
        keys.insert(root.key);
        let (head, _, tail) = chain_ends(&root.chain);
        keys.extend(head.iter().chain(tail));
    }
    let changes = &digest.changes;
    for list in [
        &digest.external,
        &digest.stale,
        &digest.unowned_ready,
        &changes.done,
        &changes.newly_ready,
        &changes.newly_blocked,
    ] {
        keys.extend(digest_page(list).0);
    }
    keys.into_iter().collect()
}

/// A room's blocker digest. `tasks` holds the rows of [`digest_names`]; a task
/// missing from it is named by its key alone.
pub(in crate::engine) fn digest(
    room_name: &str,
    digest: &crate::domain::Digest,
    tasks: &std::collections::HashMap<TaskKey, Task>,
    blocked_since: &std::collections::HashMap<TaskKey, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let title = |key: &TaskKey| tasks.get(key).map_or_else(|| key.to_string(), named);
    let brief_aged = |key: &TaskKey| {
        tasks
            .get(key)
            .map_or_else(|| key.to_string(), |t| aged(t, now))
    };
    let details = |key: &TaskKey| {
        tasks.get(key).map_or_else(String::new, |t| {
            let since = if t.status == Status::InProgress {
                t.last_activity_at
            } else {
                t.created_at
            };
            format!(" ({}, {} {})", owner_of(t), t.status, age(since, now))
        })
    };
    let and_more = |lines: &mut Vec<String>, left: usize| {
        if left > 0 {
            lines.push(format!("- …and {left} more"));
        }
    };
    let mut lines = vec![format!(
        "Blocker digest for {room_name}, {}",
        now.format("%a %d %b")
    )];
    if digest.roots.is_empty() {
        lines.push("Nothing is waiting on another task.".to_owned());
    } else {
        lines.push("Root blockers, most waiting first:".to_owned());
        for (rank, root) in digest.roots.iter().enumerate() {
            let waits = if root.waiting == 1 {
                "1 task waits".to_owned()
            } else {
                format!("{} tasks wait", root.waiting)
            };
            lines.push(format!(
                "{}. {}{} — {waits} on it",
                rank + 1,
                title(&root.key),
                details(&root.key)
            ));
            let external = tasks
                .get(&root.key)
                .and_then(|t| t.external_blocker.as_ref());
            if root.chain.len() > 2 || (root.chain.len() > 1 && external.is_some()) {
                let (head, left_out, tail) = chain_ends(&root.chain);
                let mut chain: Vec<String> = head.iter().map(&brief_aged).collect();
                if left_out > 0 {
                    chain.push(format!("{left_out} more"));
                }
                chain.extend(tail.iter().map(&brief_aged));
                chain.extend(external.map(|reason| format!("\"{reason}\" (outside Baton)")));
                lines.push(format!(
                    "   {}",
                    chain
                        .join(", which waits on ")
                        .replacen(", which waits on", " waits on", 1)
                ));
            }
        }
    }
    if digest.root_count > digest.roots.len() {
        lines.push(format!(
            "…and {} more root blockers, each holding up less.",
            digest.root_count - digest.roots.len()
        ));
    }
    if !digest.external.is_empty() {
        lines.push("Blocked outside Baton:".to_owned());
        let (shown, left) = digest_page(&digest.external);
        for key in shown {
            let reason = tasks
                .get(key)
                .and_then(|t| t.external_blocker.clone())
                .unwrap_or_default();
            let since = blocked_since
                .get(key)
                .map_or_else(String::new, |at| format!(", {}", age(*at, now)));
            lines.push(format!("- {} — \"{reason}\"{since}", title(key)));
        }
        and_more(&mut lines, left);
    }
    if !digest.stale.is_empty() {
        lines.push(format!(
            "In progress with no activity for {} working days:",
            crate::domain::STALE_AFTER_WORKING_DAYS
        ));
        let (shown, left) = digest_page(&digest.stale);
        lines.extend(shown.iter().map(|k| format!("- {}", brief_aged(k))));
        and_more(&mut lines, left);
    }
    if !digest.unowned_ready.is_empty() {
        lines.push("Ready, and nobody owns them:".to_owned());
        let (shown, left) = digest_page(&digest.unowned_ready);
        lines.extend(shown.iter().map(|k| format!("- {}", title(k))));
        and_more(&mut lines, left);
    }
    let changes = &digest.changes;
    if !changes.is_empty() {
        lines.push("Since the last digest:".to_owned());
        for (label, list) in [
            ("done", &changes.done),
            ("newly ready", &changes.newly_ready),
            ("newly blocked", &changes.newly_blocked),
        ] {
            if !list.is_empty() {
                let (shown, left) = digest_page(list);
                let mut named: Vec<String> = shown.iter().map(&title).collect();
                if left > 0 {
                    named.push(format!("and {left} more"));
                }
                lines.push(format!("- {label}: {}", named.join("; ")));
            }
        }
    }
    lines.join("\n")
}
