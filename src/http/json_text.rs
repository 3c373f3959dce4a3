//! JSON text written straight into a byte buffer, exactly as serde_json's compact writer
//! writes it: a string's escapes (`\"`, `\\`, `\b \t \n \f \r`, `\u00XX` in lowercase hex
//! for the other control characters, nothing else) and an unsigned number's digits.
//! serde_json's own path, through `to_vec`, allocated a buffer per value and cost about
//! 1,100 instructions per short string (issue #18 round 10, `bench/instructions.mjs`):
//! an answer writes ten of them.

/// `value` as a JSON string, quotes included, appended to `out`.
pub fn push_str(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = value.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    // Runs of bytes that need no escape are copied whole: most texts are one run.
    while let Some(run) = bytes[start..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
    {
        let at = start + run;
        out.extend_from_slice(&bytes[start..at]);
        let byte = bytes[at];
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            _ => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0x0f)],
            ],
        };
        out.extend_from_slice(escape);
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// `value`'s decimal digits appended to `out`.
pub fn push_u64(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(value: &str) -> String {
        let mut out = Vec::new();
        push_str(&mut out, value);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every character up to U+00FF, a few beyond (U+2028 and U+2029 stay as they
        // are in serde_json), each alone and between other text.
        let mut samples: Vec<String> = (0u32..0x100)
            .chain([0x2028, 0x2029, 0xfeff, 0x1f600])
            .filter_map(char::from_u32)
            .flat_map(|c| [c.to_string(), format!("a{c}b{c}{c}"), format!("{c}Koné")])
            .collect();
        samples.extend(
            [
                "",
                "plain",
                "\"quoted\" \\ back\\slash",
                "\u{7f}\u{0}\u{1f}",
            ]
            .map(String::from),
        );
        for sample in samples {
            let expected = serde_json::to_string(&sample).unwrap_or_default();
            assert_eq!(written(&sample), expected, "{sample:?}");
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let mut value = 1u64;
        let mut samples = vec![0, 9, 10, 99, 100, u64::MAX, u64::MAX - 1];
        while let Some(next) = value.checked_mul(7) {
            samples.extend([value - 1, value, value + 1]);
            value = next;
        }
        for sample in samples {
            let mut out = Vec::new();
            push_u64(&mut out, sample);
            assert_eq!(
                out,
                serde_json::to_vec(&sample).unwrap_or_default(),
                "{sample}"
            );
        }
    }
}
