//! The command language's one grammar: an [`Intent`] per verb.
//!
//! The variants' doc comments are the help text (`!baton help`, `!baton help done`):
//! the first line is the summary, `usage` is the one-line syntax.

use serde::Serialize;
use strum::{EnumIter, EnumMessage, IntoStaticStr};

use crate::domain::{Forge, SettingChange, TaskKey};

/// A person as written in a message: `@alice`. `me`/`I` are already resolved to the
/// author by the parser.
pub type Handle = String;

/// What a message asks Baton to do.
#[derive(Debug, Clone, PartialEq, Eq, EnumIter, EnumMessage, IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Intent {
    /// Capture a new task, optionally for someone and after other tasks.
    #[strum(message = "add <title> [for @person] [after T-1 and T-2]")]
    Create {
        title: String,
        owner: Option<Handle>,
        blockers: Vec<TaskKey>,
    },
    /// Mark tasks done; links in the message are kept as evidence.
    #[strum(message = "done T-1 [https://link-to-the-PR]")]
    Done { tasks: Vec<TaskKey> },
    /// Say you have started working on tasks.
    #[strum(message = "start T-1")]
    Start { tasks: Vec<TaskKey> },
    /// Record that tasks cannot start before others are done.
    #[strum(message = "T-2 depends on T-1")]
    Depend {
        tasks: Vec<TaskKey>,
        blockers: Vec<TaskKey>,
    },
    /// Remove a dependency.
    #[strum(message = "T-2 no longer depends on T-1")]
    Undepend {
        tasks: Vec<TaskKey>,
        blockers: Vec<TaskKey>,
    },
    /// Mark tasks blocked by something outside Baton (a vendor, a review).
    #[strum(message = "blocked T-1 <reason>")]
    Block { tasks: Vec<TaskKey>, reason: String },
    /// Clear an external blocker.
    #[strum(message = "unblock T-1")]
    Unblock { tasks: Vec<TaskKey> },
    /// Give tasks to someone (`I'll take T-1` gives them to you).
    #[strum(message = "assign T-1 to @person")]
    Assign { tasks: Vec<TaskKey>, owner: Handle },
    /// Add a note to a task; notes travel with the handoff.
    #[strum(message = "note T-1 <text>")]
    Note { tasks: Vec<TaskKey>, text: String },
    /// Show a task: owner, status, blockers, dependents, notes, links.
    #[strum(message = "show T-1")]
    Show { tasks: Vec<TaskKey> },
    /// List your tasks: ready, in progress, blocked.
    #[strum(message = "mine")]
    Mine,
    /// List this room's blocked tasks and what they wait on.
    #[strum(message = "blocked")]
    Blocked,
    /// Post this room's blocker digest now.
    #[strum(message = "digest")]
    Digest,
    /// Draw the dependency graph (of the room, or around a task).
    #[strum(message = "graph [T-1]")]
    Graph { tasks: Vec<TaskKey> },
    /// Cancel tasks; tasks waiting on them are no longer held up.
    #[strum(message = "cancel T-1")]
    Cancel { tasks: Vec<TaskKey> },
    /// Hand a ready task to you again at the start of your next working day.
    #[strum(message = "snooze T-1")]
    Snooze { tasks: Vec<TaskKey> },
    /// Reopen finished or cancelled tasks.
    #[strum(message = "reopen T-1")]
    Reopen { tasks: Vec<TaskKey> },
    /// Say which GitHub or GitLab account is yours, so its pull requests and
    /// review requests reach you (`unlink github` forgets it).
    #[strum(message = "link github <login> | link gitlab <username> | unlink github")]
    Link {
        forge: Forge,
        /// `None` unlinks.
        login: Option<String>,
    },
    /// Show what Baton understands, or how one verb works.
    #[strum(message = "help [verb]")]
    Help { topic: Option<String> },
    /// Change your timezone and working hours, or this room's digest.
    #[strum(message = "settings tz Europe/Berlin | settings hours 09:00-18:00")]
    Settings { change: SettingChange },
    /// Addressed to Baton but not understood: `word` is what was not understood,
    /// `rest` the words after it (bounded), `suggestions` the closest verbs.
    #[strum(disabled)]
    Unknown {
        word: String,
        rest: String,
        suggestions: Vec<&'static str>,
    },
    /// Not addressed to Baton; nothing to do.
    #[strum(disabled)]
    None,
}

impl Intent {
    /// The verb's name as the `baton parse` contract writes it (`create`, `done`, ...).
    ///
    /// An addressed message that was not understood is answered with help, so the
    /// contract calls it `help`.
    pub fn name(&self) -> &'static str {
        match self {
            // strum gives disabled variants no name (its `into` panics on them).
            Intent::Unknown { .. } => "help",
            Intent::None => "none",
            other => other.into(),
        }
    }

    /// The subject tasks of the intent (empty for verbs without tasks).
    pub fn tasks(&self) -> &[TaskKey] {
        match self {
            Intent::Done { tasks }
            | Intent::Start { tasks }
            | Intent::Depend { tasks, .. }
            | Intent::Undepend { tasks, .. }
            | Intent::Block { tasks, .. }
            | Intent::Unblock { tasks }
            | Intent::Assign { tasks, .. }
            | Intent::Note { tasks, .. }
            | Intent::Show { tasks }
            | Intent::Graph { tasks }
            | Intent::Cancel { tasks }
            | Intent::Snooze { tasks }
            | Intent::Reopen { tasks } => tasks,
            _ => &[],
        }
    }

    /// The one-line syntax of the verb, from its `message` attribute.
    pub fn usage(&self) -> &'static str {
        self.get_message().unwrap_or("")
    }

    /// The verb's summary, from its doc comment.
    pub fn summary(&self) -> &'static str {
        self.get_documentation().unwrap_or("")
    }
}

/// What the parser made of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub intent: Intent,
    /// Every URL in the message, trailing punctuation trimmed, in order.
    pub links: Vec<String>,
}

/// One message as the parser sees it.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The text, already normalised from the platform's markup.
    pub text: &'a str,
    /// The author's handle, `@carol`.
    pub author: &'a str,
    /// The task whose thread the message is a reply in.
    pub thread_task: Option<TaskKey>,
    /// Whether the message is a DM to the bot (every DM is addressed to it).
    pub dm: bool,
}

/// One output line of `baton parse` (DESIGN §4, a stable contract).
#[derive(Debug, Serialize)]
pub struct ContractLine {
    pub intent: &'static str,
    pub tasks: Vec<TaskKey>,
    pub blockers: Vec<TaskKey>,
    pub owner: Option<String>,
    pub title: Option<String>,
    pub reason: Option<String>,
    pub links: Vec<String>,
}

impl From<&Parsed> for ContractLine {
    fn from(parsed: &Parsed) -> Self {
        let intent = &parsed.intent;
        let (blockers, owner, title, reason) = match intent {
            Intent::Create {
                title,
                owner,
                blockers,
            } => (blockers.clone(), owner.clone(), Some(title.clone()), None),
            Intent::Depend { blockers, .. } | Intent::Undepend { blockers, .. } => {
                (blockers.clone(), None, None, None)
            }
            Intent::Assign { owner, .. } => (vec![], Some(owner.clone()), None, None),
            Intent::Block { reason, .. } => (vec![], None, None, Some(reason.clone())),
            Intent::Note { text, .. } => (vec![], None, None, Some(text.clone())),
            _ => (vec![], None, None, None),
        };
        ContractLine {
            intent: intent.name(),
            tasks: intent.tasks().to_vec(),
            blockers,
            owner,
            title,
            reason,
            links: parsed.links.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn every_verb_documents_its_summary_and_usage_for_help() {
        let verbs: Vec<Intent> = Intent::iter()
            .filter(|verb| !matches!(verb, Intent::Unknown { .. } | Intent::None))
            .collect();
        // The contract's 19 intents (DESIGN §4, without `none`) and `snooze`, the
        // handoff DM's "not today" action.
        assert_eq!(verbs.len(), 20, "one variant per verb");
        for verb in verbs {
            assert!(!verb.summary().is_empty(), "{} has no doc", verb.name());
            assert!(!verb.usage().is_empty(), "{} has no usage", verb.name());
        }
    }
}
