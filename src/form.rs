//! `application/x-www-form-urlencoded`, as the WHATWG URL standard writes and reads it.
//!
//! CinetPay posts its notifications and return visits as forms, and its transfer API takes
//! forms. Written here rather than pulled in as a crate: it is small, and the notification
//! signature needs the decoded bytes exactly as CinetPay signed them.

use core::fmt;

/// Why a form body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// A name or value is not UTF-8 once decoded.
    NotUtf8,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::NotUtf8 => f.write_str("form field is not UTF-8"),
        }
    }
}

impl std::error::Error for FormError {}

/// Appends one name or value, percent-encoded: ASCII letters, digits and `*-._` stay, a
/// space becomes `+`, every other byte of the UTF-8 text becomes `%XX`.
pub fn encode_component(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
}

/// Encodes name and value pairs, in order, joined by `&`.
pub fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(name, &mut out);
        out.push('=');
        encode_component(value, &mut out);
    }
    out
}

/// Decodes a body into raw byte pairs, in order, duplicates kept: `+` is a space, `%XX` a
/// byte, and a `%` not followed by two hex digits stays as it is (as browsers and PHP do).
/// Empty segments (`a=1&&b=2`) are skipped; a segment without `=` has an empty value.
pub fn decode_bytes(body: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    // Loops rather than iterator adapters: each adapter chain is compiled for its one use.
    let mut pairs = Vec::new();
    for segment in body.split(|&b| b == b'&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(eq) => (&segment[..eq], &segment[eq + 1..]),
            None => (segment, &segment[segment.len()..]),
        };
        pairs.push((percent_decode(name), percent_decode(value)));
    }
    pairs
}

/// Decodes a body into text pairs, in order, duplicates kept. Refuses names or values that
/// are not UTF-8.
pub fn decode(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    for (name, value) in decode_bytes(body) {
        let name = String::from_utf8(name).map_err(|_| FormError::NotUtf8)?;
        let value = String::from_utf8(value).map_err(|_| FormError::NotUtf8)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// The query string of a URL (after `?`, before `#`), empty when there is none.
pub fn query_of(url: &str) -> &str {
    let without_fragment = url.split_once('#').map_or(url, |(before, _)| before);
    without_fragment
        .split_once('?')
        .map_or("", |(_, query)| query)
}

fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                input.get(i + 1).copied().and_then(hex_value),
                input.get(i + 2).copied().and_then(hex_value),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_follows_the_whatwg_serializer() {
        assert_eq!(
            encode([("a b", "c&d=e"), ("é", "1+1*2~")]),
            "a+b=c%26d%3De&%C3%A9=1%2B1*2%7E"
        );
        assert_eq!(encode([("k", "")]), "k=");
        assert_eq!(encode(core::iter::empty()), "");
    }

    #[test]
    fn decoding_reads_plus_percent_and_malformed_escapes() {
        let pairs = decode(b"a+b=c%26d%3De&%C3%A9=x&bad=%zz%4&flag&&=v").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("a b".to_owned(), "c&d=e".to_owned()),
                ("é".to_owned(), "x".to_owned()),
                ("bad".to_owned(), "%zz%4".to_owned()),
                ("flag".to_owned(), String::new()),
                (String::new(), "v".to_owned()),
            ]
        );
    }

    #[test]
    fn decoding_refuses_text_that_is_not_utf8() {
        assert_eq!(decode(b"name=%FF"), Err(FormError::NotUtf8));
        assert_eq!(
            decode_bytes(b"name=%FF"),
            vec![(b"name".to_vec(), vec![0xff])]
        );
    }

    #[test]
    fn query_is_what_sits_between_the_question_mark_and_the_fragment() {
        assert_eq!(
            query_of("https://shop.example/return?a=1&b=2#top"),
            "a=1&b=2"
        );
        assert_eq!(query_of("https://shop.example/return"), "");
        assert_eq!(query_of("/return?#x"), "");
    }
}
