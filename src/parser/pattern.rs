//! The regex vocabulary the grammar is written in.
//!
//! Every pattern is case-insensitive, and a straight apostrophe in a pattern also
//! matches the typographic one (`don't` and `don’t`), because chat clients
//! autocorrect quotes. Placeholders keep the patterns readable: `<KEY>` is one task
//! key, `<KEYS>` a list of keys (`T-4 and T-5`, `T-7, T-8 & T-9`), `<WHO>` a person
//! (`@bob`, `me`, `myself`), `<HANDLE>` a handle.
//!
//! Patterns are declared through [`patterns!`], compiled once on first use and
//! only run on text their [`Gate`] admits; each module that declares patterns also
//! gets a `patterns` list so unit tests can prove that every one compiles and that
//! no gate turns away a text its pattern matches.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex_lite::{Captures, Match, Regex};

use super::gate::Gate;

/// One task key, `T-12` (any case).
pub(super) const KEY: &str = r"\bt-\d{1,15}\b";

/// A list of task keys joined by commas, `and`, `&`, `or` or spaces.
pub(super) const KEYS: &str = r"\bt-\d{1,15}\b(?:(?:\s*,\s*(?:and\s+)?|\s*&\s*|\s*\+\s*|\s+and\s+|\s+or\s+|\s+)t-\d{1,15}\b)*";

/// A person's handle: `@alice`, or a Matrix user id `@alice:example.org` (with an
/// optional port). A colon followed by a space (`@alice: please`) is punctuation.
pub(super) const HANDLE: &str = r"@\w[\w.=/\-]*(?::\w[\w\-]*(?:\.\w[\w\-]*)*(?::\d{1,5})?)?";

/// A person: a handle, or a word that means the author.
pub(super) const WHO: &str = r"(?:<HANDLE>|\bme\b|\bmyself\b)";

/// Contractions that people also type without the apostrophe ("whats blocked",
/// "isnt needed"), where the bare form is no other English word. A pattern that
/// writes one of these matches both. Not `'ll`, `'d` or `we're`: "ill", "d" and
/// "were" are words.
const APOSTROPHE_OPTIONAL: &[&str] = &[
    "what's",
    "i'm",
    "i've",
    "you're",
    "they're",
    "that's",
    "it's",
    "who's",
    "there's",
    "let's",
    "isn't",
    "aren't",
    "wasn't",
    "don't",
    "doesn't",
    "didn't",
    "can't",
    "won't",
    "hasn't",
    "haven't",
    "shouldn't",
];

/// A built-in pattern, compiled on first use, behind its [`Gate`].
///
/// The engine is `regex-lite`: it compiles a pattern in about 0.1 ms where
/// `regex` took milliseconds (it builds Unicode tables and automata up front).
/// Its classes, case folding and word boundaries are ASCII, which is what an
/// English vocabulary needs; it runs in time linear in the text, and the grammar
/// reads at most [`MAX_PARSED_BYTES`] of a message. A pattern is only compiled,
/// and only run, on a text its gate admits, so the first message a process reads
/// compiles the few patterns whose words it holds (BENCHMARKS.md *Cold start*).
pub(super) struct Pattern {
    source: &'static str,
    gate: OnceLock<Gate>,
    regex: OnceLock<Regex>,
}

impl Pattern {
    pub(super) const fn new(source: &'static str) -> Self {
        Self {
            source,
            gate: OnceLock::new(),
            regex: OnceLock::new(),
        }
    }

    /// Whether the pattern may match `text`, judged without compiling it.
    fn admits(&self, text: &str) -> bool {
        self.gate
            .get_or_init(|| Gate::of_builtin(self.source))
            .admits(text)
    }

    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| re(self.source))
    }

    /// The compiled pattern, whatever its gate says (for tests).
    #[cfg(test)]
    pub(super) fn compiled(&self) -> &Regex {
        self.regex()
    }

    /// The gate, for tests.
    #[cfg(test)]
    pub(super) fn gate(&self) -> &Gate {
        self.gate.get_or_init(|| Gate::of_builtin(self.source))
    }

    /// The source with its placeholders expanded, for tests.
    #[cfg(test)]
    pub(super) fn expanded(&self) -> String {
        expand(self.source)
    }

    /// The source as the grammar writes it, for tests.
    #[cfg(test)]
    pub(super) fn source(&self) -> &'static str {
        self.source
    }

    pub(super) fn is_match(&self, text: &str) -> bool {
        self.admits(text) && self.regex().is_match(text)
    }

    pub(super) fn find<'t>(&self, text: &'t str) -> Option<Match<'t>> {
        self.admits(text).then(|| self.regex().find(text)).flatten()
    }

    pub(super) fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.admits(text)
            .then(|| self.regex().captures(text))
            .flatten()
    }

    pub(super) fn find_iter<'p, 't>(
        &'p self,
        text: &'t str,
    ) -> impl Iterator<Item = Match<'t>> + use<'p, 't> {
        self.admits(text)
            .then(|| self.regex().find_iter(text))
            .into_iter()
            .flatten()
    }

    pub(super) fn captures_iter<'p, 't>(
        &'p self,
        text: &'t str,
    ) -> impl Iterator<Item = Captures<'t>> + use<'p, 't> {
        self.admits(text)
            .then(|| self.regex().captures_iter(text))
            .into_iter()
            .flatten()
    }

    pub(super) fn replace_all<'t>(&self, text: &'t str, with: &str) -> Cow<'t, str> {
        if self.admits(text) {
            self.regex().replace_all(text, with)
        } else {
            Cow::Borrowed(text)
        }
    }

    pub(super) fn replace<'t>(&self, text: &'t str, with: &str) -> Cow<'t, str> {
        if self.admits(text) {
            self.regex().replace(text, with)
        } else {
            Cow::Borrowed(text)
        }
    }
}

/// Compiles a built-in pattern after expanding its placeholders.
///
/// Patterns are constants of this crate, so a failure is a programming error caught
/// by the `every_pattern_compiles` test, never something a message can trigger.
#[expect(
    clippy::panic,
    reason = "a built-in pattern that does not compile is a bug the tests catch"
)]
pub(super) fn re(pattern: &str) -> Regex {
    Regex::new(&format!("(?i){}", expand(pattern)))
        .unwrap_or_else(|err| panic!("built-in pattern does not compile: {err}"))
}

/// A pattern with its apostrophes widened and its placeholders expanded.
fn expand(pattern: &str) -> String {
    let mut expanded = with_typographic_apostrophes(pattern);
    for word in APOSTROPHE_OPTIONAL {
        expanded = expanded.replace(&word.replace('\'', "['’]"), &word.replace('\'', "['’]?"));
    }
    expanded
        .replace("<KEYS>", KEYS)
        .replace("<KEY>", KEY)
        .replace("<WHO>", WHO)
        .replace("<HANDLE>", HANDLE)
}

/// `pattern` with each straight apostrophe also matching the typographic one: `'`
/// becomes `['’]`, or `'’` inside a class (`[^']`), since classes do not nest.
fn with_typographic_apostrophes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let (mut in_class, mut escaped) = (false, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => in_class = true,
            ']' => in_class = false,
            '\'' if in_class => {
                out.push_str("'’");
                continue;
            }
            '\'' => {
                out.push_str("['’]");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The most of a message the grammar reads: far more than any request, and more
/// than a note keeps (4,000 characters), so that a pasted log costs little.
pub(super) const MAX_PARSED_BYTES: usize = 16 * 1024;

/// Declares gated, lazily compiled patterns, plus a `patterns` list for tests.
macro_rules! patterns {
    ($($(#[$meta:meta])* $name:ident = $pattern:expr;)+) => {
        $(
            $(#[$meta])*
            static $name: super::pattern::Pattern = super::pattern::Pattern::new($pattern);
        )+

        /// Every pattern of this module, for the tests that check them all.
        #[cfg(test)]
        pub(super) fn patterns() -> Vec<&'static super::pattern::Pattern> {
            vec![$(&$name),+]
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes_match_both_typographic_forms() {
        let pattern = re(r"\bdon't\b");
        assert!(pattern.is_match("don't"));
        assert!(pattern.is_match("DON’T"));
    }

    #[test]
    fn common_contractions_match_without_their_apostrophe() {
        let pattern = re(r"^what's\s+blocked");
        assert!(pattern.is_match("whats blocked"));
        assert!(pattern.is_match("what’s blocked"));
        // `'ll` stays required: "all" must not read as "'ll".
        assert!(!re(r"'ll\b").is_match("all done"));
    }

    #[test]
    fn key_lists_cover_the_ways_people_join_keys() {
        let pattern = re(r"^<KEYS>$");
        for list in [
            "T-4",
            "t-4 and T-5",
            "T-7, T-8 and T-9",
            "T-1 & T-2",
            "T-1, and T-2",
        ] {
            assert!(pattern.is_match(list), "{list:?}");
        }
    }
}
