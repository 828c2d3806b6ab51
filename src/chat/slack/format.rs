//! Baton's plain text → Slack messages: mrkdwn escaping, mentions, Block Kit blocks
//! and chunking within Slack's limits.
//!
//! The engine writes one dialect for every platform (people as `@U123`, commands as
//! `` `!baton done T-1` ``). Here it becomes what Slack shows well: real mentions
//! (`<@U123>`), slash commands, sections of at most 3,000 characters, at most 50
//! blocks, and a plain-text fallback for notifications and old clients.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use slack_morphism::prelude::*;

use crate::chat::normalize::without_bidi_controls;
use crate::domain::TaskKey;

/// Slack's limit on a section block's text.
pub const SECTION_LIMIT: usize = 3000;
/// Slack's limit on blocks in one message.
pub const BLOCK_LIMIT: usize = 50;
/// What one message carries at most; longer bodies go out as several messages.
/// Slack truncates `text` near 40,000 characters and advises staying far below.
pub const MESSAGE_LIMIT: usize = 12_000;

/// The `action_id`s of a task card's buttons, and the command each one stands for.
pub const CARD_ACTIONS: [(&str, &str, &str); 4] = [
    ("baton_start", "Start", "start"),
    ("baton_done", "Done", "done"),
    ("baton_undo", "Undo", "reopen"),
    ("baton_snooze", "Snooze", "snooze"),
];

/// A person written the engine's way: `@U123` (a Slack user id).
static USER: LazyLock<Regex> = LazyLock::new(|| crate::chat::pattern(r"@([UW][A-Z0-9]{2,})\b"));
/// A URL, up to whitespace or an angle bracket.
static URL: LazyLock<Regex> = LazyLock::new(|| crate::chat::pattern(r"https?://[^\s<>]+"));
/// A channel the engine names `<#C123>`, after escaping.
static CHANNEL: LazyLock<Regex> =
    LazyLock::new(|| crate::chat::pattern(r"&lt;#([CGD][A-Z0-9]+)&gt;"));

/// How a room is named in Baton's messages: Slack shows `<#C123>` as the channel's
/// name, so no `conversations.info` call is needed.
pub fn room_name(channel: &str) -> String {
    format!("<#{channel}>")
}

/// The engine's text as Slack mrkdwn: escaped, without bidi controls (a title
/// imported or written before they were removed on the way in could carry them),
/// people as mentions, commands as slash commands.
///
/// `@U123` becomes a mention only standing on its own: not inside a URL
/// (`https://example.org/@U123/x`), nor joined to a word, path or address
/// (`bob@UFO.example`, `example.org/@U123`).
pub fn mrkdwn(text: &str) -> String {
    let text = without_bidi_controls(text);
    let urls: Vec<Range<usize>> = URL.find_iter(&text).map(|m| m.range()).collect();
    let mut escaped = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for found in USER.captures_iter(&text) {
        let (Some(whole), Some(id)) = (found.get(0), found.get(1)) else {
            continue;
        };
        let inside_url = urls
            .iter()
            .any(|url| url.start < whole.end() && whole.start() < url.end);
        let before = text
            .get(..whole.start())
            .and_then(|t| t.chars().next_back());
        let joined = before.is_some_and(|c| c.is_alphanumeric() || "_/\\.-=#?&%+~:@".contains(c));
        if inside_url || joined {
            continue;
        }
        escape(
            text.get(at..whole.start()).unwrap_or_default(),
            &mut escaped,
        );
        escaped.push_str("<@");
        escaped.push_str(id.as_str());
        escaped.push('>');
        at = whole.end();
    }
    escape(text.get(at..).unwrap_or_default(), &mut escaped);
    let channels = CHANNEL.replace_all(&escaped, "<#$1>");
    channels.replace("`!baton ", "`/baton ")
}

/// `text` with mrkdwn's three control characters escaped.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
}

/// Splits mrkdwn into messages of at most [`MESSAGE_LIMIT`] characters, each a list
/// of sections of at most [`SECTION_LIMIT`], breaking at line ends where possible.
pub fn chunk(text: &str) -> Vec<Vec<String>> {
    let sections = crate::chat::chunk::split(text, SECTION_LIMIT);
    let mut messages: Vec<Vec<String>> = Vec::new();
    let mut size = 0;
    for section in sections {
        let full = messages
            .last()
            .is_none_or(|m| size + section.len() > MESSAGE_LIMIT || m.len() + 1 >= BLOCK_LIMIT);
        if full {
            messages.push(Vec::new());
            size = 0;
        }
        size += section.len();
        if let Some(message) = messages.last_mut() {
            message.push(section);
        }
    }
    if messages.is_empty() {
        messages.push(vec![String::new()]);
    }
    messages
}

/// The blocks of one message: its sections, and for a task card the buttons.
pub fn blocks(sections: &[String], card_for: Option<TaskKey>) -> Vec<SlackBlock> {
    let mut blocks: Vec<SlackBlock> = sections
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| SlackSectionBlock::new().with_text(md!("{}", s)).into())
        .collect();
    if let Some(task) = card_for {
        let buttons: Vec<SlackActionBlockElement> = CARD_ACTIONS
            .iter()
            .map(|(action, label, _)| {
                SlackBlockButtonElement::new(pt!("{}", label))
                    .with_action_id((*action).into())
                    .with_value(task.to_string())
                    .into()
            })
            .collect();
        blocks.push(SlackActionsBlock::new(buttons).into());
    }
    blocks
}

/// The button under a language model's proposal: a click is its author's `yes`.
pub const CONFIRM_ACTION: &str = "baton_confirm";

/// The button that confirms the proposal `offer` makes, if it names one. Its
/// value is the proposed command: a click confirms that proposal and no other
/// (not a newer one, and not the clicker's own when someone else clicks).
pub fn confirm_button(offer: &str) -> Option<SlackBlock> {
    let command = crate::engine::proposed_command(offer)?;
    let button: SlackActionBlockElement = SlackBlockButtonElement::new(pt!("Yes, do it"))
        .with_action_id(CONFIRM_ACTION.into())
        .with_value(command.to_owned())
        .into();
    Some(SlackActionsBlock::new(vec![button]).into())
}

/// The command a button stands for, as a user would type it: a card's verb
/// and task, or the confirmation of the proposal it sits under.
pub fn command_for_action(action_id: &str, value: &str) -> Option<String> {
    if action_id == CONFIRM_ACTION {
        return Some(format!("!baton yes: {value}"));
    }
    let task = value;
    CARD_ACTIONS
        .iter()
        .find(|(id, _, _)| *id == action_id)
        .map(|(_, _, verb)| format!("!baton {verb} {task}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_become_mentions_and_commands_slash_commands() {
        let text = mrkdwn(
            "T-2 is ready for you. T-1 was finished by @U0ALICE.\nStart with `!baton start T-2`. a<b & c",
        );
        assert!(text.contains("by <@U0ALICE>."), "{text}");
        assert!(text.contains("`/baton start T-2`"), "{text}");
        assert!(text.contains("a&lt;b &amp; c"), "{text}");
    }

    #[test]
    fn channel_names_stay_links_and_console_handles_stay_text() {
        let text = mrkdwn("noted in <#C0GENERAL> by @alice, mail bob@UFO.example");
        assert!(text.contains("<#C0GENERAL>"), "{text}");
        assert!(text.contains("@alice"), "{text}");
        assert!(!text.contains("<@UFO"), "{text}");
    }

    #[test]
    fn an_id_inside_a_url_is_not_a_mention() {
        for text in [
            "see https://example.org/@U0ALICE/x",
            "see <https://example.org/@U0ALICE>",
            "see https://example.org/u?who=@U0ALICE",
            "see example.org/@U0ALICE",
        ] {
            let out = mrkdwn(text);
            assert!(!out.contains("<@U0ALICE>"), "{text}: {out}");
            assert!(out.contains("@U0ALICE"), "{text}: {out}");
        }
        let out = mrkdwn("(@U0ALICE) see https://example.org/@U0BOB/x, ask @U0CAROL.");
        assert_eq!(
            out,
            "(<@U0ALICE>) see https://example.org/@U0BOB/x, ask <@U0CAROL>."
        );
    }

    #[test]
    fn bidi_controls_never_reach_slack() {
        let out = mrkdwn(
            "T-1 Fix \u{202E}gnp.exe\u{202C} upload in \u{2067}<#C0OPS>\u{2069} for @U0ALICE",
        );
        assert_eq!(out, "T-1 Fix gnp.exe upload in <#C0OPS> for <@U0ALICE>");
    }

    #[test]
    fn long_text_is_chunked_within_slack_limits() {
        let line = "x".repeat(70);
        let text: Vec<String> = (0..600).map(|i| format!("{i} {line}")).collect();
        let text = text.join("\n");
        let messages = chunk(&text);
        assert!(messages.len() > 1);
        for message in &messages {
            assert!(message.len() < BLOCK_LIMIT);
            assert!(message.iter().map(String::len).sum::<usize>() <= MESSAGE_LIMIT);
            assert!(message.iter().all(|s| s.len() <= SECTION_LIMIT));
        }
        let rejoined: usize = messages.iter().flatten().map(|s| s.lines().count()).sum();
        assert_eq!(rejoined, 600, "no line is lost");
        // A single line longer than a section is cut at a character boundary.
        let wide = "é".repeat(4000);
        let pieces = chunk(&wide);
        assert!(pieces[0].iter().all(|s| s.len() <= SECTION_LIMIT));
    }

    #[test]
    fn card_buttons_stand_for_commands() {
        assert_eq!(
            command_for_action("baton_done", "T-4").as_deref(),
            Some("!baton done T-4")
        );
        assert_eq!(command_for_action("something_else", "T-4"), None);
        let key: TaskKey = "T-4".parse().unwrap();
        let with_buttons = blocks(&["card".to_owned()], Some(key));
        assert_eq!(with_buttons.len(), 2);
    }
}
