//! The one check every adapter makes of a URL it sends or follows: no whitespace, no
//! control character. Bytes first: an ASCII URL (nearly all of them) is decided without
//! decoding a `char` or asking Unicode's whitespace table, which cost ~4,400 instructions
//! per URL at opt-level "z" (issue #18 round 10, `bench/instructions.mjs`).

/// True when `text` holds a whitespace or control character, as
/// `text.chars().any(|c| c.is_whitespace() || c.is_control())` says.
pub(crate) fn has_blank_or_control(text: &str) -> bool {
    // In ASCII, whitespace is `\t \n \x0b \x0c \r` and space, control is below 0x20 and
    // 0x7f: every byte up to the space, and DEL.
    match text.bytes().find(|&b| b <= b' ' || b >= 0x7f) {
        None => false,
        Some(b) if b < 0x80 => true,
        // Beyond ASCII (U+0085, U+00A0, U+2028, U+3000...): Unicode decides.
        Some(_) => text.chars().any(|c| c.is_whitespace() || c.is_control()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn before(text: &str) -> bool {
        text.chars().any(|c| c.is_whitespace() || c.is_control())
    }

    #[test]
    fn says_what_the_char_by_char_check_said() {
        let mut samples: Vec<String> = (0u32..0x3100)
            .chain([0xfeff, 0x1f600, 0x10ffff])
            .filter_map(char::from_u32)
            .flat_map(|c| {
                [
                    c.to_string(),
                    format!("https://shop.example/{c}"),
                    format!("{c}https://é.example/a?b=c"),
                    format!("https://é.example/{c}/x"),
                ]
            })
            .collect();
        samples.extend(
            [
                "",
                "https://shop.example/return?session=s1",
                "http://127.0.0.1:9/moneyfusion/pay/5d58823b000001",
                "https://shop.example/caf\u{e9} x",
                "https://shop.example/\u{a0}",
                "https://shop.example/\u{7f}",
            ]
            .map(String::from),
        );
        samples.push("https://shop.example/".repeat(200));
        for sample in samples {
            assert_eq!(has_blank_or_control(&sample), before(&sample), "{sample:?}");
        }
    }
}
