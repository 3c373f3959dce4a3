//! Checks on the URLs the edge hands to a browser: a provider's hosted page, a shopper's
//! return address. On bytes wherever the answer is the same (issue #18 round 10: the
//! `char` walks cost about 3,800 instructions a `POST /sessions`); whitespace and control
//! characters through the adapters' own check, `providers::has_blank_or_control`.

/// True for an `http://` or `https://` URL of at most 2048 bytes with no control
/// character, space, quote or angle bracket: safe in a `Location` header and a link.
pub fn is_clean_url(url: &str) -> bool {
    url.len() <= 2048
        && (url.starts_with("https://") || url.starts_with("http://"))
        && !url.bytes().any(|b| matches!(b, b'"' | b'<' | b'>'))
        && !crate::providers::has_blank_or_control(url)
}

/// `https://shop.ci` of `https://shop.ci/return?x=1`.
pub fn origin_of(url: &str) -> &str {
    let after_scheme = crate::http::text::find(url, "://").map_or(0, |i| i + 3);
    // Bytes, not `find([…])`'s `char` walk: the three are ASCII, so any match sits on a
    // character boundary.
    match url.as_bytes()[after_scheme..]
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
    {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::{is_clean_url, origin_of};

    /// What the two checks answered when they walked `char`s.
    fn former_clean(url: &str) -> bool {
        url.len() <= 2048
            && (url.starts_with("https://") || url.starts_with("http://"))
            && !url
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | '<' | '>'))
    }

    fn former_origin(url: &str) -> &str {
        let after_scheme = crate::http::text::find(url, "://").map_or(0, |i| i + 3);
        match url[after_scheme..].find(['/', '?', '#']) {
            Some(end) => &url[..after_scheme + end],
            None => url,
        }
    }

    #[test]
    fn the_byte_checks_answer_as_the_char_walks_did() {
        let mut urls = vec![String::new(), "https://".into(), "http://x".into()];
        // Every character up to U+00FF and a few spaces beyond, at the start of the host,
        // in the path and at the end.
        for c in (0u32..0x100)
            .chain([
                0x1680, 0x2000, 0x200a, 0x200b, 0x2028, 0x202f, 0x3000, 0xfeff,
            ])
            .filter_map(char::from_u32)
        {
            urls.push(format!("https://{c}shop.ci/r"));
            urls.push(format!("https://shop.ci/r{c}?x=1#y"));
            urls.push(format!("http://127.0.0.1:8080{c}"));
            urls.push(format!("{c}https://shop.ci"));
        }
        urls.push(format!("https://shop.ci/{}", "a".repeat(2040)));
        urls.push(format!("https://shop.ci/{}", "a".repeat(2041)));
        urls.push(format!("https://shop.ci/{}", "é".repeat(1100)));
        for url in &urls {
            assert_eq!(is_clean_url(url), former_clean(url), "{url:?}");
            assert_eq!(origin_of(url), former_origin(url), "{url:?}");
        }
        assert!(urls.iter().filter(|u| is_clean_url(u)).count() > 100);
        assert!(urls.iter().filter(|u| !is_clean_url(u)).count() > 100);
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://shop.ci/return?x=1"), "https://shop.ci");
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            origin_of("http://127.0.0.1:8080?x"),
            "http://127.0.0.1:8080"
        );
    }
}
