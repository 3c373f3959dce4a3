//! A JSON object written field by field: the bodies the adapters send, without a derived
//! `Serialize` per request type (each one compiled serde_json's map writer over again for
//! its fields; issue #18 round 5). Strings go through serde_json's own escaping, so the
//! bytes are those `serde_json::to_vec` writes for the same fields in the same order;
//! each adapter's tests compare both.

use crate::domain::order::Entries;

/// `{"key":value,...}`, built in the order the fields are given.
pub struct JsonObject(Vec<u8>);

impl Default for JsonObject {
    fn default() -> Self {
        JsonObject::new()
    }
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> JsonObject {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        JsonObject(out)
    }

    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if self.0.len() > 1 {
            self.0.push(b',');
        }
        write_str(&mut self.0, key);
        self.0.push(b':');
        &mut self.0
    }

    /// A text.
    pub fn str(&mut self, key: &str, value: &str) -> &mut JsonObject {
        write_str(self.key(key), value);
        self
    }

    /// A text, or nothing when `None` (`skip_serializing_if = "Option::is_none"`).
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut JsonObject {
        if let Some(value) = value {
            self.str(key, value);
        }
        self
    }

    /// A whole number.
    pub fn uint(&mut self, key: &str, value: u64) -> &mut JsonObject {
        let out = self.key(key);
        out.extend_from_slice(value.to_string().as_bytes());
        self
    }

    /// `true` or `false`, or nothing when `None`.
    pub fn opt_bool(&mut self, key: &str, value: Option<bool>) -> &mut JsonObject {
        if let Some(value) = value {
            let text: &[u8] = if value { b"true" } else { b"false" };
            self.key(key).extend_from_slice(text);
        }
        self
    }

    /// An array of texts, or nothing when empty (`skip_serializing_if = "Vec::is_empty"`).
    pub fn strs_unless_empty(&mut self, key: &str, values: &[String]) -> &mut JsonObject {
        if !values.is_empty() {
            let out = self.key(key);
            out.push(b'[');
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, value);
            }
            out.push(b']');
        }
        self
    }

    /// Texts by key (in key order), or nothing when there is none.
    pub fn entries_unless_empty(&mut self, key: &str, entries: &Entries) -> &mut JsonObject {
        if !entries.is_empty() {
            let mut inner = JsonObject::new();
            for (name, value) in entries.iter() {
                inner.str(name, value);
            }
            self.object(key, inner);
        }
        self
    }

    /// A nested object.
    pub fn object(&mut self, key: &str, value: JsonObject) -> &mut JsonObject {
        let bytes = value.finish();
        self.key(key).extend_from_slice(&bytes);
        self
    }

    /// The object's bytes.
    pub fn finish(self) -> Vec<u8> {
        let mut out = self.0;
        out.push(b'}');
        out
    }
}

/// A JSON string, escaped as serde_json escapes it (its own writer, shared with every
/// other JSON text).
fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing a string into a vector cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_is_what_serde_json_writes_for_the_same_fields() {
        let mut entries = Entries::default();
        entries.insert("b".into(), "2".into());
        entries.insert("a\u{1}".into(), "quote \" back \\ é \u{7f}".into());
        let mut inner = JsonObject::new();
        inner.str("x", "y");
        let mut object = JsonObject::new();
        object
            .str("text", "line\nbreak\t\u{2028}")
            .opt_str("none", None)
            .opt_str("some", Some(""))
            .uint("n", u64::MAX)
            .opt_bool("t", Some(true))
            .opt_bool("f", Some(false))
            .opt_bool("skipped", None)
            .strs_unless_empty("list", &["a".into(), "\"b\"".into()])
            .strs_unless_empty("empty", &[])
            .entries_unless_empty("entries", &entries)
            .entries_unless_empty("no_entries", &Entries::default())
            .object("inner", inner);
        let expected = serde_json::json!({
            "text": "line\nbreak\t\u{2028}",
            "some": "",
            "n": u64::MAX,
            "t": true,
            "f": false,
            "list": ["a", "\"b\""],
            "entries": {"a\u{1}": "quote \" back \\ é \u{7f}", "b": "2"},
            "inner": {"x": "y"},
        });
        let ours = String::from_utf8(object.finish()).unwrap();
        // Same bytes as serde_json's writer (its map sorts keys: compare as values, and
        // the escaping on a key-sorted copy).
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&ours).unwrap(),
            expected
        );
        assert!(ours.starts_with(r#"{"text":"line\nbreak\t"#), "{ours}");
        assert!(
            ours.contains(r#""entries":{"a\u0001":"quote \" back \\ é "#),
            "{ours}"
        );
        assert_eq!(String::from_utf8(JsonObject::new().finish()).unwrap(), "{}");
    }
}
