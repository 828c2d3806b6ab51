//! What holds tasks up: dependencies between tasks (`depend`, `undepend`) and
//! blockers outside Baton (`block`, `unblock`).
//!
//! A phrase like "blocked by" or "waiting on" is a dependency when a task key
//! follows it ("blocked by T-6") and an external blocker otherwise ("waiting on
//! legal"). Subjects are the keys before the phrase, else the thread's task.

use std::ops::Range;

use super::Intent;
use super::address::Mode;
use super::context::{Ctx, help_on};
use super::text::{tail, tidy};
use crate::domain::TaskKey;

patterns! {
    /// A guess before the relation, or doubt about it anywhere.
    GUESSED_RELATION = r"\b(?:maybe|perhaps|possibly|might|may|probably|i\s+think|i\s+guess|i\s+suspect|thinks|reckons|suspects|believes)\b[^.;!?]*\b(?:depend|depends|blocks?|blocked|waits?|waiting|needs?|after|prerequisite)\b|\bnot\s+sure\b|\bunsure\b|\bi\s+doubt\b|\b(?:checking|confirming)\s+with\b|\btbc\b|\bto\s+be\s+confirmed\b";
    /// "T-14 no longer depends on T-13", "doesn't need T-2 anymore".
    UNDEPEND_PHRASE = r"(?:\b(?:no\s+longer|doesn't|does\s+not|doesnt|don't|do\s+not|dont|isn't|is\s+not|isnt|aren't|are\s+not|not|never|no\s+need\s+to|shouldn't|should\s+not|needn't|need\s+not)\s+(?:actually\s+|really\s+|even\s+|more\s+|be\s+|any\s*more\s+|any\s+longer\s+|(?:has|have|need|needs)\s+(?:to\s+)?)*(?:depend(?:s|ing|ent)?\s+(?:on|to|of)|(?:contingent|conditional)\s+(?:on|upon)|(?:hinges?|hinging|hinge|rests?|resting|relies|rely|relying|predicated)\s+(?:on|upon)|sits?\s+behind|blocked\s+(?:by|on)|gated\s+(?:by|on|behind)|downstream\s+(?:of|from)|(?:go(?:es)?|comes?)\s+after|follow|follows|held\s+up\s+by|stuck\s+(?:on|behind)|waiting\s+(?:on|for)|wait(?:s)?\s+(?:on|for)|needs?\s+to\s+wait\s+(?:for|on|until)|needs?|requires?|after|behind)|\bno\s+need\s+(?:for|of)|\bno\s+(?:longer\s+)?(?:dependency|dependent|blocked)\s+on)\s+(?:the\s+)?(?:task\s+)?(<KEYS>|it\b|that(?:\s+one)?\b|them\b)";
    /// The blocker first: "T-3 isn't blocking T-9 after all", "T-3 isn't a blocker
    /// for this anymore".
    UNDEPEND_INVERSE = r"\b(?:no\s+longer|isn't|is\s+not|aren't|are\s+not|doesn't|does\s+not|doesnt|don't|do\s+not|dont|not|never)\s+(?:actually\s+|really\s+|any\s*more\s+|any\s+longer\s+)?(?:blocking|blocks?|gates?|gating|precedes?|preceding|holds?\s+up|hold(?:s|ing)?\s+(?:this|it|that|<KEYS>)\s+up|(?:a\s+)?blocker\s+(?:for|of|on|to)|needed\s+(?:for|by)|required\s+(?:for|by)|a\s+prereq\w*\s+(?:for|of)|holding\s+up|(?:has|have|needs?)\s+to\s+(?:land|ship|go\s+(?:in|out)|happen|finish|merge|be\s+\w+)\s+(?:before|ahead\s+of))\s+(?:the\s+)?(?:task\s+)?(<KEYS>|this|it|that|us|me)";
    /// Taking a blocker off a task: "take T-3 off T-9's blockers", "remove T-3
    /// from T-9's dependencies", "cut the T-3 dependency from T-9".
    UNDEPEND_REMOVE = r"\b(?:take|remove|drop|cut|yeet|untie|delete|clear|strike|pull)(?:\s+out|\s+away)?\s+(?:the\s+)?(<KEYS>)\s+(?:dependency\s+|dep\s+|blocker\s+|link\s+|loose\s+)?(?:off|from|out\s+of|as\s+(?:a\s+)?(?:blocker|dependency|prereq\w*)\s+(?:of|for|on|to))\s+(?:the\s+)?(?:(?:list\s+of\s+)?(?:list|blockers|dependencies|deps|prereq\w*)\s+(?:of|for|on)\s+)?(?:what\s+)?(<KEYS>|this|it)\b";
    /// "cut T-823 loose from T-822": the first task freed from the second.
    CUT_LOOSE = r"\b(?:cut|set|let|break)\s+(<KEYS>)\s+(?:loose|free|away)\s+from\s+(<KEYS>)";
    /// A dependency taken back: "T-6 was depending on T-5 but we split it, so
    /// remove it", "T-6 -> T-5 dependency is wrong".
    RETRACTED = r"\b(?:remov(?:e|ing)|drop(?:ping)?|delet(?:e|ing)|undo(?:ing)?|kill(?:ing)?|cut(?:ting)?|scrap(?:ping)?)\s+(?:(?:it|that|this|them)\s*(?:$|[.!,;]|please|pls)|(?:the|that|this)\s+(?:dependency|link|dep|relation)\b)|\b(?:can|could|should|may)\s+(?:now\s+)?be\s+(?:removed|dropped|deleted|taken\s+off)\s+(?:as\s+(?:a\s+)?(?:dependency|blocker|prereq\w*)|from\s+(?:the\s+)?(?:dependencies|blockers|deps|prereq\w*))\b|\b(?:dependency|dep|link)\s+(?:is|was)\s+(?:wrong|incorrect|a\s+mistake|not\s+needed|obsolete|outdated)\b|\b(?:was|were)\s+(?:depending|dependent|blocked|waiting)\b.{0,80}?\b(?:not\s+any\s*more|no\s+longer|any\s*more)\b";
    /// "T-6 -> T-5": a dependency drawn as an arrow.
    ARROW = r"(<KEYS>)\s*(?:->|→|=>)\s*(<KEYS>)";
    /// No more a blocker, the thread's task or one named: "T-6216 is no longer a
    /// blocker here".
    NO_LONGER_BLOCKER = r"(?:\b(?:is|are|'s)\s+(?:no\s+longer|not)|\b(?:is|are)n't)\s+(?:a\s+)?(?:blocker|dependency|prereq\w*)(?:\s+(?:here|for\s+(?:this|it|us)|any\s*more))*\s*(?:$|[.!,;])";
    /// Going ahead anyway: "T-9 can go ahead without T-3" ("can't ... without" is a
    /// dependency: `can\s` does not match "can't").
    UNDEPEND_WITHOUT = r"\b(?:can|could|may|(?:good|free|ok|okay|fine|safe)\s+to)\s+(?:\w+\s+){0,3}?(?:without|w/o|w/out|independent(?:ly)?\s+(?:of|from)|regardless\s+of|irrespective\s+of)\s+(?:waiting\s+(?:(?:for|on)\s+)?)?(?:the\s+)?(?:task\s+)?(<KEYS>|it\b|that(?:\s+one)?\b|them\b)";
    /// "T-53 is decoupled from T-54 now".
    DECOUPLED = r"\b(?:(?:decoupled|detached|unlinked|unhooked|independent|free)\s+(?:from|of)|(?:unlink|decouple|detach|unhook|separate)\s+(?:this|it|that)(?:\s+one)?\s+from)\s+(?:the\s+)?(?:task\s+)?(<KEYS>)";
    /// "unblock port 8443", "unblock the user": the word in another sense.
    UNBLOCK_OTHER = r"\bunblock\s+(?:the\s+|our\s+|their\s+)?(?:ports?|ips?|traffic|access|egress|ingress|users?|accounts?|domains?|emails?|urls?|sites?|senders?|numbers?|countries|requests?|firewall)\b";
    /// "blocked IPs", "blocked users": the word in another sense.
    BLOCK_OTHER = r"\bblocked\s+(?:in|with|by)\s+(?:\w+\s+)?(?:meetings?|calls?|interviews?|appointments?)\b|\bblocked\s+(?:off|out)\s+(?:my|the|our)\s+(?:calendar|diary|afternoon|morning|day)\b|^blocked\s+(?:ips?|users?|accounts?|domains?|emails?|addresses|ports?|sites?|urls?|list|requests?|countries|traffic|senders?|calls?|numbers?|words?|keywords?)\b";
    /// "remove dependency T-14 -> T-2", "undepend T-14 from T-2".
    UNDEPEND_COMMAND = r"^(?:undepend|unlink|unhook|unhitch|untie|untangle|detach|decouple|(?:remove|removing|delete|deleting|drop|dropping|rm|del|kill|killing)\s+(?:the\s+|that\s+)?<KEYS>\s+(?:dependency|dep|link|blocker)|(?:remove|removing|delete|deleting|drop|dropping|clear|clearing|forget|cut|cutting|scratch|scrap|undo|cancel|rm|del|take\s+out|take\s+away|get\s+rid\s+of|kill|break|sever)\s+(?:the\s+)?(?:dependency|dependencies|dep|deps|link)(?:\s+(?:of|between|from|on|for))?|unblock\s+<KEYS>\s+from|(?:remove|removing|delete|deleting|drop|dropping|clear|clearing|cut|cutting|scratch|undo|take\s+out|take\s+away|get\s+rid\s+of|kill|break|sever)\s+(?:the\s+|that\s+)?<KEYS>\s*(?:->|→|=>)\s*<KEYS>\s+(?:dependency|dep|link|blocker))\b";
    /// The verb between the keys: "T-56 undepend T-55".
    UNDEPEND_INFIX = r"^(<KEYS>)\s+(?:undepend|unlink|detach|decouple)\s+(?:from\s+)?(<KEYS>)";
    /// A bare command: "depends T-3 T-2", "dep T-3, T-2".
    DEPEND_BARE = r"^(?:depends?|dep|deps)\s+(<KEY>)\s*,?\s+(<KEYS>)[\s.!]*$";
    /// A pronoun for a key named earlier: "we can ship this without it".
    EARLIER = r"^(?:it|that|that\s+one|them)\b";
    /// A condition, not news: "until the freeze is over".
    CONDITION = r"\b(?:until|till|once|when|after|unless|if)\b[^,.;!?]*$";
    /// Separates the dependent task from its blockers in a command.
    PAIR_SEPARATOR = r"->|→|=>|\bon\b|\bfrom\b|\bafter\b|\band\b";
    /// "block T-14 on T-2", "make T-2 depend on T-1", "add dependency T-2 -> T-1".
    DEPEND_COMMAND = r"^(?:block|depends?|make|set|mark|put|move|place|queue|schedule|slot|add\s+(?:a\s+)?(?:dependency|dependence|dep|blocker)(?:\s*:)?)\s*(<KEYS>)\s+(?:as\s+)?(?:on|after|->|→|=>|depends?\s+on|depend\s+on|dependent\s+on|waits?\s+(?:for|on)|blocked\s+by|needs?|behind|to\s+(?:wait\s+(?:for|on)|depend\s+on|come\s+after|go\s+after|follow))\s+(<KEYS>)";
    /// "I can't start T-30 until T-29 is merged", "can't proceed until legal signs".
    CANT_UNTIL = r"(?s)(?:can't|cannot|can\s+not|cant|won't\s+be\s+able\s+to|won't|shouldn't|should\s+not|mustn't|must\s+not)\s+(?:start|begin|do|work\s+on|touch|proceed|continue|move\s+(?:on|forward)|go(?:\s+(?:ahead|out|live|in))?|pick\s+up|ship|finish|merge|deploy|land|release|launch|happen|roll\s+out|be\s+(?:done|merged|shipped|deployed|released|started))(?:\s+(?:on|with))?\s*(<KEYS>|it|this|that)?(?:\s+[\w'\-]+){0,3}?\s+(?:until|till|til|before|without)\s+(.+)$";
    /// The blocked task first: "T-14 depends on T-13", "this needs T-6 first".
    FORWARD = r"\b(?:depends?\s+(?:on|from|of|to)(?:\s+all\s+(?:of\s+)?(?:these|those|the\s+following))?\s*:?|(?:prereqs?|prerequisites|deps|dependencies|blockers)\s*:|(?:is\s+)?(?:built|sits|stacked|goes)?\s*on\s+top\s+of|rides\s+on|(?:sequenced|scheduled|queued|ordered)\s+after|blocked\s+from\s+\w+\s+(?:by|on)|(?:has|have)\s+(?:a\s+)?(?:dependency|dependencies|dep)\s+on|depending\s+(?:on|from|of|to)|(?:blocked|held(?:\s+up)?|on\s+hold|parked|waiting|wait|waits)\s+(?:until|till|pending)|rel(?:y|ies|ying)\s+on|builds?\s+on|(?:should|must|will|can|has\s+to|(?:is|are)\s+to)\s+follow|(?:sequence|schedule|queue|slot)\s+(?:this|it)\s+(?:after|behind)|(?:is\s+|are\s+)?downstream\s+(?:of|from)(?:\s+(?:the\s+)?[\w\-]+){0,4}?|comes?\s+after|(?:is\s+|are\s+)?dependent\s+on|depends|(?:is\s+|are\s+)?blocked\s+(?:by|on)|(?:is\s+|are\s+)?(?:waiting|waits?)\s+(?:on|for)|needs?|requires?|follows(?:\s+on\s+from)?|(?:is\s+|are\s+)?behind|gated\s+(?:on|by)|held\s+up\s+by|stuck\s+(?:on|behind)|(?:(?:is|are)\s+)?(?:(?:both|all)\s+)?(?:contingent|conditional|dependant|predicated|hinges?|hinging)\s+(?:on|upon)|(?:is\s+|are\s+)?subject\s+to|awaiting|pending)\s+(?:the\s+)?(?:(?:completion|outcome|approval|sign-?off|delivery|result)\s+of\s+)?(?:task\s+|both\s+|all\s+of\s+|each\s+of\s+)?(<KEYS>)";
    /// "T-2 after T-1", or "after T-6" opening a thread reply. Elsewhere a bare
    /// "after" is too often about time ("merged right after T-4 landed").
    AFTER = r"(?:^(?:this|it|that)(?:\s+(?:one|task))?\s+|^|<KEYS>\s+(?:\w+\s+){0,2}?)(?:(?:comes?|goes(?:\s+in|\s+out)?|go(?:es)?\s+live|is|are|only|should\s+(?:go|come)(?:\s+in)?)\s+)?after\s+(<KEYS>)";
    /// The blocker first: "T-1 blocks T-2", "this is needed for T-14".
    INVERSE = r"\b(?:blocks|is\s+blocking|are\s+blocking|blocking|holds\s+up|is\s+holding\s+up|(?:must|has\s+to|have\s+to|needs?\s+to|should|gotta)\s+(?:be\s+\w+|land|ship|go(?:\s+out|\s+in)?|come|happen|finish|merge)\s+before(?:\s+(?:we|you|anyone|anybody|someone|somebody|they|i|people)\s+(?:can\s+)?(?:start|starts|begin|begins|touch|touches|pick\s+up|picks\s+up|work\s+on|works\s+on|close|ship|release|finish|merge|deploy))?|unlocks|enables|(?:is\s+|are\s+)?(?:as\s+)?(?:a\s+|the\s+)?blockers?\s+(?:of|for|to|on)|(?:is\s+|are\s+)?upstream\s+(?:of|from)|(?:is\s+|are\s+)?(?:as\s+)?(?:a\s+)?(?:dependency|prereq\w*|requirement)\s+(?:of|for|to)|comes?\s+before|goes\s+before|precedes|(?:must|should|has\s+to|have\s+to|needs?\s+to)\s+precede|(?:is\s+|are\s+)?(?:a\s+|the\s+)?predecessors?\s+(?:of|to)|(?:is\s+|are\s+)?needed\s+(?:for|by|before)|(?:is\s+|are\s+)?necessary\s+(?:for|before)|(?:is\s+|are\s+)?required\s+(?:for|by|before)|(?:is\s+|are\s+)?(?:a\s+|the\s+)?(?:hard\s+|strict\s+|firm\s+|key\s+)?prereq(?:uisite)?s?\s+(?:for|of)|gates)\s+(?:the\s+)?(?:task\s+|both\s+|all\s+of\s+|each\s+of\s+)?(<KEYS>|this(?:\s+one)?|it|us)\b";
    /// The blocker needs to go first: "T-4 needs to land first", "finish T-4 first".
    FIRST = r"(<KEYS>)\s+(?:needs?\s+to|has\s+to|must|should|will\s+have\s+to|gotta)\s+(?:land|ship|merge|go\s+(?:in|out)|happen|finish|be\s+(?:done|merged|finished|shipped|deployed|landed))\s+first\b|\b(?:do|finish|land|ship|merge|complete|deploy)\s+(<KEYS>)\s+(?:first|before\s+(?:this|that|it|<KEYS>))\b";
    /// The dependent task is only possible once another is done: "we can only
    /// start this once T-5 is merged", "T-9 only after T-8".
    ONLY_ONCE = r"\b(?:can|could|will|should|may)\s+only\s+(?:\w+\s+){0,4}?(?:once|after|when)\s+(<KEYS>)|\bonly\s+(?:(?:makes\s+sense|works|matters|helps|is\s+useful)\s+)?(?:once|after|when)\s+(<KEYS>)";
    /// "nothing we can do here before T-4 lands", in the waiting task's thread.
    NOTHING_WE_CAN_DO = r"^(?:there's\s+)?nothing\s+(?:we|i|you|anyone)\s+can\s+do\s+(?:here\s+|on\s+(?:this|it)\s+)?(?:before|until|till)\s+(<KEYS>)";
    /// "remove T-2199 as a dependency", in the thread of the task that had it.
    REMOVE_AS_DEPENDENCY = r"^(?:remove|drop|delete|take\s+out)\s+(<KEYS>)\s+as\s+(?:a\s+)?(?:blocker|dependency|prereq\w*)(?:\s*$|[\s,.;!])";
    /// "nothing on T-4 can happen before T-3 ships": a negation by its subject.
    NOTHING_BEFORE = r"\b(?:nothing|no\s+work)\s+(?:on|for|in)\s+(<KEYS>)\s+(?:\w+\s+){0,3}?(?:before|until|till)\s+(<KEYS>)";
    /// A task not to be started before another: "don't start T-655 before T-654
    /// is done".
    DONT_BEFORE = r"\b(?:don't|do\s+not|dont|never|no\s+one\s+should)\s+(?:let\s+(?:anyone|anybody|people|them)\s+)?(?:start|begin|touch|merge|ship|deploy|release|do|work\s+on|pick\s+up|kick\s+off)\s+(?:on\s+)?(<KEYS>)\s+(?:\w+\s+){0,2}?(?:before|until|till|prior\s+to)\s+(?:[\w']+\s+){0,3}?(<KEYS>)";
    /// "without T-844 we cannot make T-845".
    WITHOUT_WE_CANNOT = r"\bwithout\s+(?:the\s+)?(<KEYS>)\s*,?\s+(?:we|i|you|they)\s+(?:can't|cannot|can\s+not)\s+(?:\w+\s+){0,2}?(?:the\s+)?(<KEYS>)";
    /// "for T-389 we need before the T-388", "for T-5090 we need first that
    /// T-5091 is finished".
    FOR_WE_NEED = r"^for\s+(<KEYS>)\s*,?\s+(?:we|i|you)\s+(?:need|require)\s+(?:before\s+|first\s+)?(?:that\s+)?(?:the\s+)?(<KEYS>)";
    /// "T-233 only is possible when T-232 is merged".
    ONLY_POSSIBLE = r"\b(?:only\s+is|is\s+only)\s+possible\s+(?:once|after|when|if)\s+(<KEYS>)";
    /// An order: "first T-308, then T-309".
    FIRST_THEN = r"\bfirst\s+(?:[\w\-]+\s+){0,4}?(<KEYS>)\s*[,;]?\s*(?:and\s+)?then\s+(?:[\w\-]+\s+){0,4}?(<KEYS>)";
    /// An order named: "order is T-410 then T-411".
    ORDER_IS = r"\border\s*(?:is|:)\s*(<KEYS>)\s*(?:,\s*|\s+)(?:then\s+|->\s*|→\s*|>\s*)(<KEYS>)";
    /// An order, the other way: "T-5018 first, then T-5019".
    FIRST_THEN_AFTER = r"(<KEYS>)\s+first\s*[,;]?\s*(?:and\s+)?then\s+(<KEYS>)";
    /// "do T-1 before T-2", "we need T-1 finished before starting T-2".
    BEFORE = r"(<KEYS>)\s+(?:\w+\s+){0,3}?before\s+(?:(?:starting|doing|beginning|touching|shipping|(?:we|you|they|anyone)\s+(?:can\s+)?\w+)\s+)?(<KEYS>)";
    /// A verb held back just before a "T-2 ... before T-1": the first key waits.
    HELD_LEAD = r"(?:can't|cannot|can\s+not|cant|won't|wont|shouldn't|mustn't|must\s+not|not\s+possible\s+to|unable\s+to)\s+(?:[\w'\-]+\s+){0,6}$";
    /// The dependent task first in a "before" clause: "before T-6 we need T-5 in
    /// prod".
    BEFORE_LEAD = r"^before\s+(?:(?:starting|doing|we\s+start|we\s+do)\s+)?(<KEYS>)\s*,?\s+(?:we|you|i|they)\s+(?:\w+\s+){0,4}?(<KEYS>)";
    /// "without T-5, T-6 is not possible".
    WITHOUT_NOT = r"\bwithout\s+(<KEYS>)\s*,?\s+(?:the\s+)?(<KEYS>)\s+(?:is\s+not|isn't|is\s+impossible|not|can't|cannot|won't)\b";
    /// Any verb held back by tasks: "we can't send the press kit until T-33 is
    /// retouched", "not possible to start this before T-48 is out".
    HELD_BACK = r"(?:\bnothing\s+(?:happens|moves|starts|ships|goes)|can't|cannot|can\s+not|cant|won't|shouldn't|mustn't|must\s+not|not\s+possible\s+to|impossible\s+to|no\s+way\s+to|(?:shall|will)\s+not\s+be\s+able\s+to|won't\s+be\s+able\s+to|unable\s+to)\s+(?:really\s+|even\s+|actually\s+)?(?:[\w'\-]+\s+){1,6}?(?:until|till|til|before|without|prior\s+to|while)\s+(.+)$";
    /// "T-487 isn't holding this up anymore": the blocker first.
    UNDEPEND_HOLD = r"(<KEYS>)\s+(?:no\s+longer|isn't|is\s+not|aren't|are\s+not|doesn't|don't|does\s+not|do\s+not)\s+(?:really\s+)?hold(?:s|ing)?\s+(this|it|that|<KEYS>)\s+up\b";
    /// In a thread, a key named and then waited on by pronoun: "escalated to
    /// T-512, waiting on that", "we're stuck until that's fixed".
    WAITING_ON_EARLIER = r"(<KEYS>)\b.{0,60}?\b(?:waiting|wait|stuck|blocked)\s+(?:on|for|until|till)\s+(?:that|it|them)(?:\s+one)?\b";
    /// "drop T-616's dependency on T-617".
    POSSESSIVE_DEPENDENCY = r"\b(?:drop|remove|delete|cut|kill|clear|scrap)\s+(<KEYS>)'s\s+(?:dependency|dep|link|blocker)\s+(?:on|to|from)\s+(<KEYS>)";
    /// "gate this on T-188", "also block T-532 on T-529" in a thread or not.
    THIS_ON = r"^(?:gate|block|hold|park)\s+(?:this|it)(?:\s+one)?\s+(?:on|behind|until)\s+(<KEYS>)";
    /// "new dependency for T-567: T-561".
    NEW_DEPENDENCY = r"\b(?:new|add)\s+(?:a\s+)?(?:dependency|dep|blocker)\s+(?:for|on)\s+(<KEYS>)\s*:\s*(<KEYS>)";
    /// The thread's task as the blocker: "T-9 has to wait for this one".
    WAITS_FOR_THIS = r"(<KEYS>)\s+(?:\w+\s+){0,2}?(?:(?:waits?|waiting|depends?|is\s+blocked|is\s+dependent|is\s+gated|hinges?|sits)\s+(?:on|for|by|behind)\s+(?:this|it)(?:\s+one|\s+task)?\b|needs?\s+(?:this|it)(?:\s+one)?\s+(?:(?:done|finished|merged|landed|shipped)\s+)?first\b|(?:can|should|will|could)\s+(?:go|come|start|happen)\s+after\s+(?:this|it)(?:\s+one)?\b)";
    /// The thread's task finishing as what a task waits for: "until we finish
    /// this", "until this lands".
    UNTIL_THIS = r"^(?:we\s+|i\s+|you\s+)?(?:finish|ship|land|merge|complete|close|do|wrap\s+up)\s+(?:this|it)(?:\s+one)?\b|^(?:this|it)(?:\s+one)?\s+(?:is\s+\w+|gets\s+\w+|lands|ships|merges)\b";
    /// Clearing an external blocker.
    UNBLOCK = r"\bunblock(?:ed|ing|s)?\b|\b(?:resuming|resumed|can\s+(?:now\s+)?resume)\b|\b(?:no\s+longer|not)\s+(?:being\s+)?held\s+up\b|\b(?:lift|lifting|remove|removing|clear|clearing)\s+the\s+(?:block|blocker|hold)\b|\bun-?(?:paus|park|freez)(?:e|ed|ing)\b|\b(?:hold|block|blocker|freeze|pause)\s+(?:is\s+|now\s+)*(?:lifted|cleared|removed|over)\b|\bback\s+in\s+play\b|\b(?:we|you)\s+can\s+(?:now\s+)?go\s+on\b|\b(?:we're|we\s+are|it's|it\s+is)\s+back\s+on\b|\bunstuck\b|\bgood\s+to\s+go\s+again\b|<KEYS>\s+is\s+(?:now\s+)?good\s+to\s+go\b|\b(?:can|could)\s+(?:now\s+)?(?:carry\s+on|move\s+forward|get\s+going)\b|\bback\s+in\s+business\b|\b(?:not|no\s+longer)\s+(?:any\s*more\s+)?(?:blocked|stuck)\b|\bblocker\s+can\s+go\b|\btake\s+(?:the\s+)?(?:hold|block|blocker)\s+off\b|[,;]\s*(?:resum(?:e|ed|ing)|continuing|carrying\s+on|proceeding)[\s!.]*$|\b(?:we're|we\s+are|it's|it\s+is|things\s+are|we\s+can\s+get)\s+(?:moving|going|rolling)\s+again\b|(?:^|[,;.]\s*)(?:moving|going|rolling)\s+again\b|\b(?:blocking|holding\s+up)\s+<KEYS>\b.{0,60}?\b(?:is|are|has\s+been|have\s+been|was|got)\s+(?:now\s+)?(?:gone|cleared|resolved|removed|lifted|fixed|over|sorted)\b|\b(?:no\s+longer|not)\s+(?:blocked|stuck|waiting|on\s+hold)\b|\b(?:blocked|stuck)\s+no\s+(?:more|longer)\b|\bblocker(?:'s|s)?\s+(?:is\s+|are\s+|has\s+been\s+|have\s+been\s+|was\s+|got\s+)?(?:gone|cleared|resolved|removed|lifted|fixed)\b|\b(?:clear|remove|lift|drop|release)\s+(?:the\s+)?(?:<KEY>'s\s+)?(?:external\s+|vendor\s+)?(?:block|blocker|hold)\b|\bunfreeze\b|\boff\s+hold\b|\b(?:may|can)\s+now\s+(?:proceed|continue|go\s+ahead|resume)\b|\b(?:clear|good|free|ok|okay)\s+to\s+(?:proceed|continue|go\s+ahead|resume)\b|\bremove\s+the\s+(?:blocked|on[\s\-]hold|hold)\s+(?:status|flag|state|label)\b|\b(?:blocker|block|hold|freeze)\b(?:\s+[\w\-']+){0,3}?\s+(?:is|are|has\s+been|have\s+been|was|got|can\s+be)\s+(?:now\s+)?(?:gone|cleared|resolved|removed|lifted|fixed|over|sorted|released)\b|\b(?:isn't|is\s+not|aren't|are\s+not)\s+(?:blocked|stuck|on\s+hold)\s+any\s*(?:more|longer)\b|\bcan\s+(?:move|proceed|continue|go\s+ahead|resume)\s+(?:again|now)\b|\bfree\s+to\s+(?:go|start|proceed|move)\b|\bcan\s+(?:continue|proceed|resume)\s*(?:$|[.!,;]|now\b|again\b)|^resum(?:e|ed|ing)\b|\bresum(?:e|ed|ing)\s+(?:<KEYS>|it|this|work)\b";
    /// A negation just before a word: "still not unblocked", "don't cancel".
    NEGATED = r"(?:\bnot|n't|\bnever|\bdont|\bno\s+need\s+to|\bstill)\s+(?:\w+\s+)?$";
    /// "blocked T-40 waiting on legal", "blocked: vendor hasn't sent the keys".
    BLOCK_COMMAND = r"(?s)^(?:blocked|block|stuck|on\s+hold|hold|put\s+on\s+hold|park|parking|parked|pause|paused|pausing|freeze|frozen|mothball(?:ed|ing)?|shelved|on\s+ice)\b[\s,]*(<KEYS>|it|this)?[\s:,\-–—]*(?:(?:on|by|because(?:\s+of)?|due\s+to|as|since|until|till|pending)\b[\s:]*)?(.*)$";
    /// "mark T-373 as blocked: no budget until January".
    MARK_BLOCKED = r"(?s)^(?:mark|set|flag)\s+(<KEYS>|it|this)\s+(?:as\s+)?(?:blocked|stuck|on\s+hold|held\s+up|paused|parked|on\s+ice)\b[\s:,\-–—]*(?:(?:on|by|because(?:\s+of)?|due\s+to|until)\b[\s:]*)?(.*)$";
    /// "T-374 cannot proceed because we don't have prod credentials", "can't
    /// continue, the staging DB is down".
    CANNOT_PROCEED = r"(?s)(?:(<KEYS>)\s+|^(?:we\s+|i\s+)?)(?:can't|cannot|can\s+not|unable\s+to|impossible\s+to|not\s+possible\s+to)\s+(?:proceed|continue|progress|advance|move\s+(?:on|forward)|move|go\s+on|go\s+ahead|go\s+(?:any\s+)?further|get\s+(?:any\s+)?further)\b(?:\s+(?:with\s+)?(?:it|this|that))?[\s,:;\-–—]*(?:(?:because(?:\s+of)?|since|as|due\s+to)\b\s*)?(.+)$";
    /// "T-40 is blocked on legal review", "we're stuck because ...".
    BLOCK_STATE = r"(?s)(?:(<KEYS>)\s*(?:(?:is|are|'s|got|gets|getting|has\s+been|have\s+been|was|were)\s+)?|\b(?:this|it|we|i|that)\s*(?:is|are|am|'s|'m|'re|got|gets|getting|has\s+been|have\s+been|was|were)\s+)(?:currently\s+|still\s+|now\s+|totally\s+|completely\s+)?(?:blocked|stuck|stalled|on\s+hold|held\s+up|on\s+ice|on\s+pause|paused|parked|frozen|stopped\s+for\s+now)\b[\s:,\-–—]*(?:(?:on|by|because(?:\s+of)?|due\s+to|until|as|since)\b[\s:]*)?(.*)$";
    /// "put T-40 on hold until Q3".
    ON_HOLD = r"(?s)\b(?:put|keep|leave)\s+(<KEYS>|it|this|that)\s+on\s+(?:hold|ice|pause)\b[\s,:\-–—]*(?:(?:until|because(?:\s+of)?|due\s+to|for|as|since)\b\s*)?(.*)$";
    /// "waiting on legal", "still waiting for the vendor's keys".
    WAITING = r"(?s)\b(?:(?:waiting|waits)\s+(?:on|for)|awaiting)\s+.+$";
    /// Routine waits inside the team's own process, not external blockers:
    /// "waiting for CI", "waiting on the build".
    ROUTINE_WAIT = r"^(?:(?:waiting|waits)\s+(?:on|for)|awaiting)\s+(?:(?:the|a|an|my|our|one|two|\d+|final|last|another|more)\s+)*(?:ci|build|builds|tests?|pipeline|checks|deploy|rollout|merge|(?:code\s+|pr\s+)?reviews?|approvals?|qa|lgtm|release\s+train|next\s+release|release|deploy\s+window|green\s+build|review\s+from\s+@\w+|changelog|release\s+notes|docs)\b";
    /// A later clause saying the task is blocked: "not finished, blocked on the test
    /// data".
    BLOCK_CLAUSE = r"(?s)[,;.]\s*(?:but\s+|and\s+|still\s+|currently\s+|now\s+)*(?:blocked|stuck)\s+(?:on|by|because(?:\s+of)?|due\s+to)\b\s*(.+)$";
}

/// `T-14 no longer depends on T-13`, `remove dependency T-14 -> T-2`, `undepend`.
pub(super) fn undepend(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let text = ctx.text;
    let (tasks, blockers) = if let Some(found) = UNDEPEND_PHRASE
        .captures(masked)
        .or_else(|| UNDEPEND_WITHOUT.captures(masked))
        .or_else(|| DECOUPLED.captures(masked))
    {
        let (phrase, keys) = (found.get(0)?, found.get(1)?);
        if EARLIER.is_match(keys.as_str()) {
            // "nvm about T-70, we can ship this without it": the key named
            // before is the blocker, the thread's task the subject.
            (Vec::new(), text.keys_in(0..phrase.start()))
        } else {
            (text.keys_in(0..phrase.start()), text.keys_in(keys.range()))
        }
    } else if let Some(found) = UNDEPEND_HOLD.captures(masked) {
        let held = found.get(2)?;
        let tasks = if EARLIER.is_match(held.as_str()) || held.as_str().eq_ignore_ascii_case("this")
        {
            Vec::new()
        } else {
            text.keys_in(held.range())
        };
        (tasks, text.keys_in(found.get(1)?.range()))
    } else if let Some(found) = UNDEPEND_INFIX
        .captures(masked)
        .or_else(|| CUT_LOOSE.captures(masked))
        .or_else(|| POSSESSIVE_DEPENDENCY.captures(masked))
    {
        (
            text.keys_in(found.get(1)?.range()),
            text.keys_in(found.get(2)?.range()),
        )
    } else if let Some(found) = UNDEPEND_INVERSE.captures(masked) {
        let (phrase, keys) = (found.get(0)?, found.get(1)?);
        (text.keys_in(keys.range()), text.keys_in(0..phrase.start()))
    } else if let Some(found) = NO_LONGER_BLOCKER.find(masked) {
        // The blocker is named before the phrase; the task is the thread's.
        (Vec::new(), text.keys_in(0..found.start()))
    } else if let Some(found) = REMOVE_AS_DEPENDENCY.captures(masked) {
        (Vec::new(), text.keys_in(found.get(1)?.range()))
    } else if let Some(found) = UNDEPEND_REMOVE.captures(masked) {
        (
            text.keys_in(found.get(2)?.range()),
            text.keys_in(found.get(1)?.range()),
        )
    } else if let Some(command) = UNDEPEND_COMMAND.find(masked) {
        // "remove the dependency on lodash" in a thread is talk about code.
        if !ctx.explicit() && text.keys().is_empty() {
            return None;
        }
        pair(ctx, command.start()..masked.len())
    } else if RETRACTED.is_match(masked) {
        match ARROW.captures(masked) {
            Some(found) => (
                text.keys_in(found.get(1)?.range()),
                text.keys_in(found.get(2)?.range()),
            ),
            // "t-665 isn't needed here, dropping the dep" in T-664's thread: the
            // thread's task no longer waits on the keys named.
            None => dependency(ctx).or_else(|| {
                let keys = text.keys();
                let thread = ctx.thread?;
                (!keys.is_empty() && !keys.contains(&thread)).then(|| (vec![thread], keys))
            })?,
        }
    } else {
        return None;
    };
    if one_sided(ctx, &tasks, &blockers) {
        return None;
    }
    Some(relation(
        ctx,
        tasks,
        blockers,
        "undepend",
        |tasks, blockers| Intent::Undepend { tasks, blockers },
    ))
}

/// `T-14 depends on T-13`, `block T-14 on T-2`, `this needs T-6 first`, `T-1 blocks
/// T-2`, and "can't start T-30 until ..." (an external block when no task follows).
pub(super) fn depend(ctx: &Ctx<'_>) -> Option<Intent> {
    let (tasks, blockers) = dependency(ctx)?;
    if blockers.is_empty() || (one_sided(ctx, &tasks, &blockers) && ctx.mode != Mode::Command) {
        return None;
    }
    Some(relation(
        ctx,
        tasks,
        blockers,
        "depend",
        |tasks, blockers| Intent::Depend { tasks, blockers },
    ))
}

/// Whether a relation names only its blockers, with no thread to be about: "we
/// don't need T-721 anymore" is about T-721 itself (a cancel), and "we need T-5"
/// is talk. A `/baton` command gets help on the verb instead.
fn one_sided(ctx: &Ctx<'_>, tasks: &[TaskKey], blockers: &[TaskKey]) -> bool {
    let others = ctx
        .text
        .keys()
        .into_iter()
        .any(|key| !blockers.contains(&key));
    tasks.is_empty() && ctx.thread.is_none() && !others
}

/// The subject and blocker keys of a dependency phrase, if there is one.
fn dependency(ctx: &Ctx<'_>) -> Option<(Vec<TaskKey>, Vec<TaskKey>)> {
    let masked = ctx.masked();
    let text = ctx.text;
    if let Some(found) = DEPEND_COMMAND
        .captures(masked)
        .or_else(|| DEPEND_BARE.captures(masked))
    {
        return Some((
            text.keys_in(found.get(1)?.range()),
            text.keys_in(found.get(2)?.range()),
        ));
    }
    if let Some(found) = CANT_UNTIL.captures(masked) {
        let (whole, rest) = (found.get(0)?, found.get(2)?);
        let mut tasks = text.keys_in(0..whole.start());
        tasks.extend(
            found
                .get(1)
                .map(|m| text.keys_in(m.range()))
                .unwrap_or_default(),
        );
        let blockers = text.keys_in(rest.range());
        if blockers.is_empty()
            && let Some(thread_blocks) = held_back(ctx)
        {
            return Some(thread_blocks);
        }
        return Some((tasks, blockers));
    }
    if let Some(found) = FIRST_THEN
        .captures(masked)
        .or_else(|| FIRST_THEN_AFTER.captures(masked))
        .or_else(|| ORDER_IS.captures(masked))
    {
        return Some((
            text.keys_in(found.get(2)?.range()),
            text.keys_in(found.get(1)?.range()),
        ));
    }
    if let Some(found) = WAITS_FOR_THIS
        .captures(masked)
        .filter(|_| ctx.thread.is_some())
    {
        return Some((
            text.keys_in(found.get(1)?.range()),
            ctx.thread.into_iter().collect(),
        ));
    }
    if ctx.thread.is_some()
        && let Some(found) = WAITING_ON_EARLIER.captures(masked)
    {
        return Some((Vec::new(), text.keys_in(found.get(1)?.range())));
    }
    if let Some(found) = THIS_ON.captures(masked) {
        return Some((Vec::new(), text.keys_in(found.get(1)?.range())));
    }
    if let Some(found) = NEW_DEPENDENCY.captures(masked) {
        return Some((
            text.keys_in(found.get(1)?.range()),
            text.keys_in(found.get(2)?.range()),
        ));
    }
    if let Some(found) = WITHOUT_WE_CANNOT.captures(masked) {
        return Some((
            text.keys_in(found.get(2)?.range()),
            text.keys_in(found.get(1)?.range()),
        ));
    }
    if let Some(found) = NOTHING_WE_CAN_DO.captures(masked) {
        return Some((Vec::new(), text.keys_in(found.get(1)?.range())));
    }
    if let Some(found) = NOTHING_BEFORE
        .captures(masked)
        .or_else(|| FOR_WE_NEED.captures(masked))
        .or_else(|| DONT_BEFORE.captures(masked))
        .or_else(|| BEFORE_LEAD.captures(masked))
    {
        return Some((
            text.keys_in(found.get(1)?.range()),
            text.keys_in(found.get(2)?.range()),
        ));
    }
    if let Some(found) = FORWARD
        .captures(masked)
        .or_else(|| AFTER.captures(masked))
        .or_else(|| ONLY_ONCE.captures(masked))
        .or_else(|| ONLY_POSSIBLE.captures(masked))
    {
        // The subject is every key before the blockers (AFTER's match includes it).
        let keys = found.get(1).or_else(|| found.get(2))?;
        return Some((text.keys_in(0..keys.start()), text.keys_in(keys.range())));
    }
    if let Some(found) = FIRST.captures(masked) {
        let blockers = text.keys_in(found.get(1).or_else(|| found.get(2))?.range());
        let others = text
            .keys()
            .into_iter()
            .filter(|key| !blockers.contains(key));
        return Some((others.collect(), blockers));
    }
    if let Some(found) = INVERSE.captures(masked) {
        let (phrase, keys) = (found.get(0)?, found.get(1)?);
        let (named, targets) = (text.keys_in(0..phrase.start()), text.keys_in(keys.range()));
        // "T-5 blocks this" in a thread; but in "the flaky test is blocking it"
        // neither side is a task.
        if !named.is_empty() || !targets.is_empty() {
            return Some((targets, ctx.subject(named)));
        }
    }
    if let Some(found) = BEFORE
        .captures(masked)
        .filter(|found| {
            // "we can't start T-2 before T-1 is out": the first key waits.
            let lead = masked.get(..found.get(0).map_or(0, |m| m.start()));
            !lead.is_some_and(|lead| HELD_LEAD.is_match(lead))
        })
        .or_else(|| WITHOUT_NOT.captures(masked))
    {
        return Some((
            text.keys_in(found.get(2)?.range()),
            text.keys_in(found.get(1)?.range()),
        ));
    }
    held_back(ctx)
}

/// "we can't send the press kit (T-32) until T-33 is retouched": any verb held
/// back until tasks are done, or, in a thread, until "we finish this".
fn held_back(ctx: &Ctx<'_>) -> Option<(Vec<TaskKey>, Vec<TaskKey>)> {
    let text = ctx.text;
    let found = HELD_BACK.captures(ctx.masked())?;
    let (whole, rest) = (found.get(0)?, found.get(1)?);
    let blockers = text.keys_in(rest.range());
    let tasks = text.keys_in(0..rest.start());
    if !blockers.is_empty() {
        return Some((tasks, blockers));
    }
    let thread = ctx.thread?;
    if !tasks.is_empty() && EARLIER.is_match(rest.as_str()) {
        // "rebased on T-29, so this can't merge until that one does".
        return Some((Vec::new(), tasks));
    }
    (!tasks.is_empty() && UNTIL_THIS.is_match(rest.as_str()) && whole.start() < rest.start())
        .then(|| (tasks, vec![thread]))
}

/// The dependent tasks and their blockers in a command's tail: "T-14 -> T-2",
/// "T-14 on T-2", or, in a thread, just the blockers.
fn pair(ctx: &Ctx<'_>, tail: Range<usize>) -> (Vec<TaskKey>, Vec<TaskKey>) {
    let text = ctx.text;
    let tail_text = text.masked().get(tail.clone()).unwrap_or_default();
    if let Some(separator) = PAIR_SEPARATOR.find(tail_text) {
        let split = tail.start + separator.start();
        let tasks = text.keys_in(tail.start..split);
        // "between T-70 and T-71, T-70 no longer needs it": a key named again
        // after the pair is still the dependent task.
        let blockers: Vec<TaskKey> = text
            .keys_in(split..tail.end)
            .into_iter()
            .filter(|key| !tasks.contains(key))
            .collect();
        if !tasks.is_empty() && !blockers.is_empty() {
            return (tasks, blockers);
        }
    }
    let keys = text.keys_in(tail);
    match (ctx.thread, keys.split_first()) {
        (Some(_), _) if keys.len() == 1 => (vec![], keys),
        (_, Some((first, rest))) => (vec![*first], rest.to_vec()),
        _ => (vec![], vec![]),
    }
}

/// A relation intent with the subject resolved, or help when a side is missing.
/// The relation said between `tasks` and `blockers`, or help on `verb` when a
/// side is missing; a relation only guessed at ("maybe this depends on T-301?
/// not sure yet", "T-51 might depend on T-49, I'm checking") is a note on its
/// subject.
pub(super) fn relation(
    ctx: &Ctx<'_>,
    tasks: Vec<TaskKey>,
    blockers: Vec<TaskKey>,
    verb: &str,
    make: fn(Vec<TaskKey>, Vec<TaskKey>) -> Intent,
) -> Intent {
    // "after T-310 is done, T-311 can go": the subject comes after the blockers.
    let tasks = if tasks.is_empty() {
        let others = ctx.text.keys().into_iter();
        others.filter(|key| !blockers.contains(key)).collect()
    } else {
        tasks
    };
    let tasks: Vec<TaskKey> = ctx
        .subject(tasks)
        .into_iter()
        .filter(|task| !blockers.contains(task))
        .collect();
    if tasks.is_empty() || blockers.is_empty() {
        help_on(verb)
    } else if GUESSED_RELATION.is_match(ctx.masked()) {
        Intent::Note {
            tasks,
            text: ctx.note_text(),
        }
    } else {
        make(tasks, blockers)
    }
}

/// `unblock T-40`, "keys arrived, unblocked", "no longer blocked".
pub(super) fn unblock(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let found = UNBLOCK.find(masked)?;
    if UNBLOCK_OTHER.is_match(masked) || CONDITION.is_match(tail(&masked[..found.start()], 48)) {
        return None;
    }
    let before = tail(masked.get(..found.start()).unwrap_or_default(), 32);
    let negated = found.as_str().to_lowercase().starts_with("un") && NEGATED.is_match(before);
    (!negated).then(|| {
        ctx.on_subject(ctx.text.keys(), "unblock", |tasks| Intent::Unblock {
            tasks,
        })
    })
}

/// `blocked T-40 waiting on legal review`, "blocked: vendor hasn't sent the keys",
/// "T-40 is stuck on ...", "waiting on legal".
pub(super) fn block(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    if BLOCK_OTHER.is_match(masked) {
        return None;
    }
    let text = ctx.text;
    let reason_of =
        |m: Option<regex_lite::Match<'_>>| m.map_or(String::new(), |m| tidy(text.slice(m.range())));
    let (named, reason) = if let Some(found) = BLOCK_COMMAND
        .captures(masked)
        .or_else(|| BLOCK_STATE.captures(masked))
        .or_else(|| ON_HOLD.captures(masked))
        .or_else(|| MARK_BLOCKED.captures(masked))
        .or_else(|| CANNOT_PROCEED.captures(masked))
    {
        let named = found
            .get(1)
            .map(|m| text.keys_in(m.range()))
            .unwrap_or_default();
        (named, reason_of(found.get(2)))
    } else if let Some(found) = BLOCK_CLAUSE.captures(masked) {
        (
            text.keys_in(0..found.get(0)?.start()),
            reason_of(found.get(1)),
        )
    } else if let Some(found) = WAITING.find(masked) {
        if ROUTINE_WAIT.is_match(found.as_str()) {
            return None;
        }
        (
            text.keys_in(0..found.start()),
            tidy(text.slice(found.range())),
        )
    } else if let Some(found) = CANT_UNTIL.captures(masked) {
        let whole = found.get(0)?;
        let mut named = text.keys_in(0..whole.start());
        named.extend(
            found
                .get(1)
                .map(|m| text.keys_in(m.range()))
                .unwrap_or_default(),
        );
        (named, reason_of(found.get(2)))
    } else {
        return None;
    };
    Some(ctx.on_subject(named, "block", |tasks| Intent::Block { tasks, reason }))
}
