//! A second reading for messages the rules did not understand as written: the
//! same request with the ways people describe and connect tasks folded into the
//! forms the rules read.
//!
//! Writers describe a task around its key ("the press kit (T-32)", "T-2 (the
//! launch email)", "the landing page in T-3") and non-native writers drop or swap
//! small words ("T-14 is waiting T-13", "depending upon", "not more blocked",
//! "please to create"). Folding these is meaning-preserving, so the rules need no
//! phrasing of their own for each. It is only a second reading: titles, notes and
//! reasons keep the words as written whenever the first reading understood them.

use std::borrow::Cow;

use super::pattern::Pattern;

patterns! {
    /// "the press kit (T-1732)": a description, then the key in brackets.
    BRACKETED_KEY = r"\s*\(\s*(<KEY>)\s*\)";
    /// "T-1702 (the launch email)": the key, then its description in brackets.
    DESCRIBED_AFTER = r"(<KEY>)\s*\([^()<>]{1,60}\)";
    /// "the landing page in T-1703", "the legal review from T-5".
    DESCRIBED_IN = r"\b(?:the|our|a|an)\s+(?:[\w\-']+\s+){0,4}?(?:in|from|under|tracked\s+in)\s+(<KEY>)";
    /// "(T-552) needs (T-550)": a key in brackets with no description.
    LONE_BRACKETED_KEY = r"[\(\[`]\s*(<KEY>)\s*[\)\]`]";
    /// "waiting T-5": the preposition dropped before a key.
    BARE_WAIT = r"\b(wait|waits|waiting|waited)\s+(<KEY>)";
    /// "depending upon", "depends from".
    UPON = r"\b(depend(?:s|ing|ent)?|rel(?:y|ies|ying)|hinges?|rests?)\s+upon\b";

    /// "does not need wait for": the "to" dropped.
    NEED_WAIT = r"\b(needs?|need)\s+wait\b";
    /// "not more blocked", "no more blocker": "no longer".
    NO_MORE = r"\b(?:not|no)\s+more\s+(blocked|a\s+blocker|blocker|blocking|needed|necessary|a\s+prereq\w*|a\s+dependency|depend\w*|waiting|wait|stuck)\b";
    /// "must not wait anymore on T-211", "we don't need anymore T-330": the
    /// "anymore" moved to where the rules read it.
    ANYMORE_INSIDE = r"\b(wait(?:ing|s)?|depend(?:s|ing)?|need(?:s)?)\s+any\s*more\s+";
    /// "stops to depend on": no longer.
    STOPS_TO = r"\b(?:can\s+)?stops?\s+(?:to\s+)?(depend|wait|need)(?:ing|s)?\b";
    /// "dependent from", "waiting to", "in waiting of": the preposition swapped.
    SWAPPED_PREPOSITION = r"\b(dependent|waiting|waits)\s+(?:from|to|of)\s+(<KEY>)|\bin\s+waiting\s+(?:of|for|on)\s+(<KEY>)";
    /// "bloqued", "bloqué": blocked, as French and Spanish spell it.
    BLOQUED = r"\bbloqu(?:ed|é|e|eado)\b";
    /// "remove please the dependency": "please" inside the request.
    INNER_PLEASE = r"\b(remove|delete|drop|add|create|cancel|close|assign|give|reopen|open|erase)\s+(?:please|pls|kindly|bitte|por\s+favor)\s+";
    /// "not depends anymore on": "no longer depends on".
    NOT_ANYMORE = r"\bnot\s+(depends?|needs?|requires?|blocked\s+by|waiting\s+(?:on|for))\s+any\s*more\b";
    /// "handover", "hand-over": the verb.
    HANDOVER = r"\bhand-?over\b";
    /// "please to create": the "to" dropped.
    PLEASE_TO = r"\b(please|kindly|pls)\s+to\s+";
    /// Chat shorthand: "b4", "w/o".
    BEFORE_SHORT = r"\bb4\b";
    WITHOUT_SHORT = r"\bw/o\b|\bw/out\b";
    /// "the T-5412 give to @x": an article before a key.
    ARTICLE_KEY = r"\b(?:the|a)\s+(<KEY>)";
    /// "hinges on the new shader work, T-424", "relies on the batch, which is
    /// T-117": a description, then its key after a comma, ending a clause.
    KEY_AFTER_COMMA = r"\s*,\s*(?:(?:which\s+is|i\.e\.|aka|that's|namely)\s+)?(<KEY>)\s*(?:$|[.!?;)])";
    /// "sits behind design review T-713": a few words naming the task before
    /// its key.
    NAMED_BEFORE = r"\b(behind|on|upon|after|by|for|needs|requires)\s+(?:the\s+|our\s+)?(?:[a-z][a-z'\-]*\s+){1,3}(<KEY>)";
    /// "startin", "waitin": the "g" dropped.
    G_DROPPED = r"\b(start|pick|wait|work|look|block|depend|hold|test|finish|ship|land|mov|tak|mak)in\b";
    /// Chat spellings: "urs", "ur", "gimme", "ill take", "wat", "til", "fwd".
    YOURS = r"\b(?:urs|yrs)\b";
    YOUR = r"\bur\b";
    GIMME = r"\bgimme\b";
    ILL = r"\bill\s+(take|grab|own|handle|pick|do|start)\b";
    WHAT = r"\b(?:wat|wut|wht)\b";
    UNTIL = r"\btil\b";
    FORWARD = r"\bfwd\b";
    PROGRESS = r"\bprog(?:ess|res|ress)\b";
    /// "crate a task": the verb, misspelt as another word.
    CRATE = r"^crate\s+(a|an|one|new)\s+";
    /// "rn", "atm", "as of now": right now, which adds nothing to a request.
    RIGHT_NOW = r"[\s,]*\b(?:rn|atm|right\s+now|at\s+the\s+moment|as\s+of\s+now|as\s+of\s+today)\b";
    /// "this is pending on T-398", "pending from T-7": waiting on it.
    PENDING_ON = r"\b(?:is|are)\s+(?:still\s+)?pending\s+(?:on|from|with)\s+(<KEYS>)";
    /// "give for @dmitri": to.
    GIVE_FOR = r"\b(give|assign|hand)\s+((?:it|this|that|<KEYS>)\s+)?for\s+(<HANDLE>)";
    /// "what all is blocked", "which all tasks": the question word alone.
    WHAT_ALL = r"\b(what|which)\s+all\b";
    /// "which tasks r blocked": "are".
    ARE_SPELT_R = r"\b(which|what|who)\s+(\w+\s+)?r\b";
    /// "cooking on it", "grinding on T-19", "locked in on this": working on it.
    SLANG_WORK = r"\b(?:cook|grind|lock(?:ed|ing)?\s+in)(ing)?\s+on\b";
    /// "T-25 -> depends on -> T-26": arrows around the verb.
    ARROWED_VERB = r"\s*(?:->|→|=>)\s*(depends\s+on|blocks|after|needs)\s*(?:->|→|=>)\s*";
}

/// The folds in the order they apply, each with its replacement.
const FOLDS: &[(&Pattern, &str)] = &[
    (&DESCRIBED_AFTER, "$1"),
    (&LONE_BRACKETED_KEY, "$1"),
    (&DESCRIBED_IN, "$1"),
    (&ARTICLE_KEY, "$1"),
    (&BARE_WAIT, "$1 on $2"),
    (&SWAPPED_PREPOSITION, "waiting on $2$3"),
    (&BLOQUED, "blocked"),
    (&INNER_PLEASE, "$1 "),
    (&UPON, "$1 on"),
    (&NEED_WAIT, "$1 to wait"),
    (&NO_MORE, "no longer $1"),
    (&NOT_ANYMORE, "no longer $1"),
    (&ANYMORE_INSIDE, "$1 "),
    (&STOPS_TO, "no longer ${1}s"),
    (&HANDOVER, "hand over"),
    (&PLEASE_TO, "$1 "),
    (&BEFORE_SHORT, "before"),
    (&WITHOUT_SHORT, "without"),
    (&ARROWED_VERB, " $1 "),
    (&NAMED_BEFORE, "$1 $2"),
    (&G_DROPPED, "${1}ing"),
    (&YOURS, "yours"),
    (&YOUR, "your"),
    (&GIMME, "give me"),
    (&ILL, "i'll $1"),
    (&WHAT, "what"),
    (&UNTIL, "until"),
    (&FORWARD, "forward"),
    (&PROGRESS, "progress"),
    (&RIGHT_NOW, ""),
    (&WHAT_ALL, "$1"),
    (&GIVE_FOR, "$1 ${2}to $3"),
    (&PENDING_ON, "is waiting on $1"),
    (&ARE_SPELT_R, "$1 ${2}are"),
    (&SLANG_WORK, "work$1 on"),
    (&CRATE, "create $1 "),
];

/// The body with its descriptions and dropped words folded, or `None` when
/// nothing in it folds.
pub(super) fn fold(body: &str) -> Option<String> {
    let mut folded = described_before(body);
    if let Some(changed) = described_before_comma(&folded) {
        folded = Cow::Owned(changed);
    }
    for (pattern, with) in FOLDS {
        if let Cow::Owned(changed) = pattern.replace_all(&folded, with) {
            folded = Cow::Owned(changed);
        }
    }
    if let Some(corrected) = super::suggest::with_inner_typos_corrected(&folded) {
        folded = Cow::Owned(corrected);
    }
    match folded {
        Cow::Owned(changed) => Some(changed),
        Cow::Borrowed(_) => None,
    }
}

/// Words after which a description of a task may stand: "waits for the
/// finance summary, T-868".
const PREPOSITIONS: &[&str] = &[
    "on", "upon", "behind", "after", "for", "by", "of", "to", "from",
];

/// "has to wait for the finance summary, T-868" → "has to wait for T-868": a key
/// after a comma takes the place of the description that follows the nearest
/// preposition before it.
fn described_before_comma(text: &str) -> Option<String> {
    let found = KEY_AFTER_COMMA.captures(text)?;
    let (whole, key) = (found.get(0)?, found.get(1)?);
    let before = text.get(..whole.start())?;
    let words: Vec<(usize, &str)> = before
        .split_whitespace()
        .map(|word| (word.as_ptr() as usize - before.as_ptr() as usize, word))
        .collect();
    let (at, preposition) = words
        .iter()
        .rev()
        .take(MAX_DESCRIPTION_WORDS)
        .skip(1)
        .find(|(_, word)| PREPOSITIONS.contains(&word.to_lowercase().as_str()))?;
    Some(format!(
        "{} {}{}",
        before.get(..at + preposition.len())?,
        key.as_str(),
        text.get(key.end()..)?
    ))
}

/// Words that open a description of a task: "the", "our", "a" ...
const ARTICLES: &[&str] = &[
    "the", "our", "this", "that", "a", "an", "its", "their", "my", "your",
];

/// Most words a description before a bracketed key may have.
const MAX_DESCRIPTION_WORDS: usize = 6;

/// "the press kit (T-32)" → "T-32": each bracketed key takes the place of the
/// description that opens at the nearest article before it ("a prerequisite
/// for the rollout (T-19)" keeps "a prerequisite for").
fn described_before(body: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(body.len());
    let mut at = 0;
    for found in BRACKETED_KEY.captures_iter(body) {
        let (Some(whole), Some(key)) = (found.get(0), found.get(1)) else {
            continue;
        };
        let before = body.get(at..whole.start()).unwrap_or_default();
        let words: Vec<(usize, &str)> = before
            .split_whitespace()
            .map(|word| (word.as_ptr() as usize - before.as_ptr() as usize, word))
            .collect();
        let opening = words
            .iter()
            .rev()
            .take(MAX_DESCRIPTION_WORDS)
            .skip(1)
            .find(|(_, word)| ARTICLES.contains(&word.to_lowercase().as_str()));
        let Some(&(start, _)) = opening else {
            continue;
        };
        out.push_str(before.get(..start).unwrap_or_default());
        out.push_str(key.as_str());
        at = whole.end();
    }
    if at == 0 {
        return Cow::Borrowed(body);
    }
    out.push_str(body.get(at..).unwrap_or_default());
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_fold_into_their_keys() {
        assert_eq!(
            fold("we can't send the press kit (T-32) until the photos (T-33) are retouched")
                .as_deref(),
            Some("we can't send T-32 until T-33 are retouched")
        );
        assert_eq!(
            fold("T-18 is a prerequisite for the chatbot rollout (T-19)").as_deref(),
            Some("T-18 is a prerequisite for T-19")
        );
        assert_eq!(
            fold("T-2 (the launch email) needs the landing page in T-3 to be live").as_deref(),
            Some("T-2 needs T-3 to be live")
        );
    }

    #[test]
    fn dropped_and_swapped_words_are_restored() {
        assert_eq!(
            fold("T-14 is waiting T-13 to be finish").as_deref(),
            Some("T-14 is waiting on T-13 to be finish")
        );
        assert_eq!(
            fold("T-6 not depends anymore on T-5").as_deref(),
            Some("T-6 no longer depends on T-5")
        );
        assert_eq!(
            fold("T-8 not more blocked").as_deref(),
            Some("T-8 no longer blocked")
        );
    }

    #[test]
    fn chat_spellings_and_described_keys_are_folded() {
        assert_eq!(
            fold("T-423 hinges on the new shader compiler work, T-424").as_deref(),
            Some("T-423 hinges on T-424")
        );
        assert_eq!(
            fold("T-712 sits behind design review T-713").as_deref(),
            Some("T-712 sits behind T-713")
        );
        assert_eq!(
            fold("the board pack has to wait for the finance summary, T-868").as_deref(),
            Some("the board pack has to wait for T-868")
        );
        assert_eq!(
            fold("T-258 stops to depend on T-257").as_deref(),
            Some("T-258 no longer depends on T-257")
        );
        assert_eq!(fold("startin now").as_deref(), Some("starting now"));
        assert_eq!(
            fold("@yara its urs now").as_deref(),
            Some("@yara its yours now")
        );
        assert_eq!(
            fold("blokced by t-527 rn").as_deref(),
            Some("blocked by t-527")
        );
    }

    #[test]
    fn a_message_with_nothing_to_fold_has_no_second_reading() {
        assert_eq!(fold("done T-4, the PR (#12) merged"), None);
    }
}
