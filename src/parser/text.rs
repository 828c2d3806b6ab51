//! The message text as the grammar sees it.
//!
//! Matching runs on a *masked* copy where every URL is replaced by underscores of the
//! same byte length: a `?` in a query string or a `T-4` in a path must not read as a
//! question or a task, and equal lengths let a match's byte offsets cut the original
//! text (titles, reasons and notes keep the author's words and links).

use std::ops::Range;

use crate::domain::TaskKey;

patterns! {
    /// An http(s) URL, up to the next whitespace or angle bracket.
    URL = r"https?://[^\s<>|]+";
    /// A task key as written: `T-12`, `t-4`.
    KEY_TOKEN = r"\bt-\d{1,15}\b";
    /// What follows a comma that continues a key list (`T-7, T-8 and T-9`).
    KEY_AHEAD = r"^\s*(?:and\s+|&\s*)?t-\d";
    /// What precedes a comma inside a key list.
    KEY_BEHIND = r"\bt-\d{1,15}\s*$";
}

/// Sentence punctuation that ends a URL in chat but is not part of it.
const URL_TRAILERS: &[char] = &[
    '.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '’', '”', '»',
];

/// Characters trimmed from both ends of a title, reason or note.
const EDGE_PUNCTUATION: &[char] = &[
    ',', ';', ':', '.', '!', '?', '-', '–', '—', '"', '\'', '“', '”', '‘', '’',
];

/// Every http(s) URL in `text`, trailing punctuation trimmed, in order.
pub(super) fn links(text: &str) -> Vec<String> {
    url_spans(text)
        .into_iter()
        .filter_map(|span| text.get(span))
        .map(str::to_owned)
        .collect()
}

/// Where fenced code blocks (```...```) are: pasted output, whose words
/// ("waiting for state to become 'done'") are not the writer's.
fn code_block_spans(text: &str) -> Vec<Range<usize>> {
    const FENCE: &str = "```";
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(open) = text.get(from..).and_then(|rest| rest.find(FENCE)) {
        let start = from + open;
        let body = start + FENCE.len();
        let Some(close) = text.get(body..).and_then(|rest| rest.find(FENCE)) else {
            break;
        };
        let end = body + close + FENCE.len();
        spans.push(start..end);
        from = end;
    }
    spans
}

pub(super) fn url_spans(text: &str) -> Vec<Range<usize>> {
    if !text.contains("://") {
        // Most messages have no link: no need to compile the pattern for them.
        return Vec::new();
    }
    URL.find_iter(text)
        .filter_map(|found| {
            let url = found.as_str().trim_end_matches(URL_TRAILERS);
            let has_host = url
                .split_once("://")
                .is_some_and(|(_, rest)| !rest.is_empty());
            has_host.then(|| found.start()..found.start() + url.len())
        })
        .collect()
}

/// Collapses whitespace and trims edge punctuation: the clean form of a phrase cut
/// out of a message.
pub(super) fn tidy(phrase: &str) -> String {
    let joined = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
    joined
        .replace(" ,", ",")
        .trim_matches(|c: char| c.is_whitespace() || EDGE_PUNCTUATION.contains(&c))
        .to_owned()
}

/// A message body prepared for matching.
pub(super) struct Text {
    original: String,
    masked: String,
    /// Every task key with the byte offset where it starts.
    keys: Vec<(usize, TaskKey)>,
}

impl Text {
    pub(super) fn new(body: &str) -> Self {
        let mut masked = String::with_capacity(body.len());
        let mut at = 0;
        for span in url_spans(body) {
            masked.push_str(body.get(at..span.start).unwrap_or_default());
            masked.extend(std::iter::repeat_n('_', span.len()));
            at = span.end;
        }
        masked.push_str(body.get(at..).unwrap_or_default());
        for span in code_block_spans(body) {
            masked.replace_range(span.clone(), &"_".repeat(span.len()));
        }
        // A key struck through ("done ~T-645~ T-646") was taken back.
        let keys = KEY_TOKEN
            .find_iter(&masked)
            .filter(|found| !masked[..found.start()].ends_with('~'))
            .filter_map(|found| Some((found.start(), found.as_str().parse().ok()?)))
            .collect();
        Self {
            original: body.to_owned(),
            masked,
            keys,
        }
    }

    /// The body as written.
    pub(super) fn original(&self) -> &str {
        &self.original
    }

    /// The body with URLs masked; same byte offsets as [`Text::original`].
    pub(super) fn masked(&self) -> &str {
        &self.masked
    }

    /// The original text of a span found in the masked copy.
    pub(super) fn slice(&self, span: Range<usize>) -> &str {
        self.original.get(span).unwrap_or_default()
    }

    /// The original text from `start` to the end.
    pub(super) fn rest(&self, start: usize) -> &str {
        self.slice(start..self.original.len())
    }

    /// Every task key named, in order, without repeats.
    pub(super) fn keys(&self) -> Vec<TaskKey> {
        self.keys_in(0..self.masked.len())
    }

    /// The task keys that start inside `span`, in order, without repeats.
    pub(super) fn keys_in(&self, span: Range<usize>) -> Vec<TaskKey> {
        unique(
            self.keys
                .iter()
                .filter(|(at, _)| span.contains(at))
                .map(|&(_, key)| key),
        )
    }

    /// Whether the body starts with a task key.
    pub(super) fn starts_with_key(&self) -> bool {
        self.keys.first().is_some_and(|&(at, _)| at == 0)
    }

    /// The first word, as written (used to name what was not understood).
    pub(super) fn first_word(&self) -> &str {
        self.original
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_matches(|c: char| !c.is_alphanumeric())
    }

    /// `span` of the original with the `cuts` removed, each cut replaced by a space.
    pub(super) fn cut(&self, span: Range<usize>, cuts: &[Range<usize>]) -> String {
        let mut cuts: Vec<_> = cuts.to_vec();
        cuts.sort_by_key(|cut| cut.start);
        let mut out = String::new();
        let mut at = span.start;
        for cut in cuts {
            if cut.start >= at && cut.end <= span.end {
                out.push_str(self.slice(at..cut.start));
                out.push(' ');
                at = cut.end;
            }
        }
        out.push_str(self.slice(at..span.end));
        out
    }

    /// The clauses of the body, as byte spans.
    ///
    /// Clauses end at sentence punctuation, dashes, new lines, and commas that do not
    /// sit between two keys, so that in "T-4 is done, T-5 is on me" only T-4 is said
    /// to be done while "T-7, T-8 and T-9 are done" stays one clause.
    pub(super) fn clauses(&self) -> Vec<Range<usize>> {
        let text = self.masked.as_str();
        let mut spans = Vec::new();
        let mut start = 0;
        for (at, c) in text.char_indices() {
            let after = text.get(at + c.len_utf8()..).unwrap_or_default();
            let ends = match c {
                ';' | '!' | '?' | '\n' | '—' | '–' => true,
                '.' => after.chars().next().is_none_or(char::is_whitespace),
                ',' => {
                    let before = tail(text.get(..at).unwrap_or_default(), 32);
                    !(KEY_BEHIND.is_match(before) && KEY_AHEAD.is_match(after))
                }
                _ => false,
            };
            if ends {
                spans.push(start..at);
                start = at + c.len_utf8();
            }
        }
        spans.push(start..text.len());
        spans
    }
}

/// The first `max_bytes` (or a few fewer, to stay on a char boundary) of `text`.
pub(super) fn head(text: &str, max_bytes: usize) -> &str {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// The last `max_bytes` (or a few fewer, to stay on a char boundary) of `text`.
///
/// Looking only at a short tail keeps per-clause checks linear on huge messages.
pub(super) fn tail(text: &str, max_bytes: usize) -> &str {
    let mut start = text.len().saturating_sub(max_bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text.get(start..).unwrap_or_default()
}

/// The items of `keys` in order, without repeats.
pub(super) fn unique(keys: impl IntoIterator<Item = TaskKey>) -> Vec<TaskKey> {
    let mut out: Vec<TaskKey> = Vec::new();
    for key in keys {
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_in_order_with_trailing_punctuation_trimmed() {
        let text = "see https://a.dev/x?y=1. and (https://b.dev/pr/2), or 'https://c.dev'!";
        assert_eq!(
            links(text),
            ["https://a.dev/x?y=1", "https://b.dev/pr/2", "https://c.dev"]
        );
    }

    #[test]
    fn a_scheme_without_a_host_is_not_a_link() {
        assert!(links("type https:// then the host").is_empty());
    }

    #[test]
    fn masking_hides_keys_and_question_marks_inside_urls() {
        let text = Text::new("done, see https://jira.acme.dev/T-99?focus=1");
        assert!(text.keys().is_empty());
        assert!(!text.masked().contains('?'));
        assert_eq!(text.masked().len(), text.original().len());
    }

    #[test]
    fn keys_are_read_in_any_case_without_repeats() {
        let text = Text::new("t-4 and T-5, then T-4 again; not T-6a or XT-7");
        assert_eq!(text.keys(), [TaskKey::new(4), TaskKey::new(5)]);
    }

    #[test]
    fn clauses_keep_key_lists_together() {
        let text = Text::new("T-7, T-8 and T-9 are done, T-10 is on me. Then lunch");
        let clauses: Vec<_> = text.clauses().into_iter().map(|c| text.slice(c)).collect();
        assert_eq!(
            clauses,
            ["T-7, T-8 and T-9 are done", " T-10 is on me", " Then lunch"]
        );
    }

    #[test]
    fn clauses_split_at_commas_that_do_not_continue_a_key_list() {
        let text = Text::new("T-12 is done, PR merged");
        let clauses: Vec<_> = text.clauses().into_iter().map(|c| text.slice(c)).collect();
        assert_eq!(clauses, ["T-12 is done", " PR merged"]);
    }

    #[test]
    fn head_never_splits_a_character() {
        assert_eq!(head("aé✅", 2), "a");
        assert_eq!(head("aé✅", 3), "aé");
        assert_eq!(head("abc", 10), "abc");
    }

    #[test]
    fn tail_never_splits_a_character() {
        assert_eq!(tail("aé✅", 2), "");
        assert_eq!(tail("aé✅", 3), "✅");
        assert_eq!(tail("abc", 10), "abc");
    }

    #[test]
    fn tidy_collapses_spaces_and_trims_edge_punctuation() {
        assert_eq!(tidy("  update the runbook ,   .  "), "update the runbook");
        assert_eq!(tidy("\"Write docs\"!"), "Write docs");
    }

    #[test]
    fn cut_removes_phrases_from_the_original() {
        let text = Text::new("add Fix it for @bob after T-3");
        assert_eq!(tidy(&text.cut(4..29, &[11..19, 20..29])), "Fix it");
    }
}
