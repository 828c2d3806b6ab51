//! Requests that change a task's state or owner: note, reopen, cancel, assign,
//! done, start.

use super::Intent;
use super::completion;
use super::context::{Ctx, help_on};
use super::text::{tail, tidy};

patterns! {
    /// "snooze T-2", "snooze", "remind me about T-2 tomorrow".
    SNOOZE = r"^(?:snooze\b|remind\s+me\b.*\b(?:tomorrow|later|in\s+the\s+morning)\b)";
    /// `note T-15 <text>`, `add a note to T-15: <text>`, `comment: <text>`.
    NOTE = r"^(?:note|comment|add\s+(?:a\s+)?(?:note|comment))\b(?:\s+(?:to|on|for))?[\s:,\-–—]*(<KEYS>)?[\s:,\-–—]*";
    /// A word that starts like the verb: "add Note-taking template" is a task.
    NOT_NOTE = r"^(?:add\s+(?:a\s+)?)?(?:note|comment)-";
    /// "FYI ...", "heads up ...": the whole message is the note.
    FYI = r"^(?:fyi|heads\s+up|btw|psa)\b";
    /// Reopening: `reopen`, "T-12 isn't actually done", "not done after all".
    REOPEN = r"\bre-?open(?:ed|ing|s)?\b|\b(?:undo|revert|reverse)\s+(?:the\s+)?(?:cancel|cancellation|close|closing)\b|\bun-?cancel\b|\b(?:is\s+not|isn't|isnt|was\s+not|wasn't|wasnt|not|aren't|are\s+not|never)\s+(?:actually|really|truly)\s+(?:done|finished|complete|completed|fixed|merged|shipped|deployed|live|working)\b|(?:\bnot|n't|\bisnt|\bwasnt)\s+(?:actually\s+|really\s+)?(?:done|finished|complete|completed|fixed|merged|shipped|deployed|live|resolved|working)\s+(?:after\s+all|any\s*more|any\s+longer)\b|\b(?:regressed|broke\s+again|broken\s+again|failing\s+again|happening\s+again)\b|\b(?:closed|marked)\s+(?:it\s+|this\s+|<KEYS>\s+)?(?:as\s+)?(?:done\s+|complete\s+|finished\s+|closed\s+)?(?:too\s+(?:soon|early)|prematurely|by\s+mistake|by\s+accident|accidentally|in\s+error)\b|\breinstate\b|\breactivat(?:e|ed|ing)\b|\bopen\s+again\s+(?:<KEYS>|it|this)\b|\b(?:it's|it\s+is|this\s+is|so\s+it's)\s+(?:back\s+)?open\s+again\b|\b(?:ticked|crossed|checked)\s+(?:this|it|that|<KEYS>)\s+off\s+(?:too\s+(?:early|soon)|by\s+mistake|prematurely)\b|\bopen\s+(?:it|this|that|<KEYS>)\s+again\b|\bbring\s+(?:it|this|that|<KEYS>)\s+back\b|\b(?:i\s+was\s+wrong|my\s+bad|scratch\s+that)\b[\s,:;.—–\-]+(?:it's|it\s+is|this\s+is|that's|<KEYS>\s+is|<KEYS>'s)\s*(?:not|n't)\s+(?:done|finished|fixed|complete|merged|shipped|live)\b|^(?:undone|un-done|undo)\s+(?:<KEYS>|it|this)\b|\bmark\s+(?:<KEYS>\s+|it\s+|this\s+)?(?:as\s+)?(?:not\s+done|undone|open|todo|incomplete)\b|\b(?:undo|scratch|revert|take\s+back)\s+(?:the\s+)?(?:done|completion|close)\b|\bpull(?:ing|ed)?\s+(?:it|this|that|<KEYS>)\s+back\s+open\b|\bback\s+to\s+(?:in\s+progress|open|todo|to-do)\b";
    /// Taking back a completion: "scratch that, T-7 isn't done", "turns out it's
    /// not done", "T-4 shouldn't have been marked done", "broke again in prod".
    RETRACTION = r"^(?:oops|whoops|scratch\s+that|sorry|my\s+bad|correction|actually|turns\s+out|update|wait(?:\s*,?\s*no)?)\b.{0,80}?(?:\b(?:is\s+not|was\s+not|not|never)|n't)\s+(?:done|finished|complete|fixed|merged|shipped|deployed|live|working)\b|\b(?:shouldn't|should\s+not)\s+have\s+been\s+(?:marked|closed|finished)\b|\bmarked\s+(?:as\s+)?(?:done|complete|finished|closed)\s+(?:by\s+mistake|too\s+early|too\s+soon|prematurely|by\s+accident|accidentally)\b|\b(?:broke|broken|failing|fails|crashing|regressed)\s+again\b|\b(?:bug|issue|problem|error|crash)(?:\s+is|'s)\s+back\b";
    /// A block asked for first: "mark T-358 blocked, the printer broke again" is
    /// not a regression of the task.
    BLOCK_FIRST = r"^(?:(?:mark|set|flag)\s+(?:<KEYS>|it|this)\s+(?:as\s+)?(?:blocked|stuck|on\s+hold)|block(?:ed)?\s+(?:<KEYS>|it|this))\b";
    /// "isn't done yet": it never was, so nothing is taken back.
    NEVER_DONE = r"\byet\b";
    /// Cancelling by command: `cancel T-50`, `drop it`, "let's scrap this".
    CANCEL_COMMAND = r"^<KEYS>\s*[:\-–—]?\s*(?:cancel|drop|scrap|kill|ditch|bin)(?:\s+(?:it|this))?[\s!.]*$|^(?:let's\s+|we\s+should\s+|we'll\s+)?(?:cancel|drop|kill|scrap|abandon|axe|shelve|descope|nix|nuke|yeet|cut|annul|erase|delete|ditch|bin|trash|void|withdraw|strike)(?:\s+off)?(?:\s+(?:it|this|that|this\s+one|that\s+one|the\s+task|<KEYS>)\b|[\s!.]*$|\s*[,;—–]\s)|^(?:cancel+ed|scrapped|dropped|descoped|abandoned|binned|ditched|cancel+ing|scrapping|dropping|descoping)\s*(?:$|[!.,:;—–\-]|[^\x00-\x7F])|[,;.!—–\-]\s*(?:(?:so|please|pls|kindly|just|then|and|let's|we\s+can|we\s+should)\s+)*(?:cancel|drop|scrap|kill|ditch|bin|axe|cancel+ing|cancel+ed|scrapping|dropping|killing|binning|ditching|axing)(?:\s+off)?(?:\s+(?:it|this|that|this\s+one|that\s+one|the\s+task|both|them|all|<KEYS>))?(?:\s+please)?(?:[\s!.]|[^\x00-\x7F])*$|^mark\s+(?:<KEYS>|it|this)\s+(?:as\s+)?(?:cancel+ed|dropped|abandoned|obsolete|won't\s+do|wontfix)\b|^(?:cancel+ing|scrapping|dropping|killing|abandoning|descoping|shelving)\s+(?:it|this|that|this\s+one|that\s+one|the\s+task|<KEYS>)\b";
    /// A cancellation thought of, not decided: "maybe we drop this", "we might
    /// cancel it if legal says no".
    CANCEL_HEDGED = r"\b(?:maybe|perhaps|possibly|might|probably|thinking\s+(?:of|about)|considering)\b[^.;!?]*\b(?:cancel|drop|scrap|kill|abandon|bin|ditch|shelve)|\b(?:cancel|drop|scrap|kill|abandon|bin|ditch|shelve)\w*\s+(?:it|this|that|<KEYS>)\s+(?:if|unless|in\s+case)\b";
    /// Cancelling by statement: "won't do", "T-50 is cancelled", "we're not doing it".
    CANCEL_STATEMENT = r"(?:<KEYS>|(?:^|[,;.!—–]\s*|\band\s+)(?:this|it))\s+(?:is|are|has\s+been|have\s+been|was|were|got)\s+(?:now\s+|officially\s+|both\s+|all\s+)?(?:discontinued|obsolete|dead|redundant|cancel+ed|scrapped|shelved|axed|binned|abandoned|descoped)\b|^(?:obsolete|redundant)\b|^(?:won't[\s\-]+(?:do|fix)|wont[\s\-]+(?:do|fix)|wontfix)\b|(?:<KEYS>|\bthis|\bit)\s*[:\-–—,]?\s*(?:won't[\s\-]+(?:do|fix)|wontfix)\b|\b(?:nobody|no\s+one|no-one)\s+(?:needs|wants)\s+(?:<KEYS>|it|this|that)\b|^(?:cancel+ed|scrapped|dropped|descoped|abandoned)\s+(?:by|per|after|because|due|in|as)\b|\bwe(?:'re|\s+are|'ll|\s+will)?\s*(?:will\s+not|won't|are\s+not\s+going\s+to|aren't\s+going\s+to|not\s+going\s+to|not\s+gonna|aren't\s+gonna)\s+(?:do|build|ship|pursue)\s+(?:<KEYS>|it|this|that)\b|(?:<KEYS>|\bthis|\bit|\bthat)(?:\s+(?:task|one|ticket|item))?\s+(?:can|could|should)\s+(?:both\s+|all\s+)?(?:be\s+(?:dropped|cancel+ed|scrapped|killed|binned|ditched|closed)\b|go\s*(?:$|[.!,;]))|\bno\s+longer\s+a\s+thing\b|^not\s+doing\s+(?:this|it|that)(?:\s+one)?\b|\bwe\s+(?:abandon|stop|drop|cancel)\s+(?:<KEYS>|it|this|that)(?:\s+one)?\b|<KEYS>\s+we\s+(?:abandon|drop|cancel|stop)\b|\bclose\s+(?:it|this|<KEYS>)\s+without\s+doing\b|\bwe\s+(?:don't|do\s+not)\s+do\s+(?:this|it|that|<KEYS>)\s+any\s*more\b|^forget\s+(?:about\s+)?(?:<KEYS>|it|this|that)(?:\s+one)?\b|[,;.—–\-]\s*(?:so\s+)?forget\s+(?:about\s+)?(?:it|this|that)(?:\s+one)?\b|\blet's\s+not\s+bother\s+with\s+(?:<KEYS>|it|this|that)\b|\bwe(?:'re|\s+are)\s+(?:dropping|cancel+ing|scrapping|killing|shelving|axing|binning|abandoning)\s+(?:<KEYS>|it|this|that)\b|\bwe\s+(?:won't|will\s+not)\s+be\s+doing\s+(?:<KEYS>|it|this|that)\b|\bcall(?:ing|ed)?\s+(?:this|it|<KEYS>)\s+off\b|^no\s+need\s+for\s+(?:<KEYS>|it|this)\b|(?:<KEYS>|\bthis|\bit)\s+(?:is|'s)\s+no\s+longer\s+(?:going\s+ahead|happening)\b|(?:<KEYS>|\bthis|\bit)\s+can\s+be\s+(?:retired|binned|dropped)\b|\bthis\s+one(?:'s|\s+is)\s+dead\b|\bclose\s+(?:<KEYS>|it|this)\s+without\s+doing\s+it\b|\btake\s+(?:<KEYS>|it|this)\s+off\s+the\s+(?:list|board)(?:\s+entirely)?\b|<KEYS>\s+(?:won't|will\s+not)\s+(?:run|go\s+ahead)\b|(?:<KEYS>|\bthis|\bit)\s+(?:is|'s)\s+(?:now\s+)?(?:dead|dead\s+in\s+the\s+water|off\s+the\s+table|out\s+of\s+scope)\b|(?:<KEYS>|\bthis|\bit)\s+(?:is|'s)\s+(?:a\s+)?(?:duplicate|dupe|dup)\s+of\b|\bgo\s+in(?:to)?\s+the\s+bin\b|\bno\s+longer\s+doing\s+(?:<KEYS>|it|this|that)\b|(?:<KEYS>|\bthis|\bit|\bthat)\s+(?:won't|will\s+not)\s+be\s+needed\b|^(?:not|no\s+longer)\s+(?:needed|necessary|relevant|required)\b|\b(?:don't|do\s+not|no\s+longer)\s+need\s+(?:<KEYS>|it|this|that)(?:\s+any\s*(?:more|longer))?|\b(?:won't|will\s+not)\s+need\s+(?:<KEYS>|it|this|that)\s+any\s*(?:more|longer)|(?:<KEYS>|\bthis|\bit)\s+(?:has|have)\s+been\s+(?:cancel+ed|withdrawn|abandoned|called\s+off|scrapped|voided)\b|\b(?:will\s+not|won't)\s+be\s+going\s+ahead\b|\bclose\s+(?:this|it|<KEYS>)\s+without\s+(?:any\s+|further\s+)?action\b|(?:<KEYS>|\bthis|\bit|\bthat)\s+(?:won't|will\s+not)\s+happen\b|\b(?:is|are)\s*(?:n't|\s+not)\s+happening\b|\bwe(?:'ve|\s+have)?\s+(?:just\s+)?(?:dropped|cancel+ed|scrapped|killed|abandoned|descoped|shelved|axed)\s+(?:it|this|that|<KEYS>)|\b(?:decided|agreed)\s+(?:not\s+to\s+(?:do|build|pursue|ship|proceed|continue|go\s+ahead)|to\s+(?:drop|cancel|scrap|kill|abandon))\b|(?:<KEYS>|\bthis|\bit|\bthat)\s+(?:is|are|was|were)\s*(?:n't|\s+not)\s+(?:needed|necessary|relevant|required|happening)(?:\s+any\s*(?:more|longer))?\b|\bnot\s+any\s*more\s+(?:needed|necessary|relevant|required)\b|\bwe(?:'re|\s+are)\s+not\s+doing\s+(?:it|this|that|<KEYS>)|\bnot\s+doing\s+(?:it|this|that|<KEYS>)\s+any\s*(?:more|longer)\b|(?:<KEYS>|(?:^|[,;.!—–]\s*|\b(?:and|so|but|then|now)\s+|\b(?:the|this)\s+)(?:this|it|that|task))\s+(?:is\s+|are\s+|was\s+|were\s+|has\s+been\s+|have\s+been\s+|got\s+|gets\s+)?(?:no\s+longer\s+(?:needed|necessary|relevant|required)|not\s+needed\s+any\s*more|obsolete|redundant|moot|cancel+ed|dropped|scrapped|descoped|abandoned|killed|shelved|axed)\b|\bclos(?:e|ed|ing)\s+(?:<KEYS>\s+|it\s+|this\s+)?as\s+(?:won't[\s\-]+(?:do|fix)|wont[\s\-]+(?:do|fix)|wontfix|not\s+planned|not\s+needed|cancel+ed|obsolete|duplicate|dupe|dup)\b|^(?:cancel+ed|dropped|scrapped)\s+<KEYS>[\s.!]*$";
    /// What replaces a cancelled task: keys after it are not the ones cancelled.
    REPLACED_BY = r"\bduplicates\b|\b(?:superseded|replaced|covered|obsoleted)\s+by\b|\bin\s+favou?r\s+of\b|\b(?:duplicate|dupe|dup)\s+of\b";
    /// A negation just before a verb: "don't cancel", "not reopening".
    NEGATED = r"(?:\bnot|n't|\bnever|\bdont|\bno\s+need\s+to)\s+(?:\w+\s+)?$";
    /// Taking a task oneself: "I'll take T-16", "take it", "assign it to me".
    SELF_TAKE = r"\bill\s+(?:take|own|grab|handle)\s+(?:it|this|that|<KEYS>)\b|\b(?:i'll|i\s+will|i\s+can|i\s+shall)\s+(?:handle|do|deal\s+with|look\s+after)\s+(?:it|this|that|<KEYS>)(?:\s+one)?\s+myself\b|\b(?:can|could|may)\s+(?:<KEYS>|it|this|that)(?:\s+one)?\s+be\s+mine\b|\b(?:i'll(?:\s+be)?|i\s+will(?:\s+be)?|i\s+shall|i\s+can|i\s+could|i'm\s+going\s+to|i'm\s+gonna|let\s+me|(?:i'm|i\s+am)\s+happy\s+to|happy\s+to|lemme|i'm|i\s+am|i)\s+(?:take\s+on|looking\s+after|look\s+after|take\s+care\s+of|take|taking|own|owning|grab|grabbing|claim|claiming|pick\s+up\s+ownership|take\s+over\s+ownership)\b|^(?:this|it|that)(?:\s+one)?(?:'s|\s+is)\s+(?:now\s+)?mine\b|\b(?:i\s+will|i'll|i\s+am|i'm)\s+(?:be\s+)?(?:the\s+)?(?:new\s+)?owner\s+of\b|^(?:take|grab|claim|dibs)\b|^(?:taking|grabbing|claiming|grabbed|took|claimed)\s+(?:this|it|that|<KEYS>)\b|\b(?:assign|give)\s+(?:it\s+|this\s+|that\s+|<KEYS>\s+)?to\s+(?:me|myself)\b|\b(?:assign|give)\s+me\s+(?:<KEYS>|it|this|that)\b|\b(?:assign|give)\s+me[\s!.]*$|^(?:mine|it's\s+mine|this\s+is\s+mine|this\s+one's\s+mine)(?:\s+now)?\s*(?:$|[!.,]|[^\x00-\x7F])";
    /// Uses of "take" that are not about ownership: "take a look", "take a break".
    TAKE_OTHER = r"\b(?:take|taking|grab|grabbing)\s+(?:a\s+|some\s+)?(?:look|peek|glance|break|minute|second|moment|while|day|note|notes|pto|vacation|leave|care|lunch|coffee|call|meeting|walk|nap|rest|stab\s+at\s+lunch)\b";
    /// Someone else taking a task: "@bob will take T-15", "@ivy is taking it".
    OTHER_TAKE = r"(<HANDLE>)\s+(?:(?:will|can|could|should|is\s+going\s+to|is\s+gonna|'ll|is|are)(?:\s+be)?\s+(?:take|taking|own|owning|grab|grabbing|handle|handling|looking\s+after|dealing\s+with|leading|pick\s+up|picking\s+up|take\s+over|taking\s+over)|(?:gets|takes|owns|handles|now\s+owns|can\s+have|should\s+get|will\s+get|is\s+taking\s+over|takes\s+over)(?:\s+(?:it|this|that|<KEYS>|now|over|the\s+task|from\s+here)\b|\s*[.!,;]|\s*$))|(<HANDLE>)\s+is\s+(?:now\s+)?doing\s+(?:<KEYS>|it|this)\b|\blet\s+(<HANDLE>)\s+(?:to\s+)?(?:take|own|handle|have|grab|drive|lead|run|pick\s+up|do\s+(?:it|this|that|<KEYS>))\b|(<HANDLE>)\s+(?:volunteered|offered|signed\s+up|stepped\s+up)\s+(?:for|to\s+(?:take|do|own|handle))\s+(?:<KEYS>|it|this|that)\b|\byou've\s+got\s+(?:this|it)(?:\s+one)?(?:\s+now)?\s*,?\s*(<HANDLE>)";
    /// Naming the owner: "make @jonas the owner of T-5", "T-5 is @wei's now", "over
    /// to you @dmitri", "@noor this is yours", "put @marco on T-406", "owner of
    /// T-423 is @noor", "T-424 should be owned by @dmitri", "T-5 belongs to @noor".
    OWNERSHIP = r"\b(?:is|are)\s+to\s+be\s+(?:handled|picked\s+up|owned|taken\s+over|dealt\s+with|looked\s+after|done|led)\s+by\s+(<WHO>)|\b(?:will|shall)\s+be\s+(?:handled|owned|dealt\s+with|taken\s+over|looked\s+after|picked\s+up|led)\s+by\s+(<WHO>)|\bresponsib(?:ility|le)\b.{0,30}?\b(?:to|for|with|is)\s+(<WHO>)|(<HANDLE>)\s+as\s+(?:the\s+)?(?:person\s+)?(?:responsible|owner|lead|assignee)\b|(<HANDLE>)\s+(?:will|shall)\s+be\s+(?:the\s+)?(?:lead|owner|responsible|point\s+person)\b|\bshould\s+(?:sit|stay|be|live)\s+with\s+(<HANDLE>)|(<HANDLE>)\s+to\s+(?:own|handle|take|lead)\s+(?:it|this|that)\b|(<HANDLE>)\s+(?:has|have)\s+(?:kindly\s+)?(?:agreed|offered|volunteered)\s+to\s+(?:handle|take|own|lead|pick\s+up|look\s+after)\b|\bmak(?:e|ing)\s+(<WHO>)\s+(?:the\s+)?(?:new\s+)?(?:owner|responsible|assignee)\b|\b(?:put|set|add|make)\s+(<WHO>)\s+(?:down\s+)?as\s+(?:the\s+)?(?:new\s+)?(?:owner|assignee)\b|(<HANDLE>)[\s,:]+(?:you've\s+got|you\s+have|you\s+get|you\s+own)\s+(?:this|it|that)\b|(<HANDLE>)[\s,:]+(?:(?:it|this)\s+)?(?:is\s+|'s\s+)?(?:all\s+)?yours(?:\s+now)?\s*(?:$|[.!,;]|[^\x00-\x7F])|(<HANDLE>)[\s,:]+.{0,40}?\bassign(?:ing|ed)?\s+(?:it\s+|this\s+)?to\s+you\b|(<HANDLE>)[\s,:]+(?:this|it|that)(?:\s+one)?(?:'s|\s+is)\s+(?:on|with)\s+you\b|(<HANDLE>)[\s,:]+(?:i'm\s+|i\s+am\s+)?(?:hand(?:ing)?|pass(?:ing)?|giv(?:e|ing))\s+(?:this|it|that)(?:\s+one)?\s+(?:over\s+|off\s+)?to\s+you\b|\bownership\b.{0,30}?\b(?:to|for)\s+(<WHO>)|<KEYS>\s+(?:is|are)\s+(?:now\s+)?(?:on|with)\s+(<HANDLE>)|(<HANDLE>)\s+(?:is|are)\s+(?:now\s+)?on\s+the\s+hook\s+for\b|(?:\bis|\ball|\bit's|\bthat's)\s+yours\b(?:\s+now)?[\s,!.]*(<HANDLE>)|(<HANDLE>)[\s,:]+(?:it's|this\s+is|that's|all)\s+yours\b|(<HANDLE>)[\s,:]+(?:you're|you\s+are)\s+(?:up|(?:the\s+)?(?:new\s+)?owner)\b|\b(?:is|are|should\s+be|will\s+be|can\s+be)\s+(?:now\s+|officially\s+|both\s+|all\s+)*(<HANDLE>)'s\b|\bover\s+to\s+(?:you\s+)?(<HANDLE>)|(<HANDLE>)[\s,:]+(?:(?:this|it|that)(?:\s+one)?(?:\s+is|'s)\s+(?:all\s+)?yours|over\s+to\s+you|you\s+own\s+(?:this|it|that)|(?:please\s+|pls\s+)?(?:take|pick)\s+(?:it\s+|this\s+)?(?:from\s+here|over|up))\b|\bput\s+(<WHO>)\s+on\s+(?:<KEYS>|it|this|that)\b|\bput\s+(?:<KEYS>|it|this|that)\s+on\s+(<WHO>)|\b(?:assign|reassign)\s+(?:to\s+)?(<HANDLE>)|(<HANDLE>)\s+(?:is|will\s+be|becomes)\s+(?:the\s+)?(?:new\s+)?owner\b|\bowner\b(?:\s+(?:of|on|for)\s+<KEYS>|\s+<KEYS>)?\s*(?::|=|->|→|is(?:\s+now)?|should\s+be|will\s+be|to|becomes|(?:change|changes|changed|switch|switches|goes)\s+to|now)?\s*(<WHO>)|(<HANDLE>)[\s,:]+(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+)?(?:take|grab|own|handle)\s+(?:this|it|that)(?:\s+one)?(?:\s+(?:going\s+(?:forward|fwd)|from\s+now(?:\s+on)?|from\s+here|now|pls|please|thanks|thx))*\s*(?:$|[.!,;?]|[^\x00-\x7F])|^<KEYS>\s+(?:give|assign|hand|pass)\s+(?:(?:it|them|both|all)\s+)*(?:over\s+)?to\s+(<WHO>)|\bowned\s+by\s+(<WHO>)|(<HANDLE>)\s+(?:is|will\s+be|becomes)\s+(?:now\s+)?(?:the\s+)?responsible\s+(?:of|for)\b|^(?:this|it|that)(?:\s+one)?\s+(?:is|goes)\s+(?:now\s+)?for\s+(<HANDLE>)|<KEYS>\s+(?:is|are)\s+(?:now\s+)?for\s+(<HANDLE>)|^<KEYS>\s+(?:please\s+|pls\s+)?(?:assign|give|pass)\s+(?:to|on)\s+(<WHO>)|\bput\s+(<WHO>)\s+down\s+for\s+(?:<KEYS>|it|this)\b|(<HANDLE>)\s+(?:is\s+)?(?:now\s+)?in\s+charge\s+of\b|\bshould\s+be\s+(?:looked\s+after|handled|owned|picked\s+up|led)\s+by\s+(<WHO>)|(<HANDLE>)\b.{0,60}?\b(?:it's|this\s+is|that's)\s+(?:his|hers|theirs)(?:\s+now)?\b|\bbelongs\s+to\s+(<WHO>)|^<KEYS>\s+(?:(?:is\s+|goes\s+)?(?:to|for|->|→)\s+)?(<WHO>)[\s.!]*$";
    /// Handing on a step, not the task: "done with my review, @bob over to you".
    STEP_HANDOFF = r"\b(?:review|reviewed|reviewing|my\s+(?:part|side|bit|half|step)|qa|testing)\b";
    /// Giving a task to someone: `assign`, `give`, `hand off`, "handed over to".
    ASSIGN = r"^(?:allocate|allot|reallocate)\b|^(?:move|moving|switch|switching|swap|shift|shifting)\s+(?:<KEYS>|it|this)(?:\s+one)?\s+(?:over\s+)?to\s+@|^(?:assign|reassign|re-assign|give|hand|handoff|hand-off|transfer|pass|delegate|route|assigning|reassigning|giving|handing|passing|transferring|delegating)\b|<KEYS>\s+(?:all\s+|both\s+)?(?:goes|go|should\s+go|is\s+going|are\s+going|moves?|is\s+moving|are\s+moving)\s+(?:over\s+)?to\s+@|\bhand(?:ing|ed|s)?\s+(?:<KEYS>\s+|it\s+|this\s+|that\s+)?(?:off|over)\b|\b(?:assigned|reassigned|handed\s+(?:off|over)|given|passed|transferred|delegated|allotted|allocated)\s+to\b|\b(?:assign|reassign)\s+(?:<KEYS>|it|this)\b|<KEYS>\s*(?:->|→|=>)\s*@";
    /// The receiving person: "to @bob", "for me", "-> @ivy".
    TO_WHO = r"(?:\bto|\bfor|\bonto|->|→)\s*(<WHO>)";
    /// Any handle.
    HANDLE = r"<HANDLE>";
    /// "me"/"myself" anywhere.
    ME = r"\b(?:me|myself)\b";
    /// Starting work: `start T-21`, "on it", "picking up T-21", "working on it".
    START = r"^<KEYS>\s*[:\-–—]?\s*(?:start|started|starting|in\s+progress|wip|picking\s+(?:it\s+)?up|picking\s+it|on\s+it)[\s!.]*$|^(?:wip|in\s+progress|started|starting\s+now)\s*(?:$|[!.,]|[^\x00-\x7F])|\b(?:i'm|i\s+am|we're|we\s+are)\s+(?:now\s+)?(?:at|on)\s+it\b|^(?:doing|working\s+on)\s+(?:it|this|that)\s+now\b|\bworking\s+in\s+<KEYS>|\b(?:jump(?:ing|ed)?|hopp(?:ing|ed)|get(?:ting)?|got)\s+on\s+(?:it|this|that|<KEYS>)\b|\bunder\s*way\b|\bcommenc(?:e|ed|ing)\b|\b(?:set|move|mark|put|switch|flip)\s+(?:<KEYS>|it|this)\s+(?:to|as|in|into)\s+(?:in[\s\-]progress|wip|started|doing|ongoing|in[\s\-]flight|active)\b|^(?:start|started|starting|begin|began|beginning|kick\s+off|kicking\s+off|kicked\s+off|pick\s+up|picking\s+up|picked\s+up|work\s+on|working\s+on|have\s+started|i've\s+started|i\s+have\s+(?:now\s+|just\s+)?started)\b|\bkick(?:ing|ed)?\s+(?:it|this|that|<KEYS>)\s+off\b|\bstart(?:ed|ing)?\s+(?:working|work)\b|\b(?:diving|digging|dove|dug)\s+into\b|^(?:diving|digging)\s+in\b|\b(?:taking|took|having)\s+a\s+(?:stab|crack|go|shot)\s+at\b|\bgetting\s+started\b|\b(?:made|making)\s+a\s+start\s+on\b|\bheads\s+down\s+on\b|\b(?:i|we)\s+(?:now\s+|today\s+|already\s+)?(?:start|begin|am\s+beginning|am\s+starting|go\s+on)(?:\s+(?:to\s+work|working))?(?:\s+now)?\s+(?:with\s+|on\s+)?(?:the\s+)?(?:<KEYS>|this|it|that)\b|\b(?:i|we)\s+(?:start|begin)\s+now\b|\b(?:is|are)\s+(?:now\s+)?in\s+work\b|\b(?:already\s+i\s+am|i\s+am\s+already|i'm\s+already)\s+doing\s+(?:it|this)\b|\b(?:getting|got|get)\s+(?:stuck\s+into|going\s+on|cracking\s+on)\b|\bcracking\s+on\s+with\b|\b(?:i've|i\s+have)\s+(?:just\s+)?got\s+going\s+on\b|\bwork\s+(?:begins|began|starts|started|has\s+(?:begun|started))\b|\brolling\s+up\s+my\s+sleeves\b|^begining\b|\bbegin(?:ning)?\s+(?:with|on|work)\b|\b(?:i'm|i\s+am|we're|we\s+are)\s+(?:already\s+|now\s+|still\s+)on\s+(?:it|this|that|<KEYS>)\b|\b(?:i'm|i\s+am|am)\s+start(?:ing)?\b|(?:^|[,.;!]\s*|\b(?:i'm|i\s+am|we're|we\s+are|am|are)\s+)on\s+(?:it|this|that|<KEYS>)\b|\b(?:started|starting|picking\s+(?:it\s+|this\s+(?:one\s+)?|that\s+(?:one\s+)?|<KEYS>\s+)?up|picked\s+(?:it\s+|this\s+(?:one\s+)?|that\s+(?:one\s+)?|<KEYS>\s+)?up|working\s+on|looking\s+into|kicked\s+off|kicking\s+off|began|begun|in\s+progress)\b";
    /// "start" in other senses: "start date is the 14th", "start with the read
    /// path", "starting point".
    START_OTHER = r"\bstart(?:ing)?\s+(?:date|time|point|line|page|of|by|button|menu|screen)\b|\bstarting\s+to\s+(?:think|feel|wonder|look|seem|get|believe|suspect|worry|lean)\b|\b(?:b4|before|prior\s+to)\s+starting\b|\b(?:call|meeting|standup|stand-up|class|shift|session|event|webinar|movie|match|game|alarm|rain)\s+(?:started|starts|starting)\b|\bstarted\s+(?:out\s+)?as\s+(?:a|an)\b|\bstart(?:ing)?\s+(?:with|from)\s+(?:the\s+|a\s+)?(?:\d|scratch|zero|basics|beginning)|\bstarts?\s+(?:on|at)\s+(?:the\s+)?\d|^start\s+with\s+(?:the|a|an|your|our)\s+[^,.;]*[,;]\s*(?:the\s+|then\s+)?\w+\s+(?:can|will|could)\s+wait\b";
    /// A reopened pull request or branch is not a reopened task.
    /// A suggestion rather than a decision: "maybe", "not sure", "perhaps".
    /// A handover refused: "don't assign this to me", "please don't give it to @bo".
    NOT_TO_BE_GIVEN = r"\b(?:don't|do\s+not|dont|never|no\s+need\s+to)\s+(?:(?:re-?)?assign|give|hand|pass|put)\s+(?:it|this|that|<KEYS>)(?:\s+one)?\s+(?:over\s+)?(?:to|on)\b";
    HEDGED = r"\b(?:maybe|perhaps|possibly|not\s+sure|unsure|might|idk|dunno|i\s+think|let's\s+ask|we\s+should\s+ask)\b|\bif\s+(?:nobody|no\s+one|noone|needed|necessary|required|you\s+(?:want|like|prefer))\b";
    /// "reopened the ward": the thing reopened, when it is named.
    REOPEN_OBJECT = r"\bre-?open(?:ed|ing|s)?\s+(?:the|a|an|my|our|their|his|her|your)\s+([a-z]+)";
    REOPEN_OTHER = r"\b(?:until|till|when|whenever|once|if)\b[^.;!?]*\bre-?opens?\b|\b(?:vendor|supplier|customer|client|they|support|upstream)\s+(?:has\s+|have\s+)?re-?opened\b|\bre-?open(?:ed|ing|s)?\s+(?:the\s+|my\s+|a\s+|our\s+)?(?:pr|mr|pull\s+request|merge\s+request|branch|tab|file|ticket\s+in|issue\s+in)\b";
    /// Doubt anywhere in the message undoes a start: "started? no, not yet".
    START_DOUBT = r"\?|\bnot\s+yet\b|\bhaven't\b|\bhasn't\b|\bdidn't\b|\bnope\b";
    /// What makes a start claim not (yet) true: negation, the future, conditions.
    NOT_STARTED = r"\b(?:not|never|no|yet|will|gonna|going\s+to|about\s+to|shall|cant|cannot|tomorrow|tonight|later|next|soon|once|when|whenever|if|unless|until|till|after|before|monday|tuesday|wednesday|thursday|friday|saturday|sunday|eod|eow|plan\s+to|plans\s+to|planning\s+(?:to|on)|maybe|might|hopefully|fail|failed|failing|broke|broken|error|errors)\b|n't\b|'ll\b|\?";
}

/// "FYI ...", "heads up ...": a note, unless it says what the rules before it
/// read ("heads up, this can only go live after T-20", "btw T-40 is deployed").
pub(super) fn fyi(ctx: &Ctx<'_>) -> Option<Intent> {
    let named = ctx.text.keys();
    if !FYI.is_match(ctx.masked()) || (ctx.thread.is_none() && named.is_empty()) {
        return None;
    }
    let text = ctx.note_text();
    Some(ctx.on_subject(named, "note", |tasks| Intent::Note { tasks, text }))
}

/// `note T-15 <text>`, `comment: <text>`.
pub(super) fn note(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    if NOT_NOTE.is_match(masked) {
        return None;
    }
    let found = NOTE.captures(masked)?;
    let whole = found.get(0)?;
    let named = match found.get(1) {
        Some(keys) => ctx.text.keys_in(keys.range()),
        None => ctx.text.keys(),
    };
    let text = tidy(ctx.text.rest(whole.end()));
    if text.is_empty() {
        return Some(help_on("note"));
    }
    Some(ctx.on_subject(named, "note", |tasks| Intent::Note { tasks, text }))
}

/// `reopen T-12`, "T-12 isn't actually done, ...", "not done after all".
pub(super) fn reopen(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let found = REOPEN.find(masked).or_else(|| {
        RETRACTION
            .find(masked)
            .filter(|_| !NEVER_DONE.is_match(masked))
    })?;
    if negated_before(ctx, found.start())
        || REOPEN_OTHER.is_match(ctx.masked())
        || reopens_something_else(masked)
        || BLOCK_FIRST.is_match(masked)
    {
        return None;
    }
    Some(ctx.on_subject(ctx.text.keys(), "reopen", |tasks| Intent::Reopen { tasks }))
}

/// "reopened the ward after the deep clean": what is reopened is named, and it
/// is not a task.
fn reopens_something_else(masked: &str) -> bool {
    const TASK_WORDS: &[&str] = &[
        "task", "ticket", "issue", "card", "story", "item", "bug", "one", "job", "request",
    ];
    REOPEN_OBJECT
        .captures(masked)
        .and_then(|found| found.get(1))
        .is_some_and(|object| !TASK_WORDS.contains(&object.as_str().to_ascii_lowercase().as_str()))
}

/// `snooze T-2`, "remind me about T-2 tomorrow": hand it to me again next morning.
pub(super) fn snooze(ctx: &Ctx<'_>) -> Option<Intent> {
    SNOOZE
        .is_match(ctx.masked())
        .then(|| ctx.on_subject(ctx.text.keys(), "snooze", |tasks| Intent::Snooze { tasks }))
}

/// `cancel T-50`, `drop T-50, we're not doing it`, "won't do".
pub(super) fn cancel(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let found = CANCEL_COMMAND
        .find(masked)
        .or_else(|| CANCEL_STATEMENT.find(masked))?;
    // "this isn't happening — please bin it": a new clause, not a negated verb.
    let new_clause = found
        .as_str()
        .starts_with([',', ';', '.', '!', '—', '–', '-']);
    if !new_clause && negated_before(ctx, found.start()) {
        return None;
    }
    // "maybe we cancel this if the client hasn't replied by Friday": an idea, not
    // a decision; the thread keeps it as a note.
    if CANCEL_HEDGED.is_match(masked) {
        return None;
    }
    let end = REPLACED_BY
        .find(masked)
        .map_or(masked.len(), |by| by.start());
    let named = ctx.text.keys_in(0..end);
    Some(ctx.on_subject(named, "cancel", |tasks| Intent::Cancel { tasks }))
}

/// Whether a negation comes just before byte `at`.
fn negated_before(ctx: &Ctx<'_>, at: usize) -> bool {
    let before = ctx.masked().get(..at).unwrap_or_default();
    NEGATED.is_match(tail(before, 32))
}

/// `assign T-15 to @bob`, `hand T-15 off to @ivy`, "I'll take T-16", "@bob will
/// take it". Without a person to give the task to, the answer is help.
pub(super) fn assign(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let ownership = OWNERSHIP
        .captures(masked)
        .filter(|_| !STEP_HANDOFF.is_match(masked));
    let owner = if let Some(found) = ownership {
        found
            .iter()
            .skip(1)
            .flatten()
            .find_map(|who| ctx.person(who.as_str()))
    } else if let Some(found) = OTHER_TAKE.captures(masked) {
        found
            .iter()
            .skip(1)
            .flatten()
            .find_map(|who| ctx.person(who.as_str()))
    } else if SELF_TAKE.is_match(masked) && !TAKE_OTHER.is_match(masked) {
        Some(ctx.author.to_owned())
    } else if ASSIGN.is_match(masked) {
        receiver(ctx)
    } else {
        return None;
    };
    // "maybe @linh should take this, not sure": a thought, not a handover.
    if !ctx.explicit() && HEDGED.is_match(masked) {
        return None;
    }
    // "don't assign this to me, I'm full": a wish about the task, said to people.
    if NOT_TO_BE_GIVEN.is_match(masked) {
        return None;
    }
    let Some(owner) = owner else {
        // "wrapped up, handing over": a word of handing on, but nobody to give
        // the task to. Only a request to Baton is answered with help.
        return ctx.explicit().then(|| help_on("assign"));
    };
    Some(
        ctx.on_subject(ctx.text.keys(), "assign", |tasks| Intent::Assign {
            tasks,
            owner,
        }),
    )
}

/// Who a task is given to: after "to"/"for", else the first handle named, else
/// "me" (the author).
fn receiver(ctx: &Ctx<'_>) -> Option<String> {
    let masked = ctx.masked();
    TO_WHO
        .captures_iter(masked)
        .filter_map(|found| found.get(1))
        .chain(HANDLE.find_iter(masked))
        .chain(ME.find_iter(masked))
        .find_map(|who| ctx.person(who.as_str()))
}

/// `done T-12`, "merged 🎉", "this is live now", unless a veto applies (see
/// [`completion`]). Keys come from the clauses that claim completion; in a thread
/// the thread's task is the default.
pub(super) fn done(ctx: &Ctx<'_>) -> Option<Intent> {
    if ctx.asks() {
        return None;
    }
    let claim = completion::claim(ctx.text)?;
    let named = if !claim.keys.is_empty() || ctx.thread.is_some() {
        claim.keys
    } else {
        ctx.text.keys()
    };
    Some(ctx.on_subject(named, "done", |tasks| Intent::Done { tasks }))
}

/// `start T-21`, "on it", "picking up T-21", unless it is only planned ("I'll
/// start tomorrow") or denied ("haven't started").
pub(super) fn start(ctx: &Ctx<'_>) -> Option<Intent> {
    let masked = ctx.masked();
    let found = START.find(masked)?;
    // Only the clause that says it has started must be free of doubt: "on it now,
    // ETA tomorrow" has started, "I'll start tomorrow" has not.
    let clause = ctx
        .text
        .clauses()
        .into_iter()
        .find(|clause| clause.contains(&found.start()) || clause.end == found.start())
        .unwrap_or(0..masked.len());
    let said = masked.get(clause).unwrap_or(masked);
    let started = !NOT_STARTED.is_match(said)
        && !START_OTHER.is_match(masked)
        && !START_DOUBT.is_match(masked)
        && !negated_before(ctx, found.start());
    started.then(|| ctx.on_subject(ctx.text.keys(), "start", |tasks| Intent::Start { tasks }))
}
