//! [`Fields`]: the JSON objects the edge reads most often, read field by field.

use serde_json::Value;

use super::{from_value, JsonError, ValueReader};

/// A JSON object read field by field, for the types read most often: a derived
/// `Deserialize` costs 3 to 6 KB of wasm per struct (a key matcher, a slot and a duplicate
/// check per field), these few helpers are compiled once and a struct's reader is a list
/// of calls. Same rules as the derive: unknown keys are ignored, a required field that is
/// missing or of the wrong type is an error, an optional one may be missing or `null`.
///
/// The readers of optional fields, texts and numbers do not fail: they keep the first
/// failure and answer a default, and [`Fields::read`] answers that failure once the
/// reader is done. A reader is then straight-line code, with no early return (and no drop
/// of the fields read so far) after each field; the error is the one the derive meets
/// first, as before.
pub struct Fields(serde_json::Map<String, Value>, Option<JsonError>);

impl Fields {
    /// Reads `T` from a deserializer through its JSON value and `read`: the body of a
    /// hand-written `Deserialize`. The first failure a field reader kept is the error,
    /// before any error `read` returns (which came after it).
    pub fn read<'de, D, T>(
        deserializer: D,
        what: &'static str,
        read: impl FnOnce(&mut Fields) -> Result<T, JsonError>,
    ) -> Result<T, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        let mut fields = begin(deserializer, what)?;
        let read = read(&mut fields);
        fields.end::<D::Error>()?;
        read.map_err(serde::de::Error::custom)
    }

    /// The first failure a field reader kept, as the deserializer's error: generic over
    /// the error type only, so compiled once for every type [`Fields::read`] reads (and
    /// by reference: a `Fields` moved in is one more copy in each of them).
    #[inline(never)]
    fn end<E: serde::de::Error>(&mut self) -> Result<(), E> {
        match self.1.take() {
            Some(failure) => Err(E::custom(failure)),
            None => Ok(()),
        }
    }

    /// The object's fields, or the error of a value that is not an object: not generic,
    /// so compiled once for every type [`Fields::read`] reads.
    #[inline(never)]
    fn open(value: Value, what: &'static str) -> Result<Fields, JsonError> {
        match value {
            Value::Object(map) => Ok(Fields::of(map)),
            other => Err(ValueReader(other).invalid(&what)),
        }
    }

    /// `map` to read field by field, outside a `Deserialize` (the ledger's stored rows).
    pub fn of(map: serde_json::Map<String, Value>) -> Fields {
        Fields(map, None)
    }

    /// Whether a reader has failed on a field so far.
    pub fn failed(&self) -> bool {
        self.1.is_some()
    }

    /// `read`'s value, or the default after keeping its failure (the first one only).
    fn kept<T: Default>(&mut self, read: Result<T, JsonError>) -> T {
        match read {
            Ok(value) => value,
            Err(failure) => {
                self.keep(failure);
                T::default()
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn keep(&mut self, failure: JsonError) {
        if self.1.is_none() {
            self.1 = Some(failure);
        }
    }

    /// The value of `key`, `None` when it is missing or `null`.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key).filter(|v| !v.is_null())
    }

    /// A field read with its own `Deserialize` (an enum, a nested type).
    pub fn parse<T: serde::de::DeserializeOwned>(
        &mut self,
        key: &'static str,
    ) -> Result<T, JsonError> {
        let value = self.0.remove(key).ok_or_else(|| missing(key))?;
        from_value(value)
    }

    /// A required field read with its own `Deserialize`, or `stand_in` after keeping the
    /// failure (so `stand_in` is never seen: [`Fields::read`] answers the failure).
    pub fn parse_or<T: serde::de::DeserializeOwned>(
        &mut self,
        key: &'static str,
        stand_in: T,
    ) -> T {
        match self.parse(key) {
            Ok(value) => value,
            Err(failure) => {
                self.keep(failure);
                stand_in
            }
        }
    }

    /// An optional field read with its own `Deserialize`.
    pub fn parse_opt<T: serde::de::DeserializeOwned>(&mut self, key: &'static str) -> Option<T> {
        let value = self.take(key)?;
        self.parsed(value)
    }

    /// `value` read with `T`'s own `Deserialize`, or `None` after keeping the failure:
    /// the value straight into the `Option`, with no `Result<Option<T>, _>` built and
    /// taken apart again (and no [`Fields::kept`] instance) for each type.
    fn parsed<T: serde::de::DeserializeOwned>(&mut self, value: Value) -> Option<T> {
        match from_value(value) {
            Ok(read) => Some(read),
            Err(failure) => {
                self.keep(failure);
                None
            }
        }
    }

    /// A field read with its own `Deserialize`, its default when missing (`null` is read,
    /// as `#[serde(default)]` does).
    pub fn parse_or_default<T: serde::de::DeserializeOwned + Default>(
        &mut self,
        key: &'static str,
    ) -> T {
        let read = self
            .0
            .remove(key)
            .map_or_else(|| Ok(T::default()), from_value);
        self.kept(read)
    }

    /// A required text.
    pub fn text(&mut self, key: &'static str) -> String {
        let read = self
            .text_read(key)
            .and_then(|t| t.ok_or_else(|| missing(key)));
        self.kept(read)
    }

    /// An optional text.
    pub fn text_opt(&mut self, key: &'static str) -> Option<String> {
        let read = self.text_read(key);
        self.kept(read)
    }

    fn text_read(&mut self, key: &'static str) -> Result<Option<String>, JsonError> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(ValueReader(other).invalid(&"a string")),
        }
    }

    /// A field read with its own `Deserialize` when present (`null` included, as a
    /// required field of a derived reader is), `None` when missing: a required field
    /// whose absence is reported only after every present field was read, as the derive
    /// does.
    pub fn present<T: serde::de::DeserializeOwned>(&mut self, key: &'static str) -> Option<T> {
        let value = self.0.remove(key)?;
        self.parsed(value)
    }

    /// An optional text spelt `keys` (a field and its aliases, in the order their keys
    /// sort, which is the order the derive meets them): the first one present is read, a
    /// second one present is serde's duplicate `field` error.
    pub fn text_aliased(
        &mut self,
        field: &'static str,
        keys: &[&'static str],
    ) -> Result<Option<String>, JsonError> {
        let mut found = keys.iter().filter_map(|key| self.0.remove(*key));
        let text = match found.next() {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(other) => return Err(ValueReader(other).invalid(&"a string")),
        };
        match found.next() {
            Some(_) => Err(serde::de::Error::duplicate_field(field)),
            None => Ok(text),
        }
    }

    /// An optional `true` or `false`.
    pub fn bool_opt(&mut self, key: &'static str) -> Option<bool> {
        let read = match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(ValueReader(other).invalid(&"a boolean")),
        };
        self.kept(read)
    }

    /// An error when a field is left unread (`#[serde(deny_unknown_fields)]`), naming it
    /// as serde does.
    pub fn deny_unknown(&self, expected: &'static [&'static str]) -> Result<(), JsonError> {
        match self.0.keys().next() {
            Some(key) => Err(serde::de::Error::unknown_field(key, expected)),
            None => Ok(()),
        }
    }

    /// The fields not read yet (a `#[serde(flatten)]` map).
    pub fn rest(&mut self) -> serde_json::Map<String, Value> {
        core::mem::take(&mut self.0)
    }

    /// A required whole number, at most `max`.
    pub fn uint(&mut self, key: &'static str, max: u64) -> u64 {
        let read = self
            .uint_read(key, max)
            .and_then(|n| n.ok_or_else(|| missing(key)));
        self.kept(read)
    }

    /// An optional whole number, at most `max`.
    pub fn uint_opt(&mut self, key: &'static str, max: u64) -> Option<u64> {
        let read = self.uint_read(key, max);
        self.kept(read)
    }

    fn uint_read(&mut self, key: &'static str, max: u64) -> Result<Option<u64>, JsonError> {
        match self.0.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= max) => Ok(n.as_u64()),
            Some(other) => Err(ValueReader(other).invalid(&"u64")),
        }
    }
}

/// The newtype name [`Fields::read`] asks for: [`ValueReader`] hands such a reader its
/// value whole (through [`STASH`]) instead of walking it, which would build a copy of the
/// tree, object by object, for every type read (serde_json's `RawValue` asks its own
/// deserializer the same way).
pub(super) const TAKE: &str = "$guichet::http::Fields";

std::thread_local! {
    /// The value [`ValueReader`] hands over to [`Take`], for the length of one call.
    pub(super) static STASH: core::cell::Cell<Option<Value>> = const { core::cell::Cell::new(None) };
}

/// The object a [`Fields`] reader reads: generic over the deserializer only, so compiled
/// once for [`ValueReader`] rather than inlined into each type's reader.
#[inline(never)]
fn begin<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    what: &'static str,
) -> Result<Fields, D::Error> {
    let value = deserializer.deserialize_newtype_struct(TAKE, Take(what))?;
    Fields::open(value, what).map_err(serde::de::Error::custom)
}

/// The visitor of [`Fields::read`]: the value [`ValueReader`] put in [`STASH`], or, from
/// any other deserializer (serde_json's, in native tests), the value read by `Value`'s own
/// `Deserialize`, as before.
struct Take(&'static str);

impl<'de> serde::de::Visitor<'de> for Take {
    type Value = Value;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(STASH.take().unwrap_or(Value::Null))
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(deserializer)
    }
}

fn missing(key: &str) -> JsonError {
    JsonError(format!("missing field `{key}`"))
}

#[cfg(test)]
mod tests {
    use crate::domain::{CheckoutInput, CustomerInput};

    /// A `Fields` reader answers the same whether [`super::super::ValueReader`] hands it the
    /// value whole or another deserializer (serde_json's `Value`) walks it: the same
    /// value, or the same error words.
    #[test]
    fn the_value_handed_over_reads_as_the_value_walked() {
        fn same<T: serde::de::DeserializeOwned + core::fmt::Debug>(json: &str) {
            let text = |r: Result<T, String>| match r {
                Ok(value) => format!("{value:?}"),
                Err(e) => format!("error: {e}"),
            };
            let ours =
                text(crate::http::from_json::<T>(json.as_bytes()).map_err(|e| e.to_string()));
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            let theirs = text(serde_json::from_value::<T>(value).map_err(|e| e.to_string()));
            assert_eq!(ours, theirs, "{json}");
        }
        for json in [
            r#"{"provider":"moneyfusion","items":[{"sku":"a","quantity":2},{"sku":"b"}],"customer":{"first_name":"Awa","phone":"+225"},"lang":"fr"}"#,
            r#"{"items":[{"sku":"a","quantity":"2"}]}"#,
            r#"{"items":[[]]}"#,
            r#"{"items":[null]}"#,
            r#"{"customer":[]}"#,
            r#"{"customer":"x"}"#,
            r#"{"customer":null}"#,
            r#"{"order_id":"a","orderId":"b"}"#,
            r#"[]"#,
            r#""text""#,
            r#"1.5"#,
            r#"null"#,
            r#"{}"#,
        ] {
            same::<CheckoutInput>(json);
            same::<CustomerInput>(json);
            same::<Option<CheckoutInput>>(json);
        }
    }
}
