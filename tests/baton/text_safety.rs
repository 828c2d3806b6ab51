//! People's text reaches chat safely: bidi controls never come back, and a handle
//! with a zero-width character in it is the person it shows.

/// Every bidi control `chat::normalize` removes.
const BIDI: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

fn console(dir: &tempfile::TempDir, script: &str) -> Vec<(String, String)> {
    let url = format!("sqlite://{}", dir.path().join("console.db").display());
    crate::helpers::console_blocks(&url, script)
}

#[test]
fn a_title_and_a_note_with_bidi_overrides_come_back_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
:as @carol
!baton add Fix \u{202E}gnp.exe\u{202C} upload \u{2067}today\u{2069}\u{200F}
:thread T-1
decision: rename \u{202D}it\u{202C} \u{2066}first\u{2069}
:room
!baton show T-1
";

    let out = console(&dir, script);

    assert!(
        out.iter()
            .all(|(h, b)| !h.contains(BIDI) && !b.contains(BIDI)),
        "{out:#?}"
    );
    assert!(
        out.first()
            .is_some_and(|(_, b)| b.starts_with("T-1 Fix gnp.exe upload today")),
        "{out:#?}"
    );
    let (_, shown) = out.last().unwrap();
    assert!(shown.contains("Fix gnp.exe upload today"), "{shown}");
    assert!(shown.contains("rename it first"), "the note: {shown}");
}

#[test]
fn a_zero_width_character_in_a_handle_names_the_person_it_shows() {
    let dir = tempfile::tempdir().unwrap();

    let out = console(
        &dir,
        ":as @carol\n!baton add X for @al\u{200B}ice\n!baton show T-1\n",
    );

    let (_, shown) = out.last().unwrap();
    assert!(shown.contains("Owner: @alice "), "{shown}");
    assert!(out.iter().all(|(_, b)| !b.contains('\u{200B}')), "{out:#?}");
    // The same person as one written plainly.
    let out = console(&dir, ":as @alice\n!baton mine\n");
    assert!(
        out.iter().any(|(_, b)| b.contains("T-1 X")),
        "T-1 is @alice's: {out:#?}"
    );
}
