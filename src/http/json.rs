//! JSON text to a [`serde_json::Value`], without serde: the tree is built as the bytes are
//! read, where serde_json's parser drives `Value`'s visitor through its `SeqAccess` and
//! `MapAccess` (about 9 KB of the edge's wasm for the parser and the visitor). Same
//! values and the same errors, word for word and at the same line and column, as
//! `serde_json::from_slice::<Value>` (serde_json 1.0.154 without `float_roundtrip` or
//! `arbitrary_precision`): each step below is serde_json's, in its order, and a test
//! compares both on thousands of inputs, valid and broken.

use serde_json::{Map, Number, Value};

use super::JsonError;

/// Reads one JSON value that fills `bytes` (whitespace around it allowed).
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut parser = Parser {
        bytes,
        at: 0,
        depth: 128,
    };
    let value = parser.value()?;
    match parser.whitespace() {
        Some(_) => Err(parser.peek_error("trailing characters")),
        None => Ok(value),
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Arrays and objects that may still open (serde_json's recursion limit, 128).
    depth: u8,
}

type Read<T> = Result<T, JsonError>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn peek_or_null(&self) -> u8 {
        self.peek().unwrap_or(0)
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    /// The next byte that is not whitespace, not consumed.
    fn whitespace(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
        self.peek()
    }

    /// An error at the byte read last (serde_json's `error`).
    #[cold]
    #[inline(never)]
    fn error(&self, code: &str) -> JsonError {
        self.error_at(code, self.at, 0)
    }

    /// An error at the byte peeked at (serde_json's `peek_error`).
    #[cold]
    #[inline(never)]
    fn peek_error(&self, code: &str) -> JsonError {
        self.error_at(code, (self.at + 1).min(self.bytes.len()), 0)
    }

    /// serde_json's text for a syntax error: the line and column of byte `at`, the column
    /// moved back by `back`.
    #[cold]
    #[inline(never)]
    fn error_at(&self, code: &str, at: usize, back: usize) -> JsonError {
        let before = &self.bytes[..at];
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + before[..line_start].iter().filter(|b| **b == b'\n').count();
        let column = (at - line_start).saturating_sub(back);
        JsonError(format!("{code} at line {line} column {column}"))
    }

    fn value(&mut self) -> Read<Value> {
        let Some(peek) = self.whitespace() else {
            return Err(self.peek_error("EOF while parsing a value"));
        };
        match peek {
            b'n' => self.ident(b"null", Value::Null),
            b't' => self.ident(b"true", Value::Bool(true)),
            b'f' => self.ident(b"false", Value::Bool(false)),
            b'-' => {
                self.at += 1;
                self.integer(false)
            }
            b'0'..=b'9' => self.integer(true),
            b'"' => {
                self.at += 1;
                self.string().map(Value::String)
            }
            b'[' | b'{' => {
                if self.depth == 1 {
                    return Err(self.peek_error("recursion limit exceeded"));
                }
                self.depth -= 1;
                self.at += 1;
                let value = if peek == b'[' {
                    self.array()
                } else {
                    self.object()
                };
                self.depth += 1;
                // The loops end on the closing bracket only, which is consumed here.
                self.at += 1;
                value
            }
            _ => Err(self.peek_error("expected value")),
        }
    }

    /// `word`'s letters after its first, which was peeked at.
    fn ident(&mut self, word: &[u8], value: Value) -> Read<Value> {
        self.at += 1;
        for expected in &word[1..] {
            match self.next() {
                None => return Err(self.error("EOF while parsing a value")),
                Some(next) if next != *expected => return Err(self.error("expected ident")),
                Some(_) => {}
            }
        }
        Ok(value)
    }

    /// The items after `[`, up to the `]`, which is left to consume.
    fn array(&mut self) -> Read<Value> {
        let mut items = Vec::new();
        loop {
            match self.whitespace() {
                None => return Err(self.peek_error("EOF while parsing a list")),
                Some(b']') => return Ok(Value::Array(items)),
                Some(_) if items.is_empty() => {}
                Some(b',') => {
                    self.at += 1;
                    match self.whitespace() {
                        Some(b']') => return Err(self.peek_error("trailing comma")),
                        Some(_) => {}
                        None => return Err(self.peek_error("EOF while parsing a value")),
                    }
                }
                Some(_) => return Err(self.peek_error("expected `,` or `]`")),
            }
            items.push(self.value()?);
        }
    }

    /// The entries after `{`, up to the `}`, which is left to consume. A key given twice
    /// keeps its last value.
    fn object(&mut self) -> Read<Value> {
        let mut map = Map::new();
        let mut first = true;
        loop {
            match self.whitespace() {
                None => return Err(self.peek_error("EOF while parsing an object")),
                Some(b'}') => return Ok(Value::Object(map)),
                Some(b'"') if first => {}
                Some(_) if first => return Err(self.peek_error("key must be a string")),
                Some(b',') => {
                    self.at += 1;
                    match self.whitespace() {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.peek_error("trailing comma")),
                        Some(_) => return Err(self.peek_error("key must be a string")),
                        None => return Err(self.peek_error("EOF while parsing a value")),
                    }
                }
                Some(_) => return Err(self.peek_error("expected `,` or `}`")),
            }
            first = false;
            self.at += 1;
            let key = self.string()?;
            match self.whitespace() {
                Some(b':') => self.at += 1,
                Some(_) => return Err(self.peek_error("expected `:`")),
                None => return Err(self.peek_error("EOF while parsing an object")),
            }
            let value = self.value()?;
            map.insert(key, value);
        }
    }

    /// A string's characters after its opening quote, and the closing quote.
    fn string(&mut self) -> Read<String> {
        let mut copied: Vec<u8> = Vec::new();
        let mut start = self.at;
        loop {
            let rest = &self.bytes[self.at..];
            self.at += rest
                .iter()
                .position(|b| *b == b'"' || *b == b'\\' || *b < 0x20)
                .unwrap_or(rest.len());
            match self.next() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    let text = &self.bytes[start..self.at - 1];
                    let text = if copied.is_empty() {
                        text
                    } else {
                        copied.extend_from_slice(text);
                        &copied
                    };
                    return match core::str::from_utf8(text) {
                        Ok(text) => Ok(text.to_owned()),
                        Err(e) => Err(self.error_at(
                            "invalid unicode code point",
                            self.at,
                            text.len() - e.valid_up_to(),
                        )),
                    };
                }
                Some(b'\\') => {
                    copied.extend_from_slice(&self.bytes[start..self.at - 1]);
                    self.escape(&mut copied)?;
                    start = self.at;
                }
                Some(_) => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
            }
        }
    }

    /// An escape after its backslash.
    fn escape(&mut self, out: &mut Vec<u8>) -> Read<()> {
        let byte = match self.next() {
            None => return Err(self.error("EOF while parsing a string")),
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => b'\x08',
            Some(b'f') => b'\x0c',
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => return self.unicode_escape(out),
            Some(_) => return Err(self.error("invalid escape")),
        };
        out.push(byte);
        Ok(())
    }

    /// A `\u` escape after its `u`: a character, or a surrogate pair as two escapes.
    #[cold]
    fn unicode_escape(&mut self, out: &mut Vec<u8>) -> Read<()> {
        let first = self.hex_escape()?;
        let code = match first {
            0xDC00..=0xDFFF => return Err(self.error("lone leading surrogate in hex escape")),
            0xD800..=0xDBFF => {
                for expected in [b'\\', b'u'] {
                    match self.peek() {
                        None => return Err(self.error("EOF while parsing a string")),
                        Some(byte) => {
                            self.at += 1;
                            if byte != expected {
                                return Err(self.error("unexpected end of hex escape"));
                            }
                        }
                    }
                }
                let second = self.hex_escape()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                (((first as u32 - 0xD800) << 10) | (second as u32 - 0xDC00)) + 0x1_0000
            }
            _ => first as u32,
        };
        let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }

    fn hex_escape(&mut self) -> Read<u16> {
        let Some(digits) = self.bytes.get(self.at..self.at + 4) else {
            self.at = self.bytes.len();
            return Err(self.error("EOF while parsing a string"));
        };
        self.at += 4;
        let mut n = 0u16;
        for digit in digits {
            match (*digit as char).to_digit(16) {
                Some(d) => n = (n << 4) | d as u16,
                None => return Err(self.error("invalid escape")),
            }
        }
        Ok(n)
    }

    /// A number after its sign (serde_json's `parse_integer`).
    fn integer(&mut self, positive: bool) -> Read<Value> {
        let float = match self.next() {
            None => return Err(self.error("EOF while parsing a value")),
            Some(b'0') => match self.peek_or_null() {
                b'0'..=b'9' => return Err(self.peek_error("invalid number")),
                _ => return self.number(positive, 0),
            },
            Some(c @ b'1'..=b'9') => {
                let mut significand = (c - b'0') as u64;
                loop {
                    match self.peek_or_null() {
                        c @ b'0'..=b'9' => {
                            let digit = (c - b'0') as u64;
                            if overflows(significand, digit, u64::MAX) {
                                break self.long_integer(positive, significand)?;
                            }
                            self.at += 1;
                            significand = significand * 10 + digit;
                        }
                        _ => return self.number(positive, significand),
                    }
                }
            }
            Some(_) => return Err(self.error("invalid number")),
        };
        Ok(float_value(float))
    }

    /// What follows a whole number's digits.
    fn number(&mut self, positive: bool, significand: u64) -> Read<Value> {
        let float = match self.peek_or_null() {
            b'.' => self.decimal(positive, significand, 0)?,
            b'e' | b'E' => self.exponent(positive, significand, 0)?,
            _ if positive => return Ok(Value::Number(significand.into())),
            _ => {
                let negative = (significand as i64).wrapping_neg();
                // A float on underflow, or for `-0`.
                if negative >= 0 {
                    -(significand as f64)
                } else {
                    return Ok(Value::Number(negative.into()));
                }
            }
        };
        Ok(float_value(float))
    }

    fn decimal(&mut self, positive: bool, mut significand: u64, exponent_before: i32) -> Read<f64> {
        self.at += 1;
        let mut exponent_after = 0;
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            let digit = (c - b'0') as u64;
            if overflows(significand, digit, u64::MAX) {
                return self.decimal_overflow(
                    positive,
                    significand,
                    exponent_before + exponent_after,
                );
            }
            self.at += 1;
            significand = significand * 10 + digit;
            exponent_after -= 1;
        }
        if exponent_after == 0 {
            return Err(match self.peek() {
                Some(_) => self.peek_error("invalid number"),
                None => self.peek_error("EOF while parsing a value"),
            });
        }
        let exponent = exponent_before + exponent_after;
        match self.peek_or_null() {
            b'e' | b'E' => self.exponent(positive, significand, exponent),
            _ => self.float(positive, significand, exponent),
        }
    }

    fn exponent(&mut self, positive: bool, significand: u64, starting: i32) -> Read<f64> {
        self.at += 1;
        let positive_exponent = match self.peek_or_null() {
            b'+' => {
                self.at += 1;
                true
            }
            b'-' => {
                self.at += 1;
                false
            }
            _ => true,
        };
        let mut exponent = match self.next() {
            None => return Err(self.error("EOF while parsing a value")),
            Some(c @ b'0'..=b'9') => (c - b'0') as i32,
            Some(_) => return Err(self.error("invalid number")),
        };
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            self.at += 1;
            let digit = (c - b'0') as i32;
            if overflows(exponent as u64, digit as u64, i32::MAX as u64) {
                // Infinity is an error; anything else this small is zero.
                if significand != 0 && positive_exponent {
                    return Err(self.error("number out of range"));
                }
                while let b'0'..=b'9' = self.peek_or_null() {
                    self.at += 1;
                }
                return Ok(if positive { 0.0 } else { -0.0 });
            }
            exponent = exponent * 10 + digit;
        }
        let exponent = if positive_exponent {
            starting.saturating_add(exponent)
        } else {
            starting.saturating_sub(exponent)
        };
        self.float(positive, significand, exponent)
    }

    /// More digits than a `u64` holds: the rest only count as powers of ten.
    #[cold]
    #[inline(never)]
    fn long_integer(&mut self, positive: bool, significand: u64) -> Read<f64> {
        let mut exponent = 0;
        loop {
            match self.peek_or_null() {
                b'0'..=b'9' => {
                    self.at += 1;
                    exponent += 1;
                }
                b'.' => return self.decimal(positive, significand, exponent),
                b'e' | b'E' => return self.exponent(positive, significand, exponent),
                _ => return self.float(positive, significand, exponent),
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn decimal_overflow(&mut self, positive: bool, significand: u64, exponent: i32) -> Read<f64> {
        while let b'0'..=b'9' = self.peek_or_null() {
            self.at += 1;
        }
        match self.peek_or_null() {
            b'e' | b'E' => self.exponent(positive, significand, exponent),
            _ => self.float(positive, significand, exponent),
        }
    }

    /// serde_json's float from its parts (not correctly rounded in every case, as
    /// serde_json without `float_roundtrip` is not).
    fn float(&mut self, positive: bool, significand: u64, mut exponent: i32) -> Read<f64> {
        let mut f = significand as f64;
        loop {
            match POW10.get(exponent.wrapping_abs() as usize) {
                Some(&pow) => {
                    if exponent >= 0 {
                        f *= pow;
                        if f.is_infinite() {
                            return Err(self.error("number out of range"));
                        }
                    } else {
                        f /= pow;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return Err(self.error("number out of range"));
                    }
                    f /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(if positive { f } else { -f })
    }
}

/// Whether `a * 10 + digit` passes `max`.
fn overflows(a: u64, digit: u64, max: u64) -> bool {
    a >= max / 10 && (a > max / 10 || digit > max % 10)
}

/// A float as `Value`'s visitor keeps it (`null` if it is not finite).
fn float_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// serde_json's powers of ten.
static POW10: [f64; 309] = [
    1e000, 1e001, 1e002, 1e003, 1e004, 1e005, 1e006, 1e007, 1e008, 1e009, //
    1e010, 1e011, 1e012, 1e013, 1e014, 1e015, 1e016, 1e017, 1e018, 1e019, //
    1e020, 1e021, 1e022, 1e023, 1e024, 1e025, 1e026, 1e027, 1e028, 1e029, //
    1e030, 1e031, 1e032, 1e033, 1e034, 1e035, 1e036, 1e037, 1e038, 1e039, //
    1e040, 1e041, 1e042, 1e043, 1e044, 1e045, 1e046, 1e047, 1e048, 1e049, //
    1e050, 1e051, 1e052, 1e053, 1e054, 1e055, 1e056, 1e057, 1e058, 1e059, //
    1e060, 1e061, 1e062, 1e063, 1e064, 1e065, 1e066, 1e067, 1e068, 1e069, //
    1e070, 1e071, 1e072, 1e073, 1e074, 1e075, 1e076, 1e077, 1e078, 1e079, //
    1e080, 1e081, 1e082, 1e083, 1e084, 1e085, 1e086, 1e087, 1e088, 1e089, //
    1e090, 1e091, 1e092, 1e093, 1e094, 1e095, 1e096, 1e097, 1e098, 1e099, //
    1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109, //
    1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119, //
    1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129, //
    1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139, //
    1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149, //
    1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159, //
    1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169, //
    1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179, //
    1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189, //
    1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199, //
    1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209, //
    1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219, //
    1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229, //
    1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239, //
    1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249, //
    1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259, //
    1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269, //
    1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279, //
    1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289, //
    1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, //
    1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Ours against serde_json's `from_slice::<Value>`: the same value (written out, so a
    /// float's every bit counts) or the same error text.
    fn same(bytes: &[u8]) {
        let text = |read: Result<Value, String>| match read {
            Ok(value) => format!("ok {}", serde_json::to_string(&value).unwrap()),
            Err(e) => format!("error {e}"),
        };
        let ours = text(parse(bytes).map_err(|e| e.to_string()));
        let theirs = text(serde_json::from_slice::<Value>(bytes).map_err(|e| e.to_string()));
        assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(bytes));
    }

    const SEEDS: &[&str] = &[
        r#"{"provider":"moneyfusion","items":[{"sku":"pagne-wax","quantity":2}],"customer":{"first_name":"Awa","last_name":"Koné","email":"awa@example.ci","phone":"+2250701020304","country":"CI"},"lang":"fr"}"#,
        "{\n  \"a\" : [1, -2, 3.5e-3, -0, 0.0, 1E+2, true, false, null],\n  \"b\": {\"\": \"\\u00e9\\n\\\"\\\\\\/\\b\\f\\r\\t\"}\n}\n",
        r#"[18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809, 123456789012345678901234567890]"#,
        r#"[1.7976931348623157e308, 2.2250738585072014e-308, 5e-324, 1e-400, 0.1, 0.30000000000000004, 123.456e-7, 1e23, 9007199254740993]"#,
        r#"["\ud83d\ude00", "\uD834\uDD1E", "a\u0000b", "x"]"#,
        r#"{"k":1,"k":2,"z":{},"y":[],"x":[[],[{}]]}"#,
        " \t\r\n\"text\" ",
    ];

    /// Every prefix of each seed, each byte replaced by or preceded by one of a set of
    /// bytes that matter to a JSON reader: thousands of broken texts, each error checked
    /// word for word with its line and column.
    #[test]
    fn reads_as_serde_json_reads() {
        let alphabet = b"\"\\/{}[]:,.-+eE0129aunlfrt \n\x01\x7f\xc3\xa9\xff";
        let mut count = 0;
        for seed in SEEDS {
            let seed = seed.as_bytes();
            same(seed);
            for end in 0..seed.len() {
                same(&seed[..end]);
                for byte in alphabet {
                    let mut changed = seed.to_vec();
                    changed[end] = *byte;
                    same(&changed);
                    changed.insert(end, *byte);
                    same(&changed);
                    count += 2;
                }
            }
        }
        assert!(count > 10_000, "{count}");
    }

    #[test]
    fn numbers_escapes_and_depth_read_as_serde_json_reads() {
        for text in [
            "0",
            "-0",
            "-",
            "01",
            "1.",
            "1.e5",
            "1e",
            "1e+",
            "1e-",
            "1e400",
            "-1e400",
            "0e400",
            "1e-400",
            "1e2147483647",
            "1e2147483648",
            "1e-2147483648",
            "0e99999999999",
            "1e-99999999999",
            "184467440737095516150",
            "18446744073709551615.5",
            "1.8446744073709551615123e3",
            "0.00000000000000000000000000000000000001",
            "2.5E-3",
            "-9223372036854775807",
            "-18446744073709551615",
            "1.0000000000000002",
            "4.9e-324",
            "\"\\u\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\ud800\"",
            "\"\\ud800\\\"",
            "\"\\ud800\\u\"",
            "\"\\ud800x\"",
            "\"\\ud800\\n\"",
            "\"\\ud800\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800",
            "\"\\ud800\\",
            "\"\\q\"",
            "\"\\",
            "\"abc",
            "\"a\tb\"",
            "[1,]",
            "[1 2]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "{,}",
            "[,1]",
            "{\"a\"",
            "{\"a\":",
            "[",
            "{",
            "nul",
            "nulx",
            "tru",
            "falsy",
            "x",
            "",
            "   ",
            "1 2",
            "[] x",
            "\n\n  [\n 1,\n x]",
        ] {
            same(text.as_bytes());
        }
        // Bytes that are not UTF-8, plain and after an escape.
        same(b"\"\xe9\"");
        same(b"\"a\\n\xff\"");
        same(b"{\"\xc3\": 1}");
        for depth in [126, 127, 128, 129, 200] {
            same("[".repeat(depth).as_bytes());
            same(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).as_bytes());
            same(format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)).as_bytes());
        }
    }
}
