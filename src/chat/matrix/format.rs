//! Baton's plain text → a Matrix message: a plain `body` and an HTML
//! `formatted_body` with pills for people and links for URLs.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// A Matrix user id in Baton's text (`@alice:example.org`).
static USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"@[a-zA-Z0-9._=/\-]+:[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)*(?::\d{1,5})?")
        .expect("the user pattern compiles")
});
/// A URL, up to whitespace or a closing bracket.
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"https?://[^\s<>()]+[^\s<>().,;:!?]").expect("URL pattern"));
/// `` `code` `` spans.
static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`]+)`").expect("code pattern"));

/// The people a text mentions, for `m.mentions`.
pub fn mentioned_users(text: &str) -> Vec<String> {
    let mut users: Vec<String> = Vec::new();
    for found in USER.find_iter(text) {
        let user = found.as_str().to_owned();
        if !users.contains(&user) {
            users.push(user);
        }
    }
    users
}

/// The HTML for Baton's text: escaped, lines as `<br>`, code spans, links, pills.
pub fn html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let code = CODE.replace_all(&escaped, "<code>$1</code>");
    let links = URL.replace_all(&code, |found: &Captures<'_>| {
        let url = &found[0];
        format!("<a href=\"{url}\">{url}</a>")
    });
    // Pills after links: a user id inside a link's text stays as it is.
    let pills = USER.replace_all(&links, |found: &Captures<'_>| {
        let user = &found[0];
        let start = found.get(0).map_or(0, |m| m.start());
        if links[..start].ends_with("/#/") {
            return user.to_owned();
        }
        format!("<a href=\"https://matrix.to/#/{user}\">{user}</a>")
    });
    pills.replace('\n', "<br>\n")
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
}
