//! From an addressed message to an [`Intent`]: the order in which phrasings are
//! tried, and what happens when none fits.
//!
//! Rules are tried most specific first. Queries that people phrase as questions
//! ("what's on my plate?", "what's blocked?") come before the general rule that a
//! question about a task is `show`; relations between tasks come before state
//! changes ("can't start T-30 until T-29 is merged" mentions "merged" but is a
//! dependency); and `done`, the most dangerous verb, comes late and only after its
//! vetoes (see [`super::completion`]).

use super::address::{Addressed, Mode};
use super::context::{Ctx, unknown};
use super::text::Text;
use super::{Intent, Message, create, link, queries, relations, suggest, verbs};

patterns! {
    /// Greetings and fillers in front of a request: "hey", "ok so", "um".
    GREETING = r"^(?:hi|hey|hello|yo|ok|okay|so|um+|uh+|hmm+|oh)\b[\s,.!:;\-]*";
    /// "please" in front of a request: it makes the request a command, not a question.
    PLEASE = r"^(?:please|pls|plz|kindly)\b[\s,:]*";
    /// "can you ..." in front of a request.
    CAN_YOU = r"^(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+|kindly\s+)?";
    /// Verbs that make "can you ...?" a polite command rather than a question.
    REQUEST_VERB = r"^(?:add|new|create|mark|close|finish|complete|start|assign|reassign|give|hand|note|show|list|cancel|drop|reopen|re-open|unblock|block|undepend|remove|graph|draw|send|post|set|make|take|help|change|update|put|record|log)\b";
    /// "please" at the end of a request.
    TRAILING_PLEASE = r"[\s,]*\b(?:please|pls|plz)[\s!.]*$";
    /// A short question about a task followed by more words: "T-11 finished? can you
    /// check".
    SHORT_KEY_QUESTION = r"^(?:is\s+|was\s+|has\s+)?<KEYS>\s+(?:\S+\s+){0,2}?\S+\s*\?";
    /// Openings of a question: "is T-9 ...", "will it ...", "who ...", "what's ...".
    QUESTION_START = r"^(?:(?:is|are|was|were|has|have|had|did|does|do|can|could|should|would|will|shall|may|might|isn't|aren't|wasn't|hasn't|haven't|didn't|doesn't|won't|can't)\s+(?:<KEY>|it|this|that|these|those|the|we|you|u|i|he|she|they|anyone|anybody|someone|somebody|everyone|everybody|everything|anything|something|all|any|there|my|our|your|his|her|their|@\w+)\b|(?:what|who|whom|whose|where|why|how|which|when)(?:'s|'re|\b))";
}

/// One way of understanding a message; `None` when it does not apply.
type Rule = fn(&Ctx<'_>) -> Option<Intent>;

/// The rules, most specific first (see the module documentation).
const RULES: &[Rule] = &[
    queries::pleasantry,
    queries::help,
    queries::settings,
    link::link,
    verbs::snooze,
    verbs::note,
    create::create,
    queries::mine,
    queries::blocked_list,
    queries::digest,
    queries::graph,
    queries::question,
    verbs::reopen,
    relations::undepend,
    relations::depend,
    relations::unblock,
    relations::block,
    verbs::cancel,
    verbs::assign,
    queries::show,
    verbs::done,
    verbs::start,
];

/// Understands an addressed message.
pub(super) fn interpret(addressed: &Addressed, msg: &Message<'_>) -> Intent {
    let explicit = addressed.mode != Mode::Thread;
    let (body, polite) = prepare(&addressed.body, explicit);
    if body.is_empty() {
        return if explicit {
            Intent::Help { topic: None }
        } else {
            Intent::None
        };
    }
    let text = Text::new(&body);
    let ctx = Ctx {
        question: is_question(text.masked()),
        text: &text,
        author: msg.author,
        thread: msg.thread_task,
        mode: addressed.mode,
        polite,
    };
    RULES
        .iter()
        .find_map(|rule| rule(&ctx))
        .unwrap_or_else(|| fallback(&ctx))
}

/// Strips greetings and politeness, returning the request and whether it was a
/// polite command ("please ...", "can you close T-4?").
fn prepare(body: &str, explicit: bool) -> (String, bool) {
    let mut rest = body.trim();
    let mut polite = false;
    loop {
        let before = rest;
        if explicit && let Some(found) = GREETING.find(rest) {
            rest = rest.get(found.end()..).unwrap_or_default();
        }
        if let Some(found) = PLEASE.find(rest) {
            rest = rest.get(found.end()..).unwrap_or_default();
            polite = true;
        }
        if let Some(found) = CAN_YOU.find(rest) {
            let request = rest.get(found.end()..).unwrap_or_default();
            if REQUEST_VERB.is_match(request) {
                rest = request.trim_end().trim_end_matches('?');
                polite = true;
            }
        }
        if rest == before {
            break;
        }
    }
    if let Some(found) = TRAILING_PLEASE.find(rest) {
        let request = rest.get(..found.start()).unwrap_or_default();
        if !request.trim().is_empty() {
            rest = request;
            polite = true;
        }
    }
    (rest.trim().to_owned(), polite)
}

/// Whether the text asks something: it ends with `?` (emoji and closing
/// punctuation aside) or opens like a question ("is T-9 done", "who owns ...").
fn is_question(masked: &str) -> bool {
    let end = masked.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(c, '!' | '.' | ')' | ']' | '"' | '\'' | '’' | '”')
            || (!c.is_ascii() && !c.is_alphanumeric())
    });
    end.ends_with('?') || QUESTION_START.is_match(masked) || SHORT_KEY_QUESTION.is_match(masked)
}

/// What a message that no rule understood means.
///
/// In a thread it is a note on the task (people talk about the task there). When
/// addressed, a statement about named tasks is a note on them ("T-4 isn't done"),
/// unless its first word looks like a mistyped verb ("dnoe T-4"), which is
/// answered with suggestions, or it is a `/baton` command with a verb that is not
/// understood.
fn fallback(ctx: &Ctx<'_>) -> Intent {
    let keys = ctx.text.keys();
    if !ctx.explicit() {
        return Intent::Note {
            tasks: ctx.subject(keys),
            text: ctx.note_text(),
        };
    }
    let word = ctx.text.first_word();
    let typo = suggest::is_typo(word);
    let commanded = ctx.mode == Mode::Command && !ctx.text.starts_with_key();
    let about = ctx.subject(keys);
    if !about.is_empty() && !typo && !commanded {
        return Intent::Note {
            tasks: about,
            text: ctx.note_text(),
        };
    }
    unknown(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn politeness_makes_a_request_not_a_question() {
        assert_eq!(
            prepare("can you close T-4?", true),
            ("close T-4".to_owned(), true)
        );
        assert_eq!(
            prepare("please done T-4", true),
            ("done T-4".to_owned(), true)
        );
        assert_eq!(
            prepare("can you check T-4?", true),
            ("can you check T-4?".to_owned(), false)
        );
    }

    #[test]
    fn greetings_are_dropped_only_when_the_bot_is_addressed() {
        assert_eq!(prepare("hey, done T-4", true).0, "done T-4");
        assert_eq!(prepare("hey, done", false).0, "hey, done");
    }

    #[test]
    fn questions_are_recognised_by_their_end_or_their_opening() {
        assert!(is_question("is it done? 🤔"));
        assert!(is_question("is T-9 done"));
        assert!(is_question("who owns T-15"));
        assert!(!is_question("will be done tomorrow"));
        assert!(!is_question("done, see ____"));
    }
}
