//! Dependencies named by their nouns and roles rather than a verb: "prerequisites
//! for T-718: T-701, T-703", "T-713 is a hard prerequisite here", "T-36 dropped
//! as a dependency", and "this" as the thread's task on either side ("T-28
//! can't start without this", "T-420 doesn't depend on this any more").
//!
//! Each phrase says which keys are the subject and which the blockers; the
//! thread's task stands in for "this" and for a subject left unsaid, through
//! [`relations::relation`], as for the verb phrasings in `relations`.

use super::Intent;
use super::context::Ctx;
use super::relations::relation;
use crate::domain::TaskKey;

patterns! {
    /// "prerequisites for T-718: T-701, T-703", "deps of T-990 T-980, T-984".
    LISTED = r"^(?:the\s+)?(?:prerequisites?|pre-?reqs?|dependencies|deps|blockers)\s+(?:for|of|on)\s+(<KEY>)\s*(?::|are|is|=|->|→)?\s*(<KEYS>)\s*[.!]?$";
    /// A label in a thread: "prerequisite: T-152", "deps: T-4, T-5".
    LABELLED = r"^(?:prerequisites?|pre-?reqs?|deps?|dependenc(?:y|ies))\s*:\s*(<KEYS>)\s*[.!]?$";
    /// A role: "T-713 is a hard prerequisite here", "T-5 is a dependency of T-9".
    ROLE = r"(<KEYS>)\s+(?:is|are|'s)\s+(?:also\s+)?(?:a\s+|an\s+|the\s+)?(?:hard\s+|soft\s+|real\s+|strict\s+|firm\s+)?(?:prerequisites?|pre-?reqs?|dependenc(?:y|ies))\b(?:\s+(?:for|of|to)\s+(<KEYS>))?";
    /// The blocker first, as what opens the way: "T-118 feeds into T-120",
    /// "T-118 unblocks T-120", "T-118 then T-120".
    OPENS_THE_WAY = r"(<KEYS>)\s+(?:feeds?\s+into|unblocks|unlocks|enables|gates|is\s+needed\s+(?:for|by)|is\s+required\s+(?:for|by))\s+(<KEYS>)|^(<KEYS>)\s*(?:,|->|→)?\s*(?:and\s+)?then\s+(<KEYS>)[\s.!]*$";
    /// The subject first: "nothing can happen on T-52 till T-50 ships".
    NOTHING_UNTIL = r"\bnothing\s+(?:can|will|could)\s+(?:happen|move|go|start)\s+(?:on|with|for)\s+(<KEYS>)\s+(?:until|till|til|before)\s+(<KEYS>)";
    /// "link T-120 to T-118 as a dependency".
    LINK_AS = r"\b(?:link|connect|tie|hook)\s+(<KEYS>)\s+(?:to|with|onto)\s+(<KEYS>)\s+as\s+(?:a\s+|its\s+)?(?:dependency|blocker|prerequisite)";
    /// The blocker before "before this": "T-611 has to be wrapped up before this
    /// one can move".
    BEFORE_THIS = r"(<KEYS>)\s+(?:has|have|needs?|must)\s+(?:to\s+)?(?:be\s+)?(?:\w+\s+){0,2}?before\s+(?:this|we|you|anyone|i)\b";
    /// "before this we must finish T-346 and T-347".
    THIS_AFTER = r"^before\s+(?:this|it)\b[^.?!]*?\b(?:finish|land|ship|merge|complete|close|do|get)\s+(<KEYS>)";
    /// The thread's task as the blocker: "T-581 has to wait until this is
    /// finished", "T-28 and T-30 cannot start without this".
    WAITS_ON_THIS = r"(<KEYS>)\s+(?:(?:has|have|needs?|will\s+have)\s+to\s+wait\s+(?:for|on|until|till)|(?:can't|cannot|can\s+not|won't|will\s+not)\s+(?:start|begin|move|proceed|go\s+ahead|ship|happen|land)\s+(?:without|until|before))\s+(?:this|it)\b";
    /// "T-36 dropped as a dependency".
    DROPPED_AS = r"(<KEYS>)\s+(?:is\s+|was\s+)?(?:dropped|removed|taken\s+out|cut|struck)\s+as\s+(?:a\s+)?(?:dependency|dep|blocker|prerequisite)";
    /// "remove these deps: T-980, T-984", after the task they hold up.
    REMOVE_LISTED = r"\b(?:remove|drop|delete|clear)\s+(?:these|the|those|its|all)\s+(?:deps|dependencies|blockers|prerequisites)\s*:?\s*(<KEYS>)";
    /// "T-845 no longer has any dependency on T-840", "T-618's dependency on
    /// T-615 can go".
    NO_LONGER_HAS = r"(<KEY>)(?:\s+(?:no\s+longer\s+has|doesn't\s+have|does\s+not\s+have|has\s+no)\s+(?:any\s+)?(?:dependency|dependencies|deps?)\s+on\s+(<KEYS>)|'s\s+(?:dependency|dep|link)\s+on\s+(<KEYS>)\s+(?:can\s+go|can\s+be\s+(?:dropped|removed|deleted|cut)|is\s+(?:gone|obsolete|no\s+longer\s+needed)|should\s+go))";
    /// "take T-281 off the blockers here".
    OFF_THE_BLOCKERS = r"\btake\s+(<KEYS>)\s+off\s+(?:the\s+|its\s+|this\s+task's\s+)?(?:blockers|blocker\s+list|dependencies|deps)\b";
    /// "T-420 doesn't depend on this any more": the thread's task, no longer a
    /// blocker.
    NOT_ON_THIS = r"(<KEYS>)\s+(?:doesn't|does\s+not|no\s+longer|don't|do\s+not)\s+(?:need\s+to\s+)?(?:depends?|wait|waits|rely|relies)\s+(?:on|for)\s+(?:this|it)\b";
}

/// A dependency said with a noun or about "this".
pub(super) fn depend(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let text = ctx.text;
    let thread: Vec<TaskKey> = ctx.thread.into_iter().collect();
    let (tasks, blockers) = if let Some(found) = LISTED.captures(masked) {
        (
            text.keys_in(found.get(1)?.range()),
            text.keys_in(found.get(2)?.range()),
        )
    } else if let Some(found) = LABELLED.captures(masked).filter(|_| ctx.thread.is_some()) {
        (Vec::new(), text.keys_in(found.get(1)?.range()))
    } else if let Some(found) = OPENS_THE_WAY.captures(masked) {
        let blockers = found.get(1).or_else(|| found.get(3))?;
        let tasks = found.get(2).or_else(|| found.get(4))?;
        (text.keys_in(tasks.range()), text.keys_in(blockers.range()))
    } else if let Some(found) = NOTHING_UNTIL
        .captures(masked)
        .or_else(|| LINK_AS.captures(masked))
    {
        (
            text.keys_in(found.get(1)?.range()),
            text.keys_in(found.get(2)?.range()),
        )
    } else if let Some(found) = ROLE.captures(masked) {
        let tasks = found
            .get(2)
            .map(|task| text.keys_in(task.range()))
            .unwrap_or_default();
        (tasks, text.keys_in(found.get(1)?.range()))
    } else if let Some(found) = BEFORE_THIS
        .captures(masked)
        .or_else(|| THIS_AFTER.captures(masked))
    {
        (Vec::new(), text.keys_in(found.get(1)?.range()))
    } else if let Some(found) = WAITS_ON_THIS.captures(masked) {
        (text.keys_in(found.get(1)?.range()), thread)
    } else {
        return None;
    };
    stated(ctx, tasks, blockers, "depend", |tasks, blockers| {
        Intent::Depend { tasks, blockers }
    })
}

/// A dependency removed by its noun or about "this".
pub(super) fn undepend(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let text = ctx.text;
    let thread: Vec<TaskKey> = ctx.thread.into_iter().collect();
    let (tasks, blockers) = if let Some(found) = DROPPED_AS
        .captures(masked)
        .or_else(|| OFF_THE_BLOCKERS.captures(masked))
    {
        let keys = found.get(1)?;
        let others = text.keys_in(keys.end()..masked.len());
        (others, text.keys_in(keys.range()))
    } else if let Some(found) = REMOVE_LISTED.captures(masked) {
        let (phrase, keys) = (found.get(0)?, found.get(1)?);
        (text.keys_in(0..phrase.start()), text.keys_in(keys.range()))
    } else if let Some(found) = NO_LONGER_HAS.captures(masked) {
        let blockers = found.get(2).or_else(|| found.get(3))?;
        (
            text.keys_in(found.get(1)?.range()),
            text.keys_in(blockers.range()),
        )
    } else if let Some(found) = NOT_ON_THIS.captures(masked) {
        (text.keys_in(found.get(1)?.range()), thread)
    } else {
        return None;
    };
    stated(ctx, tasks, blockers, "undepend", |tasks, blockers| {
        Intent::Undepend { tasks, blockers }
    })
}

/// The relation a phrase states, unless it is asked about ("is T-713 a
/// prerequisite here?") or names one side only, outside a thread.
fn stated(
    ctx: &Ctx<'_>,
    tasks: Vec<TaskKey>,
    blockers: Vec<TaskKey>,
    verb: &str,
    make: fn(Vec<TaskKey>, Vec<TaskKey>) -> Intent,
) -> Option<Intent> {
    let one_sided = tasks.is_empty() && ctx.thread.is_none();
    (!ctx.asks() && !one_sided).then(|| relation(ctx, tasks, blockers, verb, make))
}

#[cfg(test)]
mod tests {
    use super::super::{Message, parse};
    use super::*;

    fn parsed(text: &str, thread: Option<u64>) -> Intent {
        parse(&Message {
            text,
            author: "@erin",
            thread_task: thread.map(TaskKey::new),
            dm: false,
        })
        .intent
    }

    fn keys(numbers: &[u64]) -> Vec<TaskKey> {
        numbers.iter().copied().map(TaskKey::new).collect()
    }

    #[test]
    fn a_prerequisite_named_as_such_is_a_dependency() {
        let depend = |tasks: &[u64], blockers: &[u64]| Intent::Depend {
            tasks: keys(tasks),
            blockers: keys(blockers),
        };
        assert_eq!(
            parsed("!baton Prerequisites for T-718: T-701, T-703", None),
            depend(&[718], &[701, 703])
        );
        assert_eq!(
            parsed("prerequisite: T-152", Some(160)),
            depend(&[160], &[152])
        );
        assert_eq!(
            parsed("T-713 is a hard prerequisite here", Some(715)),
            depend(&[715], &[713])
        );
        assert_eq!(
            parsed("T-28 and T-30 cannot start without this", Some(27)),
            depend(&[28, 30], &[27])
        );
        assert_eq!(
            parsed("Before this we must finish T-346 and T-347", Some(348)),
            depend(&[348], &[346, 347])
        );
        // A question about it is not one.
        assert!(!matches!(
            parsed("is T-713 a prerequisite here?", Some(715)),
            Intent::Depend { .. }
        ));
    }

    #[test]
    fn a_prerequisite_dropped_as_such_is_no_longer_a_dependency() {
        let undepend = |tasks: &[u64], blockers: &[u64]| Intent::Undepend {
            tasks: keys(tasks),
            blockers: keys(blockers),
        };
        assert_eq!(
            parsed(
                "T-36 dropped as a dependency, turns out we never call it",
                Some(40)
            ),
            undepend(&[40], &[36])
        );
        assert_eq!(
            parsed("@baton T-618's dependency on T-615 can go", None),
            undepend(&[618], &[615])
        );
        assert_eq!(
            parsed(
                "T-420 doesn't depend on this any more, we split it",
                Some(419)
            ),
            undepend(&[420], &[419])
        );
        assert_eq!(
            parsed(
                "take T-281 off the blockers here, the vendor covers it",
                Some(284)
            ),
            undepend(&[284], &[281])
        );
    }
}
