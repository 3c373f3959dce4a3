//! Reading Moneroo's answers field by field (`http::Fields`) rather than with derived
//! `Deserialize`: the derive costs kilobytes of wasm per type, and serde's untagged enums
//! buffer their input once more. Same rules: unknown fields are ignored, optional ones may
//! be missing or `null`, a field of the wrong type is an error.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::*;
use crate::http::{from_value, Fields, JsonError};

fn no_variant(name: &str) -> JsonError {
    serde::de::Error::custom(format_args!(
        "data did not match any variant of untagged enum {name}"
    ))
}

/// Reads a shape from a whole value: the body of an untagged enum's `Deserialize`.
fn shape<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    read: impl FnOnce(Value) -> Result<T, JsonError>,
) -> Result<T, D::Error> {
    read(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for MonerooEnvelope<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooEnvelope", |f| {
            Ok(MonerooEnvelope {
                success: f.bool_opt("success"),
                message: f.text_opt("message"),
                data: f.parse_opt("data"),
                errors: f.take("errors"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooErrorBody {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooErrorBody", |f| {
            Ok(MonerooErrorBody {
                message: f.text_opt("message"),
                errors: f.take("errors"),
                success: f.bool_opt("success"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooCurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        shape(d, |value| match value {
            Value::String(code) => Ok(MonerooCurrency::Code(code)),
            object @ Value::Object(_) => from_value(object)
                .map(MonerooCurrency::Object)
                .map_err(|_| no_variant("MonerooCurrency")),
            _ => Err(no_variant("MonerooCurrency")),
        })
    }
}

impl<'de> Deserialize<'de> for MonerooCurrencyObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooCurrencyObject", |f| {
            Ok(MonerooCurrencyObject {
                code: f.text("code"),
                name: f.text_opt("name"),
                symbol: f.text_opt("symbol"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooInteger {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        shape(d, |value| match value {
            Value::Number(n) if n.is_u64() => Ok(MonerooInteger::Number(n.as_u64().unwrap_or(0))),
            Value::String(text) => Ok(MonerooInteger::Text(text)),
            _ => Err(no_variant("MonerooInteger")),
        })
    }
}

impl<'de> Deserialize<'de> for MonerooMetadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        shape(d, |value| match value {
            Value::Object(map) => Ok(MonerooMetadata::Map(map)),
            Value::Array(items) => Ok(MonerooMetadata::List(items)),
            _ => Err(no_variant("MonerooMetadata")),
        })
    }
}

impl<'de> Deserialize<'de> for MonerooInitializedPayment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooInitializedPayment", |f| {
            Ok(MonerooInitializedPayment {
                id: f.text("id"),
                checkout_url: f.text("checkout_url"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooPayment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooPayment", |f| {
            Ok(MonerooPayment {
                id: f.text("id"),
                status: f.text("status").into(),
                is_processed: f.bool_opt("is_processed"),
                processed_at: f.text_opt("processed_at"),
                amount: f.parse_opt("amount"),
                amount_formatted: f.text_opt("amount_formatted"),
                currency: f.parse_opt("currency"),
                description: f.text_opt("description"),
                return_url: f.text_opt("return_url"),
                environment: f.text_opt("environment"),
                initiated_at: f.text_opt("initiated_at"),
                checkout_url: f.text_opt("checkout_url"),
                payment_phone_number: f.take("payment_phone_number"),
                metadata: f.parse_opt("metadata"),
                app: f.take("app"),
                customer: f.parse_opt("customer"),
                capture: f.parse_opt("capture"),
                created_at: f.text_opt("created_at"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooCustomerRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooCustomerRecord", |f| {
            Ok(MonerooCustomerRecord {
                id: f.take("id"),
                email: f.text_opt("email"),
                first_name: f.text_opt("first_name"),
                last_name: f.text_opt("last_name"),
                phone: f.take("phone"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooCapture {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooCapture", |f| {
            Ok(MonerooCapture {
                identifier: f.text_opt("identifier"),
                phone_number: f.take("phone_number"),
                method: f.parse_opt("method"),
                gateway: f.parse_opt("gateway"),
                context: f.take("context"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooCaptureMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooCaptureMethod", |f| {
            Ok(MonerooCaptureMethod {
                id: f.take("id"),
                name: f.text_opt("name"),
                short_code: f.text_opt("short_code"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooGateway {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooGateway", |f| {
            Ok(MonerooGateway {
                transaction_id: f.take("transaction_id"),
                transaction_status: f.text_opt("transaction_status"),
                other: f.rest(),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooInitializedPayout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooInitializedPayout", |f| {
            Ok(MonerooInitializedPayout { id: f.text("id") })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooPayout {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooPayout", |f| {
            Ok(MonerooPayout {
                id: f.text("id"),
                status: f.text("status").into(),
                amount: f.parse_opt("amount"),
                currency: f.parse_opt("currency"),
                description: f.text_opt("description"),
                environment: f.text_opt("environment"),
                metadata: f.parse_opt("metadata"),
                customer: f.parse_opt("customer"),
                capture: f.parse_opt("capture"),
                created_at: f.text_opt("created_at"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooMethodList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        shape(d, |value| {
            let read = match value {
                object @ Value::Object(_) => from_value(object).map(MonerooMethodList::Envelope),
                list @ Value::Array(_) => from_value(list).map(MonerooMethodList::Bare),
                _ => return Err(no_variant("MonerooMethodList")),
            };
            read.map_err(|_| no_variant("MonerooMethodList"))
        })
    }
}

impl<'de> Deserialize<'de> for MonerooMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooMethod", |f| {
            Ok(MonerooMethod {
                short_code: f.text("short_code"),
                name: f.text_opt("name"),
                currency: f.parse_opt("currency"),
                countries: f.parse_or_default("countries"),
                fields: f.parse_or_default("fields"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooCountry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        shape(d, |value| match value {
            Value::String(code) => Ok(MonerooCountry::Code(code)),
            Value::Object(map) => match map.get("code") {
                Some(Value::String(code)) => Ok(MonerooCountry::Object { code: code.clone() }),
                _ => Err(no_variant("MonerooCountry")),
            },
            _ => Err(no_variant("MonerooCountry")),
        })
    }
}

impl<'de> Deserialize<'de> for MonerooMethodField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooMethodField", |f| {
            Ok(MonerooMethodField {
                name: f.text("name"),
                kind: f.text_opt("type"),
                length: f.parse_opt("length"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooWebhookPayload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooWebhookPayload", |f| {
            Ok(MonerooWebhookPayload {
                event: f.text("event"),
                data: f.parse("data")?,
            })
        })
    }
}

impl<'de> Deserialize<'de> for MonerooWebhookData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MonerooWebhookData", |f| {
            Ok(MonerooWebhookData {
                id: f.text("id"),
                amount: f.parse_opt("amount"),
                currency: f.parse_opt("currency"),
                status: f.text_opt("status"),
                customer: f.parse_opt("customer"),
                metadata: f.parse_opt("metadata"),
            })
        })
    }
}
