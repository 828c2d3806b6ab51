//! The command language (DESIGN §4): from a chat message to an [`Intent`].
//!
//! Parsing is pure and total: any text, however long or strange, yields an intent
//! quickly and never panics. The work is split by concern:
//! - `shortcut`: canonical commands (`!baton done T-4`) read without the grammar,
//!   so that the first message of a process compiles no pattern;
//! - `address`: is the message meant for Baton, and what does it say without the
//!   prefix or mention;
//! - `request`: the request without its greetings, politeness and quotes;
//! - `grammar`: the order in which phrasings are tried, and the fallbacks;
//! - `queries`, `create`, `relations`, `verbs`, `link`: the phrasings of each verb;
//! - `completion`: the precision rules that keep a `done` from being misread;
//! - `correction`: slips fixed in the same message ("T-4, no wait, T-5");
//! - `fold`: a second reading with task descriptions and dropped words folded
//!   ("the press kit (T-32)", "waiting T-13");
//! - `pattern`, `gate`: the regex vocabulary, and the literals that let a pattern
//!   be skipped, uncompiled, on a text that cannot match it;
//! - `text`: URL masking, task keys, clauses; `suggest`: verb typos;
//! - `contract`: the `baton parse` JSON-lines contract.

mod intent;
pub use intent::*;

#[macro_use]
mod pattern;
mod address;
mod completion;
mod context;
mod contract;
mod correction;
mod create;
mod digest_schedule;
mod fold;
mod gate;
#[rustfmt::skip]
mod gate_table;
mod grammar;
mod link;
mod prerequisite;
mod queries;
mod relations;
mod request;
mod shortcut;
mod spoken;
mod suggest;
mod text;
mod verbs;

pub use contract::{ContractInput, parse_contract_line, run_contract};

/// How people mention the bot.
pub const BOT_HANDLE: &str = "@baton";

/// Understands one chat message.
///
/// Messages not meant for Baton (see `address`) are [`Intent::None`]; the links
/// of the message are returned either way.
pub fn parse(msg: &Message<'_>) -> Parsed {
    if let Some(intent) = shortcut::command(msg) {
        // A canonical command is verb and keys only: it has no links.
        return Parsed {
            intent,
            links: Vec::new(),
        };
    }
    Parsed {
        intent: grammar_intent(msg),
        links: text::links(msg.text),
    }
}

/// What the grammar makes of a message (the whole of [`parse`] but its shortcut),
/// reading at most its first [`pattern::MAX_PARSED_BYTES`].
fn grammar_intent(msg: &Message<'_>) -> Intent {
    let msg = Message {
        text: text::head(msg.text, pattern::MAX_PARSED_BYTES),
        ..*msg
    };
    match address::address(&msg) {
        Some(addressed) => grammar::interpret(&addressed, &msg),
        None => Intent::None,
    }
}

#[cfg(test)]
mod tests;
