//! Slips corrected inside the same message: "done T-120, oops wrong one, T-121",
//! "assign T-5 to @bea, no wait, @bo", "T-5 depends on T-6, sorry, other way
//! round: T-6 depends on T-5". People fix what they typed instead of editing the
//! message, and what they meant is what they said last.
//!
//! A correction is a marker ("no wait", "I meant", "actually no", "oops, wrong
//! one") between what was said first and what replaces it. Either the words after
//! the marker are a whole request of their own (`restated`), or they name the key
//! or person that replaces the last one of its kind before the marker
//! (`substituted`). The grammar tries both and keeps the first that asks for
//! something; when neither does, the message is read as written.

use super::completion;

patterns! {
    /// What people write between a slip and its fix; the punctuation around it is
    /// part of the marker.
    MARKER = r"(?:^|[\s,.;:!—–\-]+)(?:(?:no\s*,?\s*)?wait\s*,?\s*no|no\s*,?\s*wait|actually\s*,?\s*no|(?:oops|whoops)\s*,?\s*no|no\s*,?\s*sorry|sorry\s*,?\s*(?:i\s+)?meant|(?:oops|whoops|sorry|my\s+bad)\s*,?\s*(?:wrong\s+one|i\s+meant|meant|(?:i\s+)?said\s+<KEY>(?:\s+(?:before|earlier|by\s+mistake))?)|(?:sorry\s*,?\s*)?(?:the\s+)?other\s+way\s+a?round|(?:(?:oops|whoops|sorry|my\s+bad)\s*,?\s*)?typo|i\s+meant|i\s+mean|wrong\s+one|correction|sorry|apologies|actually\s*,?\s*nah|nah\s*,|oh\s+wait|(?:no\s*,?\s*)?scratch\s+that|ignore\s+(?:that|this|the\s+above|my\s+last)|no\s*,\s*|(?:nvm|never\s*mind)\s*,\s*(?:make\s+(?:it|that)\s+)?|oops|whoops)\b[\s,.;:!—–\-]*";
    /// A slip named first and put right at once: "not T-3050 but T-3051 is
    /// finished", "not @bea, I meant @bo".
    NOT_BUT = r"^not\s+(?:<KEY>|<HANDLE>)\s*[,;:—–\-]?\s*(?:but|rather|i\s+meant|i\s+mean|it's|it\s+is)\s+";
    /// A fix that adds rather than replaces: "done T-4, sorry, T-5 too".
    ADDITION = r"\b(?:too|also|as\s+well)\b";
    /// The request said again before the fix: "give it to", "make it", "assign
    /// that to".
    RESTATED_LEAD = r"^\s*(?:\w+\s+)?(?:it|that|this|them)\s+(?:over\s+|instead\s+)?(?:to|for|on)?\s*$";
    /// What a fix names: a task key or a person.
    ITEM = r"<KEY>|<HANDLE>";
}

/// The ways a corrected message can be read, most literal first.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Correction {
    /// Everything after the last marker, as a request of its own.
    pub restated: String,
    /// The words before the first marker with the slip replaced by the fix.
    pub substituted: Option<String>,
}

/// The correction in `body`, if it has a marker.
pub(super) fn correction(body: &str) -> Option<Correction> {
    if let Some(found) = NOT_BUT.find(body) {
        return Some(Correction {
            restated: body
                .get(found.end()..)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            substituted: None,
        });
    }
    let markers: Vec<_> = MARKER.find_iter(body).collect();
    let (first, last) = (markers.first()?, markers.last()?);
    let before = body.get(..first.start()).unwrap_or_default();
    let after = body.get(last.end()..).unwrap_or_default();
    Some(Correction {
        restated: after.trim().to_owned(),
        substituted: substitute(before, after),
    })
}

/// `before` with its last key (or person) replaced by the first one of `after`.
///
/// The fix must come at once ("T-121", "for @bo", "to @yuki"), and when what
/// follows it doubts the work ("T-5, it's still running") nothing is replaced: a
/// fix never turns a doubt into a completion.
fn substitute(before: &str, after: &str) -> Option<String> {
    let fix = ITEM.find(after)?;
    let lead = after.get(..fix.start()).unwrap_or_default();
    // "T-121", "to @yuki", or the request said again around a pronoun ("give
    // it to @ulla", "make it @bo").
    let words = lead.split_whitespace().count();
    if words > 2 && !(words <= 4 && RESTATED_LEAD.is_match(lead)) {
        return None;
    }
    let is_person = fix.as_str().starts_with('@');
    let slip = ITEM
        .find_iter(before)
        .filter(|item| item.as_str().starts_with('@') == is_person)
        .last()?;
    let remainder = after.get(fix.end()..).unwrap_or_default();
    if ADDITION.is_match(remainder) || (!ITEM.is_match(remainder) && completion::vetoed(remainder))
    {
        return None;
    }
    Some(format!(
        "{}{}{}",
        before.get(..slip.start()).unwrap_or_default(),
        fix.as_str(),
        before.get(slip.end()..).unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn substituted(body: &str) -> Option<String> {
        correction(body).and_then(|c| c.substituted)
    }

    #[test]
    fn the_fix_replaces_the_last_item_of_its_kind() {
        assert_eq!(
            substituted("done T-120, oops wrong one, T-121").as_deref(),
            Some("done T-121")
        );
        assert_eq!(
            substituted("assign T-5 to @bea — no wait, @bo").as_deref(),
            Some("assign T-5 to @bo")
        );
        assert_eq!(
            substituted("give T-752 to @pavol, ignore that, give it to @ulla").as_deref(),
            Some("give T-752 to @ulla")
        );
        assert_eq!(
            substituted("add Renew the cert for @bea, no wait, for @bo").as_deref(),
            Some("add Renew the cert for @bo")
        );
    }

    #[test]
    fn a_whole_request_after_the_marker_is_restated() {
        let found = correction("T-5 depends on T-6, sorry, other way round: T-6 depends on T-5");
        assert_eq!(
            found.map(|c| c.restated).as_deref(),
            Some("T-6 depends on T-5")
        );
    }

    #[test]
    fn a_fix_followed_by_doubt_replaces_nothing() {
        assert_eq!(substituted("done T-4, no wait, T-5 is still running"), None);
    }

    #[test]
    fn a_slip_named_first_is_put_right_by_what_follows() {
        let found = correction("not T-3050 but T-3051 is finished");
        assert_eq!(
            found.map(|c| c.restated).as_deref(),
            Some("T-3051 is finished")
        );
        assert_eq!(
            substituted("T-48 is done, oops, typo, I mean T-49").as_deref(),
            Some("T-49 is done")
        );
    }

    #[test]
    fn messages_without_a_marker_have_no_correction() {
        assert_eq!(correction("T-4 is done, waiting for T-5"), None);
        assert_eq!(correction("we don't actually need T-3"), None);
    }
}
