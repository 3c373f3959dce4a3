//! The payment body written by `CheckedBody::to_json` against what wrote it before: the
//! wire type `MoneyFusionPaymentRequest` (its `Map`s and `Value`s) through serde_json. The
//! same bytes on generated payments whose texts hold what a JSON writer must escape:
//! quotes, backslashes, control characters, non-ASCII, long texts, many lines and notes.

use super::*;
use crate::domain::validation::cat;
use crate::domain::{Country, Currency, Customer, Lang, LineItem, Metadata, Phone};
use crate::providers::moneyfusion::{ApiUrl, MoneyFusionConfig};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A text of up to `max` characters drawn from what a JSON writer must think about.
    fn text(&mut self, max: u64, controls: bool) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "0", " ", "\"", "\\", "/", "é", "Koné", "×", "\u{a0}", "\u{2028}",
            "\u{feff}", "😀", "{}", "[", ":", ",", "'", "<b>",
        ];
        const CONTROLS: &[&str] = &[
            "\u{0}", "\u{1}", "\u{8}", "\t", "\n", "\u{c}", "\r", "\u{1f}", "\u{7f}",
        ];
        let len = 1 + self.below(max);
        let mut out = String::new();
        for _ in 0..len {
            if controls && self.below(6) == 0 {
                out.push_str(CONTROLS[self.below(CONTROLS.len() as u64) as usize]);
            } else {
                out.push_str(PIECES[self.below(PIECES.len() as u64) as usize]);
            }
        }
        out
    }
}

fn adapter() -> MoneyFusion {
    let url = "https://www.pay.moneyfusion.net/Boutique/0123456789abcdef/pay/";
    MoneyFusion::new(MoneyFusionConfig::new(
        ApiUrl::parse(url).unwrap_or_else(|_| unreachable!("a valid API URL")),
    ))
}

fn xof(major: u64) -> Money {
    Money::from_major(major, Currency::XOF).unwrap_or_else(|_| unreachable!("an amount"))
}

fn payment(rng: &mut Rng) -> PaymentRequest {
    // Names and notes as the domain lets them through (no control characters), and now
    // and then with them, as a `Customer` or a `Metadata::insert` may hold.
    let controls = rng.below(3) == 0;
    let mut items = Vec::new();
    for _ in 0..rng.below(4) {
        items.push(LineItem {
            sku: "sku".into(),
            name: rng.text(15, false).trim().to_owned() + "x",
            unit_price: xof(1 + rng.below(50_000)),
            quantity: 1 + rng.below(4) as u32,
        });
    }
    let total: u64 = items
        .iter()
        .map(|i| i.unit_price.major_exact().unwrap_or(0) * u64::from(i.quantity))
        .sum();
    let order = Order {
        reference: format!("CMD-{}", rng.text(12, false).trim()),
        description: rng.text(20, false).trim().to_owned() + "d",
        amount: xof(if items.is_empty() {
            1 + rng.below(1_000_000)
        } else {
            total
        }),
        items,
    };
    let mut metadata = Metadata::default();
    for i in 0..rng.below(5) {
        let max = if rng.below(8) == 0 { 500 } else { 20 };
        let value = rng.text(max, controls);
        metadata.insert(&format!("k{}_{i}", rng.below(30)), value);
    }
    let name = |rng: &mut Rng| (rng.below(4) != 0).then(|| rng.text(60, controls));
    let (first_name, mut last_name) = (name(rng), name(rng));
    if first_name.is_none() && last_name.is_none() {
        last_name = Some("Koné".into());
    }
    let phones = ["07 01 02 03 04", "+221771234567", "+33612345678"];
    let phone = phones[rng.below(3) as usize];
    PaymentRequest {
        order,
        customer: Customer {
            email: None,
            first_name,
            last_name,
            phone: Phone::parse(phone, Some(Country::CI)).ok(),
            country: Some(Country::CI),
            address: None,
            city: None,
            state: None,
            zip: None,
        },
        lang: Lang::Fr,
        return_url: format!("https://shop.example/r?s={}", rng.next()),
        notify_url: "http://127.0.0.1:9/api/webhooks/moneyfusion".into(),
        channels: None,
        methods: Vec::new(),
        metadata,
    }
}

#[test]
fn the_body_is_the_bytes_serde_json_wrote_of_the_wire_type() {
    let adapter = adapter();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut written = 0;
    for _ in 0..3000 {
        let request = payment(&mut rng);
        let former = adapter
            .payment_body(&request)
            .map(|body| serde_json::to_vec(&body).unwrap_or_default());
        let now = adapter.initialize_payment(&request).map(|r| r.body);
        match (former, now) {
            (Ok(former), Ok(now)) => {
                written += 1;
                assert_eq!(
                    String::from_utf8_lossy(&now),
                    String::from_utf8_lossy(&former)
                );
            }
            (Err(former), Err(now)) => assert_eq!(former, now),
            (former, now) => panic!("{request:?}: {former:?} / {now:?}"),
        }
    }
    assert!(written > 1500, "{written} bodies written");
}

#[test]
fn paths_and_article_names_read_as_format_wrote_them() {
    for i in [0usize, 1, 9, 10, 99, 100, 12345] {
        assert_eq!(indexed("items", i), format!("items[{i}]"));
    }
    for quantity in [2u32, 9, 10, 999, u32::MAX] {
        for name in ["Sac", "Koné \"x\"", ""] {
            assert_eq!(
                cat(&[name, " × ", &decimal(u64::from(quantity))]),
                format!("{name} × {quantity}")
            );
        }
    }
}

/// `articles` as it was before its paths were built only for a violation: `format!`, the
/// paths joined up front.
fn former_articles(
    order: &Order,
    total: Option<u64>,
    currency: crate::domain::Currency,
    found: &mut Violations,
) -> Option<Vec<(String, u64)>> {
    let before = found.len();
    let mut lines: Vec<(String, u64)> = Vec::with_capacity(order.items.len().max(1));
    if order.items.is_empty() {
        let name = text(
            Some(&order.description),
            "description",
            true,
            ARTICLE_NAME_MAX,
            found,
        );
        if let (Some(name), Some(total)) = (name, total) {
            lines.push((name, total));
        }
    }
    for (i, item) in order.items.iter().enumerate() {
        let at = format!("items[{i}]");
        let name = text(
            Some(&item.name),
            &join(&at, "name"),
            true,
            ARTICLE_NAME_MAX,
            found,
        );
        let price = match item.total().and_then(Money::major_exact) {
            Ok(_) if item.unit_price.currency() != currency => {
                found.push(
                    MoneyError::CurrencyMismatch {
                        left: currency,
                        right: item.unit_price.currency(),
                    }
                    .violation(join(&at, "unit_price")),
                );
                None
            }
            Ok(price) => Some(price),
            Err(error) => {
                found.push(error.violation(at));
                None
            }
        };
        if let (Some(name), Some(price)) = (name, price) {
            let key = if item.quantity > 1 {
                format!("{name} × {}", item.quantity)
            } else {
                name
            };
            lines.push((key, price));
        }
    }
    if found.len() > before {
        return None;
    }
    let total = total?;
    let sum = lines
        .iter()
        .try_fold(0u64, |sum, (_, price)| sum.checked_add(*price));
    if sum != Some(total) {
        found.push(crate::providers::rule(
            "total_mismatch",
            "amount",
            "Le total de la commande ne correspond pas à la somme des articles.",
            "The order total does not match the sum of its items.",
        ));
        return None;
    }
    Some(lines)
}

#[test]
fn articles_and_their_violations_are_what_they_were() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut refused, mut kept) = (0, 0);
    for _ in 0..3000 {
        let mut items = Vec::new();
        for _ in 0..rng.below(30) {
            let name = match rng.below(6) {
                0 => String::new(),
                1 => "  ".into(),
                2 => rng.text(150, false),
                _ => {
                    let controls = rng.below(4) == 0;
                    rng.text(12, controls)
                }
            };
            let currency = if rng.below(10) == 0 {
                Currency::EUR
            } else {
                Currency::XOF
            };
            let minor = match rng.below(8) {
                0 => 0,
                1 => u64::MAX / 2,
                _ => 1 + rng.below(100_000),
            };
            items.push(LineItem {
                sku: "sku".into(),
                name,
                unit_price: Money::from_minor(minor, currency).unwrap_or(Money::zero(currency)),
                quantity: [0, 1, 2, 3, 1000, u32::MAX][rng.below(6) as usize],
            });
        }
        let controls = rng.below(5) == 0;
        let order = Order {
            reference: "r".into(),
            description: rng.text(20, controls),
            amount: xof(1),
            items,
        };
        let total = [None, Some(0), Some(1 + rng.below(1_000_000))][rng.below(3) as usize];
        let (mut found, mut former_found) = (Violations::new(), Violations::new());
        let former = former_articles(&order, total, Currency::XOF, &mut former_found);
        let now = articles(&order, total, Currency::XOF, &mut found);
        assert_eq!(now, former, "{order:?}");
        assert_eq!(found, former_found, "{order:?}");
        if found.is_empty() {
            kept += 1;
        } else {
            refused += 1;
        }
    }
    assert!(
        refused > 1000 && kept > 100,
        "{refused} refused, {kept} kept"
    );
}
