//! Platform markup → the plain text the parser reads.
//!
//! Every adapter hands the parser the same dialect: people written `@name`, the bot
//! `@baton`, links as bare URLs, no markup, unicode emoji, straight quotes. This keeps
//! platform details out of the grammar (a `<@U123>` or a Matrix pill never reaches
//! it) and makes one corpus of examples valid for every platform.
//!
//! - [`slack`]: Slack mrkdwn (`<@U123>`, `<https://x|label>`, `&amp;`, `*bold*`, `` `code` ``).
//! - [`matrix`]: a Matrix `m.text` event (`body`, optional HTML `formatted_body` with
//!   pills and an `<mx-reply>` block; reply fallback lines in `body`).
//! - [`plain`]: the part shared by all platforms (emoji shortcodes, smart quotes), also
//!   used for console input.
//!
//! Only `regex` and `std`: the HTML Matrix clients send is a small, known subset.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// How the bot is written in normalised text (the parser's `BOT_HANDLE`).
pub const BOT: &str = "@baton";

/// Compiles a built-in pattern (a typo fails the `every_pattern_compiles` test).
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|err| panic!("built-in pattern does not compile: {err}"))
}

/// Slack's angle-bracket entities: `<@U123>`, `<@U123|name>`, `<#C1|general>`,
/// `<!here>`, `<!subteam^S1|@team>`, `<https://x|label>`, `<mailto:a@b.c|a@b.c>`.
static SLACK_ENTITY: LazyLock<Regex> =
    LazyLock::new(|| re(r"<([@#!]?)([^<>|\s]+)(?:\|([^<>]*))?>"));
/// A Matrix pill or link: `<a href="...">label</a>`.
static HTML_LINK: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?is)<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a\s*>"#));
/// The quoted message a Matrix client prepends to a reply.
static MX_REPLY: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<mx-reply>.*?</mx-reply>"));
/// Tags that end a line.
static HTML_BREAK: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|pre|tr)\s*>"));
/// Any other tag.
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| re(r"</?[A-Za-z][^<>]*>"));
/// A Matrix user id in a `matrix.to` link: `https://matrix.to/#/@alice:example.org`.
static MATRIX_USER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^https://matrix\.to/#/(@[^/?\s:]+:[^/?\s]+)"));
/// An emoji shortcode: `:white_check_mark:`.
static SHORTCODE: LazyLock<Regex> = LazyLock::new(|| re(r":([a-z0-9_+\-]{1,40}):"));

/// The common emoji shortcodes (Slack and Element names) and the emoji they stand for.
const SHORTCODES: &[(&str, &str)] = &[
    ("white_check_mark", "✅"),
    ("heavy_check_mark", "✔️"),
    ("ballot_box_with_check", "☑️"),
    ("tada", "🎉"),
    ("partying_face", "🥳"),
    ("rocket", "🚀"),
    ("ship", "🚢"),
    ("checkered_flag", "🏁"),
    ("x", "❌"),
    ("heavy_multiplication_x", "✖️"),
    ("no_entry", "⛔"),
    ("warning", "⚠️"),
    ("rotating_light", "🚨"),
    ("fire", "🔥"),
    ("boom", "💥"),
    ("bug", "🐛"),
    ("construction", "🚧"),
    ("hourglass", "⌛"),
    ("hourglass_flowing_sand", "⏳"),
    ("crossed_fingers", "🤞"),
    ("hand_with_index_and_middle_fingers_crossed", "🤞"),
    ("eyes", "👀"),
    ("thinking_face", "🤔"),
    ("thinking", "🤔"),
    ("grimacing", "😬"),
    ("sob", "😭"),
    ("sweat_smile", "😅"),
    ("+1", "👍"),
    ("thumbsup", "👍"),
    ("-1", "👎"),
    ("thumbsdown", "👎"),
    ("pray", "🙏"),
    ("raised_hands", "🙌"),
    ("clap", "👏"),
    ("heart", "❤️"),
    ("red_circle", "🔴"),
    ("large_green_circle", "🟢"),
    ("green_circle", "🟢"),
    ("stop_sign", "🛑"),
    ("zap", "⚡"),
];

/// Text from any platform, shortcodes and typographic quotes made plain: what the
/// console and the `baton parse` contract feed the parser, and the last step of
/// [`slack`] and [`matrix`].
pub fn plain(text: &str) -> String {
    smart_quotes(&emoji_shortcodes(text)).into_owned()
}

/// Slack mrkdwn → plain text.
///
/// `<@U123>` becomes `@name` when `resolve_user` knows the id (it may answer `name`
/// or `@name`; the bot's own id should resolve to `baton`), else `@U123`;
/// `<@U123|name>` becomes `@name`; `<#C1|general>` `#general`; `<!here>` `@here`;
/// `<https://x|label>` the URL; `&amp;`, `&lt;`, `&gt;` their characters; `*bold*`,
/// `~strike~`, `` `code` `` and code fences lose their markers.
pub fn slack(text: &str, resolve_user: impl Fn(&str) -> Option<String>) -> String {
    let entities = SLACK_ENTITY.replace_all(text, |found: &Captures<'_>| {
        let sigil = found.get(1).map_or("", |m| m.as_str());
        let target = found.get(2).map_or("", |m| m.as_str());
        let label = found.get(3).map(|m| m.as_str().trim());
        match sigil {
            "@" => match label.filter(|l| !l.is_empty()) {
                Some(name) => handle(name),
                None => resolve_user(target).map_or_else(|| format!("@{target}"), |n| handle(&n)),
            },
            "#" => format!("#{}", label.filter(|l| !l.is_empty()).unwrap_or(target)),
            "!" => match label.filter(|l| !l.is_empty()) {
                Some(name) => handle(name),
                None => format!("@{}", target.split('^').next().unwrap_or(target)),
            },
            _ => match target.strip_prefix("mailto:") {
                Some(address) => address.to_owned(),
                None => target.to_owned(),
            },
        }
    });
    let unescaped = entities
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut out = unescaped.replace("```", "\n");
    for marker in ['*', '~', '`'] {
        out = unwrap_marked(&out, marker);
    }
    plain(out.trim())
}

/// A Matrix `m.text` event → plain text.
///
/// With a `formatted_body` (HTML), the `<mx-reply>` quote is dropped, pills
/// `<a href="https://matrix.to/#/@alice:example.org">Alice</a>` become
/// `@alice:example.org` (`@baton` for `bot_user_id`), other links become their URL,
/// and tags and entities are removed. Without one, the reply fallback (the leading
/// `> ` lines clients prepend to `body`) is dropped. Either way the bot's user id
/// written out becomes `@baton`.
pub fn matrix(body: &str, formatted_body: Option<&str>, bot_user_id: &str) -> String {
    let text = match formatted_body {
        Some(html) if !html.trim().is_empty() => from_html(html, bot_user_id),
        _ => without_reply_fallback(body).to_owned(),
    };
    let text = if bot_user_id.is_empty() {
        text
    } else {
        text.replace(bot_user_id, BOT)
    };
    plain(text.trim())
}

/// The text of a Matrix `formatted_body`.
fn from_html(html: &str, bot_user_id: &str) -> String {
    let html = MX_REPLY.replace_all(html, "");
    let html = HTML_LINK.replace_all(&html, |found: &Captures<'_>| {
        let href = decode_percent(found.get(1).map_or("", |m| m.as_str()));
        match MATRIX_USER.captures(&href).and_then(|user| user.get(1)) {
            Some(user) if user.as_str() == bot_user_id => BOT.to_owned(),
            Some(user) => user.as_str().to_owned(),
            None => href.clone(),
        }
    });
    let html = HTML_BREAK.replace_all(&html, "\n");
    let text = HTML_TAG.replace_all(&html, "");
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `body` without the `> ` quote lines (and the blank line after them) that Matrix
/// clients put in front of a reply.
fn without_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    let mut rest = body;
    while rest.starts_with('>') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest.trim_start_matches(['\n', '\r'])
}

/// `%40alice%3Aexample.org` → `@alice:example.org` (only the escapes ids use).
fn decode_percent(href: &str) -> String {
    href.replace("%40", "@")
        .replace("%3A", ":")
        .replace("%3a", ":")
        .replace("%23", "#")
        .replace("%21", "!")
}

/// `name` or `@name` → `@name`.
fn handle(name: &str) -> String {
    format!("@{}", name.trim_start_matches('@'))
}

/// Emoji shortcodes from [`SHORTCODES`] → emoji; unknown ones are kept.
pub fn emoji_shortcodes(text: &str) -> Cow<'_, str> {
    if !text.contains(':') {
        return Cow::Borrowed(text);
    }
    SHORTCODE.replace_all(text, |found: &Captures<'_>| {
        let name = found.get(1).map_or("", |m| m.as_str());
        SHORTCODES
            .iter()
            .find(|(code, _)| *code == name)
            .map_or_else(|| found[0].to_owned(), |(_, emoji)| (*emoji).to_owned())
    })
}

/// Typographic quotes → straight ones: `’ ‘ ‛ ′` → `'`, `“ ” „ ″` → `"`.
pub fn smart_quotes(text: &str) -> Cow<'_, str> {
    let curly = |c: char| matches!(c, '’' | '‘' | '‛' | '′' | '“' | '”' | '„' | '″');
    if !text.contains(curly) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '’' | '‘' | '‛' | '′' => '\'',
                '“' | '”' | '„' | '″' => '"',
                other => other,
            })
            .collect(),
    )
}

/// `text` with `marker` pairs that wrap a span (`*bold*`) removed.
///
/// A pair counts when the opening marker follows the start, a space or punctuation,
/// the closing one precedes the end, a space or punctuation, and the span between is
/// on one line and neither starts nor ends with a space: `2*3*4` and `a * b` keep
/// their stars.
fn unwrap_marked(text: &str, marker: char) -> String {
    if !text.contains(marker) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    // The next marker at or after each position, if no line break comes first.
    let mut next_marker = vec![None; chars.len() + 1];
    for i in (0..chars.len()).rev() {
        next_marker[i] = match chars[i] {
            '\n' => None,
            c if c == marker => Some(i),
            _ => next_marker[i + 1],
        };
    }
    let boundary = |c: Option<&char>| c.is_none_or(|c| !c.is_alphanumeric() && *c != marker);
    let mut drop = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let opens = chars[i] == marker
            && boundary(i.checked_sub(1).and_then(|p| chars.get(p)))
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && *c != marker);
        let close = if opens { next_marker[i + 1] } else { None };
        if let Some(j) = close
            && !chars[j - 1].is_whitespace()
            && boundary(chars.get(j + 1))
        {
            drop[i] = true;
            drop[j] = true;
            i = j + 1;
            continue;
        }
        i += 1;
    }
    chars
        .iter()
        .zip(drop)
        .filter(|(_, dropped)| !dropped)
        .map(|(c, _)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(id: &str) -> Option<String> {
        match id {
            "U123" => Some("alice".to_owned()),
            "UBATON" => Some("baton".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn every_pattern_compiles() {
        for pattern in [
            &SLACK_ENTITY,
            &HTML_LINK,
            &MX_REPLY,
            &HTML_BREAK,
            &HTML_TAG,
            &MATRIX_USER,
            &SHORTCODE,
        ] {
            LazyLock::force(pattern);
        }
    }

    #[test]
    fn slack_mentions_become_handles() {
        assert_eq!(slack("<@UBATON> done T-4", users), "@baton done T-4");
        assert_eq!(slack("give T-4 to <@U123>", users), "give T-4 to @alice");
        assert_eq!(slack("give T-4 to <@U999>", users), "give T-4 to @U999");
        assert_eq!(slack("ping <@U999|bob>", users), "ping @bob");
        assert_eq!(slack("<!here> standup", users), "@here standup");
        assert_eq!(slack("in <#C1|ops>", users), "in #ops");
    }

    #[test]
    fn slack_links_become_their_url() {
        assert_eq!(
            slack(
                "done, see <https://github.com/acme/api/pull/4|PR #4>",
                users
            ),
            "done, see https://github.com/acme/api/pull/4"
        );
        assert_eq!(
            slack("<https://ci.acme.dev/1>", users),
            "https://ci.acme.dev/1"
        );
        assert_eq!(
            slack("mail <mailto:a@b.dev|a@b.dev>", users),
            "mail a@b.dev"
        );
    }

    #[test]
    fn slack_entities_and_markup_are_removed() {
        assert_eq!(slack("T-4 &amp; T-5 &lt;3 &gt;", users), "T-4 & T-5 <3 >");
        assert_eq!(slack("*done* with `T-4`", users), "done with T-4");
        assert_eq!(slack("~not~ merged", users), "not merged");
        assert_eq!(slack("2*3*4 and a * b", users), "2*3*4 and a * b");
        assert_eq!(slack("```cargo test```", users), "cargo test");
    }

    #[test]
    fn slack_text_gets_emoji_and_straight_quotes() {
        assert_eq!(slack("merged :tada:", users), "merged 🎉");
        assert_eq!(slack("it’s “live”", users), "it's \"live\"");
    }

    #[test]
    fn matrix_pills_become_user_ids_and_the_bot_becomes_baton() {
        let html = r#"<a href="https://matrix.to/#/@baton:example.org">Baton</a>: give T-4 to <a href="https://matrix.to/#/@alice:example.org">Alice</a>"#;
        assert_eq!(
            matrix("Baton: give T-4 to Alice", Some(html), "@baton:example.org"),
            "@baton: give T-4 to @alice:example.org"
        );
        let encoded = r#"<a href="https://matrix.to/#/%40bob%3Aexample.org">Bob</a> owns it"#;
        assert_eq!(
            matrix("Bob owns it", Some(encoded), "@baton:example.org"),
            "@bob:example.org owns it"
        );
    }

    #[test]
    fn matrix_replies_lose_the_quoted_message() {
        let html = "<mx-reply><blockquote><a href=\"https://matrix.to/#/!r/$e\">In reply to</a> is it done?</blockquote></mx-reply>merged &amp; deployed<br/>🎉";
        assert_eq!(
            matrix(
                "> <@bob:x.org> is it done?\n\nmerged & deployed 🎉",
                Some(html),
                "@baton:x.org"
            ),
            "merged & deployed\n🎉"
        );
        assert_eq!(
            matrix(
                "> <@bob:x.org> is it done?\n> really?\n\nnot yet",
                None,
                "@baton:x.org"
            ),
            "not yet"
        );
    }

    #[test]
    fn matrix_links_become_their_url_and_tags_go() {
        let html = r#"<p>done, see <a href="https://ci.acme.dev/run/9">the run</a></p><p><strong>thanks</strong></p>"#;
        assert_eq!(
            matrix("done, see the run\nthanks", Some(html), "@baton:x.org"),
            "done, see https://ci.acme.dev/run/9\nthanks"
        );
    }

    #[test]
    fn a_plain_matrix_body_is_kept_with_the_bot_id_as_baton() {
        assert_eq!(
            matrix(
                "@baton:x.org done T-4 :white_check_mark:",
                None,
                "@baton:x.org"
            ),
            "@baton done T-4 ✅"
        );
    }

    #[test]
    fn unknown_shortcodes_and_times_are_kept() {
        assert_eq!(
            emoji_shortcodes("at 10:30: :no_such_code:"),
            "at 10:30: :no_such_code:"
        );
        assert!(matches!(emoji_shortcodes("no colons"), Cow::Borrowed(_)));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            "<",
            "<@",
            "<@>",
            "<|>",
            "*",
            "**",
            "`*~",
            "<a href=\"",
            "&amp",
            "> ",
            ">\n>",
        ] {
            let _ = slack(text, users);
            let _ = matrix(text, Some(text), "@baton:x.org");
            let _ = matrix(text, None, "");
        }
        let long = format!("{}{}", "<a href=\"x\">".repeat(5_000), "*a".repeat(10_000));
        let _ = slack(&long, users);
        let _ = matrix(&long, Some(&long), "@baton:x.org");
    }
}
