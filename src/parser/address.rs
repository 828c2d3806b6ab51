//! Whether a message is meant for Baton, and what it says once the addressing is
//! removed.
//!
//! Baton acts only on messages meant for it (DESIGN §4): a `/baton` or `!baton`
//! command, a mention of `@baton`, a DM, or a reply in a task's thread. Everything
//! else is ignored, so that chatter between people ("T-12 is done!" said to a
//! colleague) never changes a task.

use super::Message;

/// How a message reached Baton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// `/baton <verb> ...` or `!baton <verb> ...`: the first word should be a verb.
    Command,
    /// `@baton ...` anywhere, or "hey baton, ...": natural language.
    Mention,
    /// A direct message to the bot: every message is addressed.
    Direct,
    /// A reply in a task's thread, without any prefix.
    Thread,
}

/// A message meant for Baton.
#[derive(Debug)]
pub(super) struct Addressed {
    pub mode: Mode,
    /// The text without the prefix, mention or greeting of the bot.
    pub body: String,
}

patterns! {
    /// The slash and Matrix/console command prefixes.
    COMMAND = r"^[/!]baton\b[\s:,]*";
    /// A mention of the bot, with its Matrix server when written as a user id
    /// (`@baton:example.org`); boundaries are checked in code (no look-around in
    /// regex).
    MENTION = r"@baton(?::[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*(?::\d{1,5})?)?";
    /// Talking to the bot by name, in any room: "hey baton, ...", "baton: ...".
    VOCATIVE = r"^(?:(?:hi|hey|hello|yo|ok|okay|dear)\s+baton\b|baton\s*[,:])[\s,:!.]*";
    /// Talking to the bot by name in a DM, where a bare "baton ..." is also fine.
    VOCATIVE_DM = r"^(?:(?:hi|hey|hello|yo|ok|okay|dear|thanks|thank\s+you)\s+)?baton\b[\s,:!.]*";
}

/// Decides whether `msg` is meant for Baton.
pub(super) fn address(msg: &Message<'_>) -> Option<Addressed> {
    let text = after_quote(msg.text.trim());
    let addressed = |mode, body: &str| {
        Some(Addressed {
            mode,
            body: body.trim().to_owned(),
        })
    };
    if let Some(prefix) = COMMAND.find(text) {
        return addressed(Mode::Command, text.get(prefix.end()..).unwrap_or_default());
    }
    if let Some(body) = without_mentions(text) {
        return addressed(Mode::Mention, &body);
    }
    if msg.dm {
        let start = VOCATIVE_DM.find(text).map_or(0, |name| name.end());
        return addressed(Mode::Direct, text.get(start..).unwrap_or_default());
    }
    if let Some(name) = VOCATIVE.find(text) {
        return addressed(Mode::Mention, text.get(name.end()..).unwrap_or_default());
    }
    if msg.thread_task.is_some() {
        return addressed(Mode::Thread, text);
    }
    None
}

/// The message after the lines it quotes: a Matrix reply's body opens with the
/// message it answers (`> <@ann:example.org> can the summary come later?`), and
/// whether the reply is meant for Baton is said by its writer, below the quote.
/// A message that is only a quote is kept whole.
fn after_quote(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('>') {
        match rest.split_once('\n') {
            Some((_, after)) => rest = after.trim_start(),
            None => return text,
        }
    }
    if rest.is_empty() { text } else { rest }
}

/// `text` without its mentions of the bot, or `None` when it does not mention it.
///
/// `@baton` counts only as a whole handle: not in `me@baton.dev`, not `@batonbot`.
fn without_mentions(text: &str) -> Option<String> {
    let mentions: Vec<_> = MENTION
        .find_iter(text)
        .filter(|found| {
            let before = text.get(..found.start()).unwrap_or_default().chars().last();
            let after = text.get(found.end()..).unwrap_or_default().chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || "_.@-".contains(c))
                && !after.is_some_and(|c| c.is_alphanumeric() || "_-".contains(c))
        })
        .map(|found| found.range())
        .collect();
    if mentions.is_empty() {
        return None;
    }
    let mut body = String::with_capacity(text.len());
    let mut at = 0;
    for mention in mentions {
        body.push_str(text.get(at..mention.start).unwrap_or_default());
        body.push(' ');
        let after = text.get(mention.end..).unwrap_or_default();
        let punctuation = after.len() - after.trim_start_matches([',', ':', ';']).len();
        at = mention.end + punctuation;
    }
    body.push_str(text.get(at..).unwrap_or_default());
    let trimmed = body.trim_start_matches(|c: char| c.is_whitespace() || ",:;.-".contains(c));
    // ":eyes: add ...": the colon opens an emoji shortcode, not punctuation.
    let lead = body.trim_start();
    let shortcode = lead
        .strip_prefix(':')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
        });
    Some(if shortcode { lead } else { trimmed }.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TaskKey;

    fn message(text: &str) -> Message<'_> {
        Message {
            text,
            author: "@carol",
            thread_task: None,
            dm: false,
        }
    }

    /// The body (whitespace collapsed) and mode of an addressed message.
    fn body_and_mode(msg: &Message<'_>) -> Option<(String, Mode)> {
        address(msg).map(|a| {
            (
                a.body.split_whitespace().collect::<Vec<_>>().join(" "),
                a.mode,
            )
        })
    }

    #[test]
    fn slash_and_bang_prefixes_are_commands() {
        for text in ["/baton done T-4", "!baton done T-4", "!BATON: done T-4"] {
            let expected = Some(("done T-4".to_owned(), Mode::Command));
            assert_eq!(body_and_mode(&message(text)), expected, "{text}");
        }
    }

    #[test]
    fn a_mention_anywhere_addresses_the_bot_and_is_removed() {
        let got = body_and_mode(&message("T-4 is done @baton"));
        assert_eq!(got, Some(("T-4 is done".to_owned(), Mode::Mention)));
        let got = body_and_mode(&message("hey @baton, done T-4"));
        assert_eq!(got, Some(("hey done T-4".to_owned(), Mode::Mention)));
    }

    #[test]
    fn a_matrix_user_id_of_the_bot_is_a_mention() {
        let got = body_and_mode(&message("@baton:example.org cancel T-475"));
        assert_eq!(got, Some(("cancel T-475".to_owned(), Mode::Mention)));
        let got = body_and_mode(&message("@baton:example.org: done T-4"));
        assert_eq!(got, Some(("done T-4".to_owned(), Mode::Mention)));
    }

    #[test]
    fn an_email_or_a_longer_handle_is_not_a_mention() {
        assert_eq!(body_and_mode(&message("mail me@baton.dev")), None);
        assert_eq!(body_and_mode(&message("ping @batonbot")), None);
    }

    #[test]
    fn talking_to_the_bot_by_name_addresses_it() {
        let got = body_and_mode(&message("hey baton, what's blocked?"));
        assert_eq!(got, Some(("what's blocked?".to_owned(), Mode::Mention)));
        assert_eq!(body_and_mode(&message("pass the baton, please")), None);
    }

    #[test]
    fn every_dm_is_addressed_and_a_greeting_is_dropped() {
        let msg = Message {
            dm: true,
            ..message("hi baton, what can you do?")
        };
        let got = body_and_mode(&msg);
        assert_eq!(got, Some(("what can you do?".to_owned(), Mode::Direct)));
    }

    #[test]
    fn thread_replies_need_no_prefix() {
        let msg = Message {
            thread_task: Some(TaskKey::new(9)),
            ..message("merged")
        };
        assert_eq!(
            body_and_mode(&msg),
            Some(("merged".to_owned(), Mode::Thread))
        );
    }

    #[test]
    fn a_reply_is_addressed_by_what_its_writer_says_below_the_quote() {
        let reply = "> <@ann:example.org> can the summary come later?\n\nbaton: digest at 9:00";
        let got = body_and_mode(&message(reply));
        assert_eq!(got, Some(("digest at 9:00".to_owned(), Mode::Mention)));
        // Quoting someone who wrote to the bot does not write to it.
        let quoted = "> @baton done T-4\n\nnice work";
        assert_eq!(body_and_mode(&message(quoted)), None);
    }

    #[test]
    fn other_messages_are_not_addressed() {
        assert_eq!(body_and_mode(&message("T-12 is done!")), None);
    }
}
