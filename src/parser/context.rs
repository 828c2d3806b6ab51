//! What every rule of the grammar is given: one message in context ([`Ctx`]),
//! and the answers a rule falls back on. The rule files (`create`, `queries`,
//! `relations`, `verbs`) and the grammar that orders them all build on this; it
//! builds on none of them.

use super::address::Mode;
use super::text::{Text, tidy};
use super::{Intent, suggest};
use crate::domain::TaskKey;

/// Mentions that notify a whole room rather than name a person (Slack's
/// `@here`, `@channel`, `@everyone`; Matrix's `@room`): never an owner.
const GROUP_MENTIONS: &[&str] = &["@here", "@channel", "@everyone", "@room", "@all"];

/// Everything a rule needs to know about one message.
pub(super) struct Ctx<'a> {
    /// The request, without the courtesies around it ("could you …, thanks").
    pub text: &'a Text,
    /// The body as addressed, courtesies and all (not the lines it quotes):
    /// how talk is kept, and where a rule that reads slots
    /// rather than a sentence ("link it, it's octocat") finds them.
    pub said: &'a str,
    pub author: &'a str,
    /// The task whose thread the message is in.
    pub thread: Option<TaskKey>,
    pub mode: Mode,
    /// The message is a request ("please ...", "can you close T-4?").
    pub polite: bool,
    /// The message is phrased as a question.
    pub question: bool,
}

impl Ctx<'_> {
    /// Addressed explicitly (command, mention or DM), not just a thread reply.
    pub(super) fn explicit(&self) -> bool {
        self.mode != Mode::Thread
    }

    /// Asks something rather than requests something.
    pub(super) fn asks(&self) -> bool {
        self.question && !self.polite
    }

    pub(super) fn masked(&self) -> &str {
        self.text.masked()
    }

    /// The subject tasks: the named ones, else the thread's task.
    pub(super) fn subject(&self, named: Vec<TaskKey>) -> Vec<TaskKey> {
        if named.is_empty() {
            self.thread.into_iter().collect()
        } else {
            named
        }
    }

    /// `make(subject)`, or help on `verb` when the message names no task and is not
    /// in a thread: Baton cannot guess which task is meant.
    pub(super) fn on_subject(
        &self,
        named: Vec<TaskKey>,
        verb: &str,
        make: impl FnOnce(Vec<TaskKey>) -> Intent,
    ) -> Intent {
        let tasks = self.subject(named);
        if tasks.is_empty() {
            help_on(verb)
        } else {
            make(tasks)
        }
    }

    /// A person as written, with `me`/`myself`/`I` resolved to the author; `None`
    /// for the bot itself.
    pub(super) fn person(&self, written: &str) -> Option<String> {
        let written = written.trim_end_matches(['.', '-']);
        if ["me", "myself", "i"]
            .iter()
            .any(|word| written.eq_ignore_ascii_case(word))
        {
            return Some(self.author.to_owned());
        }
        let is_handle = written.starts_with('@') && written.len() > 1;
        let is_person = !written.eq_ignore_ascii_case(super::BOT_HANDLE)
            && !written
                .to_lowercase()
                .starts_with(&format!("{}:", super::BOT_HANDLE))
            && !GROUP_MENTIONS
                .iter()
                .any(|group| written.eq_ignore_ascii_case(group));
        (is_handle && is_person).then(|| written.to_owned())
    }

    /// The whole body, tidied: the text of a note.
    pub(super) fn note_text(&self) -> String {
        // Talk in a thread is kept as said ("yep, merge when ready lol"); a
        // note told to the bot is what follows its courtesies.
        if self.explicit() {
            tidy(self.text.original())
        } else {
            tidy(self.said)
        }
    }
}

/// Help on one verb: the answer to a request that lacks what the verb needs.
pub(super) fn help_on(verb: &str) -> Intent {
    Intent::Help {
        topic: Some(verb.to_owned()),
    }
}

/// An addressed message whose first word is not understood.
pub(super) fn unknown(text: &Text) -> Intent {
    let word = text.first_word();
    let rest = text
        .original()
        .trim_start()
        .split_once(char::is_whitespace)
        .map_or("", |(_, rest)| rest);
    Intent::Unknown {
        word: suggest::echo(word),
        rest: suggest::echo(&tidy(rest)),
        suggestions: suggest::suggestions(word),
    }
}
