//! Baton's plain text → a Matrix message: a plain `body` and an HTML
//! `formatted_body` with pills for people and links for URLs.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::chat::normalize::without_bidi_controls;

/// A Matrix user id in Baton's text (`@alice:example.org`).
static USER: LazyLock<Regex> = LazyLock::new(|| {
    crate::chat::pattern(r"@[a-zA-Z0-9._=/\-]+:[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)*(?::\d{1,5})?")
});
/// A URL, up to whitespace, an angle or round bracket or a backtick (none of which
/// a URL may contain unescaped), without trailing sentence punctuation.
static URL: LazyLock<Regex> =
    LazyLock::new(|| crate::chat::pattern(r"https?://[^\s<>()`]+[^\s<>()`.,;:!?]"));
/// `` `code` `` spans.
static CODE: LazyLock<Regex> = LazyLock::new(|| crate::chat::pattern(r"`([^`]+)`"));

/// Characters before an `@` that make it part of something else: a URL's path, query
/// or fragment (`/@alice:x`, `=@alice:x`, `#/@alice:x`), an address (`bob@alice:x`).
fn joins_before(c: char) -> bool {
    c.is_alphanumeric() || "/\\._-=#?&%+~:@".contains(c)
}

/// Characters after a user id that make it part of something else: a path
/// (`@alice:x/y`), a query, a longer name the pattern stopped inside of.
fn joins_after(c: char) -> bool {
    c.is_alphanumeric() || "/\\_=#?&%+~@".contains(c)
}

/// What a stretch of Baton's text is, for Matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Url,
    User,
}

/// The URLs and the user ids that are mentions (never one inside a URL or joined to
/// other characters), in order, as byte ranges of `text`.
fn spans(text: &str) -> Vec<(Range<usize>, Kind)> {
    let urls: Vec<Range<usize>> = URL.find_iter(text).map(|m| m.range()).collect();
    let users = USER.find_iter(text).map(|m| m.range()).filter(|user| {
        let inside_url = urls
            .iter()
            .any(|url| url.start < user.end && user.start < url.end);
        let before = text.get(..user.start).and_then(|t| t.chars().next_back());
        let after = text.get(user.end..).and_then(|t| t.chars().next());
        !inside_url && !before.is_some_and(joins_before) && !after.is_some_and(joins_after)
    });
    let mut spans: Vec<(Range<usize>, Kind)> = urls
        .iter()
        .cloned()
        .map(|url| (url, Kind::Url))
        .chain(users.map(|user| (user, Kind::User)))
        .collect();
    spans.sort_by_key(|(range, _)| range.start);
    spans
}

/// The people a text mentions, for `m.mentions`: the ids [`html`] makes pills of.
pub fn mentioned_users(text: &str) -> Vec<String> {
    let text = without_bidi_controls(text);
    let text = text.as_ref();
    let mut users: Vec<String> = Vec::new();
    for (range, kind) in spans(text) {
        let Some(user) = text.get(range).filter(|_| kind == Kind::User) else {
            continue;
        };
        if !users.iter().any(|u| u == user) {
            users.push(user.to_owned());
        }
    }
    users
}

/// `text` escaped for HTML (text and double-quoted attributes).
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
}

/// The HTML for Baton's text: escaped, without bidi controls, lines as `<br>`, code
/// spans, links, pills.
///
/// People's messages lose bidi controls on the way in (`chat::normalize::plain`), but
/// a room's name or an imported title reaches here without passing there.
///
/// A user id becomes a pill only standing on its own: never inside a URL
/// (`https://example.org/@alice:example.org/x` links there and pings no one), nor
/// joined to a path, query or address (`example.org/@alice:example.org`,
/// `bob@alice:example.org`).
pub fn html(text: &str) -> String {
    let text = without_bidi_controls(text);
    let text = text.as_ref();
    // Backtick pairs: neither URLs nor user ids contain one, so every pair lies in
    // the plain text between them.
    let mut code_marks: Vec<(usize, &str)> = Vec::new();
    for found in CODE.find_iter(text) {
        code_marks.push((found.start(), "<code>"));
        code_marks.push((found.end() - 1, "</code>"));
    }
    let plain = |range: Range<usize>, out: &mut String| {
        let mut at = range.start;
        for &(mark, tag) in code_marks.iter().filter(|(mark, _)| range.contains(mark)) {
            escape(text.get(at..mark).unwrap_or_default(), out);
            out.push_str(tag);
            at = mark + 1;
        }
        escape(text.get(at..range.end).unwrap_or_default(), out);
    };
    let mut out = String::with_capacity(text.len() * 2);
    let mut at = 0;
    for (range, kind) in spans(text) {
        plain(at..range.start, &mut out);
        let written = text.get(range.clone()).unwrap_or_default();
        let href = match kind {
            Kind::Url => Cow::Borrowed(written),
            Kind::User => Cow::Owned(format!("https://matrix.to/#/{written}")),
        };
        out.push_str("<a href=\"");
        escape(&href, &mut out);
        out.push_str("\">");
        escape(written, &mut out);
        out.push_str("</a>");
        at = range.end;
    }
    plain(at..text.len(), &mut out);
    out.replace('\n', "<br>\n")
}

/// The link to an event, for people to click.
pub fn event_link(room_id: &str, event_id: &str) -> String {
    format!("https://matrix.to/#/{room_id}/{event_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_become_pills_and_urls_links() {
        let text = "T-2 is ready.\nT-1 was finished by @alice:example.org.\n  Evidence: https://github.com/acme/api/pull/1\nStart with `!baton start T-2`. a<b";
        let html = html(text);
        assert!(
            html.contains(
                r#"<a href="https://matrix.to/#/@alice:example.org">@alice:example.org</a>."#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://github.com/acme/api/pull/1">https://github.com/acme/api/pull/1</a>"#),
            "{html}"
        );
        assert!(html.contains("<code>!baton start T-2</code>"), "{html}");
        assert!(html.contains("a&lt;b"), "{html}");
        assert!(html.contains("<br>"), "{html}");
        assert_eq!(mentioned_users(text), vec!["@alice:example.org".to_owned()]);
    }

    /// The pill `html` makes of `user`.
    fn pill(user: &str) -> String {
        format!(r#"<a href="https://matrix.to/#/{user}">{user}</a>"#)
    }

    #[test]
    fn a_user_id_inside_a_url_is_never_a_pill() {
        for text in [
            "see https://example.org/@alice:example.org/x",
            "see https://example.org/@alice:example.org",
            "see <https://example.org/@alice:example.org/x>",
            "see [her page](https://example.org/@alice:example.org/x)",
            "see https://example.org/u?who=@alice:example.org&x=1",
            "see https://example.org/#/@alice:example.org",
            "see https://matrix.to/#/@alice:example.org",
            "see http://example.org/a,@alice:example.org",
            "see example.org/@alice:example.org/x",
            "mail bob@alice:example.org",
            "see `https://example.org/@alice:example.org/x`",
        ] {
            let html = html(text);
            assert!(
                !html.contains(&pill("@alice:example.org")),
                "{text}: {html}"
            );
            assert_eq!(
                html.matches("<a ").count(),
                usize::from(text.contains("://")),
                "{text}: {html}"
            );
            assert!(mentioned_users(text).is_empty(), "{text}: nobody is pinged");
        }
        let html = html("see https://example.org/@alice:example.org/x");
        assert_eq!(
            html,
            r#"see <a href="https://example.org/@alice:example.org/x">https://example.org/@alice:example.org/x</a>"#
        );
        let bracketed = super::html("see <https://example.org/@alice:example.org/x>");
        assert_eq!(
            bracketed,
            r#"see &lt;<a href="https://example.org/@alice:example.org/x">https://example.org/@alice:example.org/x</a>&gt;"#
        );
    }

    #[test]
    fn mentions_beside_urls_are_still_pills() {
        let text = "@alice:example.org, see https://example.org/@bob:example.org/x (@carol:example.org) and ask @dan:example.org:8448.";
        let html = html(text);
        for user in [
            "@alice:example.org",
            "@carol:example.org",
            "@dan:example.org:8448",
        ] {
            assert!(html.contains(&pill(user)), "{user}: {html}");
        }
        assert!(!html.contains("matrix.to/#/@bob"), "{html}");
        assert_eq!(
            mentioned_users(text),
            [
                "@alice:example.org",
                "@carol:example.org",
                "@dan:example.org:8448"
            ]
        );
        let html = super::html("`!baton give T-1 to @alice:example.org` or ask @bob:example.org");
        assert_eq!(
            html,
            format!(
                "<code>!baton give T-1 to {}</code> or ask {}",
                pill("@alice:example.org"),
                pill("@bob:example.org")
            )
        );
    }

    #[test]
    fn bidi_controls_never_reach_matrix() {
        let text =
            "T-1 Fix \u{202E}gnp.exe\u{202C} upload in \u{2067}Ops\u{2069} for @alice:example.org";
        let html = html(text);
        assert!(
            !html.contains(crate::chat::normalize::is_bidi_control),
            "{html:?}"
        );
        assert!(html.contains("Fix gnp.exe upload in Ops"), "{html}");
        assert!(html.contains(&pill("@alice:example.org")), "{html}");
        // What is pinged is what is pilled, bidi controls or not.
        assert!(mentioned_users("bob\u{202E}@alice:example.org").is_empty());
        assert!(!super::html("bob\u{202E}@alice:example.org").contains("matrix.to"));
    }
}
