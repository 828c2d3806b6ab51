//! What Baton says about pull and merge requests: the lines in a task's thread,
//! the review request DM, CI failures, and the digest's list of waiting reviews.

use super::{brief, join_and, named};
use crate::domain::{CiRun, Forge, Task, TaskKey, Verdict};

/// How a change is named in chat: `PR #12 "Add billing export" (https://…)`.
pub(in crate::engine) struct ChangeName<'a> {
    pub forge: Forge,
    pub number: u64,
    pub title: &'a str,
    pub url: &'a str,
}

impl ChangeName<'_> {
    fn spelled(&self) -> String {
        format!(
            "{} #{} \"{}\" ({})",
            self.forge.change_noun(),
            self.number,
            self.title,
            self.url
        )
    }
}

/// The thread line when a change that closes the task is opened.
pub(in crate::engine) fn opened(change: &ChangeName<'_>, by: &str, task: &Task) -> String {
    format!(
        "🔗 {} opened by {by}; merging it finishes {}.",
        change.spelled(),
        task.key
    )
}

/// The thread line when a draft that closes the task is opened.
pub(in crate::engine) fn draft_opened(change: &ChangeName<'_>, by: &str, task: &Task) -> String {
    format!(
        "🔗 Draft {} opened by {by} for {}.",
        change.spelled(),
        task.key
    )
}

/// The note a change leaves on a task it names without closing it.
pub(in crate::engine) fn mentioned(change: &ChangeName<'_>, by: &str) -> String {
    format!(
        "{} by {by} mentions this task (it does not close it).",
        change.spelled()
    )
}

/// A review was given.
pub(in crate::engine) fn reviewed(
    change: &ChangeName<'_>,
    reviewer: &str,
    verdict: Verdict,
) -> String {
    match verdict {
        Verdict::Approved => format!("✅ {reviewer} approved {}.", change.spelled()),
        Verdict::ChangesRequested => {
            format!("✍️ {reviewer} asked for changes on {}.", change.spelled())
        }
        Verdict::Commented => format!("💬 {reviewer} commented on {}.", change.spelled()),
    }
}

/// The merge finished the task (the confirmation follows this line).
pub(in crate::engine) fn merged(change: &ChangeName<'_>, by: &str) -> String {
    format!("🎉 {} was merged by {by}.", change.spelled())
}

/// CI passed on the merged commit in a room that waited for it.
pub(in crate::engine) fn passed_on_merge(change: &ChangeName<'_>, run: &CiRun) -> String {
    format!(
        "🟢 CI `{}` passed on the merged commit {} of {}.",
        run.name,
        short_sha(&run.sha),
        change.spelled()
    )
}

/// Merged where the room waits for CI on the merged commit.
pub(in crate::engine) fn merged_waiting_for_green(
    change: &ChangeName<'_>,
    by: &str,
    task: &Task,
    sha: Option<&str>,
) -> String {
    let commit = sha.map_or_else(String::new, |s| format!(" {}", short_sha(s)));
    format!(
        "🎉 {} was merged by {by}. {} is done once CI passes on the merged commit{commit} (this room is `done-on green`).",
        change.spelled(),
        task.key
    )
}

/// Merged, but not into the default branch.
pub(in crate::engine) fn merged_elsewhere(
    change: &ChangeName<'_>,
    into: &str,
    task: &Task,
) -> String {
    format!(
        "{} was merged into `{into}`, not the default branch; {} stays {}.",
        change.spelled(),
        task.key,
        task.status
    )
}

/// Merged or opened by someone the chat rules do not let change the task.
pub(in crate::engine) fn not_theirs(
    change: &ChangeName<'_>,
    by: &str,
    task: &Task,
    what: &str,
) -> String {
    let who = task
        .owner
        .as_ref()
        .map_or_else(|| task.created_by.to_string(), ToString::to_string);
    format!(
        "{} was {what} by {by}, who neither owns nor created {}; it stays {}. {who} can change it (`!baton done {}`).",
        change.spelled(),
        task.key,
        task.status,
        task.key
    )
}

/// Closed without merging: a note only.
pub(in crate::engine) fn closed_unmerged(change: &ChangeName<'_>, by: &str, task: &Task) -> String {
    format!(
        "{} was closed without merging by {by}; {} stays {}.",
        change.spelled(),
        task.key,
        task.status
    )
}

/// The DM to a reviewer: the change, its tasks, and who waits downstream, so the
/// reviews that unblock the most are obvious.
pub(in crate::engine) fn review_request(
    change: &ChangeName<'_>,
    by: &str,
    tasks: &[Task],
    downstream: &[Task],
) -> String {
    let mut lines = vec![format!(
        "👀 {by} asks for your review of {}.",
        change.spelled()
    )];
    if !tasks.is_empty() {
        let named: Vec<String> = tasks.iter().map(brief).collect();
        lines.push(format!("It finishes {}.", named.join("; ")));
    }
    if downstream.is_empty() {
        lines.push("Nothing else waits on it.".to_owned());
    } else {
        let mut owners: Vec<String> = Vec::new();
        for task in downstream {
            let owner = task
                .owner
                .as_ref()
                .map_or_else(|| "no owner".to_owned(), ToString::to_string);
            if !owners.contains(&owner) {
                owners.push(owner);
            }
        }
        let shown: Vec<String> = downstream.iter().take(5).map(named).collect();
        let more = downstream.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        lines.push(format!(
            "{} waiting on it downstream ({}): {}{more}.",
            count(downstream.len(), "task is", "tasks are"),
            join_and(owners),
            shown.join("; "),
        ));
    }
    lines.join("\n")
}

/// The DM to an owner when CI fails on the change that closes their task.
pub(in crate::engine) fn ci_failed(
    change: &ChangeName<'_>,
    run: &CiRun,
    tasks: &[TaskKey],
    merged: bool,
) -> String {
    let link = run
        .url
        .as_ref()
        .map_or_else(String::new, |u| format!(" {u}"));
    let on = if merged {
        format!("the merged commit {} of", short_sha(&run.sha))
    } else {
        "".to_owned()
    };
    let on = if on.is_empty() {
        String::new()
    } else {
        format!("{on} ")
    };
    format!(
        "❌ CI `{}` failed on {on}{} ({}).{link}",
        run.name,
        change.spelled(),
        super::keys(tasks)
    )
}

/// The digest's section: changes waiting on a review, oldest first.
pub(in crate::engine) fn waiting_reviews(lines: &[(String, usize)], total: usize) -> Vec<String> {
    if lines.is_empty() {
        return Vec::new();
    }
    let mut out = vec!["Waiting on review, oldest first:".to_owned()];
    for (line, downstream) in lines {
        if *downstream > 0 {
            out.push(format!(
                "- {line}; {} waiting on it",
                count(*downstream, "task", "tasks")
            ));
        } else {
            out.push(format!("- {line}"));
        }
    }
    if total > lines.len() {
        out.push(format!("- …and {} more", total - lines.len()));
    }
    out
}

/// One waiting review in the digest: `PR #12 "…" (url) for T-4, asked 3 days ago`.
pub(in crate::engine) fn waiting_review(
    change: &ChangeName<'_>,
    tasks: &[TaskKey],
    asked: &str,
) -> String {
    format!(
        "{} for {}, review asked {asked}",
        change.spelled(),
        super::keys(tasks)
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn short_sha(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> ChangeName<'static> {
        ChangeName {
            forge: Forge::GitHub,
            number: 12,
            title: "Billing export",
            url: "https://example.com/acme/api/pull/12",
        }
    }

    #[test]
    fn a_review_request_names_the_change_and_who_waits_downstream() {
        let text = review_request(&name(), "octocat", &[], &[]);
        assert!(text.contains("PR #12"), "{text}");
        assert!(
            text.contains("https://example.com/acme/api/pull/12"),
            "{text}"
        );
        assert!(text.contains("Nothing else waits"), "{text}");
    }

    #[test]
    fn a_ci_failure_links_the_run() {
        let run = CiRun {
            name: "tests".into(),
            url: Some("https://example.com/run/1".into()),
            sha: "0123456789abcdef".into(),
            branch: None,
            changes: vec![12],
            passed: false,
        };
        let text = ci_failed(&name(), &run, &[TaskKey::new(4)], true);
        assert!(text.contains("0123456 of PR #12"), "{text}");
        assert!(text.ends_with("https://example.com/run/1"), "{text}");
    }
}
