//! The command language (DESIGN §4): from a chat message to an [`Intent`].
//!
//! Parsing is pure and total: any text, however long or strange, yields an intent
//! quickly and never panics. The work is split by concern:
//! - `address`: is the message meant for Baton, and what does it say without the
//!   prefix or mention;
//! - `grammar`: the order in which phrasings are tried, and the fallbacks;
//! - `queries`, `create`, `relations`, `verbs`, `link`: the phrasings of each verb;
//! - `completion`: the precision rules that keep a `done` from being misread;
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
mod create;
mod grammar;
mod link;
mod queries;
mod relations;
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
    let intent = match address::address(msg) {
        Some(addressed) => grammar::interpret(&addressed, msg),
        None => Intent::None,
    };
    Parsed {
        intent,
        links: text::links(msg.text),
    }
}

#[cfg(test)]
mod tests;
