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
use super::{
    Intent, Message, correction, create, fold, link, prerequisite, queries, relations, request,
    suggest, verbs,
};

patterns! {
    /// A fix that starts with a preposition ("on T-5", "to @bo") continues the
    /// sentence it corrects.
    PREPOSITION = r"^(?:on|to|for|from|with|at|in|by|after|before)\b";
    /// "T-48 depends on T-49, sorry, other way round": the relation said, reversed.
    OTHER_WAY = r"[\s,;:.—–\-]+(?:(?:sorry|oops|whoops|no|wait|actually|my\s+bad)\s*,?\s*)*(?:it's\s+|the\s+)?other\s+way\s+a?round[\s!.]*$";
    /// A short question about a task followed by more words: "T-11 finished? can you
    /// check".
    SHORT_KEY_QUESTION = r"^(?:is\s+|was\s+|has\s+)?<KEYS>\s+(?:\S+\s+){0,2}?\S+\s*\?";
    /// Openings of a question: "is T-9 ...", "will it ...", "who ...", "what's ...".
    QUESTION_START = r"^(?:(?:is|are|was|were|has|have|had|did|does|can|could|should|would|will|shall|may|might|isn't|aren't|wasn't|hasn't|haven't|didn't|doesn't|won't|can't)\s+(?:<KEY>|it|this|that|these|those|the|we|you|u|i|he|she|they|anyone|anybody|someone|somebody|everyone|everybody|everything|anything|something|all|any|there|my|our|your|his|her|their|@\w+)\b|(?:what|who|whom|whose|where|why|how|which|when)(?:'s|'re|s\b|\b)|any\s+chance\b|any\s+(?:update|updates|news|eta|progress|word)\b)";
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
    // "deps for T-990: T-980, T-984" names the dependencies, it does not ask
    // for the graph.
    prerequisite::undepend,
    prerequisite::depend,
    queries::mine,
    // "post the blockers report" is the digest; "post the blockers", the list.
    queries::digest,
    // "a diagram of what's waiting on what" is the graph.
    queries::graph,
    queries::blocked_list,
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
    // Last: "btw T-40 is deployed now" is the news it carries; only a heads-up
    // that changes nothing is a note.
    verbs::fyi,
];

/// Understands an addressed message, as its author corrected it when it holds a
/// correction ("done T-120, oops wrong one, T-121").
pub(super) fn interpret(addressed: &Addressed, msg: &Message<'_>) -> Intent {
    if let Some(found) = OTHER_WAY.find(&addressed.body) {
        let said = addressed.body.get(..found.start()).unwrap_or_default();
        match understand(said, addressed.mode, msg) {
            Intent::Depend { tasks, blockers } => {
                return Intent::Depend {
                    tasks: blockers,
                    blockers: tasks,
                };
            }
            Intent::Undepend { tasks, blockers } => {
                return Intent::Undepend {
                    tasks: blockers,
                    blockers: tasks,
                };
            }
            _ => {}
        }
    }
    if let Some(corrected) = correction::correction(&addressed.body) {
        // "…, no wait, on T-5" is not a request of its own: the fix goes in place.
        let restated = Some(corrected.restated).filter(|said| !PREPOSITION.is_match(said));
        // The restated words alone may be a bare key ("T-121" reads as `show`);
        // the original with its slip replaced is what was asked, `show` or not.
        let readings = [(restated, false), (corrected.substituted, true)];
        for (body, whole) in readings.into_iter().filter_map(|(b, w)| Some((b?, w))) {
            let intent = understand(&body, addressed.mode, msg);
            if asks_for_something(&intent) || (whole && matches!(intent, Intent::Show { .. })) {
                return intent;
            }
            // "asign T-594 to @aiko — nvm, to @deji": the slip and a typo.
            if addressed.mode != Mode::Thread
                && let Some(fixed) = suggest::with_typos_corrected(&body)
                    .map(|typed| understand(&typed, addressed.mode, msg))
                    .filter(|fixed| {
                        asks_for_something(fixed) && !matches!(fixed, Intent::Done { .. })
                    })
            {
                return fixed;
            }
        }
    }
    let intent = understand(&addressed.body, addressed.mode, msg);
    // The folded reading is only ever taken over a reading that asks nothing,
    // or one it can take back: other messages are spared the second reading.
    let may_take_back = matches!(
        intent,
        Intent::Depend { .. } | Intent::Unblock { .. } | Intent::Block { .. }
    );
    let unclear = !asks_for_something(&intent) || may_take_back;
    if unclear && let Some(folded) = fold::fold(&addressed.body) {
        // Only a request counts, and never a `done` the words as written did
        // not say.
        let again = understand(&folded, addressed.mode, msg);
        let taken_back = matches!(
            (&intent, &again),
            (
                Intent::Depend { .. } | Intent::Unblock { .. } | Intent::Block { .. },
                Intent::Undepend { .. }
            )
        );
        let weak = !asks_for_something(&intent) || blocked_on_a_task(&intent);
        if ((weak && asks_for_something(&again)) || taken_back)
            && !matches!(again, Intent::Done { .. })
        {
            return again;
        }
    }
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

/// An external blocker whose reason names a task ("waiting on the photo desk's
/// picks in T-441"): a dependency said around a description.
fn blocked_on_a_task(intent: &Intent) -> bool {
    matches!(intent, Intent::Block { reason, .. } if !Text::new(reason).keys().is_empty())
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
    let body_as_addressed = request::without_quotes(body);
    let (body, polite) = request::prepare(body, explicit);
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
        said: &body_as_addressed,
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
    if let Some(word) = suggest::mistyped_done_or_cancel(ctx.text.original()) {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        return Intent::Unknown {
            word: suggest::echo(word),
            rest: keys.join(" and "),
            suggestions: suggest::suggestions(word),
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
    unknown(ctx.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_recognised_by_their_end_or_their_opening() {
        assert!(is_question("is it done? 🤔"));
        assert!(is_question("is T-9 done"));
        assert!(is_question("who owns T-15"));
        assert!(!is_question("will be done tomorrow"));
        assert!(!is_question("done, see ____"));
    }
}
