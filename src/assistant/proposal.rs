//! Proposals: a message the grammar did not understand, mapped by the model onto
//! one of Baton's commands, for its author to confirm.
//!
//! The model answers a JSON object that names an intent and its arguments (the
//! schema below). The answer is checked field by field, written as the canonical
//! command (`assign T-5 to @bob`), and kept only if the grammar reads that
//! command back as the same intent: what the person confirms is a command they
//! could have typed, applied by the same rules as one.

use serde::Deserialize;

use crate::domain::TaskKey;
use crate::parser::{self, Intent, Message, Parsed};

/// What the model is told: Baton's intents as a JSON schema, and to answer with
/// `{"intent": "none"}` when the message asks for none of them.
pub const SYSTEM: &str = r#"You turn one chat message into a command for Baton, a bot that tracks tasks (keys like T-12) and their dependencies. Answer with one JSON object and nothing else, matching this JSON schema:
{"oneOf": [
 {"type":"object","properties":{"intent":{"const":"add"},"title":{"type":"string","maxLength":200},"owner":{"type":"string","pattern":"^@"},"after":{"type":"array","items":{"type":"string","pattern":"^T-[0-9]+$"}}},"required":["intent","title"],"additionalProperties":false},
 {"type":"object","properties":{"intent":{"enum":["done","start","cancel","reopen","unblock","show","snooze"]},"tasks":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^T-[0-9]+$"}}},"required":["intent","tasks"],"additionalProperties":false},
 {"type":"object","properties":{"intent":{"const":"assign"},"tasks":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^T-[0-9]+$"}},"owner":{"type":"string","pattern":"^@"}},"required":["intent","tasks","owner"],"additionalProperties":false},
 {"type":"object","properties":{"intent":{"enum":["depend","undepend"]},"tasks":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^T-[0-9]+$"}},"blockers":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^T-[0-9]+$"}}},"required":["intent","tasks","blockers"],"additionalProperties":false},
 {"type":"object","properties":{"intent":{"enum":["note","block"]},"tasks":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^T-[0-9]+$"}},"text":{"type":"string","maxLength":500}},"required":["intent","tasks","text"],"additionalProperties":false},
 {"type":"object","properties":{"intent":{"enum":["mine","blocked","digest","none"]}},"required":["intent"],"additionalProperties":false}
]}
"depend" means the tasks wait for the blockers; "block" marks tasks blocked by something outside Baton, with the reason as text. Use only task keys and @people written in the message. When the message asks for none of these, answer {"intent":"none"}."#;

/// The most a proposal's title, note or reason may hold.
const MAX_TEXT_CHARS: usize = 300;
/// The most tasks a proposal may name.
const MAX_TASKS: usize = 20;

/// The model's answer, as the schema allows it; anything else is discarded.
#[derive(Debug, Deserialize)]
#[serde(tag = "intent", rename_all = "lowercase", deny_unknown_fields)]
enum Answer {
    Add {
        title: String,
        owner: Option<String>,
        #[serde(default)]
        after: Vec<String>,
    },
    Done {
        tasks: Vec<String>,
    },
    Start {
        tasks: Vec<String>,
    },
    Cancel {
        tasks: Vec<String>,
    },
    Reopen {
        tasks: Vec<String>,
    },
    Unblock {
        tasks: Vec<String>,
    },
    Show {
        tasks: Vec<String>,
    },
    Snooze {
        tasks: Vec<String>,
    },
    Assign {
        tasks: Vec<String>,
        owner: String,
    },
    Depend {
        tasks: Vec<String>,
        blockers: Vec<String>,
    },
    Undepend {
        tasks: Vec<String>,
        blockers: Vec<String>,
    },
    Note {
        tasks: Vec<String>,
        text: String,
    },
    Block {
        tasks: Vec<String>,
        text: String,
    },
    Mine,
    Blocked,
    Digest,
    None,
}

/// A checked proposal: the command as the person could type it, and what the
/// grammar reads it as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Without the `!baton` prefix: `assign T-5 to @bob`.
    pub command: String,
    pub intent: Intent,
}

/// Why an answer was discarded (logged at debug, counted).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the answer is not JSON of the schema: {0}")]
    Schema(String),
    #[error("the answer proposes nothing")]
    Nothing,
    #[error("`{0}` is not a task key")]
    Key(String),
    #[error("`{0}` is not a person")]
    Person(String),
    #[error("a text is empty, too long or spans lines")]
    Text,
    #[error("the command `{0}` does not read back as the proposed intent")]
    ReadBack(String),
}

/// The proposal in the model's `answer` for a message by `author`, checked.
///
/// # Errors
/// [`Invalid`] when the answer does not fit the schema or names things that are
/// not keys or people; such an answer is dropped.
pub fn from_answer(answer: &str, author: &str, links: &[String]) -> Result<Proposal, Invalid> {
    let json = json_object(answer);
    let answer: Answer = serde_json::from_str(json).map_err(|e| Invalid::Schema(e.to_string()))?;
    let expected = answer.intent_name();
    let command = match answer {
        Answer::None => return Err(Invalid::Nothing),
        Answer::Add {
            title,
            owner,
            after,
        } => {
            let mut command = format!("add {}", text(&title)?);
            if let Some(owner) = owner {
                command.push_str(&format!(" for {}", person(&owner)?));
            }
            if !after.is_empty() {
                command.push_str(&format!(" after {}", keys(&after)?));
            }
            command
        }
        // The message's links are the evidence of what it finishes.
        Answer::Done { tasks } => [format!("done {}", keys(&tasks)?)]
            .into_iter()
            .chain(evidence(links))
            .collect::<Vec<_>>()
            .join(" "),
        Answer::Start { tasks } => format!("start {}", keys(&tasks)?),
        Answer::Cancel { tasks } => format!("cancel {}", keys(&tasks)?),
        Answer::Reopen { tasks } => format!("reopen {}", keys(&tasks)?),
        Answer::Unblock { tasks } => format!("unblock {}", keys(&tasks)?),
        Answer::Show { tasks } => format!("show {}", keys(&tasks)?),
        Answer::Snooze { tasks } => format!("snooze {}", keys(&tasks)?),
        Answer::Assign { tasks, owner } => {
            format!("assign {} to {}", keys(&tasks)?, person(&owner)?)
        }
        Answer::Depend { tasks, blockers } => {
            format!("{} depends on {}", keys(&tasks)?, keys(&blockers)?)
        }
        Answer::Undepend { tasks, blockers } => {
            format!(
                "{} no longer depends on {}",
                keys(&tasks)?,
                keys(&blockers)?
            )
        }
        Answer::Note { tasks, text: note } => format!("note {} {}", keys(&tasks)?, text(&note)?),
        Answer::Block {
            tasks,
            text: reason,
        } => {
            format!("blocked {} {}", keys(&tasks)?, text(&reason)?)
        }
        Answer::Mine => "mine".to_owned(),
        Answer::Blocked => "blocked".to_owned(),
        Answer::Digest => "digest".to_owned(),
    };
    let intent = read_back(&command, author).intent;
    if intent.name() != expected {
        return Err(Invalid::ReadBack(command));
    }
    Ok(Proposal { command, intent })
}

impl Answer {
    /// The name of the intent the answer proposes, as [`Intent::name`] writes it.
    fn intent_name(&self) -> &'static str {
        match self {
            Answer::Add { .. } => "create",
            Answer::Done { .. } => "done",
            Answer::Start { .. } => "start",
            Answer::Cancel { .. } => "cancel",
            Answer::Reopen { .. } => "reopen",
            Answer::Unblock { .. } => "unblock",
            Answer::Show { .. } => "show",
            Answer::Snooze { .. } => "snooze",
            Answer::Assign { .. } => "assign",
            Answer::Depend { .. } => "depend",
            Answer::Undepend { .. } => "undepend",
            Answer::Note { .. } => "note",
            Answer::Block { .. } => "block",
            Answer::Mine => "mine",
            Answer::Blocked => "blocked",
            Answer::Digest => "digest",
            Answer::None => "none",
        }
    }
}

/// What the grammar makes of `command` typed by `author`: the same rules that
/// apply it once it is confirmed.
pub fn read_back(command: &str, author: &str) -> Parsed {
    parser::parse(&Message {
        text: &format!("!baton {command}"),
        author,
        thread_task: None,
        dm: false,
    })
}

/// A message that confirms a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// The command confirmed, when the confirmation names it (`yes: done T-4`,
    /// what a button under the offer sends): only that proposal is applied, not
    /// a newer one, and not someone else's.
    pub command: Option<String>,
}

/// What `yes: <command>` confirms, or a plain `yes` any waiting proposal.
pub fn confirmation(text: &str) -> Option<Confirmation> {
    let trimmed = text.trim();
    let body = ["!baton", "/baton", "@baton"]
        .iter()
        .find_map(|prefix| trimmed.strip_prefix(prefix))
        .unwrap_or(trimmed)
        .trim();
    if let Some((yes, command)) = body.split_once(':')
        && yes.trim().eq_ignore_ascii_case("yes")
        && !command.trim().is_empty()
    {
        return Some(Confirmation {
            command: Some(command.trim().to_owned()),
        });
    }
    is_confirmation(text).then_some(Confirmation { command: None })
}

/// Whether `text` confirms a proposal: `yes`, `yes please`, `do it`, 👍, with or
/// without the bot's name in front. Not "ok" or "yeah": people say those to each
/// other all day, and a proposal waits for a clear answer.
fn is_confirmation(text: &str) -> bool {
    const YES: [&str; 9] = [
        "yes",
        "yes please",
        "yep",
        "confirm",
        "confirmed",
        "do it",
        "go ahead",
        "👍",
        "✅",
    ];
    let text = text.trim().to_lowercase();
    let text = ["!baton", "/baton", "@baton"]
        .iter()
        .find_map(|prefix| text.strip_prefix(prefix))
        .unwrap_or(&text)
        .trim_start_matches([':', ','])
        .trim()
        .trim_end_matches(['.', '!'])
        .trim();
    YES.contains(&text)
}

/// The JSON object in an answer: models wrap it in a code fence or a sentence
/// even when asked not to.
fn json_object(answer: &str) -> &str {
    match (answer.find('{'), answer.rfind('}')) {
        (Some(start), Some(end)) if start < end => &answer[start..=end],
        _ => answer,
    }
}

fn keys(keys: &[String]) -> Result<String, Invalid> {
    if keys.is_empty() || keys.len() > MAX_TASKS {
        return Err(Invalid::Key(keys.join(" ")));
    }
    let parsed: Result<Vec<String>, Invalid> = keys
        .iter()
        .map(|k| {
            k.trim()
                .parse::<TaskKey>()
                .map(|key| key.to_string())
                .map_err(|_| Invalid::Key(k.clone()))
        })
        .collect();
    Ok(parsed?.join(" and "))
}

/// The links of the message worth keeping as evidence: web links, a few.
fn evidence(links: &[String]) -> impl Iterator<Item = String> + '_ {
    links
        .iter()
        .filter(|l| {
            (l.starts_with("https://") || l.starts_with("http://"))
                && !l.contains(|c: char| c.is_whitespace() || c == '`')
        })
        .take(MAX_TASKS)
        .cloned()
}

fn person(handle: &str) -> Result<String, Invalid> {
    let handle = handle.trim();
    let well_formed = handle.len() > 1
        && handle.len() <= 255
        && handle.starts_with('@')
        && handle[1..]
            .chars()
            .all(|c| c.is_alphanumeric() || "._-=/:".contains(c));
    if well_formed {
        Ok(handle.to_owned())
    } else {
        Err(Invalid::Person(handle.to_owned()))
    }
}

fn text(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS || text.contains(['\n', '\r', '`'])
    {
        return Err(Invalid::Text);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_answer_becomes_the_command_a_person_could_type() {
        let proposal = from_answer(
            r#"{"intent":"assign","tasks":["T-5"],"owner":"@bob"}"#,
            "@ana",
            &[],
        )
        .unwrap();
        assert_eq!(proposal.command, "assign T-5 to @bob");
        assert_eq!(proposal.intent.name(), "assign");
        let proposal = from_answer(
            "Sure! ```json\n{\"intent\":\"depend\",\"tasks\":[\"T-9\"],\"blockers\":[\"T-3\"]}\n```",
            "@ana",
            &[],
        )
        .unwrap();
        assert_eq!(proposal.command, "T-9 depends on T-3");
        assert_eq!(proposal.intent.name(), "depend");
    }

    #[test]
    fn a_button_names_the_command_it_confirms() {
        assert_eq!(
            confirmation("!baton yes: done T-4"),
            Some(Confirmation {
                command: Some("done T-4".to_owned())
            })
        );
        assert_eq!(confirmation("yes"), Some(Confirmation { command: None }));
        assert_eq!(confirmation("yes, but T-4 first"), None);
    }

    #[test]
    fn only_a_plain_yes_confirms() {
        for yes in ["yes", "Yes!", "!baton yes", "@baton: do it", "👍"] {
            assert!(confirmation(yes).is_some(), "{yes}");
        }
        for not in ["yes, but T-4 first", "no", "ok", "yesterday", "done T-4"] {
            assert!(confirmation(not).is_none(), "{not}");
        }
    }

    #[test]
    fn answers_outside_the_schema_are_discarded() {
        for answer in [
            "not json at all",
            r#"{"intent":"explode","tasks":["T-1"]}"#,
            r#"{"intent":"done","tasks":["the login fix"]}"#,
            r#"{"intent":"done","tasks":[]}"#,
            r#"{"intent":"done","tasks":["T-1"],"confidence":0.4}"#,
            r#"{"intent":"assign","tasks":["T-1"],"owner":"bob"}"#,
            r#"{"intent":"note","tasks":["T-1"],"text":"two\nlines"}"#,
            r#"{"intent":"none"}"#,
        ] {
            assert!(from_answer(answer, "@ana", &[]).is_err(), "{answer}");
        }
    }
}
