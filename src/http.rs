//! Requests as values. A provider adapter builds an [`HttpRequest`] and reads an
//! [`HttpResponse`]; only a [`Transport`] does I/O. Adapters are therefore tested on
//! fixtures with no network, and the same adapter runs on every edge runtime.

use core::fmt;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send. Headers may carry a secret (Moneroo's bearer key), so `Debug`
/// hides header values and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL. May itself be a credential (MoneyFusion's API URL): never log it whole,
    /// use [`redact_url`].
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body, empty for none.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request with no header and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body, as fixtures need.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// The first value of a header, by case-insensitive name.
pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No answer within the time allowed.
    Timeout,
    /// The connection failed (refused, reset, DNS). The text never holds the full URL.
    Network(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Timeout => f.write_str("the provider did not answer in time"),
            TransportError::Network(why) => write!(f, "network error: {why}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Sends requests. On wasm this is the global `fetch`; natively, a test client.
#[allow(async_fn_in_trait)] // wasm futures are not Send; callers are single-threaded.
pub trait Transport {
    /// Sends one request and waits for its response.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// The URL with its path and query hidden past the host: `https://pay.example/***`. For
/// logs and errors, since a URL may be a credential.
pub fn redact_url(url: &str) -> String {
    let after_scheme = text::find(url, "://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => format!("{}/***", &url[..after_scheme + slash]),
        None => url.to_owned(),
    }
}

/// Reads JSON into `T` through a [`serde_json::Value`]: the text parser is compiled once
/// for `Value`, and each type only adds its walk over a parsed tree, several times
/// smaller than a text parser of its own (serde_json monomorphizes the whole parser per
/// type). Same answers as `serde_json::from_slice`, except that a key given twice keeps
/// its last value and a struct is read from an object only (never from an array of its
/// fields in order).
pub fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    from_value(parse_json(bytes)?)
}

/// `value` as compact JSON, the text its `Display` writes, through the one serializer
/// every other JSON text goes through (`Display` compiles two more, compact and pretty,
/// onto a `fmt::Formatter`).
pub fn json_text(value: &Value) -> String {
    // Writing a `Value` cannot fail (its map keys are strings).
    String::from_utf8(serde_json::to_vec(value).unwrap_or_default()).unwrap_or_default()
}

/// `value` as a [`Value`], as `serde_json::to_value` makes it (`Null` if it cannot be
/// written), through the JSON text: the types written this way are also written as
/// answers, so their serializer onto a vector is compiled already, where `to_value`
/// compiles a second one onto a `Value` for each.
pub fn json_value(value: &impl serde::Serialize) -> Value {
    serde_json::to_vec(value)
        .ok()
        .and_then(|text| parse_json(&text).ok())
        .unwrap_or(Value::Null)
}

/// The text parser, kept out of line so that each type's `from_json` does not carry it.
#[inline(never)]
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, JsonError> {
    serde_json::from_slice::<Value>(bytes).map_err(|e| JsonError(e.to_string()))
}

/// Reads a parsed [`serde_json::Value`] into `T`, as `serde_json::from_value` does, through
/// [`ValueReader`].
pub fn from_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, JsonError> {
    T::deserialize(ValueReader(value))
}

/// Why JSON could not be read as a type: serde_json's words for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(String);

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

impl serde::de::Error for JsonError {
    #[cold]
    fn custom<T: fmt::Display>(msg: T) -> Self {
        JsonError(msg.to_string())
    }

    #[cold]
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        JsonError(format!("invalid type: {}, expected {exp}", Shown(unexp)))
    }

    #[cold]
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        JsonError(format!("invalid value: {}, expected {exp}", Shown(unexp)))
    }
}

/// serde_json's text for what was found, written out arm by arm: serde's own `Display`
/// for `Unexpected` formats a float through `core::fmt` (about 18 KB of the edge wasm),
/// where serde_json's number printer is linked anyway.
struct Shown<'a>(Unexpected<'a>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(i) => write!(f, "integer `{i}`"),
            Unexpected::Signed(i) => write!(f, "integer `{i}`"),
            Unexpected::Float(x) => match serde_json::Number::from_f64(x) {
                Some(n) => write!(f, "floating point `{n}`"),
                None => f.write_str("floating point"),
            },
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => write!(f, "string {s:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

mod fields;
mod inputs;
pub mod json_text;
pub mod text;
pub use fields::Fields;

/// A [`serde_json::Value`] as a serde `Deserializer`, like serde_json's own, but smaller in
/// the wasm: a struct is read from an object only, so the derived code that reads a
/// struct from an array of its fields in order (as large as the object reader, once per
/// type) is never instantiated, and an error is a plain text without serde's float
/// formatting.
pub struct ValueReader(pub serde_json::Value);

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::Value;

impl ValueReader {
    fn unexpected(&self) -> Unexpected<'_> {
        match &self.0 {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Unexpected::Unsigned(u),
                (None, Some(i), _) => Unexpected::Signed(i),
                (None, None, Some(x)) => Unexpected::Float(x),
                (None, None, None) => Unexpected::Other("number"),
            },
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }

    /// Not generic over the visitor, so compiled once.
    fn invalid(&self, expected: &dyn serde::de::Expected) -> JsonError {
        serde::de::Error::invalid_type(self.unexpected(), expected)
    }
}

fn visit_array<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, JsonError> {
    let len = items.len();
    let mut seq = Items(items.into_iter());
    let out = visitor.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(out)
    } else {
        Err(serde::de::Error::invalid_length(
            len,
            &"fewer elements in array",
        ))
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    map: serde_json::Map<String, Value>,
    visitor: V,
) -> Result<V::Value, JsonError> {
    let len = map.len();
    let mut entries = Entries(map.into_iter(), None);
    let out = visitor.visit_map(&mut entries)?;
    if entries.0.len() == 0 {
        Ok(out)
    } else {
        Err(serde::de::Error::invalid_length(
            len,
            &"fewer elements in map",
        ))
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
            match self.0 {
                Value::Number(_) => self.deserialize_any(visitor),
                _ => Err(self.invalid(&visitor)),
            }
        }
    )*};
}

impl<'de> serde::Deserializer<'de> for ValueReader {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(Variant(variant, None)),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((variant, value)) => visitor.visit_enum(Variant(variant, Some(value))),
                None => Err(serde::de::Error::invalid_type(Unexpected::Map, &"enum")),
            },
            Value::Object(_) => Err(serde::de::Error::invalid_value(
                Unexpected::Map,
                &"map with a single key",
            )),
            _ => Err(serde::de::Error::invalid_type(
                self.unexpected(),
                &"string or map",
            )),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        if name == fields::TAKE {
            // A `Fields` reader: the value itself, not a copy built entry by entry.
            fields::STASH.set(Some(self.0));
            return visitor.visit_unit();
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_array(items, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, JsonError> {
        drop(self);
        visitor.visit_unit()
    }
}

/// An enum's variant, spelt as a string (a unit variant, `None`) or as an object's one key
/// and its value: one `EnumAccess` for both, so a derived enum compiles its `visit_enum`
/// once, not once per shape. It answers what serde's string and map accessors answer.
struct Variant(String, Option<Value>);

impl<'de> serde::de::EnumAccess<'de> for Variant {
    type Error = JsonError;
    type Variant = VariantValue;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, VariantValue), JsonError> {
        let variant = seed.deserialize(ValueReader(Value::String(self.0)))?;
        Ok((variant, VariantValue(self.1)))
    }
}

/// A variant's value: `None` for a variant spelt as a string, which is a unit variant.
struct VariantValue(Option<Value>);

impl<'de> serde::de::VariantAccess<'de> for VariantValue {
    type Error = JsonError;

    fn unit_variant(self) -> Result<(), JsonError> {
        match self.0 {
            None => Ok(()),
            Some(value) => serde::Deserialize::deserialize(ValueReader(value)),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, JsonError> {
        match self.0 {
            None => Err(unit_only(&"newtype variant")),
            Some(value) => seed.deserialize(ValueReader(value)),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, JsonError> {
        use serde::Deserializer;
        match self.0 {
            None => Err(unit_only(&"tuple variant")),
            Some(value) => ValueReader(value).deserialize_tuple(len, visitor),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, JsonError> {
        use serde::Deserializer;
        match self.0 {
            None => Err(unit_only(&"struct variant")),
            Some(value) => ValueReader(value).deserialize_map(visitor),
        }
    }
}

/// What serde answers when a variant spelt as a string is read as one with data.
fn unit_only(expected: &dyn serde::de::Expected) -> JsonError {
    serde::de::Error::invalid_type(Unexpected::UnitVariant, expected)
}

/// An array's items, for a visitor's `visit_seq`.
struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = JsonError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, JsonError> {
        match self.0.next() {
            Some(value) => seed.deserialize(ValueReader(value)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's entries, for a visitor's `visit_map`: the value of the key just read waits
/// in the second field.
struct Entries(serde_json::map::IntoIter, Option<Value>);

impl<'de> MapAccess<'de> for Entries {
    type Error = JsonError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, JsonError> {
        match self.0.next() {
            Some((key, value)) => {
                self.1 = Some(value);
                seed.deserialize(ValueReader(Value::String(key))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, JsonError> {
        match self.1.take() {
            Some(value) => seed.deserialize(ValueReader(value)),
            None => Err(serde::de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum Shape {
        Unit,
        New(u32),
        Pair(u32, u32),
        Named { a: u32 },
    }

    /// Enums read through [`ValueReader`] as serde_json's own `Value` reader reads them,
    /// errors included, whichever way a variant is spelt.
    #[test]
    fn enums_read_as_serde_json_reads_them() {
        fn same<T: serde::de::DeserializeOwned + fmt::Debug>(json: &str) {
            let text = |r: Result<T, String>| match r {
                Ok(value) => format!("{value:?}"),
                Err(e) => format!("error: {e}"),
            };
            let ours = text(from_json::<T>(json.as_bytes()).map_err(|e| e.to_string()));
            let value: Value = serde_json::from_str(json).unwrap();
            let theirs = text(serde_json::from_value::<T>(value).map_err(|e| e.to_string()));
            assert_eq!(ours, theirs, "{json}");
        }
        for json in [
            r#""Unit""#,
            r#""New""#,
            r#""Pair""#,
            r#""Named""#,
            r#""Other""#,
            r#"{"Unit": null}"#,
            r#"{"Unit": 1}"#,
            r#"{"New": 3}"#,
            r#"{"New": "3"}"#,
            r#"{"Pair": [1, 2]}"#,
            r#"{"Pair": [1]}"#,
            r#"{"Named": {"a": 1}}"#,
            r#"{"Named": {}}"#,
            r#"{"Other": 1}"#,
            r#"{}"#,
            r#"{"Unit": null, "New": 1}"#,
            r#"[1]"#,
            r#"1"#,
            r#"null"#,
        ] {
            same::<Shape>(json);
        }
        for json in [
            r#""XOF""#,
            r#""xof""#,
            r#"{"XOF": null}"#,
            r#"{"XOF": 1}"#,
            r#"7"#,
        ] {
            same::<crate::domain::Currency>(json);
        }
        for json in [r#""paid""#, r#""PAID""#, r#"{"failed": null}"#, r#"[]"#] {
            same::<crate::domain::PaymentStatus>(json);
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let request = HttpRequest::new(
            Method::Post,
            "https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
        )
        .header("Authorization", "Bearer sk_live_secret")
        .body(b"{\"secret\":1}".to_vec());
        let shown = format!("{request:?}");
        assert!(!shown.contains("sk_live_secret"), "{shown}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(
            shown.contains("https://www.pay.moneyfusion.net/***"),
            "{shown}"
        );
    }
}
