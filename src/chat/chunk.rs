//! The one rule for cutting a long message into parts a platform accepts, for
//! every adapter: at a line end where there is one, else at a character boundary,
//! each part at most a given number of bytes.

/// Pieces of at most `limit` bytes, cut after a newline when there is one, else at
/// a character boundary. Never empty: a short text is one piece.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(4);
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(newline) = rest[..cut].rfind('\n').filter(|&at| at > 0) {
            cut = newline + 1;
        }
        pieces.push(rest[..cut].trim_end().to_owned());
        rest = &rest[cut..];
    }
    pieces.push(rest.to_owned());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_line_ends_within_the_limit_and_nothing_is_lost() {
        let text: String = (0..500).map(|n| format!("line {n} ünïcödé\n")).collect();
        let pieces = split(&text, 1_000);
        assert!(pieces.len() > 5);
        assert!(pieces.iter().all(|p| p.len() <= 1_000));
        assert!(
            pieces[..pieces.len() - 1]
                .iter()
                .all(|p| p.ends_with("ünïcödé"))
        );
        let joined: String = pieces.iter().map(|p| format!("{p}\n")).collect();
        assert_eq!(joined.trim_end(), text.trim_end());
    }

    #[test]
    fn a_line_longer_than_the_limit_is_cut_on_a_character_boundary() {
        let text = "é".repeat(1_000);
        let pieces = split(&text, 301);
        assert!(pieces.iter().all(|p| p.len() <= 301 && !p.is_empty()));
        assert_eq!(pieces.concat(), text);
        assert_eq!(split("short", 100), vec!["short"]);
    }
}
