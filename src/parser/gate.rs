//! A pattern's gate: words that every match of the pattern contains.
//!
//! Most of the grammar's patterns are about words a given message does not hold
//! ("timezone", "unblock", "owner"). Compiling one costs about 0.1 ms and running
//! one on `regex-lite`, which has no literal prefilter of its own, costs more than
//! looking for a word. So before a pattern is compiled or run, its gate checks
//! that the text holds at least one of the literals every match must contain: a
//! text that cannot match costs a few vectorised scans, and the first message a
//! process reads compiles only the patterns it could match.
//!
//! The literals are read off the pattern's source by a small reader of the regex
//! syntax the grammar is written in. It is conservative: whatever it does not
//! follow (a class, a repetition that may be empty, an unknown escape, the
//! `x` flag) requires nothing, so a gate may let through text its pattern
//! rejects, never the reverse. Literals compare ASCII-case-insensitively, as
//! `regex-lite`'s `(?i)` does.

/// The most strings an exact piece may stand for before it is only a requirement
/// (`(?:a|b)(?:c|d)` stands for four).
const MAX_EXACT: usize = 64;

/// The most literals a gate scans for; a wider alternation admits everything.
const MAX_LITERALS: usize = 512;

/// Literals one of which every match of a pattern contains.
#[derive(Debug)]
pub(super) struct Gate {
    /// `None`: nothing is known, every text is admitted.
    literals: Option<Vec<Vec<u8>>>,
}

impl Gate {
    /// The gate of a pattern as the grammar writes it: with its placeholders
    /// (`<KEYS>`), straight apostrophes, and no `(?i)` prefix. Reading the source
    /// rather than its expansion keeps a gate much cheaper than a compilation.
    pub(super) fn of(pattern: &str) -> Self {
        let literals = Reader::new(pattern)
            .whole()
            .ok()
            .and_then(|piece| piece.required)
            .map(|set| set.into_iter().map(String::into_bytes).collect());
        Self { literals }
    }

    /// Whether `text` holds one of the literals, so that the pattern may match it.
    pub(super) fn admits(&self, text: &str) -> bool {
        self.literals.as_ref().is_none_or(|literals| {
            literals
                .iter()
                .any(|literal| contains_folded(text.as_bytes(), literal))
        })
    }

    /// The literals, for tests.
    #[cfg(test)]
    fn literals(&self) -> Option<Vec<&str>> {
        self.literals.as_ref().map(|set| {
            set.iter()
                .map(|literal| std::str::from_utf8(literal).unwrap_or("?"))
                .collect()
        })
    }
}

/// Whether `haystack` contains `needle` (lowercase), ignoring ASCII case.
fn contains_folded(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut from = 0;
    while let Some(offset) = memchr::memchr2(first, first.to_ascii_uppercase(), &haystack[from..]) {
        let after = from + offset + 1;
        if haystack
            .get(after..after + rest.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(rest))
        {
            return true;
        }
        from = after;
    }
    false
}

/// What a piece of a pattern says about the text it matches.
#[derive(Clone, Debug, Default)]
struct Piece {
    /// Every string the piece can match, when they are few: a literal, an
    /// assertion (the empty string), an alternation of literals.
    exact: Option<Vec<String>>,
    /// Strings one of which every match of the piece contains.
    required: Option<Vec<String>>,
}

impl Piece {
    /// A piece that matches exactly these strings. What it requires is left to
    /// the concatenation that joins it to its neighbours (see
    /// [`Reader::concatenation`]), which is where every exact piece ends up.
    fn exact(strings: Vec<String>) -> Self {
        Self {
            exact: Some(strings),
            required: None,
        }
    }

    /// A piece about which nothing is known (a class, an optional part).
    fn unknown() -> Self {
        Self::default()
    }
}

/// The pattern's syntax was not followed: the gate admits everything.
struct Unsupported;

/// A recursive-descent reader over a pattern's source.
struct Reader<'a> {
    rest: std::iter::Peekable<std::str::Chars<'a>>,
}

impl<'a> Reader<'a> {
    fn new(pattern: &'a str) -> Self {
        Self {
            rest: pattern.chars().peekable(),
        }
    }

    /// The whole pattern.
    fn whole(&mut self) -> Result<Piece, Unsupported> {
        let piece = self.alternation()?;
        match self.rest.next() {
            None => Ok(piece),
            Some(_) => Err(Unsupported),
        }
    }

    /// Branches separated by `|`, up to a closing `)` or the end.
    fn alternation(&mut self) -> Result<Piece, Unsupported> {
        let mut branches = vec![self.concatenation()?];
        while self.rest.next_if_eq(&'|').is_some() {
            branches.push(self.concatenation()?);
        }
        if branches.len() == 1 {
            return Ok(branches.remove(0));
        }
        let mut exact = branches
            .iter()
            .all(|branch| branch.exact.is_some())
            .then(Vec::new);
        let mut required = Some(Vec::new());
        for branch in branches {
            if let (Some(set), Some(strings)) = (exact.as_mut(), branch.exact) {
                set.extend(strings);
            }
            match (required.as_mut(), branch.required) {
                (Some(set), Some(strings)) => set.extend(strings),
                _ => required = None,
            }
        }
        Ok(Piece {
            exact: exact.map(dedup).filter(|set| set.len() <= MAX_EXACT),
            required: required.map(dedup).filter(|set| set.len() <= MAX_LITERALS),
        })
    }

    /// Repeated atoms one after another, up to `|`, `)` or the end.
    ///
    /// Its requirement is the most selective of its pieces' own and of its runs
    /// of exact pieces joined ("re" + "open|start" requires "reopen" or
    /// "restart"). It is exact when all its pieces are and they join into few.
    fn concatenation(&mut self) -> Result<Piece, Unsupported> {
        let mut best = None;
        // The strings the current run of exact pieces stands for, joined.
        let mut run: Option<Vec<String>> = Some(vec![String::new()]);
        let mut whole = true;
        while let Some(&next) = self.rest.peek() {
            if next == '|' || next == ')' {
                break;
            }
            let piece = self.repeated()?;
            best = better(best, piece.required);
            match (run.as_mut(), piece.exact) {
                // The common case, a literal character: no new strings.
                (Some(joined), Some(exact)) if exact.len() == 1 => {
                    for string in joined.iter_mut() {
                        string.push_str(&exact[0]);
                    }
                }
                (Some(joined), Some(exact)) => match joined_with(joined, &exact) {
                    Some(product) => *joined = product,
                    None => {
                        best = better(best, useful(run.replace(exact)));
                        whole = false;
                    }
                },
                (_, exact) => {
                    whole &= exact.is_some();
                    best = better(best, useful(std::mem::replace(&mut run, exact)));
                }
            }
        }
        let exact = if whole { run.clone() } else { None };
        Ok(Piece {
            exact,
            required: better(best, useful(run)),
        })
    }

    /// An atom and the quantifiers after it.
    fn repeated(&mut self) -> Result<Piece, Unsupported> {
        let mut piece = self.atom()?;
        while let Some(min) = self.quantifier()? {
            let required = better(piece.required, useful(piece.exact));
            piece = Piece {
                exact: None,
                required: if min == 0 { None } else { required },
            };
        }
        Ok(piece)
    }

    /// A quantifier's minimum (`?` 0, `+` 1, `{2,5}` 2), lazy or not.
    fn quantifier(&mut self) -> Result<Option<u32>, Unsupported> {
        let min = match self.rest.peek() {
            Some('?' | '*') => 0,
            Some('+') => 1,
            Some('{') => {
                self.rest.next();
                let mut bounds = String::new();
                loop {
                    match self.rest.next() {
                        Some('}') => break,
                        Some(c @ ('0'..='9' | ',')) => bounds.push(c),
                        _ => return Err(Unsupported),
                    }
                }
                let min = bounds.split(',').next().unwrap_or_default();
                self.rest.next_if_eq(&'?');
                return min.parse().map(Some).map_err(|_| Unsupported);
            }
            _ => return Ok(None),
        };
        self.rest.next();
        self.rest.next_if_eq(&'?');
        Ok(Some(min))
    }

    /// One character, escape, class, assertion or group.
    fn atom(&mut self) -> Result<Piece, Unsupported> {
        let Some(c) = self.rest.next() else {
            return Err(Unsupported);
        };
        match c {
            '(' => self.group(),
            '[' => self.class(),
            '.' => Ok(Piece::unknown()),
            '^' | '$' => Ok(Piece::exact(vec![String::new()])),
            '\\' => self.escape(),
            '<' => Ok(self
                .placeholder()
                .unwrap_or_else(|| Piece::exact(vec!["<".to_owned()]))),
            // An apostrophe matches its typographic twin, and is optional in
            // some contractions ("isnt"): it requires nothing.
            '\'' => Ok(Piece::unknown()),
            '*' | '+' | '?' | '{' | ')' | '|' => Err(Unsupported),
            c => Ok(Piece::exact(vec![c.to_ascii_lowercase().to_string()])),
        }
    }

    /// After `<`: a placeholder of the grammar's vocabulary, if one is named.
    fn placeholder(&mut self) -> Option<Piece> {
        let ahead: String = self.rest.clone().take(7).collect();
        let (name, required): (&str, &[&str]) = [
            ("KEYS>", &["t-"][..]),
            ("KEY>", &["t-"][..]),
            ("HANDLE>", &["@"][..]),
            ("WHO>", &["@", "me"][..]),
        ]
        .into_iter()
        .find(|(name, _)| ahead.starts_with(name))?;
        for _ in 0..name.len() {
            self.rest.next();
        }
        Some(Piece {
            exact: None,
            required: Some(required.iter().map(|s| (*s).to_owned()).collect()),
        })
    }

    /// After `\`.
    fn escape(&mut self) -> Result<Piece, Unsupported> {
        match self.rest.next().ok_or(Unsupported)? {
            // Assertions: `\<` and `\>` are word boundaries, not characters.
            'b' | 'B' | 'A' | 'z' | '<' | '>' if self.rest.peek() != Some(&'{') => {
                Ok(Piece::exact(vec![String::new()]))
            }
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => Ok(Piece::unknown()),
            'n' => Ok(Piece::exact(vec!["\n".to_owned()])),
            't' => Ok(Piece::exact(vec!["\t".to_owned()])),
            c if c.is_ascii_punctuation() => Ok(Piece::exact(vec![c.to_string()])),
            _ => Err(Unsupported),
        }
    }

    /// After `(`: a group, or flags (any but `x`).
    fn group(&mut self) -> Result<Piece, Unsupported> {
        if self.rest.next_if_eq(&'?').is_some() {
            match self.rest.next().ok_or(Unsupported)? {
                ':' => {}
                'P' | '<' => {
                    self.rest.next_if_eq(&'<');
                    while self.rest.next().ok_or(Unsupported)? != '>' {}
                }
                // Flags: none but `x` (spaces and comments) changes what is literal.
                mut flag => loop {
                    match flag {
                        'i' | 'm' | 's' | 'U' | 'R' | '-' => {}
                        ':' => break,
                        ')' => return Ok(Piece::exact(vec![String::new()])),
                        _ => return Err(Unsupported),
                    }
                    flag = self.rest.next().ok_or(Unsupported)?;
                },
            }
        }
        let piece = self.alternation()?;
        match self.rest.next() {
            Some(')') => Ok(piece),
            _ => Err(Unsupported),
        }
    }

    /// After `[`: a class. A few plain characters (`['’]`) are exact; anything
    /// else (ranges, negation, `\w`, nested classes) is one character of many.
    fn class(&mut self) -> Result<Piece, Unsupported> {
        let negated = self.rest.next_if_eq(&'^').is_some();
        let mut members = Some(Vec::new());
        // A `]` first in a class is the character itself.
        if let Some(bracket) = self.rest.next_if_eq(&']') {
            members.get_or_insert_default().push(bracket);
        }
        let mut depth = 1;
        while depth > 0 {
            match self.rest.next().ok_or(Unsupported)? {
                '\\' => match self.rest.next().ok_or(Unsupported)? {
                    c if c.is_ascii_punctuation() => {
                        if let Some(members) = &mut members {
                            members.push(c);
                        }
                    }
                    _ => members = None,
                },
                '[' => {
                    depth += 1;
                    members = None;
                }
                ']' => depth -= 1,
                '-' => members = None,
                c => {
                    if let Some(members) = &mut members {
                        members.push(c);
                        // The grammar's apostrophes also match the typographic one.
                        if c == '\'' {
                            members.push('’');
                        }
                    }
                }
            }
        }
        match members {
            Some(members) if !negated && !members.is_empty() && members.len() <= 8 => {
                let strings = members
                    .into_iter()
                    .map(|c| c.to_ascii_lowercase().to_string())
                    .collect();
                Ok(Piece::exact(dedup(strings)))
            }
            _ => Ok(Piece::unknown()),
        }
    }
}

/// Every `left` followed by every `right`, unless there would be too many.
fn joined_with(left: &[String], right: &[String]) -> Option<Vec<String>> {
    if left.len() * right.len() > MAX_EXACT {
        return None;
    }
    Some(dedup(
        left.iter()
            .flat_map(|l| right.iter().map(move |r| format!("{l}{r}")))
            .collect(),
    ))
}

/// A requirement worth scanning for: no empty string in it.
fn useful(set: Option<Vec<String>>) -> Option<Vec<String>> {
    set.filter(|set| !set.is_empty() && set.iter().all(|s| !s.is_empty()))
}

/// The more selective of two requirements: the one whose shortest literal is
/// longer, then the one with fewer literals.
fn better(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    let score = |set: &Vec<String>| {
        let shortest = set.iter().map(String::len).min().unwrap_or(0);
        (shortest.min(8), std::cmp::Reverse(set.len()))
    };
    match (a, b) {
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn dedup(mut set: Vec<String>) -> Vec<String> {
    set.sort_unstable();
    set.dedup();
    set
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn literals(pattern: &str) -> Option<Vec<String>> {
        Gate::of(pattern)
            .literals()
            .map(|set| set.into_iter().map(str::to_owned).collect())
    }

    #[test]
    fn a_word_in_a_pattern_is_required() {
        assert_eq!(
            literals(r"^(?:please\s+)?\bunblock\s+\S+"),
            Some(vec!["unblock".into()])
        );
    }

    #[test]
    fn alternatives_are_each_enough() {
        assert_eq!(
            literals(r"\b(?:done|finished|wrapped\s+up)\b"),
            Some(vec!["done".into(), "finished".into(), "wrapped".into()])
        );
    }

    #[test]
    fn literals_join_across_groups_and_assertions() {
        assert_eq!(
            literals(r"\bre(?:open|start)\b"),
            Some(vec!["reopen".into(), "restart".into()])
        );
    }

    #[test]
    fn optional_parts_and_classes_require_nothing() {
        assert_eq!(literals(r"(?:done)?\s*\w+"), None);
        assert_eq!(literals(r"(?:done|\w+)"), None);
        assert_eq!(literals(r"x{0,3}"), None);
        // A flag that changes the syntax is not followed.
        assert_eq!(literals(r"(?x)done"), None);
    }

    #[test]
    fn a_class_of_a_few_characters_is_exact() {
        assert_eq!(
            literals(r"\bdon['’]t\b"),
            Some(vec!["don't".into(), "don’t".into()])
        );
        assert_eq!(literals(r"[a-z]+ing"), Some(vec!["ing".into()]));
    }

    #[test]
    fn placeholders_require_their_marks_and_apostrophes_nothing() {
        assert_eq!(
            literals(r"^<KEYS>\s+(?:to|for)\s+<WHO>"),
            Some(vec!["t-".into()])
        );
        // "isn't" may be written "isnt" or "isn’t": only "isn" is certain.
        assert_eq!(literals(r"\bisn't\s+needed"), Some(vec!["needed".into()]));
        assert_eq!(literals(r"\bisn't\b"), Some(vec!["isn".into()]));
        assert_eq!(literals(r"a<b"), Some(vec!["a<b".into()]));
    }

    #[test]
    fn the_gate_ignores_ascii_case_only() {
        let gate = Gate::of(r"\bunblock\b|✅");
        assert!(gate.admits("please UNBLOCK T-4"));
        assert!(gate.admits("all good ✅"));
        assert!(!gate.admits("block T-4"));
        assert!(!gate.admits("unbloc"));
    }

    /// Whether the reader follows a pattern's syntax (for the grammar's own test).
    pub(in crate::parser) fn follows(pattern: &str) -> bool {
        Reader::new(pattern).whole().is_ok()
    }
}
