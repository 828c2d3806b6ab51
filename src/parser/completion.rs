//! Whether a message really says that work is finished.
//!
//! A false `done` hands work on too early (the people waiting on the task are told
//! to start), which is the worst mistake the parser can make. So a completion word
//! is only trusted when nothing in the message weakens it: negation ("not merged
//! yet"), hedging ("almost", "should be", "by EOD"), a question, partial progress
//! ("part 1 merged"), failure ("the deploy broke"), doubt ("I thought it was done
//! but ..."), or completion of something else ("done for the day"). The vetoes look
//! at the whole message: one doubtful clause is enough to make it a note.

use std::ops::Range;

use super::text::Text;
use crate::domain::TaskKey;

patterns! {
    /// Words, phrases and emoji that say work is finished. Emoji shortcodes are
    /// normally turned into emoji by the adapters (`chat::normalize`); the common
    /// ones are also read here, for text that skipped that step.
    CLAIM = r"\b(?:done|finished|knocked\s+out|published|complete|completed|finali[sz]ed|fulfilled|concluded|carried\s+out|shipped|merged|landed|deployed|released|closed|delivered|wrapped\s+(?:it\s+|this\s+|that\s+)?up|(?:is|are|went|now|it's|its|that's|we're|we\s+are|all)\s+(?:finally\s+|officially\s+|now\s+|fully\s+)?live|live\s+(?:now|in\s+prod\w*|on\s+prod\w*|everywhere|for\s+everyone)|(?:that's|it's|this\s+is)\s+a\s+wrap|put\s+to\s+bed|(?:is|are|it's|now)\s+in\s+prod(?:uction)?|out\s+(?:in|to|on)\s+prod(?:uction)?|successfully\s+(?:deployed|migrated|released|rolled\s+out|completed|merged|shipped)|(?:ran|went|completed|finished)\s+(?:successfully|smoothly|cleanly|fine)|rolled\s+out\s+(?:to\s+)?(?:prod(?:uction)?|everyone|everywhere|all\s+users))\b|\brolled\s+out\s+(?:to\s+)?100\s*%|^wrapped(?:\s+up)?[\s!.]*$|\bout\s+the\s+door\b|\bfinito\b|\bhanded\s+in\b|✅|✔|☑|🎉|🚢|🏁|🥳|:(?:white_check_mark|heavy_check_mark|ballot_box_with_check|tada|ship|checkered_flag|partying_face):";
    /// Phrases that say the work is out in the world: "fix is out in v2.3", "went
    /// out in today's release", "pushed to prod", "live for 100% of users",
    /// "rolled out to every depot", "that's in main now", "resolved", "good to
    /// close", and a closing "…, closing".
    CLAIM_PHRASE = r"\b(?:resolved|fixed|sorted)\b|\b(?:we\s+can|you\s+can|please|pls|kindly)\s+close\s+(?:this|it|that)(?:\s+(?:off|out|down))?\b|\b(?:we\s+can|you\s+can|please|pls|kindly)\s+(?:cross|tick|check)\s+(?:this|it|that)\s+off\b|\b(?:we\s+can|you\s+can|please|pls|kindly)\s+mark\s+(?:<KEYS>|it|this)\s+(?:as\s+)?(?:done|complete|completed|finished|closed)\b|\b(?:is|are|it's)\s+(?:now\s+)?finish\b|\b(?:is|are|went|it's|that's|now|all)\s+out\b|\b(?:pushed|rolled\s+out|rolled|shipped|released|deployed|out)\s+(?:to|on)\s+(?:prod\w*|live|everyone|everywhere|all|every\w*|100\s*%)|\blive\s+(?:since|for\s+(?:100\s*%|all|every\w*)|on\s+all|everywhere)|\b(?:is|are|it's|that's|now)\s+(?:in|on)\s+(?:main|master|prod\w*|all\s+\w+|every\s+\w+)\b|<KEYS>\s+(?:is\s+|are\s+)?live\b|\b(?:good|ok|okay|safe|fine)\s+to\s+close\b|[,;.!—–\-]\s*(?:(?:so|pls|please|just)\s+)?(?:close|tick\s+off)\s+<KEYS>\b|\brollout\s+(?:hit|reached|at|is\s+at)\s+100\s*%|^(?:closing|closed)(?:\s+(?:it|this|this\s+one|out|now))?(?:\s+out)?(?:\s+<KEYS>)?\s*(?:$|[!.,:;—–\-])|[,;.!—–\-]\s*(?:closing|closed)(?:\s+(?:it|this|this\s+one|the\s+loop(?:\s+here)?|the\s+task|out|now))?(?:\s+out)?[\s!.]*$|\b(?:that's|it's|all|this\s+one's|this\s+is)\s+(?:this\s+one\s+|that\s+)?wrapped\b";
    /// A completion verb used as a command: `done T-4`, `close T-4`, `mark T-4 done`.
    COMMAND = r"^(?:done|finish|finished|complete|completed|close|closed|ship|shipped|merged|landed|deployed|released|(?:tick|check|cross)\s+(?:<KEYS>\s+|it\s+|this\s+)?off|mark\s+(?:<KEYS>|it|this|that)\s+(?:as\s+)?(?:done|complete|completed|finished))\b";
    /// Phrases that look negative but report success; they are ignored by the vetoes.
    EXCUSED = r"\b(?:can't|cant|cannot|can\s+not|couldn't|unable\s+to)\s+(?:repro|reproduce)\w*(?:\s+(?:it|this|that|the\s+\w+))?(?:\s+any\s*(?:more|longer))?|\b(?:with\s+)?(?:0|zero)\s+(?:errors?|issues?|problems?|failures?|warnings?|downtime)\b|\b(?:0|zero|no)\s+breaks\b|\bno\s+(?:errors?|issues?|problems?|regressions?|alerts?|complaints?|conflicts?|incidents?|rollbacks?|downtime|discrepancies|defects|findings|exceptions)\b|\bwithout\s+(?:any\s+)?(?:errors?|issues?|problems?|incidents?|downtime|a\s+hitch|drama)\b|\bzero\s+(?:errors?|issues?|downtime)\b|\bnothing\s+(?:left|else|more)(?:\s+to\s+do)?\b|\bclosing\s+(?:this|it)\s+out\b|\b(?:good|ok|okay|safe|fine)\s+to\s+close\b|\blet'?s\s+go+\b|\bpass(?:ed|es)\s+(?:all\s+)?(?:\w+\s+)?(?:testing|tests?|qa|review|checks?)\b|\b(?:you|we)\s+can\s+(?:now\s+)?mark\s+(?:<KEYS>|it|this)\s+(?:as\s+)?(?:done|complete|completed|finished|closed)\b|\b(?:merged|landed|deployed|shipped|released|closed)\s+after\s+(?:the\s+|a\s+|an\s+)?(?:\w+\s+)?(?:approval|approvals|review|reviews|round|rebase|fix|fixes)\b";
    /// Negation: "not done", "isn't finished", "never merged", "not yet".
    NEGATION = r"\b(?:impossible|unable|not|no|nope|nah|never|none|nothing|nowhere|neither|nor|without|yet|still|hardly|barely|far\s+from|un(?:done|finished|merged|shipped|deployed|released))\b|n't\b|\b(?:cant|dont|isnt|wasnt|hasnt|havent|hadnt|didnt|doesnt|wont|arent|werent|aint|shouldnt|wouldnt|couldnt)\b";
    /// Hedging, intentions, conditions and the future: "almost", "should be",
    /// "will be", "by EOD", "once CI is green", "ready to merge", "PR is up".
    HEDGE = r"\b(?:almost|nearly|mostly|partly|partially|basically|practically|kinda|kind\s+of|sort\s+of|sorta|should|shall|would|could|might|may|maybe|perhaps|probably|possibly|likely|hopefully|hope|hoping|fingers\s+crossed|will|going\s+to|gonna|about\s+to|plan|plans|planning|planned|want|wanna|need|needs|needed|must|have\s+to|has\s+to|got\s+to|gotta|expect|expected|expecting|eta|soon|shortly|later|tomorrow|tonight|next|eod|eow|cob|once|when|whenever|if|unless|until|till|before|after|ready\s+(?:to|for)|pending|awaiting|waiting|queued|scheduled|trying|try|tried|attempt|attempting|attempted|let's|let\s+me|lemme|wip|in\s+progress|in\s+review|under\s+review|for\s+review|get|gets|getting|close\s+to|ought|testing|draft|todo)\b|'ll\b|'d\b|-ish\b|\bish\b|\b(?:pretty|fairly|quite|mostly)\s+sure\b|\b(?:afaik|afaict|iirc)\b|\b(?:on|this|next|until|till)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\bby\s+(?:end|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|noon|lunch|the\s+end|\d)|\b(?:prob|probs|prolly|def\s+by)\b|\bin\s+(?:a|an|\d+)\s+(?:bit|sec|secs|second|seconds|min|mins|minute|minutes|hour|hours|hr|hrs|day|days|week|weeks)\b|\bbe\s+(?:\w+\s+)?(?:done|finished|complete|completed|shipped|merged|landed|deployed|released|live|closed)\b|\bto\s+(?:merge|ship|deploy|land|release|close|finish|complete)\b|\b(?:pr|mr|pull\s+request|merge\s+request)\s+(?:is\s+)?(?:up|out|open|opened|raised|created)\b|🤞|⏳|🚧|:(?:crossed_fingers|hourglass|hourglass_flowing_sand|construction|soon):";
    /// Partial progress: "done with the first half", "part 1 merged", "50%", "2/3",
    /// "on staging", "done but ...".
    PARTIAL = r"\b(?:first|second|third|half|halfway|part|parts|phase|phases|step|steps|stage|initial|prototype|skeleton|scaffold\w*|remaining|except|but|though|although|however|only|partial\w*|subset|staging|canary|beta|the\s+rest|rest\s+of|most\s+of|some\s+of|one\s+of|some|left|(?:my|our|their|his|her)\s+(?:part|side|end|bit|half|share))\b|\b(?:[0-9]|[1-9][0-9])\s*%|\b\d+\s*(?:/|of|out\s+of)\s*\d+\b|\b(?:\d+|one|two|three|a\s+few|few|couple|some)\s+more\b|\bmore\s+(?:to\s+go|left|remaining)\b|\bto\s+go\b|\banother\s+(?:round|pass|pr|one|step|part)\b|\bnow\s+(?:the|for\s+the|on\s+to\s+the|onto\s+the)\b|\b(?:tests?|docs|documentation|code|review|reviews|backend|back-end|frontend|front-end|draft|design|spec|specs|mockups?|ui|schema|poc)\s+(?:is\s+|are\s+)?(?:done|finished|complete|completed|merged)\b|\bin\s+theory\b|\b(?:apart|aside)\s+from\b|\bother\s+than\b|\bbesides\b|\bminus\b|\bsave\s+for\b|\bon\s+(?:track|schedule)\b";
    /// Failure: "the merge failed", "deploy broke", "reverted", "CI is red".
    FAILURE = r"\b(?:fail|fails|failed|failing|failure|failures|broke|broken|breaks|breaking|error|errors|erroring|crash|crashed|crashes|crashing|revert|reverted|reverting|reverts|rolled\s+back|roll\s+back|rolling\s+back|rollback|regression|regressions|regressed|bug|bugs|buggy|red|flaky|flake|conflict|conflicts|blew\s+up|on\s+fire|outage|down|panic|panicked|panics|exception|oops|uh\s*oh|wrong|problem|problems|stuck|blocked|hold|incident|alert|alerts|timeout|timed\s+out)\b|❌|💥|🔥|😬|😭|⚠|🐛|🚨|:(?:x|boom|fire|grimacing|sob|warning|bug|rotating_light|no_entry|red_circle):";
    /// Doubt and hearsay: "I thought it was done", "seems live", "@bob said".
    DOUBT = r"\b(?:thought|think|thinking|believe|believed|guess|assume|assumed|assuming|suppose|supposed|supposedly|apparently|seems|seem|seemed|looks\s+like|look\s+like|appears|appeared|unsure|unclear|wonder|wondering|idk|dunno|allegedly|claims?|said|says|told|reported|reports)\b|\bdouble[\s-]?check";
    /// Completion of something other than the task, or of a step towards it:
    /// "done for the day", "well done", "merging now", "merged main into my branch".
    ELSEWHERE = r#"\b(?:has|have|had|got)\s+me\s+(?:so\s+|totally\s+|completely\s+)?done\b|\b(?:i'm|i\s+am)\s+so\s+done\b|\b(?:done|finished|through)\s+for\s+(?:the\s+day|today|now|tonight|the\s+week|the\s+weekend)\b|\b(?:definition\s+of\s+done|done\s+criteria|criteria\s+(?:for|of)\s+done|dod)\b|['"`]\s*(?:done|finished|complete)\s*['"`]|\b(?:finished|completed|ended|done)\s+with\s+(?:\d+|some|a\s+few|a\s+couple\s+of|several|many|lots\s+of|an?)\s+(?:\w+\s+)?(?:warnings?|errors?|failures?|issues?|problems?|exceptions?)\b|\b(?:done|finished|completed|wrapped\s+up)\s+(?:with\s+|w/\s*|w\s+)?(?:the\s+|my\s+|our\s+|a\s+)?(?:\w+\s+)?(?:review|read-through|walkthrough|investigation|analysis|spike|research|first\s+pass|call|meeting|sync|sketch|prototype|poc|estimate|estimation|lunch|breakfast|dinner|coffee|break|standup|stand-up|1:1)\b|\b(?:brb|afk|bbl)\b|\b(?:i'm|i\s+am|we're|we\s+are)\s+done\s+\w+ing\b|\b(?:ship|merge|deploy|release|land)\s+(?:it|this|that)\b|\bopen\s+questions\b|\b(?:done|finished|completed)\s+(?:reading|compiling|building|writing|looking|reviewing|testing|checking|investigating|debugging|profiling|benchmarking|researching|analy[sz]ing|triaging|planning|drafting|sketching|prototyping|refactoring|cleaning|eating|lunch)\b|^(?:(?:ok|okay|lgtm|great|nice|cool|perfect|approved)\b[\s,.!:👍]*)?(?:ship|merge|deploy|release|land|close)\s+(?:it|this|that)\b|[,.;:!—–\-]\s*(?:(?:so|then|and|just|now)\s+)*(?:ship|merge|deploy|release|land)\s+(?:it|this|that)\b|\bgo\s+ahead\s+(?:and\s+)?(?:merge|ship|deploy|release|land|close)\b|\b(?:please|pls|plz|feel\s+free\s+to)\s+(?:merge|ship|deploy|release|land)\b|\b(?:too\s+early|prematurely|by\s+mistake|by\s+accident|accidentally)\b|\b(?:well|nicely|good|great)\s+done\b|\b(?:merging|shipping|deploying|finishing|landing|wrapping|completing|releasing|rolling)\b|\bclos(?:ed|ing|e)\s+(?:the\s+|my\s+|this\s+|that\s+|a\s+)?(?:pr|mr|pull\s+request|merge\s+request|laptop|branch)\b|\bopen(?:ing|ed)?\s+(?:a\s+)?new\s+(?:one|pr|mr|pull)\b|\bmerged\s+(?:main|master|develop|trunk|upstream|origin)\b|\bmerged\s+(?:in)?to\s+(?:the\s+)?(?:develop|dev|staging|release|feature|a\s+feature|next|integration)\b|\binto\s+(?:my|our|the|this|a|feature)\s+branch\b|\b(?:duplicate|dupe|wontfix)\b|\b(?:the\s+)?(?:vendor|supplier|customer|client|upstream|they|partner|provider|third[\s\-]party)\s+(?:has\s+|have\s+|just\s+|finally\s+)?(?:shipped|released|delivered|deployed|fixed|merged|published|sent)\b|\b(?:you|you're|you\s+are|he|he's|she|she's|they|they're)\b.{0,20}\bdone\b|\b(?:done|finished|completed|shipped)\s+(?:their|his|her|your)\b|\bdone\s+(?:reviewing|testing|looking|checking|reading)\b|\bfixed\s+(?:the|a|an|my|some|one|two|\d+|typo|typos|lint|tests?)\b|\bdone\s+(?:is|means|should\s+mean|column|state|status|button|label|flag|list)\b|\bout\s+(?:of|sick|today|tomorrow|for|on\s+leave|on\s+pto)\b|\bsorted\s+(?:by|list|order|alphabetically)\b|\bresolved\s+(?:the\s+|a\s+|my\s+)?(?:conflicts?|merge|comments?|threads?|review|dns|address)\b"#;
    /// "now that the assets have landed": the reason for what is said, not news
    /// about the task.
    NOW_THAT = r"\bnow\s+that\b[^,.;!?]*";
    /// "done with X": the task only when X is the task itself.
    DONE_WITH = r"\bdone\s+with\s+(\S+)";
}

/// What finished work a message claims.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Claim {
    /// The keys named in the clauses that claim completion (may be empty).
    pub keys: Vec<TaskKey>,
}

/// The completion the message claims, or `None` when it claims none or any veto
/// applies.
pub(super) fn claim(text: &Text) -> Option<Claim> {
    let masked = text.masked();
    let command = COMMAND.is_match(masked);
    let reasons: Vec<Range<usize>> = NOW_THAT.find_iter(masked).map(|m| m.range()).collect();
    let claims: Vec<Range<usize>> = CLAIM
        .find_iter(masked)
        .chain(CLAIM_PHRASE.find_iter(masked))
        .map(|m| m.range())
        .filter(|claim| !reasons.iter().any(|reason| reason.contains(&claim.start)))
        .collect();
    if claims.is_empty() && !command {
        return None;
    }
    let clauses = text.clauses();
    let claiming = |clause: &Range<usize>| {
        (command && clause.start == 0) || claims.iter().any(|c| clause.contains(&c.start))
    };
    let keys = super::text::unique(
        clauses
            .iter()
            .filter(|clause| claiming(clause))
            .flat_map(|clause| text.keys_in(clause.clone())),
    );
    if vetoed(masked) {
        // Clauses about other tasks only ("T-4 is done. Next up: T-5") do not weaken
        // the claim about the named ones; anything else does.
        if keys.is_empty() {
            return None;
        }
        let foreign: Vec<Range<usize>> = clauses
            .into_iter()
            .filter(|clause| {
                let named = text.keys_in(clause.clone());
                !claiming(clause) && !named.is_empty() && named.iter().all(|k| !keys.contains(k))
            })
            .collect();
        if foreign.is_empty() || vetoed(&blank_spans(masked, &foreign)) {
            return None;
        }
    }
    Some(Claim { keys })
}

/// `text` with the `spans` replaced by spaces of the same byte length.
fn blank_spans(text: &str, spans: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(text.get(at..span.start).unwrap_or_default());
        out.extend(std::iter::repeat_n(' ', span.len()));
        at = span.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Whether anything in the message weakens a completion claim.
pub(super) fn vetoed(masked: &str) -> bool {
    let plain = blank(masked, &EXCUSED);
    plain.contains('?')
        || [&NEGATION, &HEDGE, &PARTIAL, &FAILURE, &DOUBT, &ELSEWHERE]
            .iter()
            .any(|veto| veto.is_match(&plain))
        || done_with_something_else(&plain)
}

/// "done with the coffee machine" and "done with my part" are not the task;
/// "done with it", "done with this" and "done with T-4" are.
fn done_with_something_else(text: &str) -> bool {
    DONE_WITH.captures_iter(text).any(|found| {
        let object = found.get(1).map_or("", |m| m.as_str());
        let object = object.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        let is_task = ["it", "this", "that"]
            .iter()
            .any(|word| object.eq_ignore_ascii_case(word))
            || object.parse::<TaskKey>().is_ok();
        !is_task
    })
}

/// `text` with every match of `pattern` replaced by spaces of the same byte length.
fn blank(text: &str, pattern: &super::pattern::Pattern) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for found in pattern.find_iter(text) {
        out.push_str(text.get(at..found.start()).unwrap_or_default());
        out.extend(std::iter::repeat_n(' ', found.len()));
        at = found.end();
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(text: &str) -> bool {
        claim(&Text::new(text)).is_some()
    }

    #[test]
    fn plain_completion_words_and_emoji_claim_completion() {
        for text in [
            "done",
            "Done.",
            "merged 🎉",
            "✅",
            "shipped to prod just now",
            "this is live now",
            "PR landed",
            "deployed to prod, no errors",
            "wrapped it up",
            "all done, nothing left to do",
            "done with it",
            "100% done",
        ] {
            assert!(claims(text), "{text:?} should claim completion");
        }
    }

    #[test]
    fn negated_hedged_partial_failed_or_doubtful_completion_is_vetoed() {
        for text in [
            "not done yet, CI is red",
            "isn't finished",
            "not merged yet",
            "almost done",
            "nearly there, should be done by EOD",
            "will be live tomorrow",
            "hopefully merged soon",
            "done?",
            "done with the first half",
            "part 1 merged",
            "the merge failed",
            "deployed but the deploy broke prod",
            "I thought it was done but the job is red",
            "done for the day",
            "merging now",
            "merged main into my branch",
            "ready to merge",
            "deployed to staging",
            "50% done",
            "done with the coffee machine",
            "it’s not done",
            "reverted the merge",
            "let me know when it's done",
            "once T-3 is merged",
            "needs to be deployed",
            "PR is up, not merged",
            "seems live",
            "@bob said it's deployed",
            "done-ish",
            "pretty sure it's merged",
            "I'd say it's done",
            "English docs merged, code next",
        ] {
            assert!(!claims(text), "{text:?} must not claim completion");
        }
    }

    #[test]
    fn keys_come_from_the_clauses_that_claim_completion() {
        let claim = claim(&Text::new("T-4 is done, T-5 is on me")).map(|c| c.keys);
        assert_eq!(claim, Some(vec![TaskKey::new(4)]));
    }

    #[test]
    fn a_command_claims_the_keys_that_follow_it() {
        let claim = claim(&Text::new("close T-4 and T-5")).map(|c| c.keys);
        assert_eq!(claim, Some(vec![TaskKey::new(4), TaskKey::new(5)]));
    }
}
