//! What the storefront asks for when the shopper clicks "pay": checked the same way in the
//! browser (before any request) and in the backend (before any provider call).

use serde::{Deserialize, Serialize};

use super::customer::CustomerRules;
use super::order::Entries;
use super::validation::{indexed, text, Violation, Violations, COMMA};
use super::{CartLine, Customer, CustomerInput, Lang, Metadata, Provider};

/// The body of `POST /sessions`, before any check.
#[derive(Debug, Clone, Default, Serialize)]
// The edge and the sandbox read it through `Fields` (src/http/inputs.rs).
#[cfg_attr(not(any(feature = "edge", feature = "sandbox")), derive(Deserialize))]
#[serde(default)]
pub struct CheckoutInput {
    /// `moneroo`, `cinetpay` or `moneyfusion`.
    pub provider: Option<String>,
    /// The cart, priced by the backend from its catalog.
    pub items: Option<Vec<CartLine>>,
    /// Or an order the merchant's servers registered and priced.
    #[serde(alias = "orderId")]
    pub order_id: Option<String>,
    /// The shopper.
    pub customer: CustomerInput,
    /// `fr` or `en`.
    pub lang: Option<String>,
    /// CinetPay channels: `ALL`, `MOBILE_MONEY`, `CREDIT_CARD`, `WALLET`, comma-joined.
    pub channels: Option<String>,
    /// Moneroo method short codes (`mtn_ci`, `orange_ci`, ...).
    pub methods: Option<Vec<String>>,
    /// The merchant's notes: string keys to string values.
    pub metadata: Option<Entries>,
    /// Never accepted: prices come from the server. Present only to be refused by name.
    #[serde(skip_serializing)]
    pub amount: Option<serde::de::IgnoredAny>,
}

/// What is being paid for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basket {
    /// Cart lines to price from the catalog.
    Items(Vec<CartLine>),
    /// An order registered by the merchant's servers.
    Order(String),
}

/// A checked checkout request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkout {
    /// The provider to pay with.
    pub provider: Provider,
    /// What is being paid for.
    pub basket: Basket,
    /// The shopper.
    pub customer: Customer,
    /// The shopper's language.
    pub lang: Lang,
    /// CinetPay channels, normalized (`MOBILE_MONEY,WALLET`).
    pub channels: Option<String>,
    /// Moneroo methods.
    pub methods: Vec<String>,
    /// The merchant's notes.
    pub metadata: Metadata,
}

const CHANNELS: [&str; 4] = ["ALL", "MOBILE_MONEY", "CREDIT_CARD", "WALLET"];

/// Most Moneroo methods one checkout may restrict the shopper to.
pub const MAX_METHODS: usize = 20;

impl Checkout {
    /// Checks a request, reporting every problem at once.
    pub fn parse(input: &CheckoutInput) -> Result<Checkout, Violations> {
        let mut found = Violations::new();
        if input.amount.is_some() {
            found.add(
                "amount_not_allowed",
                "amount",
                "Le montant est calculé par le serveur du marchand, pas par le navigateur.",
                "The amount is computed by the merchant's server, not by the browser.",
            );
        }
        let provider = match input.provider.as_deref().map(str::trim) {
            None | Some("") => {
                found.push(Violation::required("provider"));
                None
            }
            Some(name) => Provider::parse(name).or_else(|| {
                found.add(
                    "unknown_provider",
                    "provider",
                    "Moyen de paiement inconnu : choisissez moneroo, cinetpay ou moneyfusion.",
                    "Unknown payment provider: choose moneroo, cinetpay or moneyfusion.",
                );
                None
            }),
        };
        let basket = match (&input.items, &input.order_id) {
            (Some(_), Some(_)) => {
                found.add(
                    "items_or_order",
                    "order_id",
                    "Envoyez soit les articles, soit la référence de commande, pas les deux.",
                    "Send either the items or the order id, not both.",
                );
                None
            }
            (Some(items), None) => {
                let problems = CartLine::check_cart(items, "items");
                let ok = problems.is_empty();
                found.extend(problems);
                ok.then(|| Basket::Items(items.clone()))
            }
            (None, Some(id)) => text(Some(id), "order_id", true, 64, &mut found).map(Basket::Order),
            (None, None) => {
                found.add(
                    "empty_cart",
                    "items",
                    "Le panier est vide.",
                    "The cart is empty.",
                );
                None
            }
        };
        let channels = match &input.channels {
            None => None,
            Some(raw) => {
                // Trimmed, upper-cased, empty parts skipped, joined by `,`: every part one
                // of CHANNELS, and at least one.
                let mut joined = String::new();
                let mut known = true;
                for part in raw.split(COMMA) {
                    let part = part.trim();
                    if part.is_empty() {
                        continue;
                    }
                    known &= CHANNELS.iter().any(|c| c.eq_ignore_ascii_case(part));
                    if !joined.is_empty() {
                        joined.push(',');
                    }
                    joined.push_str(part);
                }
                joined.make_ascii_uppercase();
                if joined.is_empty() || !known {
                    found.add(
                        "invalid_channels",
                        "channels",
                        "Canaux possibles : ALL, MOBILE_MONEY, CREDIT_CARD, WALLET.",
                        "Possible channels: ALL, MOBILE_MONEY, CREDIT_CARD, WALLET.",
                    );
                    None
                } else {
                    Some(joined)
                }
            }
        };
        let methods = input.methods.clone().unwrap_or_default();
        // The length first: a longer list is refused whole, before any of its elements.
        if methods.len() > MAX_METHODS {
            found.add_number(
                "too_many_methods",
                "methods",
                MAX_METHODS,
                ["Pas plus de ", " moyens de paiement."],
                ["At most ", " payment methods."],
            );
        }
        let listed = methods.iter().take_while(|_| methods.len() <= MAX_METHODS);
        for (i, method) in listed.enumerate() {
            let ok = (1..=40).contains(&method.len())
                && method
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                found.add(
                    "invalid_method",
                    &indexed("methods", i),
                    "Code de moyen de paiement invalide (par exemple mtn_ci).",
                    "Invalid payment method code (for example mtn_ci).",
                );
            }
        }
        let entries = input.metadata.iter().flat_map(Entries::iter);
        let metadata = found.collect(Metadata::parse(
            entries.map(|(key, value)| (key.to_owned(), value.to_owned())),
            "metadata",
        ));
        let rules = provider.map_or(CustomerRules::default(), |p| {
            p.customer_rules(accepts_card(p, channels.as_deref()))
        });
        let customer = found.collect(Customer::parse(&input.customer, rules, "customer"));
        let lang = input
            .lang
            .as_deref()
            .map(Lang::from_tag)
            .unwrap_or_default();

        match (provider, basket, customer, metadata) {
            (Some(provider), Some(basket), Some(customer), Some(metadata)) if found.is_empty() => {
                Ok(Checkout {
                    provider,
                    basket,
                    customer,
                    lang,
                    channels,
                    methods,
                    metadata,
                })
            }
            _ => Err(found),
        }
    }
}

/// True when the shopper may pay by card with this provider and these channels. Only
/// CinetPay distinguishes: card payments need the shopper's full postal identity. Without
/// explicit channels the backend asks CinetPay for mobile money and wallets, which need
/// nothing more than the amount.
pub fn accepts_card(provider: Provider, channels: Option<&str>) -> bool {
    provider == Provider::CinetPay
        && channels.is_some_and(|c| c.split(COMMA).any(|c| c == "ALL" || c == "CREDIT_CARD"))
}
