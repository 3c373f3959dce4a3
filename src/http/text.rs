//! Searching a text for a text, as `str::find`, `contains`, `replace` and
//! `match_indices` do with a `&str` pattern, by comparing bytes at each position: core's
//! two-way searcher (`StrSearcher`, about 2.5 KB of the edge wasm with its callers) is
//! compiled only while one call site in the edge build still gives a `&str` (or a
//! non-ASCII `char`) pattern, and the edge searches short texts (error messages, URLs)
//! for short words. Every substring search of the edge and the adapters goes through
//! here; a `char` pattern that is ASCII is searched in the bytes
//! (`text.as_bytes().contains(&b'?')`), since `str::contains(char)` falls back on the
//! two-way searcher for other characters.
//!
//! A match of a valid UTF-8 needle in valid UTF-8 starts and ends on character
//! boundaries, so byte positions are the ones `str`'s methods answer.

/// Where `needle` first occurs in `haystack` at byte `from` or after it (`from` on a
/// character boundary), as `haystack[from..].find(needle)` shifted by `from`.
pub fn find_from(haystack: &str, needle: &str, from: usize) -> Option<usize> {
    let (bytes, needle) = (haystack.as_bytes(), needle.as_bytes());
    let mut at = from;
    while at + needle.len() <= bytes.len() {
        if bytes[at..].starts_with(needle) {
            return Some(at);
        }
        at += 1;
    }
    None
}

/// Where `needle` first occurs in `haystack`, as `haystack.find(needle)`.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    find_from(haystack, needle, 0)
}

/// Whether `needle` occurs in `haystack`, as `haystack.contains(needle)`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// `text` with every match of `needle` replaced by `with`, as `text.replace(needle, with)`.
pub fn replace(text: &str, needle: &str, with: &str) -> String {
    replace_matches(text, text, needle, with)
}

/// `text` with `with` in place of each match of `needle` in `haystack`, a copy of `text`
/// with every byte where it was (`text.to_ascii_lowercase()`, to match in any case): the
/// matches `haystack.match_indices(needle)` gives, left to right, none overlapping.
pub fn replace_matches(text: &str, haystack: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if needle.is_empty() {
        // `str::replace` matches an empty needle at every character boundary.
        for c in text.chars() {
            out.push_str(with);
            out.push(c);
        }
        out.push_str(with);
        return out;
    }
    let mut last = 0;
    while let Some(at) = find_from(haystack, needle, last) {
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// The parts with `separator` between them, as `parts.join(separator)`, without the
/// standard library's generic joining code (`join_generic_copy`, about 1 KB).
pub fn join<S: AsRef<str>>(parts: &[S], separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts built from pieces that make matches overlap, repeat, sit at either end or
    /// cross multi-byte characters.
    fn texts() -> Vec<String> {
        const PIECES: [&str; 9] = ["", "a", "aa", "ab", "://", "é", "€a", "b", " "];
        let mut out = Vec::new();
        for a in PIECES {
            for b in PIECES {
                for c in PIECES {
                    out.push(format!("{a}{b}{c}"));
                }
            }
        }
        out
    }

    #[test]
    fn searches_as_the_str_methods_do() {
        let texts = texts();
        let needles = [
            "", "a", "aa", "aaa", "ab", "ba", "://", "é", "€", "€a", "a€", "b ", "x",
        ];
        let mut compared = 0;
        for text in &texts {
            for needle in needles {
                assert_eq!(find(text, needle), text.find(needle), "{text:?} {needle:?}");
                assert_eq!(contains(text, needle), text.contains(needle));
                assert_eq!(replace(text, needle, "*"), text.replace(needle, "*"));
                let from_std: Vec<usize> = text.match_indices(needle).map(|(at, _)| at).collect();
                let mut ours = Vec::new();
                let mut last = 0;
                while let Some(at) = (!needle.is_empty())
                    .then(|| find_from(text, needle, last))
                    .flatten()
                {
                    ours.push(at);
                    last = at + needle.len();
                }
                if !needle.is_empty() {
                    assert_eq!(ours, from_std, "{text:?} {needle:?}");
                }
                for (at, _) in text.char_indices() {
                    assert_eq!(
                        find_from(text, needle, at),
                        text[at..].find(needle).map(|i| i + at),
                        "{text:?} {needle:?} {at}"
                    );
                }
                compared += 1;
            }
        }
        assert!(compared > 9_000, "{compared}");
    }

    #[test]
    fn joins_as_the_slice_method_does() {
        let pieces = ["", "a", "bc", "é"];
        let mut lists: Vec<Vec<&str>> = vec![Vec::new()];
        for _ in 0..3 {
            let longer: Vec<Vec<&str>> = lists
                .iter()
                .flat_map(|list| {
                    pieces.iter().map(move |p| {
                        let mut list = list.clone();
                        list.push(p);
                        list
                    })
                })
                .collect();
            lists.extend(longer);
        }
        for list in &lists {
            for separator in ["", ",", ": "] {
                assert_eq!(join(list, separator), list.join(separator), "{list:?}");
                let owned: Vec<String> = list.iter().map(|p| p.to_string()).collect();
                assert_eq!(join(&owned, separator), owned.join(separator));
            }
        }
    }

    #[test]
    fn replaces_matches_found_in_a_lowercased_copy() {
        let text = "Key ABC in abc and AbC, abcabc";
        let lower = text.to_ascii_lowercase();
        assert_eq!(
            replace_matches(text, &lower, "abc", "***"),
            "Key *** in *** and ***, ******"
        );
        assert_eq!(replace_matches("AB", "ab", "", "-"), "-A-B-");
    }
}
