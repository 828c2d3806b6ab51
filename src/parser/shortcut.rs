//! The commands people type most, read without the grammar: `!baton done T-4`,
//! `/baton start T-7 and T-8`, `@baton mine`.
//!
//! The grammar's patterns are compiled on first use, and the first message of a
//! process forces most of them (about a tenth of a second, BENCHMARKS.md *Cold
//! start*). A command in its canonical form needs none of that: a verb from a small
//! table and task keys, split on whitespace. Anything else (a link, a reason, a
//! word more) goes to the grammar, and a test proves that both read every
//! shortcut the same way.

use super::{Intent, Message};
use crate::domain::TaskKey;

/// What a verb makes of its keys.
type Keyed = fn(Vec<TaskKey>) -> Intent;

/// Verbs a canonical command can start with, and what they make of their keys.
const KEYED: &[(&str, Keyed)] = &[
    ("done", |tasks| Intent::Done { tasks }),
    ("start", |tasks| Intent::Start { tasks }),
    ("show", |tasks| Intent::Show { tasks }),
    ("cancel", |tasks| Intent::Cancel { tasks }),
    ("reopen", |tasks| Intent::Reopen { tasks }),
    ("unblock", |tasks| Intent::Unblock { tasks }),
    ("snooze", |tasks| Intent::Snooze { tasks }),
    ("graph", |tasks| Intent::Graph { tasks }),
];

/// What a verb that stands alone means.
type Bare = fn() -> Intent;

/// Verbs that stand alone.
const BARE: &[(&str, Bare)] = &[
    ("mine", || Intent::Mine),
    ("blocked", || Intent::Blocked),
    ("digest", || Intent::Digest),
    ("help", || Intent::Help { topic: None }),
    ("graph", || Intent::Graph { tasks: vec![] }),
];

/// The intent of a canonical command, or `None` for anything the grammar must
/// read.
pub(super) fn command(msg: &Message<'_>) -> Option<Intent> {
    if msg.thread_task.is_some() || msg.text.len() > 200 {
        return None;
    }
    let body = without_prefix(msg.text.trim())?;
    let mut words = body.split_whitespace();
    let verb = words.next()?.to_ascii_lowercase();
    let rest: Vec<&str> = words.collect();
    if rest.is_empty() {
        return BARE
            .iter()
            .find(|(name, _)| *name == verb)
            .map(|(_, make)| make());
    }
    let (_, make) = KEYED.iter().find(|(name, _)| *name == verb)?;
    keys(&rest).map(make)
}

/// The command after `!baton `, `/baton ` or `@baton `; `None` for any other
/// message.
fn without_prefix(text: &str) -> Option<&str> {
    let rest = ["!baton", "/baton", "@baton"].iter().find_map(|prefix| {
        let head = text.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| text.get(prefix.len()..))
            .flatten()
    })?;
    rest.starts_with(' ').then_some(rest)
}

/// The keys of `T-4`, `T-4 T-5`, `T-4, T-5 and T-6`, `T-4 & T-5`, without repeats;
/// `None` when any word is something else.
fn keys(words: &[&str]) -> Option<Vec<TaskKey>> {
    let mut keys = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let joins = index > 0 && index + 1 < words.len();
        if joins && (word.eq_ignore_ascii_case("and") || *word == "&") {
            continue;
        }
        let key: TaskKey = word.strip_suffix(',').unwrap_or(word).parse().ok()?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    (!keys.is_empty()).then_some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> Message<'_> {
        Message {
            text,
            author: "@carol",
            thread_task: None,
            dm: false,
        }
    }

    #[test]
    fn every_shortcut_reads_as_the_grammar_reads_it() {
        let verbs = KEYED.iter().map(|(verb, _)| *verb);
        let mut texts: Vec<String> = Vec::new();
        for verb in verbs {
            for keys in [
                "T-4",
                "t-4",
                "T-4 T-5",
                "T-4, T-5 and T-6",
                "T-4 & T-5",
                "T-4 T-4",
            ] {
                for prefix in ["!baton", "/baton", "@baton", "!BATON"] {
                    texts.push(format!("{prefix} {verb} {keys}"));
                }
            }
        }
        for (verb, _) in BARE {
            texts.push(format!("!baton {verb}"));
            texts.push(format!("@baton {verb}"));
        }
        for text in &texts {
            let msg = message(text);
            let short = command(&msg);
            assert!(short.is_some(), "{text:?} is a canonical command");
            let full = super::super::grammar_intent(&msg);
            assert_eq!(short, Some(full), "{text:?}");
        }
    }

    #[test]
    fn anything_more_goes_to_the_grammar() {
        for text in [
            "!baton done T-4 https://github.com/acme/api/pull/7",
            "!baton done T-4 and",
            "!baton done T-4 please",
            "!baton done",
            "!batonx done T-4",
            "!baton add Fix login",
            "hey @baton done T-4",
            "done T-4",
        ] {
            assert_eq!(command(&message(text)), None, "{text:?}");
        }
        let in_thread = Message {
            thread_task: Some(TaskKey::new(4)),
            ..message("!baton done T-4")
        };
        assert_eq!(command(&in_thread), None);
    }
}
