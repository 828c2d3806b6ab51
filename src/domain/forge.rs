//! Signals from code forges (GitHub, GitLab), as Baton understands them: which
//! tasks a pull or merge request links, and what each kind of event means.
//!
//! The webhook adapters (`crate::forge`) read the forges' payloads into a
//! [`ForgeEvent`]; the engine applies it. Nothing here knows a payload's shape.

use std::fmt;

use chrono::{DateTime, Utc};

use super::TaskKey;

/// A code forge Baton takes signals from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Forge {
    /// The default only so that the grammar's verbs can be listed for help.
    #[default]
    GitHub,
    GitLab,
}

impl Forge {
    /// The lower-case name used in settings, metrics and `link github LOGIN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Forge::GitHub => "github",
            Forge::GitLab => "gitlab",
        }
    }

    /// What the forge calls a change: a pull request or a merge request.
    pub fn change_noun(self) -> &'static str {
        match self {
            Forge::GitHub => "PR",
            Forge::GitLab => "MR",
        }
    }

    /// The forge named `name` (`github`, `GitLab`), if it is one.
    pub fn from_name(name: &str) -> Option<Forge> {
        match name.to_ascii_lowercase().as_str() {
            "github" | "gh" => Some(Forge::GitHub),
            "gitlab" | "gl" => Some(Forge::GitLab),
            _ => None,
        }
    }
}

impl fmt::Display for Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Forge::GitHub => "GitHub",
            Forge::GitLab => "GitLab",
        })
    }
}

/// One webhook delivery, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeEvent {
    pub forge: Forge,
    /// The forge's id of the delivery (`X-GitHub-Delivery`, `X-Gitlab-Event-UUID`):
    /// a delivery seen before changes nothing.
    pub delivery: String,
    /// `owner/name` (GitHub) or the project's path with its namespace (GitLab).
    pub repo: String,
    /// The forge login of whoever caused the event (who opened, merged, asked).
    pub actor: String,
    pub signal: Signal,
}

/// What happened, in Baton's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Something happened to a pull or merge request: one thing, or a few at once
    /// (GitLab opens a merge request and asks its reviewers in one event).
    Change {
        change: Change,
        actions: Vec<ChangeAction>,
    },
    /// A CI run (GitHub workflow run or check suite, GitLab pipeline) finished.
    Ci(CiRun),
    /// An event Baton has no use for (a ping, an issue comment, a push); named for
    /// the logs and metrics.
    Other(String),
}

impl Signal {
    /// A short name for metrics and logs.
    pub fn kind(&self) -> &str {
        match self {
            Signal::Change { actions, .. } => actions.first().map_or("updated", ChangeAction::kind),
            Signal::Ci(_) => "ci",
            Signal::Other(kind) => kind,
        }
    }
}

/// A pull or merge request as the forge describes it in the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The PR or MR number (GitLab's `iid`).
    pub number: u64,
    pub url: String,
    pub title: String,
    pub body: String,
    /// The branch it comes from.
    pub branch: String,
    /// The branch it goes into.
    pub target_branch: String,
    /// The repository's default branch: only a merge into it finishes work.
    pub default_branch: String,
    pub draft: bool,
    /// The commit at its head.
    pub head_sha: Option<String>,
    /// The commit its merge made, once merged.
    pub merge_sha: Option<String>,
}

impl Change {
    /// The tasks this change links: those it closes (a closing keyword, or the key
    /// in the branch name) and those it only mentions.
    pub fn links(&self) -> Links {
        let mut links = Links::default();
        for text in [&self.title, &self.body] {
            closing_keys(text, &mut links.closes);
        }
        for key in keys_in_branch(&self.branch) {
            push_unique(&mut links.closes, key);
        }
        for text in [&self.title, &self.body] {
            for key in words(text).filter_map(as_key) {
                if !links.closes.contains(&key) {
                    push_unique(&mut links.mentions, key);
                }
            }
        }
        links
    }

    /// Whether it goes into the repository's default branch.
    pub fn targets_default_branch(&self) -> bool {
        self.default_branch.is_empty() || self.target_branch == self.default_branch
    }
}

/// What happened to a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeAction {
    /// Opened, reopened, or marked ready for review.
    Opened,
    /// Someone was asked to review it (their forge login).
    ReviewRequested { reviewer: String },
    /// A review was given.
    Reviewed { reviewer: String, verdict: Verdict },
    /// Merged (into whichever branch; see [`Change::targets_default_branch`]).
    Merged,
    /// Closed without being merged.
    Closed,
    /// Edited, new commits, or anything else: the links and head are refreshed.
    Updated,
}

impl ChangeAction {
    pub fn kind(&self) -> &'static str {
        match self {
            ChangeAction::Opened => "opened",
            ChangeAction::ReviewRequested { .. } => "review_requested",
            ChangeAction::Reviewed { .. } => "reviewed",
            ChangeAction::Merged => "merged",
            ChangeAction::Closed => "closed",
            ChangeAction::Updated => "updated",
        }
    }
}

/// What a review said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approved,
    ChangesRequested,
    /// A comment only: it answers no review request.
    Commented,
}

/// A finished CI run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiRun {
    /// The workflow's or pipeline's name.
    pub name: String,
    pub url: Option<String>,
    /// The commit it ran on.
    pub sha: String,
    pub branch: Option<String>,
    /// The changes the forge says it ran for (may be empty; then the commit links it).
    pub changes: Vec<u64>,
    pub passed: bool,
}

/// The tasks a change links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Finished by its merge, started by its opening.
    pub closes: Vec<TaskKey>,
    /// Named without a closing keyword: context only, never finished by it.
    pub mentions: Vec<TaskKey>,
}

/// What Baton remembers of a change between its events: CI runs and reviews name
/// only the change or its commit, not the tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedChange {
    pub forge: Forge,
    pub repo: String,
    pub number: u64,
    pub url: String,
    pub title: String,
    pub links: Links,
    pub state: ChangeState,
    pub head_sha: Option<String>,
    pub merge_sha: Option<String>,
    /// Merged in a room that waits for CI (`done-on green`): its tasks are done
    /// when a run passes on `merge_sha`.
    pub awaiting_green: bool,
    /// Since when a review has been asked for and none given: the digest lists
    /// these, oldest first.
    pub review_requested_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Where a change is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeState {
    Draft,
    Open,
    Merged,
    Closed,
}

impl ChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Draft => "draft",
            ChangeState::Open => "open",
            ChangeState::Merged => "merged",
            ChangeState::Closed => "closed",
        }
    }

    pub fn from_name(name: &str) -> Option<ChangeState> {
        match name {
            "draft" => Some(ChangeState::Draft),
            "open" => Some(ChangeState::Open),
            "merged" => Some(ChangeState::Merged),
            "closed" => Some(ChangeState::Closed),
            _ => None,
        }
    }
}

/// Whether a room marks a task done when its change merges, or only once CI passes
/// on the merged commit (`settings done-on merge|green`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DoneOn {
    #[default]
    Merge,
    Green,
}

impl DoneOn {
    pub fn as_str(self) -> &'static str {
        match self {
            DoneOn::Merge => "merge",
            DoneOn::Green => "green",
        }
    }

    /// The setting as stored or written (`merge`, `green`), if it is one.
    pub fn from_name(name: &str) -> Option<DoneOn> {
        match name.to_ascii_lowercase().as_str() {
            "merge" | "merged" => Some(DoneOn::Merge),
            "green" | "ci" | "passing" => Some(DoneOn::Green),
            _ => None,
        }
    }
}

/// The words that make a following key a change's purpose: GitHub's and GitLab's
/// closing keywords and their inflections.
const CLOSING_WORDS: [&str; 16] = [
    "close",
    "closes",
    "closed",
    "closing",
    "fix",
    "fixes",
    "fixed",
    "fixing",
    "resolve",
    "resolves",
    "resolved",
    "resolving",
    "implement",
    "implements",
    "implemented",
    "implementing",
];

/// Words between keys of one closing phrase: "fixes T-1, T-2 and T-3".
const JOINERS: [&str; 3] = ["and", "&", "+"];

/// The keys that follow a closing keyword in `text`, added to `into`.
fn closing_keys(text: &str, into: &mut Vec<TaskKey>) {
    let mut after_keyword = false;
    for word in words(text) {
        let lower = word.to_ascii_lowercase();
        if CLOSING_WORDS.contains(&lower.as_str()) {
            after_keyword = true;
        } else if let Some(key) = as_key(word) {
            if after_keyword {
                push_unique(into, key);
            }
        } else if !JOINERS.contains(&lower.as_str()) {
            after_keyword = false;
        }
    }
}

/// `text` cut into words: letters, digits and `-`, so `T-12` stays whole and
/// `(T-12)` or `#T-12,` lose their punctuation.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '&' || c == '+'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
}

fn as_key(word: &str) -> Option<TaskKey> {
    word.parse().ok()
}

/// Keys in a branch name: `t-12-billing`, `feature/T-12`, `T-3_and_T-4`.
fn keys_in_branch(branch: &str) -> Vec<TaskKey> {
    let bytes = branch.as_bytes();
    let mut keys = Vec::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if starts_word && bytes[i].eq_ignore_ascii_case(&b't') && bytes[i + 1] == b'-' {
            let digits = bytes[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let end = i + 2 + digits;
            let ends_word = bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
            if digits > 0
                && ends_word
                && let Some(key) = branch.get(i..end).and_then(as_key)
            {
                push_unique(&mut keys, key);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    keys
}

fn push_unique(into: &mut Vec<TaskKey>, key: TaskKey) {
    if !into.contains(&key) {
        into.push(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(title: &str, body: &str, branch: &str) -> Change {
        Change {
            number: 1,
            url: "https://example.com/pr/1".into(),
            title: title.into(),
            body: body.into(),
            branch: branch.into(),
            target_branch: "main".into(),
            default_branch: "main".into(),
            draft: false,
            head_sha: None,
            merge_sha: None,
        }
    }

    fn keys(list: &[u64]) -> Vec<TaskKey> {
        list.iter().copied().map(TaskKey::new).collect()
    }

    #[test]
    fn a_closing_keyword_in_any_inflection_or_case_links_the_keys_after_it() {
        for body in [
            "Fixes T-1",
            "fixed t-1",
            "This change closes T-1.",
            "RESOLVES: T-1",
            "implementing (T-1)",
            "Closing #T-1",
        ] {
            let links = change("Billing", body, "main-work").links();
            assert_eq!(links.closes, keys(&[1]), "{body}");
            assert!(links.mentions.is_empty(), "{body}");
        }
        let links = change("Fix T-1, T-2 and T-3", "", "x").links();
        assert_eq!(links.closes, keys(&[1, 2, 3]));
    }

    #[test]
    fn a_key_without_a_keyword_is_only_context() {
        let links = change("Billing export", "Related to T-4; see T-5 too", "x").links();
        assert!(links.closes.is_empty());
        assert_eq!(links.mentions, keys(&[4, 5]));
        let links = change("Fixes T-1", "Unlike T-1, T-2 stays open", "x").links();
        assert_eq!(links.closes, keys(&[1]));
        assert_eq!(links.mentions, keys(&[2]));
    }

    #[test]
    fn the_key_in_a_branch_name_links_it() {
        for (branch, expected) in [
            ("t-12-billing", vec![12]),
            ("feature/T-12", vec![12]),
            ("T-3_and_T-4", vec![3, 4]),
            ("bugfix/AT-12", vec![]),
            ("t-12x", vec![]),
            ("main", vec![]),
        ] {
            assert_eq!(
                change("Billing", "", branch).links().closes,
                keys(&expected),
                "{branch}"
            );
        }
    }

    #[test]
    fn a_keyword_far_from_the_key_does_not_link_it() {
        let links = change("Fixes the flaky test", "see T-9", "x").links();
        assert!(links.closes.is_empty());
        assert_eq!(links.mentions, keys(&[9]));
    }

    #[test]
    fn only_a_merge_into_the_default_branch_counts() {
        let mut c = change("Fixes T-1", "", "x");
        assert!(c.targets_default_branch());
        c.target_branch = "release-1.2".into();
        assert!(!c.targets_default_branch());
    }
}
