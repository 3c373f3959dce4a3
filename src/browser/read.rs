//! Reads the storefront's plain JavaScript objects into domain inputs with `Reflect`,
//! not serde: a generic deserializer would bring its float formatting and error text into
//! the browser bundle, which is most of its weight. Absent or mistyped fields read as
//! absent, and the domain's validation names them.

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::error::set;
use crate::domain::order::Entries;
use crate::domain::validation::{cat, decimal};
use crate::domain::{CartLine, CheckoutInput, CustomerInput};

pub(crate) use super::get;

/// A string field; numbers are accepted as their decimal text (a phone typed as a number).
pub(crate) fn string(object: &JsValue, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        let value = get(object, key);
        value.as_string().or_else(|| {
            value
                .as_f64()
                .filter(|n| n.fract() == 0.0 && n.abs() < 1e15)
                .map(|n| {
                    // By hand: `to_string` would bring `core::fmt` into the bundle.
                    let digits = decimal((n as i64).unsigned_abs());
                    if n < 0.0 {
                        cat(&["-", &digits])
                    } else {
                        digits
                    }
                })
        })
    })
}

/// A whole number; anything else reads as 0, which the cart rules refuse by name.
fn whole(value: &JsValue) -> i64 {
    match value.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => n as i64,
        _ => 0,
    }
}

/// The elements of an array, read in place (`Array.from` would copy it first).
pub(crate) fn array(value: &JsValue) -> Option<&Array> {
    Array::is_array(value).then(|| value.unchecked_ref())
}

fn strings(value: &JsValue) -> Option<Vec<String>> {
    array(value).map(|list| {
        list.iter()
            .map(|v| v.as_string().unwrap_or_default())
            .collect()
    })
}

fn customer(value: &JsValue) -> CustomerInput {
    CustomerInput {
        email: string(value, &["email"]),
        first_name: string(value, &["first_name", "firstName"]),
        last_name: string(value, &["last_name", "lastName"]),
        phone: string(value, &["phone"]),
        country: string(value, &["country"]),
        address: string(value, &["address"]),
        city: string(value, &["city"]),
        state: string(value, &["state"]),
        zip: string(value, &["zip", "zipCode", "zip_code"]),
    }
}

fn items(value: &JsValue) -> Option<Vec<CartLine>> {
    array(value).map(|list| {
        list.iter()
            .map(|line| CartLine {
                sku: string(&line, &["sku"]).unwrap_or_default(),
                quantity: whole(&get(&line, "quantity")),
            })
            .collect()
    })
}

/// Any object's own enumerable entries, as `JSON.stringify` would send them to the edge.
fn metadata(value: &JsValue) -> Option<Entries> {
    if !value.is_object() {
        return None;
    }
    let mut map = Entries::default();
    for entry in Object::entries(value.unchecked_ref()).iter() {
        // A non-string value keeps its key so the rule about values can name it.
        map.insert(
            get(&entry, "0").as_string().unwrap_or_default(),
            get(&entry, "1").as_string().unwrap_or_default(),
        );
    }
    Some(map)
}

/// Reads a checkout request as the storefront passes it.
pub fn checkout(value: &JsValue) -> CheckoutInput {
    let amount = get(value, "amount");
    CheckoutInput {
        provider: string(value, &["provider"]),
        items: items(&get(value, "items")),
        order_id: string(value, &["order_id", "orderId"]),
        customer: customer(&get(value, "customer")),
        lang: string(value, &["lang"]),
        channels: string(value, &["channels"]),
        methods: strings(&get(value, "methods")),
        metadata: metadata(&get(value, "metadata")),
        amount: (!amount.is_undefined() && !amount.is_null()).then_some(serde::de::IgnoredAny),
    }
}

/// Reads the order of CinetPay's seamless `getCheckout`, whose shopper fields are flat:
/// `customer_surname` is the first name and `customer_name` the family name, as in
/// CinetPay's documentation. Its `amount`, like ours, is refused: prices come from the
/// server.
pub fn cinetpay(value: &JsValue) -> CheckoutInput {
    let mut input = checkout(value);
    let flat = |field: &mut Option<String>, key: &str| {
        if field.is_none() {
            *field = string(value, &[key]);
        }
    };
    let customer = &mut input.customer;
    flat(&mut customer.first_name, "customer_surname");
    flat(&mut customer.last_name, "customer_name");
    flat(&mut customer.email, "customer_email");
    flat(&mut customer.phone, "customer_phone_number");
    flat(&mut customer.address, "customer_address");
    flat(&mut customer.city, "customer_city");
    flat(&mut customer.country, "customer_country");
    flat(&mut customer.state, "customer_state");
    flat(&mut customer.zip, "customer_zip_code");
    input
}

/// The `POST /sessions` body for a checked request, in the backend's snake_case names.
pub fn body(input: &CheckoutInput, return_url: Option<&str>) -> Object {
    let body = Object::new();
    let put = |object: &Object, key: &str, value: Option<&str>| {
        if let Some(value) = value {
            set(object, key, &value.into());
        }
    };
    put(&body, "provider", input.provider.as_deref());
    put(&body, "order_id", input.order_id.as_deref());
    put(&body, "lang", input.lang.as_deref());
    put(&body, "channels", input.channels.as_deref());
    put(&body, "return_url", return_url);
    if let Some(items) = &input.items {
        let lines = Array::new();
        for item in items {
            let line = Object::new();
            set(&line, "sku", &item.sku.as_str().into());
            set(&line, "quantity", &(item.quantity as f64).into());
            lines.push(&line);
        }
        set(&body, "items", &lines);
    }
    let c = &input.customer;
    let customer = Object::new();
    put(&customer, "first_name", c.first_name.as_deref());
    put(&customer, "last_name", c.last_name.as_deref());
    put(&customer, "email", c.email.as_deref());
    put(&customer, "phone", c.phone.as_deref());
    put(&customer, "country", c.country.as_deref());
    put(&customer, "address", c.address.as_deref());
    put(&customer, "city", c.city.as_deref());
    put(&customer, "state", c.state.as_deref());
    put(&customer, "zip_code", c.zip.as_deref());
    set(&body, "customer", &customer);
    if let Some(methods) = &input.methods {
        let list = Array::new();
        for method in methods {
            list.push(&method.as_str().into());
        }
        set(&body, "methods", &list);
    }
    if let Some(metadata) = &input.metadata {
        let map = Object::new();
        for (key, value) in metadata.iter() {
            put(&map, key, Some(value));
        }
        set(&body, "metadata", &map);
    }
    body
}
