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
//! - [`plain`]: the part shared by all platforms (invisible characters, emoji
//!   shortcodes, smart quotes), also used for console input.
//!
//! Text from people reaches the store and chat safely ([`safe`], run by [`plain`] and
//! so by every adapter): bidi controls are removed, and a zero-width character inside
//! a handle or a word is dropped, so `@al\u{200B}ice` is `@alice`.
//!
//! Only `regex` and `std`: the HTML Matrix clients send is a small, known subset.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// How the bot is written in normalised text (the parser's `BOT_HANDLE`).
pub const BOT: &str = "@baton";

/// Compiles a built-in pattern (a typo fails the `every_pattern_compiles` test).
fn re(pattern: &str) -> Regex {
    super::pattern(pattern)
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

/// Text from any platform, invisible characters removed ([`safe`]) and shortcodes
/// and typographic quotes made plain: what the console and the `baton parse` contract
/// feed the parser, and the last step of [`slack`] and [`matrix`]. Every inbound
/// message and reaction of every platform passes here, so titles, notes and reasons
/// are stored without bidi controls.
pub fn plain(text: &str) -> String {
    smart_quotes(&emoji_shortcodes(&safe(text))).into_owned()
}

/// A bidirectional formatting character: the embeddings and overrides (U+202A–U+202E),
/// the isolates (U+2066–U+2069) and the implicit marks (U+200E, U+200F and the Arabic
/// letter mark U+061C). In people's text they only serve to make what is shown differ
/// from what is stored (`\u{202E}gnp.exe` shows as `exe.png`), and an unterminated
/// one reorders everything Baton writes after it.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// A character with no width that can hide inside a name: zero-width space, non-joiner
/// and joiner, word joiner, and the zero-width no-break space (BOM).
fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

/// What may follow `@` in a handle (`@alice`, `@alice:example.org`, `@U123`).
fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || "_.=/-:".contains(c)
}

/// `text` without bidi controls ([`is_bidi_control`]): for text that reaches chat
/// without coming in through [`plain`] (room names, imported titles).
pub fn without_bidi_controls(text: &str) -> Cow<'_, str> {
    if !text.contains(is_bidi_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|c| !is_bidi_control(*c)).collect())
}

/// People's text made safe to store and to echo.
///
/// - Bidi controls ([`is_bidi_control`]) are removed everywhere. Stripping rather than
///   isolating: a title is later cut, joined and quoted in Baton's own sentences, where
///   no isolate could be kept balanced.
/// - Zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) are removed inside
///   a handle (from an `@` to the end of the name) and between two ASCII letters or
///   digits: `@al\u{200B}ice` is `@alice`, `do\u{200B}ne` is `done`. Normalised rather
///   than refused: the character is invisible, so the person meant is the one the
///   reader sees, and no Slack or Matrix id contains one, so no two real people merge.
///   Elsewhere they are kept: the joiner inside an emoji sequence (`👩\u{200D}💻`), and
///   the non-joiner Persian and Indic scripts spell with.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.contains(|c| is_bidi_control(c) || is_zero_width(c)) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().filter(|c| !is_bidi_control(*c)).collect();
    let mut out = String::with_capacity(text.len());
    let mut in_handle = false;
    for (i, &c) in chars.iter().enumerate() {
        if is_zero_width(c) {
            let before = out.chars().next_back();
            let after = chars
                .get(i + 1..)
                .and_then(|rest| rest.iter().find(|c| !is_zero_width(**c)));
            let in_word = before.is_some_and(|b| b.is_ascii_alphanumeric())
                && after.is_some_and(char::is_ascii_alphanumeric);
            if !in_handle && !in_word {
                out.push(c);
            }
            continue;
        }
        in_handle = c == '@' || (in_handle && is_handle_char(c));
        out.push(c);
    }
    Cow::Owned(out)
}

/// Slack mrkdwn → plain text.
///
/// `<@U123>` becomes `@name` when `resolve_user` knows the id (it may answer `name`
/// or `@name`; the bot's own id should resolve to `baton`), else `@U123`;
/// `<@U123|name>` becomes `@name`; `<#C1|general>` `#general`; `<!here>` `@here`;
/// `<https://x|label>` the URL; `&amp;`, `&lt;`, `&gt;` their characters; `*bold*`,
/// `~strike~`, `` `code` `` and code fences lose their markers.
pub fn slack(text: &str, resolve_user: impl Fn(&str) -> Option<String>) -> String {
    // Made safe first, so that `<@U1\u{200B}23>` is the id `U123` that resolves.
    let text = safe(text);
    let entities = SLACK_ENTITY.replace_all(&text, |found: &Captures<'_>| {
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
    // Made safe first, so that the bot's id with a zero-width character in it is
    // still the bot.
    let text = match formatted_body {
        Some(html) if !html.trim().is_empty() => from_html(&safe(html), bot_user_id),
        _ => without_reply_fallback(&safe(body)).to_owned(),
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
mod tests;
