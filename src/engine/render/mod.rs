//! The texts Baton sends: cards, confirmations, lists and handoff DMs.
//!
//! Pure functions of the data the engine loaded, so each message's wording is
//! tested without a database.

use chrono::{DateTime, Utc};
use strum::IntoEnumIterator;

use crate::domain::{EventKind, PersonId, Readiness, Status, Task, TaskKey};
use crate::parser::Intent;
use crate::store::{OwnedWork, Page, StoredEvent};

mod assistant;
pub use assistant::proposed_command;
pub(super) use assistant::{proposal_offer, stale_proposal, summary_source};
mod digest;
pub(super) mod forge;

pub(super) use digest::{digest, digest_names};

/// Longest list a reply shows before summing up the rest: chat messages have limits.
/// Commands that may face long lists (a room can hold 100,000 open tasks) load only
/// this many rows and count the rest.
pub(super) const LIST_LIMIT: usize = 30;

/// How many of a task's latest notes `show` and handoffs quote.
const NOTES_SHOWN: usize = 5;

/// `T-1`, `T-1 and T-2`, `T-1, T-2 and T-3`.
pub(super) fn keys(keys: &[TaskKey]) -> String {
    join_and(keys.iter().map(ToString::to_string).collect())
}

fn join_and(mut items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} and {last}", items.join(", "))
        }
    }
}

/// `T-1 Design the billing API`.
fn named(task: &Task) -> String {
    format!("{} {}", task.key, task.title)
}

/// `@alice` or `nobody yet`.
fn owner_of(task: &Task) -> String {
    task.owner
        .as_ref()
        .map_or_else(|| "no owner".to_owned(), ToString::to_string)
}

/// `T-2 (@bob, open)`.
fn brief(task: &Task) -> String {
    format!("{} ({}, {})", named(task), owner_of(task), task.status)
}

/// "just now", "5 minutes ago", "3 hours ago", "2 days ago".
pub(super) fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - then).num_minutes();
    match minutes {
        i64::MIN..=0 => "just now".to_owned(),
        1 => "a minute ago".to_owned(),
        2..=59 => format!("{minutes} minutes ago"),
        60..=119 => "an hour ago".to_owned(),
        120..=1439 => format!("{} hours ago", minutes / 60),
        1440..=2879 => "yesterday".to_owned(),
        _ => format!("{} days ago", minutes / 1440),
    }
}

/// The card posted when a task is created; its thread becomes the task's thread.
pub(super) fn card(task: &Task, blockers: &[Task]) -> String {
    let mut text = format!("{} · {}", named(task), owner_of(task));
    if !blockers.is_empty() {
        let open: Vec<TaskKey> = blockers
            .iter()
            .filter(|b| !b.status.is_resolved())
            .map(|b| b.key)
            .collect();
        let all: Vec<TaskKey> = blockers.iter().map(|b| b.key).collect();
        text.push_str(&format!(" · after {}", keys(&all)));
        if open.is_empty() {
            text.push_str(" (all done: ready)");
        }
    }
    text.push_str(&format!(
        "\nReply in this thread to add notes; `!baton done {}` when it is finished.",
        task.key
    ));
    text
}

/// Confirms a task finished or cancelled, with what it unblocked.
pub(super) fn resolved_confirmation(
    task: &Task,
    dependents: &[crate::domain::Dependent],
    links: &[String],
) -> String {
    let verb = if task.status == Status::Done {
        "Done"
    } else {
        "Cancelled"
    };
    let mut text = format!("{verb}: {}.", named(task));
    if task.status == Status::Done && !links.is_empty() {
        text.push_str(&format!(" Evidence: {}.", links.join(" ")));
    }
    let now_ready: Vec<TaskKey> = dependents
        .iter()
        .filter(|d| d.blockers.iter().any(|b| b.key == task.key))
        .filter(|d| d.task.readiness(&d.blockers) == Readiness::Ready)
        .map(|d| d.task.key)
        .collect();
    if !now_ready.is_empty() {
        text.push_str(&format!(" Now ready: {}.", keys(&now_ready)));
    }
    text
}

pub(super) fn started(task: &Task, blockers: &[Task]) -> String {
    let mut text = format!("{} is in progress ({}).", named(task), owner_of(task));
    if let Readiness::Blocked {
        open_blockers,
        external,
    } = task.readiness(blockers)
    {
        let mut waits: Vec<String> = open_blockers.iter().map(ToString::to_string).collect();
        waits.extend(external);
        text.push_str(&format!(
            " Heads up: it still waits on {}.",
            join_and(waits)
        ));
    }
    text
}

pub(super) fn now_waits_on(task: &Task, blockers: &[&Task]) -> String {
    let waits: Vec<String> = blockers.iter().map(|b| brief(b)).collect();
    format!("{} now waits on {}.", task.key, join_and(waits))
}

/// `show`: everything about one task.
pub(super) fn show(
    task: &Task,
    blockers: &[Task],
    dependents: &[Task],
    events: &[StoredEvent],
    now: DateTime<Utc>,
) -> String {
    let state = match task.readiness(blockers) {
        Readiness::Ready => "ready".to_owned(),
        Readiness::Blocked { .. } => "blocked".to_owned(),
        Readiness::Closed => task.done_at.map_or_else(String::new, |at| ago(at, now)),
    };
    let mut lines = vec![
        named(task),
        format!(
            "Owner: {} · Status: {} ({state}) · Created by {} {}",
            owner_of(task),
            task.status,
            task.created_by,
            ago(task.created_at, now)
        ),
    ];
    if !blockers.is_empty() {
        let items: Vec<String> = blockers.iter().map(brief).collect();
        lines.push(format!("Waits on: {}", items.join("; ")));
    }
    if let Some(reason) = &task.external_blocker {
        lines.push(format!("Blocked outside Baton: {reason}"));
    }
    if !dependents.is_empty() {
        let items: Vec<String> = dependents.iter().map(brief).collect();
        lines.push(format!("Holds up: {}", items.join("; ")));
    }
    let notes: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::NoteAdded { text, .. } => Some(format!("- {}: {text}", e.actor)),
            _ => None,
        })
        .collect();
    if !notes.is_empty() {
        lines.push("Latest notes:".to_owned());
        lines.extend(notes.into_iter().rev().take(NOTES_SHOWN).rev());
    }
    let links = links_of(events);
    if !links.is_empty() {
        lines.push(format!("Links: {}", links.join(" ")));
    }
    lines.join("\n")
}

/// Every link from a task's done events and notes, first seen first, no repeats.
fn links_of(events: &[StoredEvent]) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for event in events {
        let found = match &event.kind {
            EventKind::Done { links } | EventKind::NoteAdded { links, .. } => links.as_slice(),
            _ => &[],
        };
        for link in found {
            if !links.contains(link) {
                links.push(link.clone());
            }
        }
    }
    links
}

/// What one of `tasks` waits on: `T-1 (@alice, open), legal review`.
fn waits_on(task: &Task, blockers: &[Task]) -> String {
    let mut waits: Vec<String> = blockers
        .iter()
        .filter(|b| !b.status.is_resolved())
        .map(brief)
        .collect();
    if let Some(reason) = &task.external_blocker {
        waits.push(format!("\"{reason}\" (outside Baton)"));
    }
    join_and(waits)
}

/// `mine`: a person's ready, in-progress and blocked tasks, each section listing
/// its first [`LIST_LIMIT`] tasks (all `work` holds) and counting the rest.
pub(super) fn mine(person: &PersonId, work: &OwnedWork) -> String {
    if work.ready.total + work.in_progress.total + work.blocked.total == 0 {
        return format!(
            "{person}, you have no open tasks. Capture one with `!baton add <title> for me`."
        );
    }
    let listed = |page: &Page<Task>| -> (Vec<String>, usize) {
        let lines = page
            .items
            .iter()
            .map(|t| format!("- {}", named(t)))
            .collect();
        (lines, page.total)
    };
    let blocked = (
        work.blocked
            .items
            .iter()
            .map(|(task, blockers)| {
                format!("- {} — waits on {}", named(task), waits_on(task, blockers))
            })
            .collect(),
        work.blocked.total,
    );
    let mut lines = vec![format!("Your tasks, {person}:")];
    for (heading, (items, total)) in [
        ("Ready", listed(&work.ready)),
        ("In progress", listed(&work.in_progress)),
        ("Blocked", blocked),
    ] {
        if total == 0 {
            continue;
        }
        lines.push(format!("{heading}:"));
        let left = total.saturating_sub(items.len());
        lines.extend(items);
        if left > 0 {
            lines.push(format!("- …and {left} more"));
        }
    }
    lines.join("\n")
}

/// `blocked`: a room's blocked tasks and what each waits on.
///
/// `total` is how many tasks are blocked in the room; `tasks` need only be the
/// first [`LIST_LIMIT`] of them with their open blockers, since that is all the
/// reply lists (a room can hold 100,000 open tasks). The rest are counted in the
/// closing "…and N more" line.
pub(super) fn blocked(room_name: &str, total: usize, tasks: &[(Task, Vec<Task>)]) -> String {
    // Never fewer than are listed, whatever the caller counted.
    let total = total.max(tasks.len());
    if total == 0 {
        return format!("Nothing is blocked in {room_name}.");
    }
    let mut lines = vec![format!("Blocked in {room_name} ({total}):")];
    let shown = tasks.len().min(LIST_LIMIT);
    for (task, blockers) in tasks.iter().take(LIST_LIMIT) {
        lines.push(format!(
            "- {} ({}) — waits on {}",
            named(task),
            owner_of(task),
            waits_on(task, blockers)
        ));
    }
    if total > shown {
        lines.push(format!(
            "…and {} more; `!baton digest` shows what holds most of them up.",
            total - shown
        ));
    }
    lines.join("\n")
}

/// A note from a blocker's thread, attributed.
#[derive(Debug, Clone)]
pub(super) struct Note {
    pub author: PersonId,
    pub text: String,
    /// Said in a room that allows summaries by a language model.
    pub summarisable: bool,
}

/// One blocker of a task that became ready, with what its owner should know.
#[derive(Debug, Clone)]
pub(super) struct BlockerContext {
    pub task: Task,
    pub finished_by: Option<PersonId>,
    pub finished_at: Option<DateTime<Utc>>,
    pub evidence: Vec<String>,
    pub notes: Vec<Note>,
    /// Rooms with notes the recipient may not see: named, not quoted.
    pub hidden_rooms: Vec<String>,
    /// The task's title and its evidence may go to a language model: neither
    /// its home room nor the room it was finished in said `settings summaries off`.
    pub summarisable: bool,
}

impl BlockerContext {
    pub(super) fn new(task: Task) -> Self {
        Self {
            task,
            finished_by: None,
            finished_at: None,
            evidence: Vec::new(),
            notes: Vec::new(),
            hidden_rooms: Vec::new(),
            summarisable: true,
        }
    }
}

/// A task that became ready, with its blockers and who waits on it.
#[derive(Debug, Clone)]
pub(super) struct HandoffItem {
    pub task: Task,
    pub blockers: Vec<BlockerContext>,
    pub downstream: Vec<Task>,
}

/// Whether a note carries no information worth forwarding ("thanks!", "👍").
pub(super) fn is_acknowledgement(text: &str) -> bool {
    const ACKS: [&str; 12] = [
        "thanks",
        "thank you",
        "thx",
        "ty",
        "ok",
        "okay",
        "kk",
        "cool",
        "nice",
        "great",
        "+1",
        "lgtm",
    ];
    let cleaned: String = text
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .to_lowercase();
    cleaned.is_empty()
        || ACKS.contains(&cleaned.as_str())
        || !cleaned.chars().any(char::is_alphanumeric)
}

/// The handoff DM: which tasks are ready, what finished, by whom, the evidence,
/// the notes, and who waits downstream.
pub(super) fn handoff_dm(items: &[HandoffItem], now: DateTime<Utc>) -> String {
    let mut lines = Vec::new();
    match items {
        [item] => lines.push(format!("{} is ready for you.", named(&item.task))),
        _ => lines.push(format!(
            "{} tasks are ready for you: {}.",
            items.len(),
            join_and(items.iter().map(|i| named(&i.task)).collect())
        )),
    }
    // Tasks readied by the same event share blockers: each is described once.
    let mut described: Vec<TaskKey> = Vec::new();
    for blocker in items
        .iter()
        .flat_map(|i| &i.blockers)
        .filter(|b| b.task.status.is_resolved())
    {
        if described.contains(&blocker.task.key) {
            continue;
        }
        described.push(blocker.task.key);
        lines.extend(describe_blocker(blocker, now));
    }
    for item in items {
        if !item.downstream.is_empty() {
            let waiting: Vec<String> = item.downstream.iter().map(brief).collect();
            lines.push(format!(
                "Waiting on {}: {}.",
                item.task.key,
                waiting.join("; ")
            ));
        }
    }
    if let Some(first) = items.first() {
        let (key, creator) = (first.task.key, &first.task.created_by);
        lines.push(format!(
            "Start with `!baton start {key}`. Not yours? `!baton assign {key} to {creator}` hands it back to {creator}, who created it. Not today? `!baton snooze {key}` hands it to you again tomorrow morning."
        ));
    }
    lines.join("\n")
}

/// A resolved blocker: how and by whom, when, the evidence and the notes worth
/// reading, and where more context is that the recipient may not see.
fn describe_blocker(blocker: &BlockerContext, now: DateTime<Utc>) -> Vec<String> {
    let how = if blocker.task.status == Status::Cancelled {
        "was cancelled"
    } else {
        "was finished"
    };
    let who = blocker
        .finished_by
        .as_ref()
        .map_or_else(String::new, |p| format!(" by {p}"));
    let when = blocker
        .finished_at
        .map_or_else(String::new, |at| format!(" {}", ago(at, now)));
    let mut lines = vec![format!("{} {how}{who}{when}.", named(&blocker.task))];
    if !blocker.evidence.is_empty() {
        lines.push(format!("  Evidence: {}", blocker.evidence.join(" ")));
    }
    let notes: Vec<&Note> = blocker
        .notes
        .iter()
        .filter(|n| !is_acknowledgement(&n.text))
        .collect();
    if !notes.is_empty() {
        lines.push(format!("  Notes from {}:", blocker.task.key));
        let skip = notes.len().saturating_sub(NOTES_SHOWN);
        for note in notes.into_iter().skip(skip) {
            lines.push(format!("  - {}: {}", note.author, note.text));
        }
    }
    for room in &blocker.hidden_rooms {
        lines.push(format!(
            "  More context on {} is in {room}.",
            blocker.task.key
        ));
    }
    lines
}

/// A snoozed task, handed over again.
pub(super) fn reminder(task: &Task) -> String {
    format!(
        "Reminder: {} is yours and was ready when you snoozed it. `!baton show {}` has its state; `!baton start {}` when you begin.",
        named(task),
        task.key,
        task.key
    )
}

/// A task nobody owns became ready: said in its thread so someone picks it up.
pub(super) fn ready_unowned(task: &Task) -> String {
    format!(
        "{} is ready and has no owner. Take it with `!baton I'll take {}`.",
        named(task),
        task.key
    )
}

/// Tasks that were ready are blocked again because `by` was reopened.
pub(super) fn reblocked(tasks: &[Task], by: &Task, actor: &PersonId) -> String {
    format!(
        "{} {} blocked again: {} was reopened by {actor}.",
        join_and(tasks.iter().map(named).collect()),
        if tasks.len() == 1 { "is" } else { "are" },
        named(by)
    )
}

/// The answer to an addressed message that was not understood: "did you mean
/// `done T-4`?" repeats what followed the word, so the fix is one copy away.
pub(super) fn unknown(word: &str, rest: &str, suggestions: &[&str]) -> String {
    let shown: String = word.chars().take(40).collect();
    let mut text = if shown.trim().is_empty() {
        "Sorry, I didn't understand that.".to_owned()
    } else {
        format!("Sorry, I don't know `{shown}`.")
    };
    if !suggestions.is_empty() {
        let rest: String = rest.chars().take(60).collect();
        let options: Vec<String> = suggestions
            .iter()
            .enumerate()
            .map(|(rank, verb)| match (rank, rest.trim()) {
                (0, rest) if !rest.is_empty() && !rest.contains('`') => {
                    format!("`{verb} {rest}`")
                }
                _ => format!("`{verb}`"),
            })
            .collect();
        text.push_str(&format!(" Did you mean {}?", options.join(" or ")));
        let usage = Intent::iter()
            .find(|verb| verb.name() == suggestions[0])
            .map(|verb| verb.usage());
        if let Some(usage) = usage.filter(|u| !u.is_empty()) {
            text.push_str(&format!(" Usage: `!baton {usage}`."));
        }
    }
    text.push_str(" `!baton help` lists everything I understand.");
    text
}

/// `help`: every verb with its usage, or one verb in detail.
pub fn help_text(topic: Option<&str>) -> String {
    let verbs: Vec<Intent> = Intent::iter().filter(|i| !i.usage().is_empty()).collect();
    if let Some(topic) = topic {
        let topic = topic.trim().to_lowercase();
        if let Some(verb) = verbs.iter().find(|v| v.name() == topic) {
            return format!("`!baton {}`\n{}", verb.usage(), verb.summary());
        }
    }
    let mut lines = vec![
        "Baton keeps track of who waits on what and tells people when their work is ready.".to_owned(),
        "Write `!baton <verb> ...` (or `/baton` in Slack, or mention me); in a task's thread no prefix is needed."
            .to_owned(),
    ];
    for verb in &verbs {
        lines.push(format!("- `{}` — {}", verb.usage(), verb.summary()));
    }
    lines.push("`!baton help <verb>` explains one verb.".to_owned());
    lines.join("\n")
}

#[cfg(test)]
mod tests;
