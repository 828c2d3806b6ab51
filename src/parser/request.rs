//! The request inside a message, without its wrapping: greetings ("hey"),
//! politeness ("please", "can you ...?", "would you mind closing ..."), a trailing
//! courtesy question ("..., ok @x?") and quoted lines ("> is this done?").
//!
//! People wrap commands in manners, and a question mark that only asks nicely
//! must not turn a request into a question about state: "can you close T-4?"
//! closes T-4. What is left is what the grammar reads, and whether it was polite,
//! since a polite request is not a question.

use std::borrow::Cow;

use super::text::Text;

patterns! {
    /// Greetings and fillers in front of a request: "hey", "ok so", "um".
    GREETING = r"^(?:(?:hi|hey|hiya|hello|yo|ok|okay|so|um+|uh+|hmm+|oh|namaste|dear|right|alright|good\s+(?:morning|afternoon|evening|day)|morning|evening|afternoon)(?:\s+(?:all|team|everyone|folks|baton|there|y'all))?(?:\s+from\s+[\w\-']+)?|hope\s+(?:you\s+are|you're|all\s+is|everyone\s+is)\s+(?:doing\s+)?well)\b[\s,.!:;\-]*";
    /// A sign-off after the request: "Cheers, Oliver", "Thanks & regards,
    /// Vikram", "Fiona x", "Kindly do the needful."
    SIGN_OFF = r"(?:[\s,.!;:—–\-]+(?:(?:many\s+|big\s+)?thanks(?:\s+(?:so\s+much|a\s+lot|again|in\s+advance))?|thank\s+you(?:\s+(?:so\s+much|all))?|cheers|(?:best|kind|warm|many)\s+regards|regards|best\s*,|ta|thx|ty|much\s+appreciated|thanks\s*(?:&|and)\s*regards|kindly\s+(?:do\s+the\s+needful|revert(?:\s+if\s+any\s+doubts?)?))\b(?:(?:\s*[,.!]+\s*|\s+)[\w\-']+(?:\s+x+)?)?|[\s,.!]+[\w\-']+\s+x+)[\s!.🙏🙂]*$";
    /// "please delete it" after naming a dependency: the dependency, not a task.
    REMOVE_IT = r"^(?:delete|remove|drop|undo|kill|cut|scrap)\s+(?:it|that|this|them)\b";
    /// "could you post it here now?" after naming the digest: the digest.
    POST_IT = r"^(?:post|send|share|run|drop|give\s+(?:us|me))\s+(?:it|that|one)\b";
    DIGEST_WORD = r"\b(?:digest|round-?up|summary|recap|briefing|rundown)\b";
    /// Words that name a dependency.
    LINK_WORD = r"\b(?:link|dependency|dependencies|dep|deps|relation)\b";
    /// An emoji written as its shortcode before the request: ":rocket: new task".
    SHORTCODE = r"^:[a-z0-9_+\-]+:\s*";
    /// A pasted timestamp before the message: "[14:02 UTC]", "09:15".
    TIMESTAMP = r"^\[?\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:utc|gmt|z|am|pm))?\]\s*";
    /// Asides that ask for a moment of the reader's time: "when you get a sec",
    /// "if you have a minute", "quick one:". They wrap the request, not change it.
    /// A colon and a bulleted key after it: "depends on:\n- T-722".
    LIST_OPENS_WITH_KEY = r"\s*:\s*\n\s*[-*•]\s+(<KEY>)";
    /// A further bulleted key: "\n- T-723".
    KEY_BULLET = r"\s*\n\s*[-*•]\s+(<KEY>)";
    /// "done from my side", "closed from our end": the writer's part, which is
    /// the task as far as they can tell.
    FROM_MY_SIDE = r"\b(done|completed|complete|closed|finished|fixed|merged|resolved)\s+(?:from|on)\s+(?:my|our)\s+(?:side|end|part)\b";
    /// A signature line: "— Tobias, Android", "-- sent from my phone".
    SIGNATURE = r"^\s*(?:(?:—|–|--|~)\s*[^\n]{1,40}|_?sent\s+from\s+[^\n]{1,40}?_?)\s*$";
    /// An asking verb with nothing to act on: "please tell", "kindly advise".
    BARE_ASK = r"^(?:tell|list|share|advise|confirm|let\s+(?:me|us)\s+know|update|suggest|inform)(?:\s+(?:me|us))?[\s.!?]*$";
    /// "the same has been closed", "same is completed?": the task talked about.
    THE_SAME = r"\b(?:the\s+)?same\s+(is|has|was|will|can|should|may)\b";
    /// A word of assent or chat before what is said: "yep on it", "ngl, merged".
    INTERJECTION = r"^(?:yep|yup|yes|yeah|yea|ya|ok|okay|kk|sure|alright|bet|aight|welp|phew|ngl|tbh|honestly|lowkey|fr|so)\b[\s,.!:;\-–—]+";
    /// An emoji shortcode after a question: "merged yet? :eyes:".
    QUESTION_SHORTCODE = r"\?\s*(?::[a-z0-9_+\-]+:\s*)+$";
    /// Chat words after what is said: "live on steam no cap", "merged fr".
    TRAILING_SLANG = r"[\s,.!]+(?:no\s+cap|fr|frfr|ngl|tbh|lol|lmao|lmfao|ong)[\s!.]*$";
    FILLER = r"^(?:when(?:ever)?\s+you\s+(?:get|have|find)\s+(?:a\s+)?(?:sec|second|minute|min|moment|mo|chance|tick)|if\s+you\s+(?:get|have|find)\s+(?:a\s+)?(?:sec|second|minute|min|moment|chance)|when(?:ever)?\s+you\s+can|quick\s+(?:one|q|favou?r|request|ask)|real\s+quick|sorry\s+to\s+bother(?:\s+you)?|also|and\s+also|from\s+now\s+on|do\s+one\s+thing)\b[\s,.!:;\-–—]*";
    /// "recording that T-5 has to wait on T-6": what is to be recorded.
    RECORD_THAT = r"^(?:record|register|log|capture|note\s+down)\s+that\s+";
    /// "can @nico own T-584?", "can I have T-1507?": asking that someone take a
    /// task is assigning it.
    CAN_GO = r"^(?:can|could)\s+(<KEYS>)\s+(?:go|move|pass)\s+(?:over\s+)?to\s+(<HANDLE>)";
    CAN_PERSON = r"^(?:can|could|may)\s+(<HANDLE>|i)\s+(?:please\s+|pls\s+)?(?:own|take|take\s+over|have|grab|handle|pick\s+up)\s+(<KEYS>)";
    /// "could you tell me what's left on T-601?": a question asked politely.
    TELL_ME = r"^(?:tell|show|remind)\s+me\s+(?:what|who|where|when|how|which|if|whether)\b";
    /// Formal openings that announce what follows: "kindly note that", "please be
    /// advised that", "just so the record is accurate:".
    FORMAL_LEAD = r"^(?:(?:please|kindly|pls)\s+(?:note|be\s+advised|be\s+informed|be\s+aware)\s+(?:that\s+)?|(?:just\s+)?(?:so|for)\s+the\s+record(?:\s+is\s+(?:accurate|straight|clear))?\s*[:,\-–—]?\s*|for\s+your\s+information\s*[:,]?\s*)";
    /// "I would like to request a new task": asking for one.
    REQUEST_THAT = r"^(?:i\s+would|i'd|we\s+would|we'd)\s+like\s+to\s+(?:request|ask)\s+that\s+";
    REQUEST_FOR = r"^(?:i\s+would|i'd|we\s+would|we'd)\s+like\s+to\s+(?:request|ask\s+for|raise|log|open|add)\s+";
    /// "please" in front of a request: it makes the request a command, not a question.
    PLEASE = r"^(?:please|pls|plz|kindly)\b[\s,:]*";
    /// "can you ..." in front of a request: at the start, or after a sentence or
    /// a clause ("thanks for yesterday! could you close T-4?").
    CAN_YOU = r"(?:^|[.!?,;:—–]\s*|\s-\s+|\b(?:so|and|but|then)\s+)(?:(?:can|could|would|will)\s+(?:you|u|we)\s+(?:please\s+|pls\s+|kindly\s+)?(?:mind\s+)?(?:be\s+a\s+(?:star|love|dear|gem|darling|champ|legend|doll)\s+and\s+)?|(?:please|kindly|pls)\s+|(?:do\s+you\s+)?mind\s+|is\s+it\s+possible\s+to\s+|(?:can|could|may)\s+i\s+ask\s+you\s+to\s+|(?:i|we)(?:\s+would|\s+should|'d)\s+(?:be\s+(?:very\s+|most\s+)?(?:grateful|thankful|obliged)|(?:really\s+)?appreciate\s+it)\s+if\s+(?:you\s+(?:could|would|can)\s+(?:please\s+|kindly\s+)?)?|would\s+you\s+be\s+(?:so\s+kind\s+as|able)\s+to\s+|(?:i\s+was|i'm|i\s+am)\s+wondering\s+if\s+(?:you\s+could|you\s+can)\s+|any\s+chance\s+(?:you|u)\s+(?:could|can|would)\s+(?:please\s+)?)";
    /// A request to block with no reason of its own: "mark it as blocked?", "put
    /// T-5 on hold so it shows in the digest?".
    BARE_BLOCK_REQUEST = r"^(?:(?:mark|set|flag)\s+(?:<KEYS>|it|this)\s+(?:as\s+)?(?:blocked|stuck|on\s+hold)|(?:put|keep)\s+(?:<KEYS>|it|this)\s+on\s+hold|block\s+(?:<KEYS>|it|this)|flag\s+(?:<KEYS>|it|this))(?:\s+so\s+[^?!.]*)?(?:\s+(?:please|pls|for\s+(?:me|us)))?[\s?!.]*$";
    /// A sentence that is only thanks: not a reason.
    COURTESY_ONLY = r"^(?:thanks?|thank\s+you|thx|ty|ta|cheers|much\s+appreciated)\b[\s!.🙏🙂]*$";
    /// "to her", "to him": a person named elsewhere in the message.
    PERSON_PRONOUN = r"\bto\s+(?:him|her|them)\b";
    /// A person's handle.
    HANDLE = r"<HANDLE>";
    /// The "-ing" of a request after "would you mind": "closing" asks to close.
    GERUND = r"^(\w+?)(?:ing)\b";
    /// A request to record what was just said: "could you record that?".
    REFERS_BACK = r"^(?:(?:record|register|note|log|save|track|capture|remember)\s+(?:that|this|it)\s*(?:$|[?.!,;]|please\b|pls\b|for\s+(?:me|us)\b|down\b)|(?:take|pull|rip|get)\s+(?:that|this|the)\s+(?:link|dependency|dep|blocker)\s+(?:out|off|away)\b|(?:add|record|set\s+up|make|create|log|note|save|track|capture)\s+(?:that|this|those|these|the)\s+(?:dependency|dependencies|dep|deps|link|links|blocker|blockers|relation)\b|(?:update|change)(?:\s+(?:it|that|this|the\s+task))?(?:\s+(?:accordingly|for\s+me|please|pls))?\s*(?:[?.!]|$)|(?:link|connect|wire\s+up|hook\s+up)\s+(?:them|those|these|the\s+two)(?:\s+up)?\b|wire\s+(?:that|this|it|them)\s+up\b|set\s+(?:that|this|it|them)\s+up\b|set\s+(?:the|this)\s+(?:room|channel)\s+to\s+(?:that|it|this)\b|do\s+(?:that|this)\b)";
    /// A pronoun a request uses for a task named elsewhere in the message.
    PRONOUN = r"\b(?:both\s+of\s+them|them\s+both|it|this(?:\s+one)?|that(?:\s+one)?|them|those|these)\b";
    /// Verbs that make "can you ...?" a polite command rather than a question.
    REQUEST_VERB = r"^(?:only\s+(?:send|post)|bring|reinstate|(?:get|have)\s+(?:a|an|one)\s+(?:new\s+)?(?:follow[\s\-]?up\s+)?(?:task|todo|to-do|ticket)|add|new|create|mark|close|finish|complete|tick|check\s+off|cross\s+off|start|delete|clear|scratch|undo|unhook|assign|reassign|give|hand|note|show|list|cancel|drop|reopen|re-open|unblock|block|undepend|remove|graph|draw|send|post|set|make|take|help|change|update|put|record|register|log|park|pause|freeze|withdraw|retire|scrap|abandon|axe|kill|shelve|track|move|turn|link|snooze|tell|flag|wire|hook|connect|tie|bin|raise|lift|share|summari[sz]e|resume|set\s+up|put\s+down|open\s+(?:a|an|one)\s+(?:new\s+)?(?:follow[\s\-]?up\s+)?(?:task|todo|to-do|ticket))\b";
    /// A request for a new task: its pronouns are the task itself ("give it to @x"),
    /// and the sentence after it may say more about it.
    CREATION = r"^(?:add|create|new)\b|^(?:make|open|file|log|track|get|have|raise|set\s+up)\s+(?:please\s+)?(?:a\s+|an\s+|one\s+)?(?:new\s+)?(?:follow[\s\-]?up\s+|quick\s+|small\s+|sub-?)?(?:task|todo|to-do|ticket|item|card)\b";
    /// "add dependency", "add a note": adding something other than a task.
    ADDS_NO_TASK = r"^add\s+(?:a\s+|an\s+|the\s+|that\s+|this\s+)?(?:dependency|dependencies|dep|deps|link|blocker|note|comment|relation)\b";
    /// A sentence that goes on about the task just asked for: "it depends on T-4",
    /// "it's waiting on T-3013", "it can only start after T-2".
    GOES_ON = r"^(?:(?:and|but|also|oh|so)\s+)*(?:(?:it|this|which)(?:'s|\s+is|\s+cannot|\s+can't|\s+won't|\s+can|\s+should|\s+needs|\s+depends|\s+has|\s+must|\s+only|\s+waits|\s+goes|\s+starts)\b|owner\b|owned\s+by\b|(?:assign|give|hand)\s+(?:it|this)\b|for\s+<WHO>|that's\s+(?:one\s+)?for\b|<HANDLE>(?:'s|\s+(?:please|pls|can|will|owns|should|is|to))\b|depends?\s+on\b|depending\s+on\b|blocked\s+(?:by|on)\b|(?:after|once|needs|requires)\s+<KEY>)";
    /// Asking for help to do something is asking for it: "help me add task: ...".
    HELP_ME = r"^(?:(?:please\s+|pls\s+)?help\s+me(?:\s+to)?|i\s+(?:want|need|would\s+like)\s+to|i'd\s+like\s+to)\s+";
    /// A courtesy question after a command: "assign T-5 to @x, ok @x?", "close
    /// T-4, alright?". The command stands; the question is manners.
    COURTESY = r"[\s,;:.\-–—]+(?:ok|okay|alright|right|cool|fine|good|sound\s+good|sounds\s+good|works|ok\s+with\s+you|(?:ok|okay|fine|good)\s+(?:for|with|by)\s+you|works\s+for\s+you|is\s+that\s+(?:ok(?:ay)?|alright|all\s+right|fine|cool)|that\s+ok(?:ay)?|(?:are\s+)?you\s+(?:good|ok|okay|fine)\s+with\s+(?:that|this|it))\s*(?:<HANDLE>)?\s*\?+[\s!.🙂🙏]*$";
    /// "please" at the end of a request.
    TRAILING_PLEASE = r"[\s,]*\b(?:please|pls|plz)[\s!.]*$";
}

/// Strips greetings and politeness, returning the request and whether it was a
/// polite command ("please ...", "can you close T-4?").
pub(super) fn prepare(body: &str, explicit: bool) -> (String, bool) {
    let unquoted = keys_inline(&without_quotes(&without_emphasis(without_signature(body))));
    let unquoted = match single_bullet(&unquoted) {
        Some(item) if explicit => item.to_owned(),
        _ => unquoted,
    };
    let mut rest = unquoted.trim();
    let mut polite = false;
    loop {
        let before = rest;
        if explicit && let Some(found) = GREETING.find(rest) {
            rest = rest.get(found.end()..).unwrap_or_default();
        }
        // Alone (":white_check_mark:"), the shortcode is the message.
        if let Some(found) = SHORTCODE.find(rest)
            && let Some(after) = rest
                .get(found.end()..)
                .filter(|after| !after.trim().is_empty())
        {
            rest = after;
        }
        // A leading emoji ("📝 new task: ...", "👉 T-5 @bo") decorates the request.
        // Alone ("✅"), it is the message.
        let undecorated = rest.trim_start_matches(|c: char| {
            c.is_whitespace() || (!c.is_ascii() && !c.is_alphanumeric())
        });
        if !undecorated.is_empty() {
            rest = undecorated;
        }
        if let Some(found) = INTERJECTION.find(rest)
            && found.end() < rest.len()
        {
            rest = rest.get(found.end()..).unwrap_or_default();
        }
        if let Some(found) = TRAILING_SLANG.find(rest)
            && found.start() > 0
        {
            rest = rest.get(..found.start()).unwrap_or_default();
        }
        if let Some(found) = QUESTION_SHORTCODE.find(rest) {
            rest = rest.get(..found.start() + 1).unwrap_or_default();
        }
        if let Some(found) = FORMAL_LEAD
            .find(rest)
            .or_else(|| REQUEST_THAT.find(rest))
            .or_else(|| FILLER.find(rest))
            .or_else(|| TIMESTAMP.find(rest))
        {
            rest = rest.get(found.end()..).unwrap_or_default();
        }
        if explicit && let Some(found) = SIGN_OFF.find(rest) {
            let kept = rest.get(..found.start()).unwrap_or_default();
            if !kept.trim().is_empty() {
                rest = kept;
            }
        }
        if let Some(found) = PLEASE.find(rest) {
            rest = rest.get(found.end()..).unwrap_or_default();
            polite = true;
        }
        if explicit
            && let Some(found) = HELP_ME.find(rest)
            && let Some(request) = rest.get(found.end()..)
            && REQUEST_VERB.is_match(request)
        {
            rest = request;
            polite = true;
        }
        if rest == before {
            break;
        }
    }
    let asked;
    if explicit && let Some(found) = REQUEST_FOR.find(rest) {
        asked = format!("add {}", rest.get(found.end()..).unwrap_or_default());
        rest = &asked;
        polite = true;
    }
    let asked_of;
    if explicit && let Some(found) = CAN_GO.captures(rest) {
        let (keys, who) = (
            found.get(1).map_or("", |m| m.as_str()),
            found.get(2).map_or("", |m| m.as_str()),
        );
        asked_of = format!("assign {keys} to {who}");
        rest = &asked_of;
        polite = true;
    } else if explicit && let Some(found) = CAN_PERSON.captures(rest) {
        let (who, keys) = (
            found.get(1).map_or("", |m| m.as_str()),
            found.get(2).map_or("", |m| m.as_str()),
        );
        let who = if who.eq_ignore_ascii_case("i") {
            "me"
        } else {
            who
        };
        asked_of = format!("assign {keys} to {who}");
        rest = &asked_of;
        polite = true;
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
    let rest = THE_SAME.replace_all(rest.trim(), "it $1");
    (FROM_MY_SIDE.replace_all(&rest, "$1").into_owned(), polite)
}

/// The one item of a bulleted list ("admin bit:\n- digest at 9:10\nThanks"): the
/// request, without the lines that introduce and sign it.
fn single_bullet(body: &str) -> Option<&str> {
    let mut bullets = body.lines().filter_map(|line| {
        let line = line.trim_start();
        ["- ", "• ", "* ", "– "]
            .iter()
            .find_map(|mark| line.strip_prefix(mark))
    });
    let only = bullets.next()?;
    bullets.next().is_none().then_some(only)
}

/// `body` without a signature in its last paragraph ("\n\n— Tobias, Android",
/// "\n\n_sent from Slack for iOS_"): who wrote it is not what they ask.
fn without_signature(body: &str) -> &str {
    match body.trim_end().rsplit_once("\n\n") {
        Some((said, last)) if !said.trim().is_empty() && SIGNATURE.is_match(last) => said,
        _ => body,
    }
}

/// A bulleted list of keys written on one line: "T-721 depends on:\n- T-722\n-
/// T-723" is "T-721 depends on T-722, T-723".
fn keys_inline(body: &str) -> String {
    let joined = LIST_OPENS_WITH_KEY.replace_all(body, " $1");
    KEY_BULLET.replace_all(&joined, ", $1").into_owned()
}

/// `body` without Markdown emphasis (`**on it**`, `__T-5__`), and without the
/// backticks of a message that is all one code span (`` `start T-681` ``): how
/// a request is formatted does not change what it asks.
fn without_emphasis(body: &str) -> Cow<'_, str> {
    let trimmed = body.trim();
    if let Some(inner) = trimmed
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
        .filter(|inner| !inner.is_empty() && !inner.contains('`'))
    {
        return Cow::Owned(inner.to_owned());
    }
    // A link may hold "__" (query strings, wiki paths): it is kept as written.
    let mut plain = Cow::Borrowed(body);
    if body.contains("**") {
        plain = Cow::Owned(plain.replace("**", ""));
    }
    if body.contains("__") && !body.contains("://") {
        plain = Cow::Owned(plain.replace("__", ""));
    }
    plain
}

/// `body` without the lines that quote an earlier message ("> is this done?"),
/// unless nothing else is left.
pub(super) fn without_quotes(body: &str) -> String {
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
        if !REQUEST_VERB.is_match(request) || TELL_ME.is_match(request) {
            continue;
        }
        if REFERS_BACK.is_match(request) {
            let said = text.get(..found.start()).unwrap_or_default().trim();
            return (!said.is_empty()).then(|| said.to_owned());
        }
        let request = RECORD_THAT
            .find(request)
            .and_then(|found| request.get(found.end()..))
            .filter(|said| Text::new(said).starts_with_key())
            .unwrap_or(request);
        let end = sentence_end(request);
        let sentence = request.get(..end).unwrap_or_default().trim();
        // "which tasks cannot move, please tell": the asking verb alone, after
        // the question it asks.
        if BARE_ASK.is_match(sentence) {
            let said = text.get(..found.start()).unwrap_or_default().trim();
            return (!said.is_empty()).then(|| said.to_owned());
        }
        if CREATION.is_match(sentence) && !ADDS_NO_TASK.is_match(sentence) {
            return Some(with_what_goes_on(
                sentence,
                request.get(end..).unwrap_or_default(),
            ));
        }
        let before = text.get(..found.start()).unwrap_or_default();
        let after = request.get(end..).unwrap_or_default();
        let sentence = with_person_named(sentence, text);
        let mentioned = Text::new(&sentence).keys();
        let elsewhere: Vec<String> = Text::new(text)
            .keys()
            .into_iter()
            .filter(|key| !mentioned.contains(key))
            .map(|key| key.to_string())
            .collect();
        // "T-4 and T-5 are obsolete, please cancel": the request names no task
        // and points at none, so the whole message says which.
        if POST_IT.is_match(&sentence) && DIGEST_WORD.is_match(before) {
            return Some("post the digest".to_owned());
        }
        let keyless = mentioned.is_empty() && !elsewhere.is_empty() && !PRONOUN.is_match(&sentence);
        let removes_link = REMOVE_IT.is_match(&sentence) && LINK_WORD.is_match(before);
        if keyless || removes_link {
            continue;
        }
        // "T-652 needs the schema, so please make it depend on T-651": the
        // pronoun is the task named before.
        let request = if elsewhere.is_empty() {
            sentence
        } else {
            let keys = elsewhere.join(" and ");
            PRONOUN.replace(&sentence, keys.as_str()).into_owned()
        };
        return Some(with_block_reason(request, before, after));
    }
    None
}

/// "could you move T-13 to her?" after naming one person: the person.
fn with_person_named(sentence: &str, text: &str) -> String {
    if !PERSON_PRONOUN.is_match(sentence) {
        return sentence.to_owned();
    }
    let mut people: Vec<&str> = HANDLE
        .find_iter(text)
        .map(|m| m.as_str())
        .filter(|who| !who.to_lowercase().starts_with(super::BOT_HANDLE))
        .collect();
    people.dedup();
    match people.as_slice() {
        [person] => PERSON_PRONOUN
            .replace(sentence, format!("to {person}").as_str())
            .into_owned(),
        _ => sentence.to_owned(),
    }
}

/// "can you mark T-18 as blocked? we're waiting for legal": a block request
/// with no reason of its own takes the next sentence, or else what was said
/// before the request, as its reason.
fn with_block_reason(request: String, before: &str, after: &str) -> String {
    if !BARE_BLOCK_REQUEST.is_match(&request) {
        return request;
    }
    let next =
        after.trim_start_matches(|c: char| matches!(c, '?' | '!' | '.') || c.is_whitespace());
    let next = next.get(..sentence_end(next)).unwrap_or_default().trim();
    let reason = if !next.is_empty() && !COURTESY_ONLY.is_match(next) {
        next
    } else {
        before.trim()
    };
    if reason.is_empty() {
        return request;
    }
    let command = BARE_BLOCK_REQUEST
        .find(&request)
        .map_or(request.as_str(), |m| m.as_str());
    let command =
        command.trim_end_matches(|c: char| matches!(c, '?' | '!' | '.') || c.is_whitespace());
    // "flag it": flagged as blocked.
    let command = match command.get(..5) {
        Some(verb) if verb.eq_ignore_ascii_case("flag ") && !command.contains("block") => {
            format!("block {}", command.get(5..).unwrap_or_default())
        }
        _ => command.to_owned(),
    };
    format!("{command}: {reason}")
}

/// A creation request with the next sentence when it goes on about the task
/// ("... for @emeka? it's waiting on T-3013"), where the grammar reads it.
fn with_what_goes_on(sentence: &str, after: &str) -> String {
    let next =
        after.trim_start_matches(|c: char| matches!(c, '?' | '!' | '.') || c.is_whitespace());
    let next = next.get(..sentence_end(next)).unwrap_or_default().trim();
    if GOES_ON.is_match(next) {
        format!("{sentence}, {next}")
    } else {
        sentence.to_owned()
    }
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
    fn a_request_inside_a_friendly_paragraph_is_the_request() {
        assert_eq!(
            prepare("long day! T-4 is finished. can you close it please?", true),
            ("close T-4".to_owned(), true)
        );
        assert_eq!(
            prepare("would you mind closing T-4? it shipped", true).0,
            "close T-4"
        );
        assert_eq!(
            prepare("assign T-5 to @bo, ok @bo?", true),
            ("assign T-5 to @bo".to_owned(), true)
        );
    }

    #[test]
    fn chat_words_and_emphasis_around_a_request_are_not_the_request() {
        for (said, request) in [
            ("yep on it", "on it"),
            ("**on it** 👀", "on it 👀"),
            ("`start T-681`", "start T-681"),
            (
                "shipped, it's live on steam no cap",
                "shipped, it's live on steam",
            ),
            ("ok so, T-5 is blocked by T-4", "T-5 is blocked by T-4"),
        ] {
            assert_eq!(prepare(said, false).0, request, "{said}");
        }
        // A word of assent alone is the message.
        assert_eq!(prepare("yep", false).0, "yep");
    }

    #[test]
    fn quoted_lines_are_not_the_message() {
        assert_eq!(prepare("> is this done?\n\nyes, merged", false).0, "merged");
    }

    #[test]
    fn greetings_are_dropped_only_when_the_bot_is_addressed() {
        assert_eq!(prepare("hey, done T-4", true).0, "done T-4");
        assert_eq!(prepare("hey, done", false).0, "hey, done");
    }
}
