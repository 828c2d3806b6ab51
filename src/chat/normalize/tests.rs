//! Each platform's markup into the parser's text.

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
fn bidi_controls_are_removed_from_every_platform() {
    let every = "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{061C}";
    assert_eq!(plain(&format!("a{every}b")), "ab");
    let title = "!baton add Fix \u{202E}gnp.exe\u{202C} upload";
    assert_eq!(plain(title), "!baton add Fix gnp.exe upload");
    assert_eq!(slack(title, users), "!baton add Fix gnp.exe upload");
    assert_eq!(
        matrix(title, None, "@baton:x.org"),
        "!baton add Fix gnp.exe upload"
    );
    let html = "<p>!baton add Fix \u{2067}gnp.exe\u{2069} upload</p>";
    assert_eq!(
        matrix(title, Some(html), "@baton:x.org"),
        "!baton add Fix gnp.exe upload"
    );
    assert!(plain("\u{202E}").is_empty());
    assert_eq!(without_bidi_controls("Ops\u{202E}lol"), "Opslol");
    assert!(matches!(without_bidi_controls("Ops"), Cow::Borrowed(_)));
}

#[test]
fn a_zero_width_character_inside_a_handle_or_a_word_is_dropped() {
    for zw in ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'] {
        assert_eq!(plain(&format!("for @al{zw}ice")), "for @alice", "{zw:?}");
        assert_eq!(plain(&format!("for @{zw}alice")), "for @alice", "{zw:?}");
        assert_eq!(plain(&format!("for @alice{zw}")), "for @alice", "{zw:?}");
        assert_eq!(
            plain(&format!("@alice:exa{zw}mple.org{zw}{zw} owns it")),
            "@alice:example.org owns it",
            "{zw:?}"
        );
        assert_eq!(plain(&format!("!baton do{zw}ne T-4")), "!baton done T-4");
    }
    assert_eq!(plain("@al\u{200B}\u{200D}ice"), "@alice");
    assert_eq!(plain("@jos\u{200B}é"), "@josé");
}

#[test]
fn zero_width_characters_elsewhere_are_kept() {
    // The joiner inside emoji sequences: 👩‍💻, 👨‍👩‍👧, 🏳️‍🌈.
    for emoji in [
        "👩\u{200D}💻",
        "👨\u{200D}👩\u{200D}👧",
        "🏳\u{FE0F}\u{200D}🌈",
    ] {
        assert_eq!(plain(&format!("done {emoji}")), format!("done {emoji}"));
        assert_eq!(plain(emoji), emoji, "a reaction keeps its emoji");
    }
    // The non-joiner Persian spells with ("I want").
    assert_eq!(plain("می\u{200C}خواهم"), "می\u{200C}خواهم");
    // Between words and punctuation: not inside a name, left alone.
    assert_eq!(plain("a \u{200B}b"), "a \u{200B}b");
    assert!(matches!(safe("no invisible characters"), Cow::Borrowed(_)));
}

#[test]
fn a_handle_with_a_zero_width_character_is_the_same_person_on_each_platform() {
    assert_eq!(
        slack("give T-4 to <@U1\u{200B}23>", users),
        "give T-4 to @alice"
    );
    assert_eq!(
        slack("<@UBA\u{200B}TON> done T-4", users),
        "@baton done T-4"
    );
    assert_eq!(slack("ping <@U999|b\u{200B}ob>", users), "ping @bob");
    assert_eq!(
        matrix("@bat\u{200B}on:x.org done T-4", None, "@baton:x.org"),
        "@baton done T-4"
    );
    let html = "<a href=\"https://matrix.to/#/@al\u{200B}ice:x.org\">Alice</a> owns it";
    assert_eq!(
        matrix("Alice owns it", Some(html), "@baton:x.org"),
        "@alice:x.org owns it"
    );
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
