//! The hosted pages' routes: show a payment, take the shopper's button, send the
//! shopper back as the provider does (Moneroo and MoneyFusion with a redirect, CinetPay
//! with a form POST).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Form, Router};

use crate::domain::{Lang, Provider};

use super::checkout::{
    checkout_page, error_page, html, page_lang, return_script, status_page, CheckoutForm,
    CheckoutView, MethodChoice, ReturnTo, ShopperAction, Texts,
};
use super::lifecycle::{shopper_settles, Attempt};
use super::state::SharedState;
use super::store::{Outcome, PaymentRecord, Stage, TransitionError};
use super::support::{digits_only, lock};
use super::{cinetpay, moneroo, moneyfusion};

/// The page routes of the three providers, and the return script.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/moneroo/checkout/{id}", page(Provider::Moneroo))
        .route("/cinetpay/payment/{id}", page(Provider::CinetPay))
        .route("/moneyfusion/pay/{id}", page(Provider::MoneyFusion))
        .route("/_sandbox/static/return.js", get(return_script))
}

/// One provider's page: `GET` shows it, `POST` takes the shopper's button.
fn page(provider: Provider) -> MethodRouter<SharedState> {
    get(
        move |State(shared): State<SharedState>,
              Path(id): Path<String>,
              Query(query): Query<HashMap<String, String>>,
              headers: HeaderMap| async move {
            show(&shared, provider, &id, query.get("lang"), &headers)
        },
    )
    .post(
        move |State(shared): State<SharedState>,
              Path(id): Path<String>,
              headers: HeaderMap,
              Form(form): Form<CheckoutForm>| async move {
            submit(&shared, provider, &id, form, &headers)
        },
    )
}

fn lang_for(record: Option<&PaymentRecord>, query: Option<&str>, headers: &HeaderMap) -> Lang {
    let own = record
        .filter(|r| r.provider == Provider::CinetPay)
        .map(cinetpay::page_lang)
        .map(|lang| lang.code());
    page_lang(query, own, headers)
}

fn find(shared: &SharedState, provider: Provider, page_id: &str) -> Option<PaymentRecord> {
    lock(&shared.store)
        .payment_by_page(provider, page_id)
        .cloned()
}

fn methods(record: &PaymentRecord) -> Vec<MethodChoice> {
    match record.provider {
        Provider::Moneroo => moneroo::page_methods(record),
        Provider::CinetPay => cinetpay::page_methods(record),
        Provider::MoneyFusion => moneyfusion::page_methods(),
    }
}

fn phone(record: &PaymentRecord) -> (Option<String>, bool) {
    match record.provider {
        Provider::Moneroo => moneroo::page_phone(record),
        Provider::CinetPay => cinetpay::page_phone(record),
        Provider::MoneyFusion => (record.customer.phone.clone(), false),
    }
}

fn return_to(record: &PaymentRecord) -> ReturnTo {
    match record.provider {
        Provider::Moneroo => moneroo::page_return(record),
        Provider::CinetPay => cinetpay::page_return(record),
        Provider::MoneyFusion => moneyfusion::page_return(record),
    }
}

fn refusal(record: &PaymentRecord, texts: &Texts) -> Option<String> {
    match record.provider {
        Provider::CinetPay => cinetpay::page_refusal(record, texts),
        Provider::Moneroo | Provider::MoneyFusion => None,
    }
}

fn page_path(record: &PaymentRecord) -> String {
    let prefix = match record.provider {
        Provider::Moneroo => "/moneroo/checkout/",
        Provider::CinetPay => "/cinetpay/payment/",
        Provider::MoneyFusion => "/moneyfusion/pay/",
    };
    format!("{prefix}{}", record.page_id)
}

fn form_view(
    record: &PaymentRecord,
    lang: Lang,
    form: Option<&CheckoutForm>,
    error: Option<String>,
) -> CheckoutView {
    let (prefill, locked) = phone(record);
    let texts = Texts::new(lang);
    CheckoutView {
        provider: record.provider,
        lang,
        description: record.description.clone(),
        amount: record.amount,
        currency: record.currency.clone(),
        methods: methods(record),
        selected_method: form.and_then(CheckoutForm::method),
        phone: if locked {
            prefill
        } else {
            form.and_then(CheckoutForm::phone).or(prefill)
        },
        phone_locked: locked,
        error,
        hints: match record.provider {
            Provider::Moneroo => moneroo::page_hints(&texts),
            Provider::CinetPay | Provider::MoneyFusion => Vec::new(),
        },
    }
}

fn status_view(record: &PaymentRecord, lang: Lang, status: StatusCode) -> Response {
    html(
        status,
        status_page(
            record.provider,
            lang,
            record.stage,
            record.amount,
            &record.currency,
            &return_to(record),
            &page_path(record),
        ),
    )
}

fn show(
    shared: &SharedState,
    provider: Provider,
    page_id: &str,
    query_lang: Option<&String>,
    headers: &HeaderMap,
) -> Response {
    let record = find(shared, provider, page_id);
    let lang = lang_for(record.as_ref(), query_lang.map(String::as_str), headers);
    let texts = Texts::new(lang);
    let Some(record) = record else {
        return error_page(provider, lang, StatusCode::NOT_FOUND, texts.not_found());
    };
    if let Some(why) = refusal(&record, &texts) {
        return error_page(provider, lang, StatusCode::BAD_REQUEST, &why);
    }
    match record.stage {
        Stage::Initiated => html(
            StatusCode::OK,
            checkout_page(&form_view(&record, lang, None, None)),
        ),
        Stage::Pending | Stage::Succeeded | Stage::Failed | Stage::Cancelled => {
            status_view(&record, lang, StatusCode::OK)
        }
    }
}

/// A phone number as typed: digits with the usual separators, 8 to 15 digits.
fn plausible_phone(text: &str) -> bool {
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    allowed && (8..=15).contains(&digits_only(text).len())
}

fn submit(
    shared: &SharedState,
    provider: Provider,
    page_id: &str,
    form: CheckoutForm,
    headers: &HeaderMap,
) -> Response {
    let record = find(shared, provider, page_id);
    let lang = lang_for(record.as_ref(), form.lang.as_deref(), headers);
    let texts = Texts::new(lang);
    let Some(record) = record else {
        return error_page(provider, lang, StatusCode::NOT_FOUND, texts.not_found());
    };
    if let Some(why) = refusal(&record, &texts) {
        return error_page(provider, lang, StatusCode::BAD_REQUEST, &why);
    }
    if record.stage.is_final() {
        // Already settled (another tab, a timer, a test): show where it stands.
        return status_view(&record, lang, StatusCode::CONFLICT);
    }
    let reject = |status: StatusCode, message: &str| {
        html(
            status,
            checkout_page(&form_view(
                &record,
                lang,
                Some(&form),
                Some(message.to_owned()),
            )),
        )
    };
    let Some(action) = form.shopper_action() else {
        return reject(StatusCode::BAD_REQUEST, texts.bad_action());
    };
    let attempt = if action == ShopperAction::Cancel {
        Attempt::default()
    } else {
        let choices = methods(&record);
        let chosen = match form.method() {
            Some(code) => choices.iter().find(|m| m.code == code),
            None if choices.len() == 1 => choices.first(),
            None => None,
        };
        let Some(chosen) = chosen else {
            return reject(StatusCode::UNPROCESSABLE_ENTITY, texts.choose_method());
        };
        let (prefill, locked) = phone(&record);
        let typed = if locked { prefill } else { form.phone() };
        let phone = match (typed, chosen.card) {
            (Some(p), _) if plausible_phone(&p) => Some(p),
            (Some(_), false) => return reject(StatusCode::UNPROCESSABLE_ENTITY, texts.bad_phone()),
            (None, false) => return reject(StatusCode::UNPROCESSABLE_ENTITY, texts.enter_phone()),
            (Some(_) | None, true) => None,
        };
        Attempt {
            method: Some(chosen.code.clone()),
            phone,
        }
    };
    let outcome = match provider {
        Provider::Moneroo => moneroo::page_outcome(action, attempt.phone.as_deref()),
        Provider::CinetPay | Provider::MoneyFusion => super::checkout::default_outcome(action),
    };
    let settled = shopper_settles(shared, provider, &record.id, outcome, attempt);
    let record = match settled {
        Ok(record) => record,
        Err(TransitionError::Final(_)) => match find(shared, provider, page_id) {
            Some(now) => return status_view(&now, lang, StatusCode::CONFLICT),
            None => return error_page(provider, lang, StatusCode::NOT_FOUND, texts.not_found()),
        },
        Err(TransitionError::NotFound) => {
            return error_page(provider, lang, StatusCode::NOT_FOUND, texts.not_found())
        }
    };
    match (outcome, return_to(&record)) {
        // Moneroo and MoneyFusion send the shopper straight back.
        (Outcome::Success | Outcome::Failed | Outcome::Cancelled, ReturnTo::Link(url)) => {
            see_other(&url)
        }
        // CinetPay posts a form back; pending payments wait on the page.
        (
            Outcome::Success | Outcome::Failed | Outcome::Cancelled,
            ReturnTo::Post { .. } | ReturnTo::Nowhere,
        )
        | (Outcome::Pending, ReturnTo::Link(_) | ReturnTo::Post { .. } | ReturnTo::Nowhere) => {
            status_view(&record, lang, StatusCode::OK)
        }
    }
}

fn see_other(url: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(url) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}
