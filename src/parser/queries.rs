//! Requests that ask Baton for information or configure it: help, settings, mine,
//! the blocked list, the digest, the graph, and `show` (including any question
//! about a task).

use super::Intent;
use super::context::{Ctx, unknown};
use super::{digest_schedule, spoken, suggest};
use crate::domain::SettingChange;

patterns! {
    /// Thanks and acknowledgements: addressed, but nothing to do.
    PLEASANTRY = r"^(?:thanks?(?:\s+(?:you|a\s+lot|so\s+much))?|thank\s+you|thx|ty|tysm|cheers|ok(?:ay)?|k|kk|cool|nice|great|awesome|perfect|got\s+it|np|no\s+problem|lol|haha|good\s+bot|nice\s+one|much\s+appreciated|👍|🙏|❤️|🙌)[\s,!.]*(?:(?:that's|that\s+is|this\s+is|very|so|really|super|most|much)\s+)*(?:helpful|useful|great|perfect|brilliant|appreciated|kind|lovely|clear|all(?:\s+for\s+now)?|sorted(?:\s+it)?|everything)?[\s!.🙏👍]*$";
    /// `help`, `help done`, `help me with assign`.
    HELP_VERB = r"^(?:help|usage|commands|man)\b[\s:,\-]*(?:(?:me\s+)?(?:with|on|for|about)\s+)?(?:the\s+)?(?:verb\s+|command\s+)?([\w\-]+)?[\s?!.]*$";
    /// Asking what Baton can do.
    HELP_PHRASE = r"\bwhat\s+(?:can|do|else\s+can)\s+(?:you|u|baton)\s+(?:do|understand|know)\b|\bhow\s+(?:do|does|can)\s+(?:this|you|it|baton)\s+work\b|\bhow\s+(?:do|can)\s+i\s+use\b|\bwhat\s+(?:are\s+(?:the|your)\s+)?(?:commands|verbs)\b|\bwho\s+are\s+you\b|\bwhat\s+(?:sorts?|kinds?|types?)\s+of\s+(?:things|stuff|requests|questions)\s+(?:can|could|do)\s+i\b|\bwhat\s+can\s+i\s+ask\s+(?:you|u|baton)\b|\blist\s+(?:of\s+)?commands\b|^\?+$";
    /// `settings tz Europe/Berlin`.
    SETTINGS = r"(?s)^(?:settings?|config|configure|prefs?|preferences)\b[\s:]*(.*)$";
    /// `set my timezone to Europe/Berlin`, `change digest time to 09:30`.
    SETTINGS_SET = r"(?s)(?:^|[,.;!]\s+(?:so\s+|and\s+)?(?:please\s+|pls\s+)?)(?:set|change|update)\s+(?:(?:my|the|this|room|our|room's)\s+)*(tz|time\s*zone|time-zone|working\s+hours|work\s+hours|hours|quiet\s+hours|digest\s+time|digest\s+days|digest|days)\s*(?:to|=|:|as)?\s*(.+)$";
    /// The digest's time or days said in words: "move the digest to 10am", "post
    /// the digest at 9:30 on weekdays", "turn off the digest", "digest days
    /// mon-thu", "no digest on fridays". ("post the digest" alone is `digest`.)
    SETTINGS_DIGEST = r"(?s)^(?:(?:only\s+)?(?:move|change|set|reschedule|shift|post|send|put|schedule|push|bring|make)(?:\s+(?:back|forward|up|earlier|later))?\s+(?:the\s+|our\s+|this\s+room's\s+|the\s+room's\s+)?(?:room\s+|team\s+)?(?:daily\s+|morning\s+)?digest\s+(?:only\s+|back\s+|forward\s+)?((?:to|at|for|on|every|mon|tue|wed|thu|fri|sat|sun|week)\w*\b.*)$|(?:turn|switch)\s+(off|on)\s+(?:the\s+)?(?:daily\s+digest|digest|(?:daily|morning)\s+(?:summary|recap))\b|(?:turn|switch)\s+(?:the\s+)?(?:daily\s+digest|digest|(?:daily|morning)\s+(?:summary|recap))\s+(?:back\s+)?(off|on)\b|(?:room\s+|daily\s+)?digest\s+((?:days|time|at|on|off)\b.*|\d.*)$|^(?:can|could)\s+(?:the|our)\s+(?:daily\s+)?digest\s+(?:come\s+out|be\s+posted|go\s+out|arrive|be\s+sent|come)\s+((?:at|on)\b.*?)(?:\s+instead)?[\s?!.]*$|digest\s+only\s+((?:on\s+)?(?:mon|tue|wed|thu|fri|sat|sun|week)\w*\b[^,]*?)(?:\s*\b(?:please|pls)\b.*|\s*,.*)?$|((?:no|skip\s+the|skip)\s+digests?\s+on\b[^,.;!?]*))";
    /// Turning the digest off in words: "stop the daily digest".
    /// "turn summaries off": whether the room's talk may be summarised.
    SETTINGS_SUMMARIES = r"^(?:(?:turn|switch|set)\s+(?:the\s+)?summar(?:ies|ising|izing)\s+(off|on)\b|(?:turn|switch)\s+(off|on)\s+(?:the\s+)?summar(?:ies|ising|izing)\b|(?:no|disable|stop)\s+(?:more\s+)?summar(?:ies|ising|izing)(?:\s+(?:here|in\s+this\s+(?:room|channel)|for\s+this\s+(?:room|channel)))?[\s.!]*$)";
    SETTINGS_DIGEST_OFF = r"^(?:stop|pause|disable|mute|cancel)(?:\s+(?:posting|sending))?\s+(?:the\s+|our\s+|this\s+room's\s+)?(?:daily\s+|morning\s+)?digest\b";
    /// `my timezone is Europe/Berlin`, `I'm in America/New_York`.
    SETTINGS_TZ = r"^(?:i'm|i\s+am)\s+on\s+(pst|pdt|est|edt|cst|cdt|mst|mdt|bst|cet|cest|eet|eest|ist|jst|aest|aedt|utc|gmt)\b|^(?:my\s+(?:tz|time\s*zone|timezone)\s+is\s+(?:now\s+)?|(?:i'm|i\s+am)\s+(?:now\s+|currently\s+|based\s+|now\s+based\s+)?in\s+|(?:i'm|i\s+am)\s+(?:now\s+)?(?:working|living|staying|based)\s+(?:from|in)\s+|i(?:'ve|\s+have)?\s+(?:just\s+)?moved\s+to\s+|(?:switch|put|set|move|change)\s+me\s+(?:over\s+)?(?:to|on(?:to)?)\s+|use\s+|(?:tz|timezone|time\s*zone)\s*[:=]?\s*)(\w+/[\w/+\-]+|utc|gmt)(?:\s+(?:time|for\s+me))?\b";
    /// The room's timezone said as where the room lives: "this room runs on
    /// America/New_York".
    ROOM_ZONE = r"^(?:this|the|our)\s+(?:room|channel|newsroom|team|office|group)\s+(?:runs?|works?|is|operates|lives)\s+(?:on|in)\s+(\w+/[\w/+\-]+|utc|gmt)\b|\bset\s+(?:the|this)\s+(?:room|channel)(?:'s\s+(?:tz|time\s*zone|timezone))?\s+to\s+(\w+/[\w/+\-]+|utc|gmt)\b";
    /// The room wanting its digest at a time: "this room should get its digest
    /// on weekdays, at 9:45".
    ROOM_DIGEST = r"(?s)^(?:this\s+room|the\s+room|this\s+channel|we|the\s+team|our\s+team)\s+(?:should\s+|would\s+like\s+to\s+|wants?\s+to\s+|'d\s+like\s+to\s+)?(?:get|gets|have|receive)\s+(?:(?:its|the|our|their|a)\s+)?(?:daily\s+|morning\s+)?digests?\s+(.*)$";
    /// "I start at 6 and finish at 14": working hours as a day's two ends.
    SETTINGS_SHIFT = r"^i\s+(?:usually\s+|normally\s+|now\s+)?(?:start|begin)\s+(?:work\s+|working\s+)?at\s+(\d{1,2}(?::\d{2})?\s*(?:am|pm)?)[\s,]+(?:and\s+)?(?:finish|end|stop|leave|log\s+off|wrap\s+up)\s+(?:work\s+)?at\s+(\d{1,2}(?::\d{2})?\s*(?:am|pm)?)";
    /// "show me the settings for this room": the settings, unchanged.
    SETTINGS_SHOW = r"^(?:show|list|what\s+are|tell\s+me|give\s+me)\s+(?:me\s+)?(?:the\s+|this\s+room's\s+|our\s+|my\s+|current\s+)*(?:settings|config|configuration|preferences)\b";
    /// `my working hours are 09:00-18:00`.
    SETTINGS_HOURS = r"(?s)^(?:my\s+(?:working\s+|work\s+|office\s+)?hours(?:\s+are|\s+is)?(?:\s+now)?|(?:working|work|office)\s+hours(?:\s*[:=]|\s+are|\s+is)?|my\s+(?:working\s+|work\s+)?day\s+is|i\s+(?:usually\s+)?work|i'm\s+(?:usually\s+)?working|i\s+am\s+working)\s+(?:from\s+)?(.+)$";
    /// A range of hours: "9-17", "8am to 5pm", "08:30 – 17:00".
    HOURS_RANGE = r"^(?:from\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:-|–|—|to|until|till|til)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:[\s.!,;]*$|\s*[,.;]\s+.*$|[\s,;]+(?:from\s+now\s+on|now|only|only\s+now|going\s+forward|these\s+days|starting\s+\w+)\b)";
    /// Asking for one's own tasks.
    /// Asking to see the digest as it stands.
    DIGEST_PREVIEW = r"^(?:(?:post|send|share|give|run|drop|show)\s+(?:[\w\-']+\s+){0,3}?)?(?:the\s+|today's\s+|a\s+|an\s+|our\s+)?(?:[\w\-']+\s+){0,3}?(?:summary|rundown|round-?up|recap|report|digest|briefing)(?:\s+(?:for\s+(?:the\s+|this\s+)?(?:room|channel|team|night\s+shift|day\s+shift)|please|pls|now|here))*\s*(?:$|[,.!;—–\-])|\btl;?dr\b|\b(?:daily|morning)\s+(?:rundown|round-?up|summary|recap)\s+(?:please|pls|now)\b|\bstatus\s+round-?up\b|^early\s+digest\b|\bdigest\s+(?:early|now)\b|\b(?:digest|summary|round-?up|rundown|recap)\b[^.?!]*\b(?:post|send|share)\s+it\b|\b(?:resume|résumé|resumen|overview|summary|recap)\s+of\s+(?:the\s+day|today|blockers|the\s+blockers)\b|\b(?:make|send|bring|post)\s+(?:again\s+)?(?:one|a|the)\s+(?:daily\s+)?(?:digest|summary)\b|\bsend\s+again\s+the\s+digest\b|\b(?:post|send|share|run|give|show|drop|dump)\s+(?:me\s+|us\s+)?(?:the\s+|today's\s+|our\s+|this\s+room's\s+)?(?:(?:daily|morning|blocker|blockers|team)\s+)*(?:round-?up|briefing|report)(?:\s+(?:again|now|here|for\s+(?:the\s+)?(?:team|room|this\s+room)))*\b|^(?:the\s+)?(?:daily|morning)\s+(?:round-?up|briefing|report|digest)(?:\s+(?:please|pls|now))?[\s!.]*$|\bfull\s+digest\b|\b(?:daily|morning)\s+(?:round-?up|briefing)\s+now\b|\bwhat\s+(?:does|would)\s+(?:the|today's|our)\s+(?:blocker\s+)?digest\s+look\s+like\b|^dump\s+(?:the\s+|today's\s+)?(?:blocker\s+)?digest\b";
    MINE = r"^(?:my\s+)?(?:todo|to-do)\s+list[\s?!.]*$|^(?:mine|my\s+(?:tasks?|work|stuff|queue|todos?|to-dos?|list|items|plate|assignments))\b|\bwhat(?:'s|\s+is)\s+(?:holding|blocking|keeping)\s+me\s+(?:up|back)\b|\bwhat's\s+(?:on\s+my\s+(?:plate|list|desk|board|radar|queue|docket)|mine|assigned\s+to\s+me|on\s+me|next\s+for\s+me|left\s+for\s+me|there\s+for\s+me)\b|\bwhat\s+does\s+my\s+(?:week|day|plate|queue|list)\s+look\s+like\b|\bwhat\s+(?:i|do\s+i)\s+(?:have|need|must)\s+to\s+do\b|\bwhat\s+(?:tasks?|stuff|work)\s+do\s+i\s+(?:even\s+)?have\b|\bwhat\s+am\s+i\s+supposed\s+to\s+(?:be\s+)?(?:doing|do|work\s+on)\b|\bwhat\s+is\s+(?:on\s+my\s+(?:plate|list|desk)|mine|assigned\s+to\s+me|next\s+for\s+me)\b|\bwhat\s+(?:should|can|could|do|shall|must)\s+i\s+(?:need\s+to\s+|have\s+to\s+|got\s+to\s+)?(?:work\s+on|do|pick\s+up|take|tackle|start)\b|\bwhat\s+am\s+i\s+(?:working\s+on|doing|on|assigned)\b|\b(?:show|list|give|tell)\s+me\s+my\b|\b(?:list|show)\s+my\b|\banything\s+(?:for\s+me|on\s+my\s+plate)\b|\banything\s+(?:i\s+(?:should|can|could|need\s+to)|for\s+me\s+to)\s+(?:pick\s+up|take|do|work\s+on|grab)\b|\bwhat\s+do\s+i\s+(?:have|own)\b|\bmy\s+(?:tasks|plate|queue|todos?)\b|\bwhat\s+(?:am\s+i|i\s+am|i'm)\s+(?:waiting|blocked|working|stuck)\s+(?:on|for)\b|\b(?:anything|something|what|which)\s+of\s+mine\b|\b(?:anything|what's|what\s+is|tasks?)\s+(?:waiting|blocked)\s+(?:on|for)\s+me\b|\b(?:which|what)\s+(?:tasks?|ones|items|work)\s+(?:are|is)\s+mine\b|\bmy\s+(?:open|current|active|pending|remaining)\s+(?:tasks?|work|items|stuff|todos?)\b|\b(?:everything|anything|all|tasks?|stuff|work|items|things|ones)\s+(?:that's\s+|that\s+is\s+|that\s+are\s+|is\s+|are\s+)?(?:currently\s+)?(?:assigned\s+to|owned\s+by|on)\s+me\b|\bwhich\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:tasks|items|ones|tickets)\s+(?:are|is)\s+mine\b|\bwhat\s+(?:have|has)\s+i\s+got\b|\b(?:i|me)\s+(?:currently\s+)?own\b|\bam\s+i\s+(?:the\s+)?owner\s+of\b|\bon\s+my\s+name\b|\b(?:are|is)\s+(?:still\s+|currently\s+)?under\s+my\s+name\b|\bmy\s+(?:backlog|workload|assignments|open\s+items|work\s+items)\b|\bwhat\s+am\s+i\s+(?:stuck|held\s+up)\s+on\b|\bwhat(?:'s|\s+is)\s+(?:still\s+)?(?:sitting|left|open|lying)\s+(?:with|on)\s+me\b|\bwhat\s+(?:i'm|i\s+am)\s+(?:on|working\s+on|doing)\s*(?:$|[?.!])|\b(?:do|have)\s+i\s+(?:have|got)\s+(?:anything|something|any\s+tasks?|tasks?|stuff|work)\b|\bwhat(?:'?s|\s+is)\s+(?:left\s+)?(?:on|in)\s+my\s+(?:plate|list|queue|desk)\b";
    /// Claiming a task as one's own: "T-16 is mine", "mine: T-16".
    IS_MINE = r"(?:<KEYS>|\bthis|\bit|\bthat)\s*(?:is|'s)\s+mine\b|^<KEYS>\s*(?:is|'s)\s+on\s+me[\s!.]*$|^mine\s*[:,\-–—]\s*<KEYS>";
    /// A bare "mine" (a claim when replying in a thread).
    BARE_MINE = r"^mine[\s!.]*$";
    /// Asking for the blocked list.
    BLOCKED_LIST = r"^(?:the\s+|a\s+)?list\s+of\s+(?:(?:all|the)\s+)*(?:blockers|blocked|stuck)\b|^(?:blocked|blockers|stuck|blocked\s+(?:tasks|list|items|work)|(?:list|show)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?(?:blocked|blockers|stuck)(?:\s+\w+)?)(?:\s+(?:in|for|of)\s+(?:this|the|our)\s+(?:room|channel|team))?[\s?!.]*$|\bwhat(?:'?s|\s+is|\s+are)\s+(?:currently\s+|still\s+)?(?:blocked|stuck|waiting)\b|\b(?:anything|who|who's|which\s+tasks?|any\s+tasks?)\s+(?:is\s+|are\s+)?(?:still\s+)?(?:blocked|stuck)\b|\bwhat\s+are\s+we\s+(?:blocked|waiting)\s+on\b|\b(?:show|list|give)\s+(?:me\s+)?(?:everything|all|anything|what(?:ever)?|the\s+tasks?)\s+(?:that's\s+|that\s+is\s+|that\s+are\s+|which\s+(?:is|are)\s+|is\s+|are\s+)?(?:currently\s+)?(?:blocked|stuck|waiting|on\s+hold|parked|paused|held\s+up)\b|\bany\s+blockers\b|\bwhat\s+(?:is|are)\s+all\s+(?:blocked|stuck)\b|\bwhat(?:'s|\s+is|\s+are)\s+(?:everyone|everybody|people|folks|the\s+team)\s+(?:stuck|blocked|waiting)\s+on\b|\b(?:is\s+)?anything\s+(?:stalled|stuck|blocked|held\s+up)\b|\bwhich\s+\w+\s+are\s+(?:held\s+up|stuck|blocked|stalled)\b|\bwho(?:'s|\s+is)\s+waiting\s+(?:on|for)\s+what\b|\bwhat(?:'s|\s+is)\s+waiting\s+on\s+what\b|\b(?:list|show)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?(?:items|tasks|work|tickets)\s+(?:that\s+are\s+|which\s+are\s+|currently\s+)*(?:blocked|stuck|on\s+hold|held\s+up)\b|\b(?:which|what)\s+(?:tasks?|items|work|tickets)\s+(?:are|is)\s+(?:currently\s+|still\s+)?(?:blocked|stuck|held\s+up|on\s+hold)\b|\b(?:anything|what's|what\s+is|what\s+are|who's)\s+(?:currently\s+)?(?:held\s+up|holding\s+(?:us|things|anything|the\s+team)\s+up)\b|\b(?:show|list|share|give|send|post)\s+(?:me\s+|us\s+)?(?:the\s+)?(?:list\s+of\s+)?(?:blockers|blocked\s+(?:items|tasks|work|things|stuff|ones)|stuck\s+(?:items|tasks|work|ones))\b|\b(?:which|what)\s+(?:tasks?|work|items|tickets)\s+(?:can't|cannot|can\s+not)\s+(?:move|progress|proceed|start)\b|\b(?:list|show|give\s+me)\s+(?:everything|anything|all|what(?:ever)?|the\s+tasks?)\s+(?:that\s+|which\s+)?(?:can't|cannot|can\s+not)\s+(?:move|progress|proceed|start)\b";
    /// Asking, by its form: a question word, "show", "list", "tell me", or a
    /// question mark.
    ASKING = r"^(?:(?:so|and|ok|hey)\s+)?(?:what|which|whats|what's|anything|any|show|list|tell|give|who|who's|where)\b|\blist\b|\?\s*$";
    /// Words for work that cannot move.
    STUCK_WORDS = r"\b(?:blocked|stuck|stalled|impeded|on\s+hold|waiting\s+on\s+(?:other|something|someone|anything|others)|can't\s+move|cannot\s+move|can\s+not\s+move|(?:holding|held)\s+(?:\w+\s+){0,2}?up|blockers)\b";
    /// Work that waits on the author: "pending from my side", "open on me".
    PENDING_ON_ME = r"\b(?:pending|open|due|outstanding|left|remaining)\s+(?:from|on|with|at|for)\s+(?:my\s+(?:side|end|part)|me)\b";
    /// What the author's own list holds: tasks, things given to them, work held up.
    MY_WORK = r"\b(?:tasks?|things|items|work|stuff|tickets)\b|\b(?:allocated|assigned|given)\s+to\s+me\b|\b(?:held\s+up|blocked|stuck|waiting)\b";
    /// The digest asked for by its name alone: "sitrep", "morning briefing
    /// please", "weekly roundup for the maintainers".
    DIGEST_ALONE = r"^(?:the\s+|a\s+|our\s+)?(?:(?:morning|daily|weekly|today's|consolidated|status|blocker|blockers)\s+)*(?:digest|sitrep|briefing|roundup|round-up|rundown|recap|summary|report)(?:\s+(?:for|to)\s+(?:the\s+|us|this\s+)?[\w\-]*)?[\s,.!]*(?:please|pls)?[\s.!]*$";
    /// The author as the one asked to tell: not the subject of the question.
    TELL_ME = r"\b(?:tell|show|give|list|send|get)\s+me\b";
    /// The author as the subject: "what am I blocked on" is their own list.
    FIRST_PERSON = r"\b(?:i|i'm|im|i've|my|mine|me)\b";
    /// A question about one task ("is it blocked on anything?") or about how
    /// to use the bot ("how to mark a task as blocked?"), not for the list.
    NOT_THE_LIST = r"^(?:[\w']+\s+){0,3}?(?:it|this|that|the\s+task)(?:\s+one)?(?:\s|\?|$)|\bhow\s+(?:does|do|can|could|should|would|to|is)\b|^how\b";
    /// What the digest is called: "the standup", "the morning report", "the daily".
    DIGEST_NOUN = r"\b(?:digest|summary|rundown|round-?up|recap|report|briefing|standup|stand-up|the\s+daily)\b|\bsummari[sz]e\s+(?:the\s+|our\s+|all\s+)?(?:blockers|blocked)\b";
    /// Asking to be shown something: "post", "can I get", "what would it say".
    SHOW_VERB = r"\b(?:post|send|show|get|see|share|give|run|say|look|summari[sz]e|drop|repost|resend|generate|preview|fire|request|requesting)\b";
    /// When the digest is posted: a change of its schedule, not a request for it.
    SCHEDULE = r"\b(?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|weekdays?|weekends?|every|stop|skip|pause|mute|move|change|instead|only|o'clock)\b|\d\s*(?:am|pm)\b|\b\d{1,2}[:.]\d{2}\b";
    /// A question about how the digest works, not for it: "what's the syntax
    /// for changing the digest time?".
    ABOUT_THE_DIGEST = r"\b(?:how|syntax|command|change|changing|time|when|configure|setting|settings)\b";
    /// "what's in the digest today?"
    IN_THE_DIGEST = r"\bwhat(?:'s|\s+is|\s+will\s+be)\s+in\s+(?:the\s+|today's\s+|this\s+week's\s+|tomorrow's\s+)?(?:digest|summary|rundown)\b";
    /// Asking for the digest.
    DIGEST = r"^(?:(?:the\s+|today's\s+|todays\s+|daily\s+|weekly\s+|blocker\s+|blockers\s+)*(?:digest|summary|recap|rundown|rollup)|summarize|standup|roundup)\b|\b(?:get|generate|regenerate|re-?run|drop|produce|make|create|build|have|gimme)\s+(?:me\s+|us\s+)?(?:(?:the|a|today's|todays|daily|blocker|blockers|morning)\s+)*(?:digest|rundown|summary|recap|roundup|rollup)\b|\b(?:send|post|show|give|run|do|re-?post|re-?send|share|circulate|distribute)\s+(?:me\s+|us\s+)?(?:(?:the|a|today's|today|todays|this|standup|stand-up|morning's|daily|blocker|blockers|morning|weekly|room's|team's)\s+)*(?:digest|summary|recap|roundup|rundown|rollup|overview|report)\b";
    /// Asking for the dependency graph.
    GRAPH = r"\bwhat\s+does\s+<KEYS>\s+depend\s+on\b|\b(?:picture|chart|diagram|map|visual)\s+(?:of\s+)?(?:what\s+(?:blocks|holds\s+up|waits\s+on)|the\s+(?:blockers|deps|dependencies))\b|\bchart\s+(?:the\s+)?(?:blockers|deps|dependencies)\b|\bhow\b.{0,40}\b(?:dependencies|deps|tasks)\s+(?:hang|fit|tie|link|connect)\s+together\b|\bwhat(?:'s|\s+is)\s+waiting\s+on\s+<KEYS>|\b(?:everything|what's|what\s+is|anything)\s+downstream\s+of\b|\bwhich\s+tasks?\s+(?:are|is)\s+held\s+up\s+by\b|\bdraw\s+what\b|\b(?:graph|dag|visually|diagram\s+of|show\s+(?:me\s+)?the\s+tree|hang(?:s|ing)?\s+on|chains?\s+of\s+(?:blocking|dependencies|blockers)|as\s+a\s+(?:diagram|picture|chart|graph|map)|picture\s+of\s+how|map\s+out|hanging\s+off|picture\s+of\s+(?:the\s+)?(?:dependency|dependencies|deps)|dependency\s+chains?|dependency\s+(?:tree|map|chart|diagram|picture|view|overview)|(?:draw|show)\s+(?:me\s+|us\s+)?(?:the\s+|a\s+)?(?:map|picture|diagram|chart|tree)\s+of\b|dep(?:endency|endencies|s)?\s+tree|dependencies\s+(?:of|for|around)|deps\s+(?:of|for|around)|what\s+depends\s+on|what\s+<KEYS>\s+(?:is\s+)?(?:blocking|blocks|unblocks|holds\s+up|is\s+holding\s+up)|visuali[sz]e|chain\s+(?:around|of|for|behind)|what(?:'?s|\s+is)\s+(?:downstream|upstream)\s+(?:of|from))\b|^(?:deps|dependencies|tree|draw)\b";
    /// A thread reply that only asks for the graph around the task.
    THREAD_GRAPH = r"^(?:(?:show|draw)\s+(?:me\s+)?)?(?:the\s+)?(?:graph|deps|dependencies|dependency\s+graph)(?:\s+(?:for|of)\s+(?:this|it)(?:\s+one)?)?(?:\s+(?:please|pls))?[\s!.?]*$|^(?:draw|show)\s+(?:me\s+|us\s+)?(?:the\s+|a\s+)?(?:map|picture|diagram|chart|tree|graph)\s+of\s+what\b|^(?:draw|show)\s+(?:me\s+|us\s+)?what(?:'s|\s+is)\s+(?:hanging\s+off|downstream\s+of|waiting\s+on|blocked\s+by|held\s+up\s+by)\s+(?:this|it)(?:\s+one)?\b|^(?:draw|show)\s+(?:me\s+|us\s+)?(?:the\s+|a\s+)?(?:dependency\s+|deps\s+)?(?:graph|map|picture|diagram|chart|tree|chain)\s+(?:around|for|of)\s+(?:this|it)(?:\s+(?:one|task|ticket))?(?:\s+(?:please|pls))?[\s!.?]*$";
    /// Asking to see a task.
    SHOW = r"^(?:share|summari[sz]e|explain)\s+(?:(?:the|a)\s+)?(?:(?:details|summary|status|state)\s+(?:of|on|for)\s+)?<KEYS>|\b(?:details|summary)\s+(?:of|on|for)\s+<KEYS>|\b(?:tell\s+me\s+)?where\s+(?:<KEYS>|things|it|this|we)\s+(?:stands?|are)\b|^(?:show|status|info|details?|describe|view|display|look\s*up|lookup|check(?:\s+on)?|what\s+about|tell\s+me\s+about|where\s+(?:are\s+we|is|are)\s+(?:on|with)|card)\b|\bstatus\s+(?:of|on|for)\b|\b(?:update|progress|eta)\s+on\b";
    /// A key and what to see of it: "T-532 status pls", "T-4 details?".
    KEY_STATUS = r"^<KEYS>\s*[:\-]?\s*(?:status|details?|info|progress|update|card)\b[\s?!.]*$";
    /// A thread reply that only asks to see the task: "status", "show".
    THREAD_SHOW = r"^(?:show|status|details?|info|card)(?:\s+(?:me|of|for|on))?(?:\s+<KEYS>)?[\s!.]*$";
    /// Nothing but task keys: "T-15", "T-15?".
    BARE_KEYS = r"^<KEYS>[\s?!.]*$";
    /// Words that make a question in a thread a question about the task.
    STATUS_WORDS = r"\bwhere\s+(?:are|do)\s+we\b|\bwhere(?:'s|\s+is|\s+are)\s+(?:this|it|that|we)\s+at\b|\b(?:cleared|submitted|sent|received|signed|approved|paid|delivered|arrived|processed|filed|booked|dispatched|invoiced)\b|\bhow\s+far\b|\bhow's\s+(?:it|this)\s+going\b|\b(?:done|finished|finish|unblocked|complete|completed|status|update|updates|progress|eta|owner|owns|who|ready|blocked|blocking|merge|merged|shipped|live|deploy|deployed|released|closed|started|landing|land|landed|ship|when|waiting|stuck|updates?|news|going|left|remaining|outstanding|missing|rolled|rollout|fixed|resolved|hold|confirm|confirmed|accept|accepted|verified|finali[sz]ed)\b|\bmade?\s+it\s+in(?:to)?\b|\bon\s+(?:air|prod|production|the\s+store)\b|\bout\s+(?:yet|now|already|to|in|on)\b|\b(?:is|it's|it|this|that)\s+out\b|\b(?:gone|went|go|going|get|got|rolled)\s+out\b";
    /// A status word in another sense: "what's our done criteria?".
    STATUS_OTHER = r"\b(?:done\s+criteria|criteria\s+(?:for|of)\s+done|definition\s+of\s+done|start\s+date|due\s+date)\b";
    /// Asking people, not Baton, to do something: "can someone merge this?", "…
    /// but can someone double-check on staging?".
    /// Asking people's opinion, not the task's state: "wdyt, flag or ship?".
    OPINION = r"\b(?:wdyt|thoughts\s*\?|what\s+do\s+(?:you|u|we|y'all|people|folks)\s+think|any\s+opinions?|or\s+(?:just|should\s+we))\b";
    PEOPLE_REQUEST = r"(?:^|[,;.]\s*|\b(?:but|so|and)\s+)(?:can|could|would|will)\s+(?:someone|somebody|anyone|anybody|you|u|y'all|you\s+guys|<HANDLE>)\s+(?:please\s+|pls\s+)?(?:merge|review|deploy|ship|approve|look|check|double-check|double\s+check|verify|confirm|take|help|test|run|restart|rebase|fix)\b";
}

/// Thanks and acknowledgements addressed to Baton need no answer.
pub(super) fn pleasantry(ctx: &Ctx<'_>) -> Option<Intent> {
    (ctx.explicit() && PLEASANTRY.is_match(ctx.masked())).then_some(Intent::None)
}

/// `help`, `help done`, "what can you do?".
///
/// In a thread without a mention only a bare `help` or `help <verb>` counts:
/// "help, the deploy is broken" is talk about the task.
pub(super) fn help(ctx: &Ctx<'_>) -> Option<Intent> {
    let text = ctx.masked();
    if let Some(found) = HELP_VERB.captures(text) {
        let word = found.get(1).map(|m| m.as_str());
        let topic = word.and_then(help_topic);
        if ctx.explicit() || word.is_none() || word.and_then(suggest::canonical).is_some() {
            return Some(Intent::Help { topic });
        }
    }
    HELP_PHRASE
        .is_match(text)
        .then_some(Intent::Help { topic: None })
}

/// The help topic for a word: the intent a verb word names, or the word itself.
fn help_topic(word: &str) -> Option<String> {
    let word = word.to_lowercase();
    if ["me", "please", "pls", "us"].contains(&word.as_str()) {
        return None;
    }
    Some(suggest::canonical(&word).map_or(word, str::to_owned))
}

/// `settings tz Europe/Berlin`, `set my timezone to ...`, `my hours are ...`.
pub(super) fn settings(ctx: &Ctx<'_>) -> Option<Intent> {
    if !ctx.explicit() {
        return None;
    }
    let as_written = settings_in(ctx.masked(), ctx.text.original());
    let unreadable = |intent: &Option<Intent>| {
        matches!(
            intent,
            None | Some(Intent::Settings {
                change: SettingChange::Unreadable(_)
            })
        )
    };
    if !unreadable(&as_written) {
        return as_written;
    }
    // "at a quarter to ten, UK time": the times and places said in words.
    let spoken = spoken::normalised(ctx.text.original())
        .and_then(|spoken| settings_in(&spoken, &spoken))
        .filter(|intent| !unreadable(&Some(intent.clone())));
    spoken.or(as_written)
}

/// The settings change `masked` asks for; values are sliced from `original`,
/// which has the same byte offsets.
fn settings_in(masked: &str, original: &str) -> Option<Intent> {
    let span = |found: &regex_lite::Captures<'_>, group| {
        found
            .get(group)
            .and_then(|m: regex_lite::Match<'_>| original.get(m.range()))
            .unwrap_or_default()
    };
    let args = if let Some(found) = SETTINGS.captures(masked) {
        setting_args(span(&found, 1))
    } else if let Some(found) = SETTINGS_SET.captures(masked) {
        let mut args = vec![setting_name(span(&found, 1))];
        args.extend(words(span(&found, 2)));
        args
    } else if let Some(found) = SETTINGS_SUMMARIES.captures(masked) {
        let on = [span(&found, 1), span(&found, 2)].concat();
        let value = if on.is_empty() { "off" } else { on.as_str() };
        vec!["summaries".to_owned(), value.to_lowercase()]
    } else if SETTINGS_DIGEST_OFF.is_match(masked) {
        vec!["digest".to_owned(), "off".to_owned()]
    } else if let Some(found) = SETTINGS_DIGEST.captures(masked) {
        let said = (1..found.len())
            .map(|group| span(&found, group))
            .collect::<String>();
        let mut args = vec!["digest".to_owned()];
        args.extend(words(&said));
        args
    } else if let Some(found) = ROOM_ZONE.captures(masked) {
        vec![
            "digest".to_owned(),
            [span(&found, 1), span(&found, 2)].concat(),
        ]
    } else if let Some(found) = ROOM_DIGEST.captures(masked) {
        let mut args = vec!["digest".to_owned()];
        args.extend(words(span(&found, 1)));
        args
    } else if let Some(found) = SETTINGS_TZ.captures(masked) {
        let zone = [span(&found, 1), span(&found, 2)].concat();
        vec!["tz".to_owned(), zone]
    } else if let Some(found) = SETTINGS_HOURS.captures(masked) {
        // "my working hours are 8-4 Mon-Thu" names the setting even when its
        // value is not one Baton reads: the reply says how to write it.
        let said = span(&found, 1);
        let names_hours = found.get(0).is_some_and(|m| m.as_str().contains("hours"));
        let range = hours_range(said).or_else(|| names_hours.then(|| said.to_owned()))?;
        vec!["hours".to_owned(), range]
    } else if let Some(found) = SETTINGS_SHIFT.captures(masked) {
        let range = hours_range(&format!("{}-{}", span(&found, 1), span(&found, 2)))?;
        vec!["hours".to_owned(), range]
    } else if SETTINGS_SHOW.is_match(masked) {
        Vec::new()
    } else {
        // The digest's schedule said in a sentence the rules above do not know.
        digest_schedule::words(masked, original)?
    };
    let args = with_hours_normalised(args);
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    Some(Intent::Settings {
        change: SettingChange::from_words(&words),
    })
}

/// `hours 9-17` → `hours 09:00-17:00`: the range written the one way settings read.
fn with_hours_normalised(mut args: Vec<String>) -> Vec<String> {
    if let [name, rest @ ..] = args.as_slice()
        && name == "hours"
        && let Some(range) = hours_range(&rest.join(" "))
    {
        args.truncate(1);
        args.push(range);
    }
    args
}

/// A range of working hours as `HH:MM-HH:MM` ("9-17", "8am to 5pm", "9 to 5"), or
/// `None` when `text` is not one.
fn hours_range(text: &str) -> Option<String> {
    let found = HOURS_RANGE.captures(text.trim())?;
    let number = |group| {
        found
            .get(group)
            .and_then(|m| m.as_str().parse::<u32>().ok())
    };
    let meridiem = |group| found.get(group).map(|m| m.as_str().to_lowercase());
    let clock = |hour: u32, minute: Option<u32>, half: Option<String>| {
        let hour = match half.as_deref() {
            Some("pm") if hour < 12 => hour + 12,
            Some("am") if hour == 12 => 0,
            _ => hour,
        };
        let minute = minute.unwrap_or(0);
        (hour <= 24 && minute < 60).then_some((hour, minute))
    };
    let (start_h, start_m) = clock(number(1)?, number(2), meridiem(3))?;
    let (mut end_h, end_m) = clock(number(4)?, number(5), meridiem(6))?;
    // "9 to 5": an end before the start without am/pm is in the afternoon.
    if end_h < start_h && meridiem(6).is_none() && end_h < 12 {
        end_h += 12;
    }
    Some(format!("{start_h:02}:{start_m:02}-{end_h:02}:{end_m:02}"))
}

/// The words of a settings command, with the setting's name made canonical
/// (`time zone` → `tz`).
fn setting_args(rest: &str) -> Vec<String> {
    let mut args = words(rest);
    if let [first, second, ..] = args.as_slice() {
        let pair = format!("{first} {second}").to_lowercase();
        if setting_name(&pair) != pair {
            args.splice(0..2, [setting_name(&pair)]);
        }
    }
    if let Some(first) = args.first_mut() {
        *first = setting_name(first);
    }
    args
}

/// The canonical name of a setting, or the name lower-cased.
fn setting_name(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = name.trim_end_matches(':').to_lowercase();
    match name.as_str() {
        "tz" | "timezone" | "time zone" | "time-zone" | "zone" => "tz",
        "hours" | "working hours" | "work hours" => "hours",
        "digest" | "digest time" => "digest",
        "days" | "digest days" => "days",
        "quiet hours" => "quiet",
        other => other,
    }
    .to_owned()
}

/// Whitespace-separated words, the last one without trailing sentence punctuation.
fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if let Some(last) = words.last_mut() {
        *last = last.trim_end_matches(['.', ',', ';', '!']).to_owned();
        if last.is_empty() {
            words.pop();
        }
    }
    words
}

/// `mine`, "what's on my plate?"; and claims: "T-16 is mine", or a bare "mine" in
/// a thread, assign the task to the author.
pub(super) fn mine(ctx: &Ctx<'_>) -> Option<Intent> {
    let text = ctx.masked();
    let claim = |tasks| Intent::Assign {
        tasks,
        owner: ctx.author.to_owned(),
    };
    if IS_MINE.is_match(text) && !ctx.asks() {
        return Some(ctx.on_subject(ctx.text.keys(), "assign", claim));
    }
    if !ctx.explicit() {
        if BARE_MINE.is_match(text) {
            return Some(ctx.on_subject(vec![], "assign", claim));
        }
        if !ctx.asks() {
            return None;
        }
    }
    let asks_for_mine = ctx.explicit()
        && ctx.text.keys().is_empty()
        && ASKING.is_match(text)
        && (PENDING_ON_ME.is_match(text) || asks_about_my_work(text));
    (asks_for_mine || MINE.is_match(text)).then_some(Intent::Mine)
}

/// `blocked` with no task, "what's blocked?". A bare "blocked" in a thread is
/// about the task, so there only a question asks for the list.
pub(super) fn blocked_list(ctx: &Ctx<'_>) -> Option<Intent> {
    let in_scope = if ctx.explicit() {
        ctx.thread.is_none() || ctx.asks()
    } else {
        ctx.asks()
    };
    let text = ctx.masked();
    let listed = in_scope
        && ctx.text.keys().is_empty()
        && (BLOCKED_LIST.is_match(text) || asks_what_is_stuck(text));
    listed.then_some(Intent::Blocked)
}

/// A question about the author's own work, by its parts: "what am I held up
/// by?", "which of my things are ready to pick up?".
fn asks_about_my_work(text: &str) -> bool {
    about_the_author(text) && MY_WORK.is_match(text) && !NOT_THE_LIST.is_match(text)
}

/// A question, by its parts, about what cannot move ("which all tasks are
/// stuck?", "what's holding up the 4.3 release?"), not about the author's own
/// work, which is `mine`.
fn asks_what_is_stuck(text: &str) -> bool {
    ASKING.is_match(text)
        && STUCK_WORDS.is_match(text)
        && !NOT_THE_LIST.is_match(text)
        && !about_the_author(text)
}

/// Whether the author is the subject of a question ("what am I held up by?"),
/// not only the one it is to be told to ("tell me what can't move").
fn about_the_author(text: &str) -> bool {
    FIRST_PERSON.is_match(&TELL_ME.replace_all(text, " "))
}

/// `digest`, "post the digest".
pub(super) fn digest(ctx: &Ctx<'_>) -> Option<Intent> {
    let asked = ctx.explicit()
        && ctx.text.keys().is_empty()
        && (DIGEST.is_match(ctx.masked())
            || DIGEST_PREVIEW.is_match(ctx.masked())
            || IN_THE_DIGEST.is_match(ctx.masked())
            || asks_for_the_digest(ctx));
    asked.then_some(Intent::Digest)
}

/// The digest asked for by its parts: its name and a word of showing or a
/// question ("can I get the morning report", "what would the digest say?"),
/// when nothing says when it is posted.
fn asks_for_the_digest(ctx: &Ctx<'_>) -> bool {
    let text = ctx.masked();
    DIGEST_ALONE.is_match(text)
        || (DIGEST_NOUN.is_match(text)
            && (ctx.question || SHOW_VERB.is_match(text))
            && !SCHEDULE.is_match(text)
            && !ABOUT_THE_DIGEST.is_match(text)
            && !BLOCKED_LIST.is_match(text))
}

/// `graph`, "show me the dependency graph for T-14".
pub(super) fn graph(ctx: &Ctx<'_>) -> Option<Intent> {
    let text = ctx.masked();
    let asked =
        ((ctx.explicit() || ctx.asks()) && GRAPH.is_match(text)) || THREAD_GRAPH.is_match(text);
    asked.then(|| Intent::Graph {
        tasks: ctx.subject(ctx.text.keys()),
    })
}

/// A question: about named tasks it is `show`; in a thread it is `show` when it
/// asks about the task's state and a note otherwise ("lunch at 12?"). A question
/// about nothing Baton knows is not understood.
pub(super) fn question(ctx: &Ctx<'_>) -> Option<Intent> {
    if !ctx.asks() {
        return None;
    }
    let keys = ctx.text.keys();
    if !keys.is_empty() {
        return Some(Intent::Show { tasks: keys });
    }
    let Some(thread) = ctx.thread else {
        return Some(unknown(ctx.text));
    };
    let masked = ctx.masked();
    let asks_status = STATUS_WORDS.is_match(masked)
        && !PEOPLE_REQUEST.is_match(masked)
        && !OPINION.is_match(masked)
        && !STATUS_OTHER.is_match(masked);
    Some(if asks_status {
        Intent::Show {
            tasks: vec![thread],
        }
    } else {
        Intent::Note {
            tasks: vec![thread],
            text: ctx.note_text(),
        }
    })
}

/// `show T-15`, `status of T-3`, or nothing but keys ("T-15").
///
/// A thread reply must be only the request ("status"): "quick update on the
/// migration: ..." is a note, not a request to see the card.
pub(super) fn show(ctx: &Ctx<'_>) -> Option<Intent> {
    let text = ctx.masked();
    let asked = if ctx.explicit() {
        BARE_KEYS.is_match(text) || SHOW.is_match(text) || KEY_STATUS.is_match(text)
    } else {
        THREAD_SHOW.is_match(text)
    };
    asked.then(|| ctx.on_subject(ctx.text.keys(), "show", |tasks| Intent::Show { tasks }))
}
