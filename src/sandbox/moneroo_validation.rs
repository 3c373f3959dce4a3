//! Moneroo's validation answers, as Laravel writes them: `{message, errors: {field:
//! [msg]}}` with a 422, the message counting the other errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::domain::{Country, Currency};

use super::store::Customer;

/// Laravel's validation errors: `{message, errors: {field: [msg]}}`, 422.
#[derive(Debug, Default)]
pub(super) struct Validation {
    errors: Vec<(String, String)>,
}

impl Validation {
    pub(super) fn add(&mut self, field: &str, message: String) {
        self.errors.push((field.to_owned(), message));
    }

    /// Laravel's attribute name: underscores become spaces (`return url`).
    pub(super) fn label(field: &str) -> String {
        field.replace('_', " ")
    }

    fn required<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<&'a Value> {
        match object.get(field) {
            None | Some(Value::Null) => {
                self.add(
                    path,
                    format!("The {} field is required.", Self::label(path)),
                );
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.add(
                    path,
                    format!("The {} field is required.", Self::label(path)),
                );
                None
            }
            Some(value) => Some(value),
        }
    }

    pub(super) fn string(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<String> {
        match self.required(object, field, path)? {
            Value::String(s) => Some(s.trim().to_owned()),
            _ => {
                self.add(
                    path,
                    format!("The {} field must be a string.", Self::label(path)),
                );
                None
            }
        }
    }

    pub(super) fn optional_string(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<String> {
        match object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                self.add(
                    path,
                    format!("The {} field must be a string.", Self::label(path)),
                );
                None
            }
        }
    }

    /// Laravel's `integer`: a JSON integer, or a string of digits.
    pub(super) fn integer(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<u64> {
        let value = self.required(object, field, path)?;
        let parsed = match value {
            Value::Number(n) => n.as_u64().or_else(|| n.as_i64().map(|_| 0)),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<u64>().ok().filter(|_| !s.starts_with('+'))
            }
            _ => None,
        };
        match parsed {
            Some(0) => {
                self.add(
                    path,
                    format!("The {} field must be at least 1.", Self::label(path)),
                );
                None
            }
            Some(n) => Some(n),
            None => {
                self.add(
                    path,
                    format!("The {} field must be an integer.", Self::label(path)),
                );
                None
            }
        }
    }

    pub(super) fn currency(&mut self, object: &Map<String, Value>) -> Option<String> {
        let code = self.string(object, "currency", "currency")?;
        match Currency::from_code(&code) {
            Some(currency) if code.len() == 3 => Some(currency.code().to_owned()),
            _ => {
                self.add("currency", "The selected currency is invalid.".to_owned());
                None
            }
        }
    }

    pub(super) fn email(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<String> {
        let email = self.string(object, field, path)?;
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !email.contains(' ')
        });
        if valid {
            Some(email)
        } else {
            self.add(
                path,
                format!(
                    "The {} field must be a valid email address.",
                    Self::label(path)
                ),
            );
            None
        }
    }

    /// String-to-string metadata; anything else is refused as Moneroo documents.
    pub(super) fn metadata(&mut self, object: &Map<String, Value>) -> Value {
        match object.get("metadata") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    if !value.is_string() {
                        self.add(
                            &format!("metadata.{key}"),
                            format!("The metadata.{key} field must be a string."),
                        );
                    }
                }
                Value::Object(map.clone())
            }
            Some(Value::Array(items)) if items.is_empty() => Value::Null,
            Some(_) => {
                self.add(
                    "metadata",
                    "The metadata field must be an array.".to_owned(),
                );
                Value::Null
            }
        }
    }

    pub(super) fn customer(
        &mut self,
        object: &Map<String, Value>,
    ) -> (Map<String, Value>, Customer) {
        let empty = Map::new();
        let customer = match object.get("customer") {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => &empty,
            Some(_) => {
                self.add(
                    "customer",
                    "The customer field must be an array.".to_owned(),
                );
                &empty
            }
        };
        let email = self.email(customer, "email", "customer.email");
        let first_name = self.string(customer, "first_name", "customer.first_name");
        let last_name = self.string(customer, "last_name", "customer.last_name");
        let phone = self.optional_string(customer, "phone", "customer.phone");
        for field in ["address", "city", "state", "zip"] {
            self.optional_string(customer, field, &format!("customer.{field}"));
        }
        if let Some(country) = self.optional_string(customer, "country", "customer.country") {
            if Country::parse(&country).is_none() {
                self.add(
                    "customer.country",
                    "The selected customer.country is invalid.".to_owned(),
                );
            }
        }
        (
            customer.clone(),
            Customer {
                first_name: first_name.unwrap_or_default(),
                last_name: last_name.unwrap_or_default(),
                email,
                phone,
            },
        )
    }

    pub(super) fn into_result(self) -> Result<(), Response> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let mut errors = Map::new();
        for (field, message) in &self.errors {
            let entry = errors
                .entry(field.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(json!(message));
            }
        }
        let mut message = self.errors[0].1.clone();
        let more = self.errors.len() - 1;
        if more > 0 {
            let noun = if more == 1 { "error" } else { "errors" };
            message.push_str(&format!(" (and {more} more {noun})"));
        }
        Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": message, "data": null, "errors": errors})),
        )
            .into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_message_counts_the_other_errors() {
        let mut v = Validation::default();
        let empty = Map::new();
        v.integer(&empty, "amount", "amount");
        v.string(&empty, "description", "description");
        v.string(&empty, "return_url", "return_url");
        let response = v.into_result().unwrap_err();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
