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
use super::{Intent, Message, correction, create, link, queries, relations, suggest, verbs};

patterns! {
    /// Greetings and fillers in front of a request: "hey", "ok so", "um".
    GREETING = r"^(?:hi|hey|hello|yo|ok|okay|so|um+|uh+|hmm+|oh)\b[\s,.!:;\-]*";
    /// "please" in front of a request: it makes the request a command, not a question.
    PLEASE = r"^(?:please|pls|plz|kindly)\b[\s,:]*";
    /// "can you ..." in front of a request: at the start, or after a sentence or
    /// a clause ("thanks for yesterday! could you close T-4?").
    CAN_YOU = r"(?:^|[.!?,;:]\s*|\b(?:so|and|but|then)\s+)(?:(?:can|could|would|will)\s+(?:you|u|we)\s+(?:please\s+|pls\s+|kindly\s+)?(?:mind\s+)?|is\s+it\s+possible\s+to\s+|(?:can|could)\s+i\s+ask\s+you\s+to\s+)";
    /// The "-ing" of a request after "would you mind": "closing" asks to close.
    GERUND = r"^(\w+?)(?:ing)\b";
    /// A fix that starts with a preposition ("on T-5", "to @bo") continues the
    /// sentence it corrects.
    PREPOSITION = r"^(?:on|to|for|from|with|at|in|by|after|before)\b";
    /// A request to record what was just said: "could you record that?".
    REFERS_BACK = r"^(?:record|note|log|save|track|capture|remember)\s+(?:that|this|it)\b";
    /// A pronoun a request uses for a task named elsewhere in the message.
    PRONOUN = r"\b(?:it|this(?:\s+one)?|that)\b";
    /// Verbs that make "can you ...?" a polite command rather than a question.
    REQUEST_VERB = r"^(?:add|new|create|mark|close|finish|complete|start|assign|reassign|give|hand|note|show|list|cancel|drop|reopen|re-open|unblock|block|undepend|remove|graph|draw|send|post|set|make|take|help|change|update|put|record|log|park|pause|freeze|track|move|turn|link|snooze|tell)\b";
    /// A courtesy question after a command: "assign T-5 to @x, ok @x?", "close
    /// T-4, alright?". The command stands; the question is manners.
    COURTESY = r"[\s,;:.\-–—]+(?:ok|okay|alright|right|cool|fine|good|sound\s+good|sounds\s+good|works|ok\s+with\s+you|is\s+that\s+ok(?:ay)?|that\s+ok(?:ay)?)\s*(?:<HANDLE>)?\s*\?+[\s!.🙂🙏]*$";
    /// "please" at the end of a request.
    TRAILING_PLEASE = r"[\s,]*\b(?:please|pls|plz)[\s!.]*$";
    /// A short question about a task followed by more words: "T-11 finished? can you
    /// check".
    SHORT_KEY_QUESTION = r"^(?:is\s+|was\s+|has\s+)?<KEYS>\s+(?:\S+\s+){0,2}?\S+\s*\?";
    /// Openings of a question: "is T-9 ...", "will it ...", "who ...", "what's ...".
    QUESTION_START = r"^(?:(?:is|are|was|were|has|have|had|did|does|can|could|should|would|will|shall|may|might|isn't|aren't|wasn't|hasn't|haven't|didn't|doesn't|won't|can't)\s+(?:<KEY>|it|this|that|these|those|the|we|you|u|i|he|she|they|anyone|anybody|someone|somebody|everyone|everybody|everything|anything|something|all|any|there|my|our|your|his|her|their|@\w+)\b|(?:what|who|whom|whose|where|why|how|which|when)(?:'s|'re|\b))";
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
    verbs::fyi,
    verbs::cancel,
    verbs::assign,
    queries::show,
    verbs::done,
    verbs::start,
];

/// Understands an addressed message, as its author corrected it when it holds a
/// correction ("done T-120, oops wrong one, T-121").
pub(super) fn interpret(addressed: &Addressed, msg: &Message<'_>) -> Intent {
    if let Some(corrected) = correction::correction(&addressed.body) {
        // "…, no wait, on T-5" is not a request of its own: the fix goes in place.
        let restated = Some(corrected.restated).filter(|said| !PREPOSITION.is_match(said));
        let readings = [restated, corrected.substituted];
        for body in readings.into_iter().flatten() {
            let intent = understand(&body, addressed.mode, msg);
            if asks_for_something(&intent) {
                return intent;
            }
        }
    }
    let intent = understand(&addressed.body, addressed.mode, msg);
    // Thread replies are talk, where a near-verb is more often a word ("stared").
    if addressed.mode == Mode::Thread
        || !matches!(
            intent,
            Intent::Note { .. } | Intent::Help { .. } | Intent::Unknown { .. }
        )
    {
        return intent;
    }
    // Not understood as written: perhaps a verb was mistyped ("asign T-5 to @bo").
    suggest::with_typos_corrected(&addressed.body)
        .map(|body| understand(&body, addressed.mode, msg))
        .filter(|fixed| {
            !matches!(
                fixed,
                Intent::Note { .. } | Intent::Help { .. } | Intent::Unknown { .. } | Intent::None
            )
        })
        .unwrap_or(intent)
}

/// Whether a reading of a corrected message is a request, not talk or a bare
/// key ("T-121" alone reads as `show`).
fn asks_for_something(intent: &Intent) -> bool {
    !matches!(
        intent,
        Intent::Note { .. }
            | Intent::Show { .. }
            | Intent::Help { .. }
            | Intent::Unknown { .. }
            | Intent::None
    )
}

/// Understands an addressed message's body, read as written.
fn understand(body: &str, mode: Mode, msg: &Message<'_>) -> Intent {
    let explicit = mode != Mode::Thread;
    let (body, polite) = prepare(body, explicit);
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
        mode,
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
    let unquoted = without_quotes(body);
    let mut rest = unquoted.trim();
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
        if rest == before {
            break;
        }
    }
    let request = polite_request(rest, explicit);
    if request.is_some() {
        polite = true;
    }
    let mut rest = request.as_deref().unwrap_or(rest);
    if let Some(found) = COURTESY.find(rest)
        && REQUEST_VERB.is_match(rest)
    {
        rest = rest.get(..found.start()).unwrap_or_default();
        polite = true;
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

/// `body` without the lines that quote an earlier message ("> is this done?"),
/// unless nothing else is left.
fn without_quotes(body: &str) -> String {
    if !body.contains('>') {
        return body.to_owned();
    }
    let said: Vec<&str> = body
        .lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .collect();
    if said.iter().all(|line| line.trim().is_empty()) {
        body.to_owned()
    } else {
        said.join("\n")
    }
}

/// The request inside "can you ...?": "could you close T-4? it's merged" asks to
/// close T-4, and so does "long story, but T-4 is finished. can you close it?",
/// where "it" is the task named before. A thread reply only counts when it opens
/// with the request: people ask each other things there.
fn polite_request(text: &str, explicit: bool) -> Option<String> {
    for found in CAN_YOU.find_iter(text) {
        if found.start() > 0 && !explicit {
            return None;
        }
        let request = text.get(found.end()..).unwrap_or_default();
        let request = base_form(request);
        let request = request.as_str();
        if !REQUEST_VERB.is_match(request) {
            continue;
        }
        if REFERS_BACK.is_match(request) {
            let said = text.get(..found.start()).unwrap_or_default().trim();
            return (!said.is_empty()).then(|| said.to_owned());
        }
        let sentence = request.get(..sentence_end(request)).unwrap_or_default();
        let sentence = sentence.trim();
        let mentioned = Text::new(sentence).keys();
        let elsewhere: Vec<String> = Text::new(text)
            .keys()
            .into_iter()
            .filter(|key| !mentioned.contains(key))
            .map(|key| key.to_string())
            .collect();
        if !mentioned.is_empty() || elsewhere.is_empty() {
            return Some(sentence.to_owned());
        }
        let keys = elsewhere.join(" and ");
        return Some(PRONOUN.replace(sentence, keys.as_str()).into_owned());
    }
    None
}

/// `request` with a leading "-ing" form made the verb it comes from ("closing T-4"
/// → "close T-4", "cancelling" → "cancel"), when that is a request verb.
fn base_form(request: &str) -> String {
    let Some(found) = GERUND.captures(request) else {
        return request.to_owned();
    };
    let stem = found.get(1).map_or("", |m| m.as_str());
    let rest = request
        .get(found.get(0).map_or(0, |m| m.end())..)
        .unwrap_or_default();
    let undoubled = stem
        .strip_suffix(|c: char| stem.len() > 3 && stem.ends_with(&c.to_string().repeat(2)))
        .unwrap_or(stem);
    [format!("{stem}e"), stem.to_owned(), undoubled.to_owned()]
        .into_iter()
        .map(|verb| format!("{verb}{rest}"))
        .find(|candidate| REQUEST_VERB.is_match(candidate))
        .unwrap_or_else(|| request.to_owned())
}

/// Where the first sentence of `text` ends: at `?`, `!` or `.` followed by a space
/// (not the `?` of a URL or the `.` of "v2.3"), or a new line.
fn sentence_end(text: &str) -> usize {
    text.char_indices()
        .find(|&(at, c)| {
            let next = text
                .get(at + c.len_utf8()..)
                .unwrap_or_default()
                .chars()
                .next();
            c == '\n' || (matches!(c, '?' | '!' | '.') && next.is_none_or(char::is_whitespace))
        })
        .map_or(text.len(), |(at, _)| at)
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
