//! `add <title> [for @person] [after T-1 and T-2]`: capturing a new task.
//!
//! The title is what remains of the request once the verb, the owner phrase and the
//! dependency phrases are cut out, so "add Migrate billing DB for @alice after T-3"
//! becomes the task "Migrate billing DB", owned by @alice, waiting on T-3.

use super::Intent;
use super::context::{Ctx, help_on};
use super::text::tidy;

patterns! {
    /// The verb, with its optional object noun: "add", "new task:", "create a task to".
    VERB = r"^(?:(?:a\s+)?(?:add|create|new|todo)\b(?:\s+(?:please|pls)\b)?(?:(?:\s+(?:a|an|one|the)\b)?(?:\s+new\b)?(?:\s+(?:follow[\s\-]?up|quick|small|sub-?))?\s*(?:task|todo|to-do|ticket|item|card)\b(?:\s*,?\s*(?:please|pls|bitte|por\s+favor|svp|s'il\s+vous\s+pla[iî]t))?|\s+new\b)?|(?:make|open|file|log|track|capture|get|have|raise|(?:we|i)\s+(?:need|want|would\s+like)|(?:we|i)'d\s+like)\s+(?:a\s+|an\s+|one\s+)?(?:new\s+)?(?:(?:follow[\s\-]?up|quick|small|sub-?)\s*)?(?:task|todo|to-do|ticket|item|card)\b|(?:track|capture|log)(?:\s+this)?\s*:|(?:task|ticket|todo)(?:\s+(?:pls|please))?\s*:|set\s+up\s+(?:a\s+|an\s+)?(?:new\s+)?(?:task|todo|ticket)\b)(?:\s+(?:please|pls))?(?:\s*[:\-–—]|\s+to\b)?\s*";
    /// The noun that makes a creation explicit, required in a thread reply.
    TASK_NOUN = r"(?:\b|sub-?)(?:task|todo|to-do|ticket|item|card)\b";
    /// "new task:" with its mark, the way a thread reply asks for one.
    THREAD_NEW = r"^new\s+(?:task|todo|to-do|ticket|item|card)\s*(?:(?:please|pls)\s*)?(?:for\s+<WHO>\s*)?[:\-–—]";
    /// A dependency said before the request: "once T-38 is approved, add a task
    /// ...".
    LEAD = r"^(?:(?:once|after|when|as\s+soon\s+as)\s+(<KEYS>)\s+(?:[\w'\-]+\s+){0,4}?[\w'\-]+\s*,\s*|\(\s*(?:blocked\s+by|after|depends\s+on|needs|waiting\s+on)\s+(<KEYS>)\s*\)\s*[:,]?\s*|for\s+(<WHO>)\s*[:,\-–—]\s*)";
    /// A title in quotes: `called "Draft the statement"`, `'Fix the alert'`.
    QUOTED = r#"^(?:(?:called|named|titled)\s+)?["“'‘]([^"“”‘’]{2,200}?)["”'’](?:\s|$|[,.;:!?])"#;
    /// Where the title ends: a clause that goes on about the task ("it has to
    /// wait for T-22", "owner: @evan", "@ellie's on it", "no rush, but ...",
    /// "thx!").
    TRAILER = r"^(?:(?:and|but|also|plus|oh|so)\s+)*(?:no\s+rush\b|responsible\b|(?:must|should|has\s+to|needs?\s+to)\s+wait\b|no\s+owner\b|nobody(?:'s|\s+is)\s+on\s+it\b|unassigned\b|make\s+(?:it|this)\b|can't\s+(?:happen|start|begin)\b|cannot\s+(?:happen|start|begin)\b|(?:i'll|i\s+will|i\s+can)\s+(?:own|take|do|handle|grab)\b|(?:it's|it\s+is)\s+mine\b|put\s+me\s+down\b|(?:it|this|which|that)(?:'s|\s+is|\s+has|\s+must|\s+should|\s+can|\s+needs|\s+depends|\s+waits|\s+goes|\s+only|\s+cannot|\s+can't|\s+won't)\b|owner\b|owned\s+by\b|assign(?:ed)?\b|to\s+be\s+\w+(?:\s+up)?\s+by\b|(?:give|hand)\s+(?:it|this)\b|<HANDLE>(?:'s|\s+(?:please|pls|can|will|to|owns|is|should))\b|that's\s+(?:one\s+)?for\b|depends?\b|depending\b|blocked\b|gated\b|hinges?\b|(?:after|once|needs|requires)\s+<KEY>|waiting\b|thx\b|thanks\b|thank\s+you\b|ty\b|cheers\b)";
    /// Words that make a trailing clause's keys the task's blockers.
    DEPENDENCY_CUE = r"\b(?:until|till|after|once|wait|waits|waiting|depends?|depending|dependent|blocked|needs?|requires?|first|before|behind|prereq\w*|gated|hinges?|hinging)\b";
    /// In a thread, the thread's task as the new task's blocker: "after this",
    /// "once it's merged".
    AFTER_THIS = r"(?:[,;.]\s*)?\b(?:after|once|following|behind|when)\s+(?:this|it)(?:\s+one|\s+task)?(?:(?:'s|\s+is)?\s+(?:done|merged|finished|shipped|landed|live|in|out)|\s+(?:lands|ships|merges|finishes))?(?:\s*$|\s*[,.;!])";
    /// The owner named with "as": "with @ritu as owner".
    OWNER_AS = r"\s*\bwith\s+(<WHO>)\s+as\s+(?:the\s+)?(?:owner|lead|assignee)\b";
    /// Courtesy after a title: "... thx", "... please".
    TITLE_COURTESY = r"[\s,]+(?:thx|thanks|thank\s+you|ty|pls|plz|please|cheers|merci|ta)[\s!.]*$";
    /// An announcement before a title: "a follow-up:", "reminder:".
    TITLE_LABEL = r"^(?:a\s+|an\s+)?(?:(?:another|separate|extra|new)\s+)?(?:follow[\s\-]?up|reminder|todo|task|ticket|one|piece|item|thing)(?:\s+while\s+we're\s+at\s+it)?\s*:\s*";
    /// "... to the list": where the task goes, not what it is.
    TO_THE_LIST = r"\s+(?:to|on(?:to)?)\s+(?:the|our|my)\s+(?:list|board|backlog|todo\s+list|to-do\s+list)\b";
    /// The owner said in a trailing clause: "that's one for @poppy", "@ellie's
    /// on it", "@bartek please own this".
    TRAILER_OWNER = r"(?:\b(?:owner|responsible)(?:\s+(?:is|will\s+be|should\s+be))?\s*:?\s*|\bto\s+be\s+(?:handled|owned|done|led|picked\s+up)\s+by\s+|\bowned\s+by\s+|\bassign(?:ed)?\s+(?:it\s+|this\s+)?to\s+|\b(?:give|hand)\s+(?:it|this)\s+(?:over\s+)?to\s+|\bthat's\s+(?:one\s+)?for\s+|\bfor\s+)(<WHO>)|(<HANDLE>)(?:'s|\s+is)\s+on\s+(?:it|this)\b|(<HANDLE>)\s+(?:is|will\s+be)\s+(?:the\s+)?owner\b|(<HANDLE>)\s+to\s+(?:own|handle|take|lead)\s+(?:it|this)\b|(<HANDLE>)\s+(?:please\s+|pls\s+|can\s+you\s+)?(?:own|take|handle)\s+(?:it|this)\b";
    /// What "add" adds when it is not a task: "add a note", "add dependency ...".
    /// "blocker" and "link" only when they are about a task ("add a blocker to
    /// T-4: ..."): "add Blocker for @alice" is a task called Blocker.
    NOT_A_TASK = r"^(?:<KEY>|list[\s?!.]*$|(?:a\s+|an\s+|the\s+)?(?:(?:note|comment|dependency|dep|deps)(?:\s|:|,|$)|(?:blocker|link)\b\s*(?:(?:to|on|for|from)\s+)?(?:<KEY>|:|it\b|this\b)))";
    /// The owner: "for @alice", "for me", ", owner @erin", "assigned to @bob".
    OWNER = r"(?:[,.]\s*)?(?:\band\s+)?(?:\b(?:it|this)(?:'s|\s+is|\s+goes)\s+)?\b(?:for|owner(?:\s+is)?|owned\s+by|assigned\s+to|assign\s+to|assignee(?:\s+is)?|assign\s+(?:it\s+|this\s+)?(?:to\s+)?|(?:give|hand)\s+(?:it\s+|this\s+)?(?:over\s+)?to|put)\s*:?\s*(<WHO>)(?:\s+on\s+(?:it|this))?";
    /// The owner named after the title: ", @rafael owns it", "and @bo will take it".
    OWNER_AFTER = r"(?:[,.;:—–]\s*|\s+-\s+|\s+and\s+)(<WHO>)\s+(?:owns|will\s+own|can\s+own|to\s+own|takes|will\s+take|can\s+take|will\s+handle|can\s+handle|will\s+do|is\s+(?:the\s+)?owner\s+of|is\s+on)(?:\s+(?:it|this))?\b";
    /// The author taking it: ", I'll own it", "and I'll take it".
    SELF_OWNER = r"(?:[,.;]\s*|\s+and\s+)(?:i'll|i\s+will|i\s+can|i'm\s+going\s+to)\s+(?:own|take|do|handle|grab)\s+(?:it|this)(?:\s+myself)?\b|(?:[,.;:—–]\s*|\s+and\s+)(?:(?:it's|it\s+is|this\s+is)\s+mine\b|put\s+me\s+down\s+for\s+(?:it|this)\b)";
    /// Dependencies: "after T-3", ", after T-7 and T-8", "once T-2 is merged".
    AFTER = r"(?:[,;.]\s*)?(?:(?:and\s+)?\b(?:it|this|which)(?:'s|\s+is|\s+can\s+only\s+start|\s+can\s+start|\s+should\s+start|\s+starts|\s+can\s+begin|\s+only)?\s+)?\b(?:only\s+)?(?:after|once|following|when|depends?\s+(?:on|from|of|to)|depending\s+(?:on|from|of|to)|blocked\s+by|waiting\s+(?:on|for)|waits\s+(?:on|for)|needs|requires|behind|gated\s+(?:on|by|behind)|hinges?\s+(?:on|upon)|hinging\s+(?:on|upon))\s+(?:tasks?\s+)?(?:(?:the|our)\s+(?:[\w\-']+\s+){0,4}?\(\s*(<KEYS>)\s*\)|(<KEYS>))(?:\s+(?:(?:(?:is|are|has|have|gets|get)\s+(?:been\s+)?)?(?:done|merged|finished|shipped|landed|complete|completed|deployed|live|in|out|back|final|ready|approved|signed\s+off|available)|lands|ships|merges|finishes|goes\s+(?:in|out|live)))?(?:\s+first)?";
}

/// `add ...`, `new task: ...`, `create a task to ...`.
///
/// A thread reply must say "task" ("new task: ..."): "add tests for the edge case"
/// in a thread is talk about the work, not a request to Baton.
pub(super) fn create(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let lead = LEAD.captures(masked);
    let from = lead.as_ref().and_then(|c| c.get(0)).map_or(0, |m| m.end());
    let verb = VERB.find(masked.get(from..)?)?;
    let verb_end = from + verb.end();
    let rest = verb_end..masked.len();
    let object = masked.get(rest.clone()).unwrap_or_default();
    // In a thread, "new task runner config is in" is talk: only "new task:" or
    // a verb asks.
    let thread_noun = TASK_NOUN.is_match(verb.as_str())
        && (!verb.as_str().to_lowercase().starts_with("new")
            || THREAD_NEW.is_match(masked.get(from..).unwrap_or_default()));
    if NOT_A_TASK.is_match(object) || (!ctx.explicit() && !thread_noun) {
        return None;
    }
    let mut cuts = Vec::new();
    let mut owner = None;
    let owners = OWNER
        .captures_iter(masked)
        .chain(OWNER_AFTER.captures_iter(masked))
        .chain(OWNER_AS.captures_iter(masked));
    for found in owners.filter(|c| starts_in(c, &rest)) {
        let person = found
            .get(1)
            .and_then(|who| ctx.person(ctx.text.slice(who.range())));
        if let (Some(person), Some(whole)) = (person, found.get(0)) {
            owner.get_or_insert(person);
            cuts.push(whole.range());
        }
    }
    let mut blockers = Vec::new();
    if let Some(lead) = &lead {
        for keys in [lead.get(1), lead.get(2)].into_iter().flatten() {
            blockers.extend(ctx.text.keys_in(keys.range()));
        }
        if let Some(who) = lead.get(3) {
            owner = owner.or_else(|| ctx.person(who.as_str()));
        }
    }
    let title_end = trailer_start(ctx, &rest).unwrap_or(rest.end);
    if title_end < rest.end {
        let trailer = title_end..rest.end;
        let said = masked.get(trailer.clone()).unwrap_or_default();
        if DEPENDENCY_CUE.is_match(said) {
            blockers.extend(ctx.text.keys_in(trailer.clone()));
        }
        if owner.is_none()
            && let Some(found) = TRAILER_OWNER.captures(said)
        {
            owner = found
                .iter()
                .skip(1)
                .flatten()
                .find_map(|who| ctx.person(who.as_str()));
        }
    }
    for found in AFTER.captures_iter(masked).filter(|c| starts_in(c, &rest)) {
        // "once the stats (T-214) are back": the key of a described task.
        let keys = found.get(1).or_else(|| found.get(2));
        if let (Some(keys), Some(whole)) = (keys, found.get(0)) {
            blockers.extend(ctx.text.keys_in(keys.range()));
            cuts.push(whole.range());
        }
    }
    if let Some(thread) = ctx.thread
        && let Some(found) = AFTER_THIS.find(masked.get(rest.clone()).unwrap_or_default())
    {
        blockers.push(thread);
        cuts.push(rest.start + found.start()..rest.start + found.end());
    }
    for found in TO_THE_LIST.find_iter(masked) {
        if rest.contains(&found.start()) {
            cuts.push(found.range());
        }
    }
    for found in SELF_OWNER.find_iter(masked) {
        if rest.contains(&found.start()) {
            owner.get_or_insert_with(|| ctx.author.to_owned());
            cuts.push(found.range());
        }
    }
    cuts.extend(super::text::url_spans(ctx.text.original()));
    let title = match QUOTED.captures(masked.get(rest.clone()).unwrap_or_default()) {
        Some(quoted) => quoted.get(1).map_or(String::new(), |m| {
            tidy(ctx.text.slice(rest.start + m.start()..rest.start + m.end()))
        }),
        None => clean_title(&ctx.text.cut(rest.start..title_end, &cuts)),
    };
    if title.is_empty() {
        return Some(help_on("create"));
    }
    Some(Intent::Create {
        title,
        owner,
        blockers: super::text::unique(blockers),
    })
}

/// The title once the phrases are cut: no brackets left empty ("(blocked by T-4)"
/// cut to "( )"), no "to" left from "a task for @rosa to write ...".
fn clean_title(cut: &str) -> String {
    // Markdown emphasis around it, and emoji after it ("..., for @x 🙏").
    let bare = cut.trim_start_matches(|c: char| matches!(c, '*' | '_' | '`') || c.is_whitespace());
    // ... and an arrow left from "-> depends on T-150".
    let bare = bare.trim_end_matches(|c: char| {
        matches!(c, '*' | '_' | '`' | '>' | '→' | '=')
            || c.is_whitespace()
            || (!c.is_ascii() && !c.is_alphanumeric())
    });
    let bare = bare.strip_suffix(" -").unwrap_or(bare);
    let mut title = tidy(bare);
    for empty in ["( )", "()", "[ ]", "[]"] {
        title = tidy(&title.replace(empty, " "));
    }
    for pattern in [&TITLE_COURTESY, &TITLE_LABEL] {
        if let Some(found) = pattern.find(&title) {
            let kept = if found.start() == 0 {
                title.get(found.end()..)
            } else {
                title.get(..found.start())
            };
            if let Some(kept) = kept.filter(|kept| !kept.trim().is_empty()) {
                title = tidy(kept);
            }
        }
    }
    match title
        .strip_prefix("to ")
        .or_else(|| title.strip_prefix("for "))
    {
        Some(rest) if !rest.trim().is_empty() => tidy(rest),
        _ => title,
    }
}

/// Where the title ends: at the first clause after its own that goes on about
/// the task (see `TRAILER`), if one does.
fn trailer_start(ctx: &Ctx<'_>, rest: &std::ops::Range<usize>) -> Option<usize> {
    let masked = ctx.masked();
    ctx.text
        .clauses()
        .into_iter()
        .filter(|clause| clause.start > rest.start)
        .find_map(|clause| {
            let said = masked.get(clause.clone())?;
            let trimmed = said.trim_start();
            let start = clause.start + (said.len() - trimmed.len());
            TRAILER.is_match(trimmed).then_some(start)
        })
}

/// Whether a match starts inside `span`.
fn starts_in(found: &regex_lite::Captures<'_>, span: &std::ops::Range<usize>) -> bool {
    found
        .get(0)
        .is_some_and(|whole| span.contains(&whole.start()))
}
