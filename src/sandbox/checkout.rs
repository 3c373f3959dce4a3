//! The hosted checkout pages: one look per provider, French and English, plain HTML
//! forms. No inline script, no frame-blocking header: the pages work in an iframe, in a
//! popup and without JavaScript. The one script (`/_sandbox/static/return.js`) only
//! submits CinetPay's return form for the shopper; the button does the same by hand.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::domain::{Lang, Provider};

use super::store::{Outcome, Stage};
use super::support::{escape_html, group_thousands};

/// What the shopper posts from a hosted page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckoutForm {
    /// `pay`, `decline`, `pending` or `cancel` (default `pay`).
    #[serde(default)]
    pub action: Option<String>,
    /// The chosen method's code.
    #[serde(default)]
    pub method: Option<String>,
    /// The phone number typed.
    #[serde(default)]
    pub phone: Option<String>,
    /// `fr` or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The button the shopper pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopperAction {
    /// Pay (the provider decides how it ends: Moneroo's test numbers do).
    Pay,
    /// Be declined.
    Decline,
    /// Start paying and leave it pending.
    LeavePending,
    /// Cancel.
    Cancel,
}

impl CheckoutForm {
    /// The button pressed; unknown words are refused.
    pub fn shopper_action(&self) -> Option<ShopperAction> {
        match self.action.as_deref().map(str::trim).unwrap_or("pay") {
            "pay" | "" => Some(ShopperAction::Pay),
            "decline" => Some(ShopperAction::Decline),
            "pending" => Some(ShopperAction::LeavePending),
            "cancel" => Some(ShopperAction::Cancel),
            _ => None,
        }
    }

    /// The phone number, trimmed; `None` when blank.
    pub fn phone(&self) -> Option<String> {
        self.phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
    }

    /// The method, trimmed; `None` when blank.
    pub fn method(&self) -> Option<String> {
        self.method
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
    }
}

/// What a button leads to, when the provider has no rule of its own.
pub fn default_outcome(action: ShopperAction) -> Outcome {
    match action {
        ShopperAction::Pay => Outcome::Success,
        ShopperAction::Decline => Outcome::Failed,
        ShopperAction::LeavePending => Outcome::Pending,
        ShopperAction::Cancel => Outcome::Cancelled,
    }
}

/// The page language: `?lang=` first, then the payment's own, then `Accept-Language`.
pub fn page_lang(query: Option<&str>, payment: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(tag) = query.or(payment).filter(|t| !t.trim().is_empty()) {
        return Lang::from_tag(tag.trim());
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map_or(Lang::Fr, |tag| {
            Lang::from_tag(tag.split(';').next().unwrap_or("").trim())
        })
}

/// One method on the page.
#[derive(Debug, Clone)]
pub struct MethodChoice {
    /// Code posted back.
    pub code: String,
    /// Name shown.
    pub label: String,
    /// Cards need no phone number.
    pub card: bool,
}

/// Everything the payment form shows.
#[derive(Debug, Clone)]
pub struct CheckoutView {
    /// Whose page.
    pub provider: Provider,
    /// Language.
    pub lang: Lang,
    /// The merchant's description.
    pub description: String,
    /// Amount in the currency's main unit.
    pub amount: u64,
    /// ISO code.
    pub currency: String,
    /// Methods to pick from.
    pub methods: Vec<MethodChoice>,
    /// Method chosen before (after an error).
    pub selected_method: Option<String>,
    /// Phone number to prefill.
    pub phone: Option<String>,
    /// The merchant locked the phone number.
    pub phone_locked: bool,
    /// Something to fix, shown above the form.
    pub error: Option<String>,
    /// Lines for testers (Moneroo's test numbers).
    pub hints: Vec<String>,
}

/// Texts a shopper reads, in both languages.
pub struct Texts {
    lang: Lang,
}

impl Texts {
    /// Texts in `lang`.
    pub fn new(lang: Lang) -> Texts {
        Texts { lang }
    }

    fn pick(&self, fr: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// "Choose a payment method."
    pub fn choose_method(&self) -> &'static str {
        self.pick(
            "Choisissez un moyen de paiement.",
            "Choose a payment method.",
        )
    }

    /// "Enter your phone number."
    pub fn enter_phone(&self) -> &'static str {
        self.pick(
            "Saisissez votre numéro de téléphone.",
            "Enter your phone number.",
        )
    }

    /// "This phone number is not valid."
    pub fn bad_phone(&self) -> &'static str {
        self.pick(
            "Ce numéro de téléphone n'est pas valide.",
            "This phone number is not valid.",
        )
    }

    /// "No payment method is available for this payment."
    pub fn no_method(&self) -> &'static str {
        self.pick(
            "Aucun moyen de paiement n'est disponible pour ce paiement.",
            "No payment method is available for this payment.",
        )
    }

    /// "This payment does not exist."
    pub fn not_found(&self) -> &'static str {
        self.pick(
            "Ce paiement n'existe pas ou a expiré.",
            "This payment does not exist or has expired.",
        )
    }

    /// "Unknown button."
    pub fn bad_action(&self) -> &'static str {
        self.pick("Action inconnue.", "Unknown action.")
    }

    /// Moneroo's published test numbers.
    pub fn moneroo_numbers(&self) -> &'static str {
        self.pick(
            "Numéros de test : 4149518161 réussite, 4149518162 en attente, 4149518163 échec. Tout autre numéro réussit.",
            "Test numbers: 4149518161 success, 4149518162 pending, 4149518163 failure. Any other number succeeds.",
        )
    }

    /// The localhost refusal CinetPay shows.
    pub fn cinetpay_localhost(&self) -> &'static str {
        self.pick(
            "Accès interdit : l'URL de retour ou de notification ne peut pas être localhost. Utilisez l'adresse IP, par exemple http://127.0.0.1.",
            "Access denied: the return or notification URL cannot be localhost. Use the IP address instead, e.g. http://127.0.0.1.",
        )
    }

    /// The title for a stage reached.
    fn stage_title(&self, stage: Stage) -> &'static str {
        match stage {
            Stage::Initiated | Stage::Pending => self.pick(
                "Paiement en attente de confirmation",
                "Payment awaiting confirmation",
            ),
            Stage::Succeeded => self.pick("Paiement réussi", "Payment successful"),
            Stage::Failed => self.pick("Paiement refusé", "Payment declined"),
            Stage::Cancelled => self.pick("Paiement annulé", "Payment cancelled"),
        }
    }

    fn stage_detail(&self, stage: Stage) -> &'static str {
        match stage {
            Stage::Initiated | Stage::Pending => self.pick(
                "Validez le paiement sur votre téléphone. Cette page se met à jour toute seule.",
                "Approve the payment on your phone. This page refreshes by itself.",
            ),
            Stage::Succeeded => self.pick(
                "Merci ! Votre paiement a bien été reçu.",
                "Thank you! Your payment was received.",
            ),
            Stage::Failed => self.pick(
                "L'opérateur a refusé le paiement. Aucun montant n'a été débité.",
                "The operator declined the payment. Nothing was charged.",
            ),
            Stage::Cancelled => self.pick(
                "Vous avez annulé le paiement. Aucun montant n'a été débité.",
                "You cancelled the payment. Nothing was charged.",
            ),
        }
    }
}

struct Theme {
    brand: &'static str,
    accent: &'static str,
    accent_text: &'static str,
    background: &'static str,
    radius: &'static str,
}

fn theme(provider: Provider) -> Theme {
    match provider {
        Provider::Moneroo => Theme {
            brand: "Moneroo",
            accent: "#4f3ff0",
            accent_text: "#ffffff",
            background: "#f3f2ff",
            radius: "14px",
        },
        Provider::CinetPay => Theme {
            brand: "CinetPay",
            accent: "#0c9444",
            accent_text: "#ffffff",
            background: "#eef7f1",
            radius: "4px",
        },
        Provider::MoneyFusion => Theme {
            brand: "MoneyFusion",
            accent: "#f26b1d",
            accent_text: "#ffffff",
            background: "#fff5ee",
            radius: "10px",
        },
    }
}

/// Up to this many methods show as radio buttons; more show as a list.
const MAX_RADIOS: usize = 6;

/// `1 000 XOF` in French, `1,000 XOF` in English.
pub fn format_amount(amount: u64, currency: &str, lang: Lang) -> String {
    let grouped = match lang {
        Lang::Fr => group_thousands(amount, "\u{202f}"),
        Lang::En => group_thousands(amount, ","),
    };
    format!("{grouped} {currency}")
}

/// The page frame: head, provider look, test banner, language switch.
fn frame(provider: Provider, lang: Lang, title: &str, head_extra: &str, body: &str) -> String {
    let t = theme(provider);
    let (banner, other_lang, other_label) = match lang {
        Lang::Fr => (
            "Environnement de test : aucun argent réel ne circule.",
            "en",
            "English",
        ),
        Lang::En => ("Test environment: no real money moves.", "fr", "Français"),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} · {brand}</title>
{head_extra}<style>
:root {{ --accent: {accent}; --accent-text: {accent_text}; --bg: {background}; --radius: {radius}; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: #1d1d28; }}
main {{ max-width: 430px; margin: 24px auto; background: #fff; border-radius: var(--radius); box-shadow: 0 4px 24px rgba(0,0,0,.08); overflow: hidden; }}
header {{ background: var(--accent); color: var(--accent-text); padding: 14px 20px; display: flex; justify-content: space-between; align-items: center; }}
header strong {{ font-size: 1.15em; letter-spacing: .02em; }}
header a {{ color: var(--accent-text); font-size: .85em; }}
.banner {{ background: #fff6d6; color: #6b5300; font-size: .85em; padding: 8px 20px; }}
section {{ padding: 20px 20px 8px; }}
.amount {{ font-size: 2em; font-weight: 700; margin: 4px 0 2px; }}
.muted {{ color: #5d5d70; font-size: .9em; }}
.error {{ background: #fde8e8; color: #8a1c1c; padding: 10px 12px; border-radius: 6px; margin-bottom: 12px; }}
fieldset {{ border: 0; padding: 0; margin: 16px 0; }}
legend, label.field {{ font-weight: 600; margin-bottom: 6px; display: block; }}
.method {{ display: flex; gap: 10px; align-items: center; padding: 10px 12px; border: 1px solid #ddd; border-radius: 6px; margin-bottom: 6px; }}
input[type=tel], select {{ width: 100%; padding: 10px 12px; font: inherit; border: 1px solid #bbb; border-radius: 6px; background: #fff; margin-bottom: 16px; }}
.actions {{ display: grid; gap: 8px; margin-top: 4px; }}
button, .button {{ display: block; width: 100%; text-align: center; text-decoration: none; padding: 12px; font: inherit; border-radius: 6px; border: 1px solid var(--accent); background: #fff; color: var(--accent); cursor: pointer; }}
button.primary, .button.primary {{ background: var(--accent); color: var(--accent-text); font-weight: 600; }}
button.quiet {{ border-color: #ccc; color: #555; }}
.hint {{ font-size: .85em; color: #5d5d70; border-left: 3px solid var(--accent); padding-left: 8px; margin-top: 14px; }}
.status {{ font-size: 1.3em; font-weight: 700; margin: 0 0 6px; }}
footer {{ font-size: .75em; color: #888; text-align: center; padding: 0 20px 16px; }}
</style>
</head>
<body>
<main>
<header><strong>{brand}</strong><a href="?lang={other_lang}" hreflang="{other_lang}">{other_label}</a></header>
<div class="banner">{banner}</div>
{body}
<footer>{brand} · sandbox Guichet</footer>
</main>
</body>
</html>
"#,
        lang = lang.code(),
        title = escape_html(title),
        brand = t.brand,
        accent = t.accent,
        accent_text = t.accent_text,
        background = t.background,
        radius = t.radius,
    )
}

/// The payment form.
pub fn checkout_page(view: &CheckoutView) -> String {
    let t = Texts::new(view.lang);
    let pick = |fr: &'static str, en: &'static str| t.pick(fr, en);
    let error = view
        .error
        .as_deref()
        .map(|e| {
            format!(
                r#"<div class="error" role="alert">{}</div>"#,
                escape_html(e)
            )
        })
        .unwrap_or_default();
    let only_one = view.methods.len() == 1;
    let is_selected =
        |m: &MethodChoice| view.selected_method.as_deref() == Some(m.code.as_str()) || only_one;
    let legend = pick("Moyen de paiement", "Payment method");
    let methods_block = if view.methods.is_empty() {
        format!(r#"<div class="error">{}</div>"#, t.no_method())
    } else if view.methods.len() <= MAX_RADIOS {
        let radios: String = view
            .methods
            .iter()
            .map(|m| {
                format!(
                    r#"<label class="method"><input type="radio" name="method" value="{code}"{checked}> {label}</label>
"#,
                    code = escape_html(&m.code),
                    label = escape_html(&m.label),
                    checked = if is_selected(m) { " checked" } else { "" },
                )
            })
            .collect();
        format!("<fieldset><legend>{legend}</legend>\n{radios}</fieldset>")
    } else {
        // A long catalog (Moneroo's) reads better as a list to pick from.
        let options: String = view
            .methods
            .iter()
            .map(|m| {
                format!(
                    r#"<option value="{code}"{selected}>{label}</option>
"#,
                    code = escape_html(&m.code),
                    label = escape_html(&m.label),
                    selected = if is_selected(m) { " selected" } else { "" },
                )
            })
            .collect();
        format!(
            r#"<label class="field" for="method">{legend}</label>
<select id="method" name="method" required>
<option value="">{choose}</option>
{options}</select>"#,
            choose = pick("Choisir…", "Choose…"),
        )
    };
    let phone_value = view.phone.as_deref().map(escape_html).unwrap_or_default();
    let readonly = if view.phone_locked { " readonly" } else { "" };
    let hints: String = view
        .hints
        .iter()
        .map(|h| format!(r#"<p class="hint">{}</p>"#, escape_html(h)))
        .collect();
    let body = format!(
        r#"<section>
<div class="muted">{to_pay}</div>
<div class="amount">{amount}</div>
<div class="muted">{description}</div>
</section>
<section>
{error}<form method="post">
<input type="hidden" name="lang" value="{lang}">
{methods_block}
<label class="field" for="phone">{phone_label}</label>
<input id="phone" type="tel" name="phone" inputmode="tel" autocomplete="tel" value="{phone_value}"{readonly} placeholder="{placeholder}">
<div class="actions">
<button class="primary" type="submit" name="action" value="pay">{pay} {amount}</button>
<button type="submit" name="action" value="decline">{decline}</button>
<button type="submit" name="action" value="pending">{pending}</button>
<button class="quiet" type="submit" name="action" value="cancel" formnovalidate>{cancel}</button>
</div>
</form>
{hints}</section>"#,
        to_pay = pick("Montant à payer", "Amount to pay"),
        amount = escape_html(&format_amount(view.amount, &view.currency, view.lang)),
        description = escape_html(&view.description),
        lang = view.lang.code(),
        phone_label = pick("Numéro de téléphone", "Phone number"),
        placeholder = pick("ex. 0700000000", "e.g. 0700000000"),
        pay = pick("Payer", "Pay"),
        decline = pick("Simuler un refus", "Simulate a decline"),
        pending = pick("Laisser en attente", "Leave pending"),
        cancel = pick("Annuler", "Cancel"),
    );
    frame(
        view.provider,
        view.lang,
        pick("Paiement", "Payment"),
        "",
        &body,
    )
}

/// How a page sends the shopper back to the merchant.
#[derive(Debug, Clone)]
pub enum ReturnTo {
    /// A link (Moneroo, MoneyFusion): `return_url` with query parameters.
    Link(String),
    /// A form POST (CinetPay: `transaction_id` and `token`).
    Post {
        /// The merchant's `return_url`.
        url: String,
        /// Fields posted.
        fields: Vec<(&'static str, String)>,
    },
    /// Nowhere: the merchant gave no return URL.
    Nowhere,
}

/// The page shown once the shopper acted: pending (refreshes itself), or final (goes
/// back to the merchant by itself after a moment).
pub fn status_page(
    provider: Provider,
    lang: Lang,
    stage: Stage,
    amount: u64,
    currency: &str,
    back: &ReturnTo,
    page_url: &str,
) -> String {
    let t = Texts::new(lang);
    let back_label = t.pick(
        "Retourner sur le site du marchand",
        "Back to the merchant's site",
    );
    let pending = !stage.is_final();
    let mut head = String::new();
    if pending {
        // An explicit URL, so the refresh is a GET even after the shopper's POST.
        head.push_str(&format!(
            "<meta http-equiv=\"refresh\" content=\"3;url={}\">\n",
            escape_html(page_url)
        ));
    }
    let back_html = match back {
        ReturnTo::Link(url) => {
            if !pending {
                head.push_str(&format!(
                    "<meta http-equiv=\"refresh\" content=\"2;url={}\">\n",
                    escape_html(url)
                ));
            }
            format!(
                r#"<a class="button primary" id="return-link" href="{}" target="_self">{back_label}</a>"#,
                escape_html(url)
            )
        }
        ReturnTo::Post { url, fields } => {
            if !pending {
                head.push_str("<script src=\"/_sandbox/static/return.js\" defer></script>\n");
            }
            let inputs: String = fields
                .iter()
                .map(|(name, value)| {
                    format!(
                        r#"<input type="hidden" name="{name}" value="{}">"#,
                        escape_html(value)
                    )
                })
                .collect();
            let id = if pending {
                "return-later"
            } else {
                "return-form"
            };
            format!(
                r#"<form method="post" action="{}" id="{id}" target="_self">{inputs}<button class="primary" type="submit">{back_label}</button></form>"#,
                escape_html(url)
            )
        }
        ReturnTo::Nowhere => String::new(),
    };
    let body = format!(
        r#"<section>
<p class="status" data-stage="{stage}">{title}</p>
<p class="muted">{detail}</p>
<div class="amount">{amount}</div>
<div class="actions">{back_html}</div>
</section>"#,
        stage = match stage {
            Stage::Initiated => "initiated",
            Stage::Pending => "pending",
            Stage::Succeeded => "succeeded",
            Stage::Failed => "failed",
            Stage::Cancelled => "cancelled",
        },
        title = t.stage_title(stage),
        detail = t.stage_detail(stage),
        amount = escape_html(&format_amount(amount, currency, lang)),
    );
    frame(provider, lang, t.stage_title(stage), &head, &body)
}

/// An error page (unknown payment, refused URL...).
pub fn error_page(provider: Provider, lang: Lang, status: StatusCode, message: &str) -> Response {
    let body = format!(
        r#"<section><p class="status">{}</p><p class="muted">{}</p></section>"#,
        status.as_u16(),
        escape_html(message)
    );
    let title = Texts::new(lang).pick("Erreur", "Error");
    (status, Html(frame(provider, lang, title, "", &body))).into_response()
}

/// The HTML response for a page, with a status.
pub fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, Html(page)).into_response();
    // Pages show payment state: never cache them.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `/_sandbox/static/return.js`: submits the return form (CinetPay's POST back).
pub async fn return_script() -> Response {
    let script = "document.addEventListener('DOMContentLoaded', function () {\n  var form = document.getElementById('return-form');\n  if (form) { setTimeout(function () { form.submit(); }, 1500); }\n});\n";
    let mut response = script.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(lang: Lang) -> CheckoutView {
        CheckoutView {
            provider: Provider::Moneroo,
            lang,
            description: "Order <42> & co".to_owned(),
            amount: 15000,
            currency: "XOF".to_owned(),
            methods: vec![MethodChoice {
                code: "mtn_bj".to_owned(),
                label: "MTN MoMo Benin".to_owned(),
                card: false,
            }],
            selected_method: None,
            phone: None,
            phone_locked: false,
            error: None,
            hints: vec![],
        }
    }

    #[test]
    fn checkout_page_speaks_both_languages_and_escapes_merchant_text() {
        let fr = checkout_page(&view(Lang::Fr));
        assert!(fr.contains("Montant à payer"));
        assert!(fr.contains("15\u{202f}000 XOF"));
        assert!(fr.contains("Order &lt;42&gt; &amp; co"));
        assert!(!fr.contains("<script"), "no script on the form page");
        let en = checkout_page(&view(Lang::En));
        assert!(en.contains("Amount to pay"));
        assert!(en.contains("15,000 XOF"));
    }

    #[test]
    fn final_pages_send_the_shopper_back() {
        let link = status_page(
            Provider::Moneroo,
            Lang::En,
            Stage::Succeeded,
            100,
            "XOF",
            &ReturnTo::Link("http://shop/return?paymentId=a&paymentStatus=success".to_owned()),
            "/moneroo/checkout/a",
        );
        assert!(link.contains("http-equiv=\"refresh\" content=\"2;url=http://shop/return?paymentId=a&amp;paymentStatus=success\""));
        let post = status_page(
            Provider::CinetPay,
            Lang::Fr,
            Stage::Failed,
            100,
            "XOF",
            &ReturnTo::Post {
                url: "http://shop/return".to_owned(),
                fields: vec![
                    ("transaction_id", "T1".to_owned()),
                    ("token", "abc".to_owned()),
                ],
            },
            "/cinetpay/payment/abc",
        );
        assert!(
            post.contains(r#"<form method="post" action="http://shop/return" id="return-form""#)
        );
        assert!(post.contains(r#"name="transaction_id" value="T1""#));
        assert!(post.contains("/_sandbox/static/return.js"));
    }

    #[test]
    fn language_comes_from_query_then_payment_then_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-GB,en;q=0.9"),
        );
        assert_eq!(page_lang(None, None, &headers), Lang::En);
        assert_eq!(page_lang(None, Some("fr"), &headers), Lang::Fr);
        assert_eq!(page_lang(Some("en"), Some("fr"), &headers), Lang::En);
        assert_eq!(page_lang(None, None, &HeaderMap::new()), Lang::Fr);
    }
}
