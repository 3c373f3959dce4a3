//! Our CinetPay adapter against the running sandbox, one story per outcome: `/v2/payment`,
//! the shopper on the hosted page, the form POSTed back to `return_url`, the GET ping and
//! the `x-token`-signed notifications, `/v2/payment/check`, and the sandbox's ground
//! truth agreeing; transfers with a login token; injected faults as retryable errors.
#![cfg(all(feature = "edge", feature = "sandbox", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod sandbox_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use adapters_support::*;
use guichet::domain::{Currency, Lang, Metadata, Money, Order, PaymentStatus, Phone};
use guichet::providers::cinetpay::{
    read_return, read_transfer_notification, CheckoutCode, Cinetpay, Inbound, Keys,
    NotificationError, PaymentNotification, TransferContact, TransferOrder, TreatmentStatus,
};
use guichet::providers::PaymentRequest;
use guichet::sandbox::config::{
    DEFAULT_CINETPAY_APIKEY, DEFAULT_CINETPAY_SECRET_KEY, DEFAULT_CINETPAY_SITE_ID,
    DEFAULT_CINETPAY_TRANSFER_PASSWORD,
};
use guichet::sandbox::SandboxHandle;
use sandbox_support::*;

/// A sandbox, a merchant server that records what arrives, and the adapter pointed at
/// the sandbox with the test credentials.
async fn cinetpay() -> (SandboxHandle, Receiver, Cinetpay) {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(fast_config()).await;
    let keys = Keys::new(
        DEFAULT_CINETPAY_APIKEY,
        DEFAULT_CINETPAY_SITE_ID,
        DEFAULT_CINETPAY_SECRET_KEY,
    )
    .with_transfer_password(DEFAULT_CINETPAY_TRANSFER_PASSWORD);
    let endpoints = sandbox.endpoints();
    let adapter = Cinetpay::new(keys)
        .with_checkout_base(&endpoints.cinetpay)
        .with_transfer_base(&endpoints.cinetpay_transfer);
    (sandbox, receiver, adapter)
}

fn due() -> Money {
    Money::from_minor(2_500, Currency::XOF).unwrap()
}

fn payment(receiver: &Receiver, transaction_id: &str) -> PaymentRequest {
    PaymentRequest {
        order: Order {
            reference: transaction_id.into(),
            description: "Commande 42 - Boutique Awa".into(),
            items: Vec::new(),
            amount: due(),
        },
        customer: awa("+2250707070707"),
        lang: Lang::Fr,
        return_url: format!("{}/return/cinetpay", receiver.url),
        notify_url: format!("{}/webhooks/cinetpay", receiver.url),
        channels: None,
        methods: Vec::new(),
        metadata: Metadata::default(),
    }
}

/// `/v2/payment` through the adapter: the hosted page.
async fn start(adapter: &Cinetpay, receiver: &Receiver, transaction_id: &str) -> String {
    let request = adapter
        .initialize_payment(&payment(receiver, transaction_id))
        .expect("a valid payment");
    let created = adapter
        .read_created_payment(&send(request).await, transaction_id)
        .expect("CinetPay creates it");
    assert_eq!(created.provider_ref, transaction_id);
    created.checkout_url
}

/// `/v2/payment/check` through the adapter, checked against the sandbox's books.
async fn check_agrees(
    sandbox: &SandboxHandle,
    adapter: &Cinetpay,
    transaction_id: &str,
) -> (PaymentStatus, CheckoutCode) {
    let check = adapter
        .read_check_details(
            &send(adapter.check_payment(transaction_id)).await,
            transaction_id,
        )
        .expect("a readable check");
    let settled = check.checked.settle(due());
    let truth = truth(sandbox.base_url(), "cinetpay", transaction_id).await;
    assert!(stage_matches(&truth, settled), "{truth} vs {settled:?}");
    assert_eq!(truth["status"], check.checked.provider_status);
    if settled == PaymentStatus::Succeeded {
        assert_eq!(check.checked.amount, Some(due()));
        assert!(check.operator_id.is_some() && check.payment_date.is_some());
    }
    (settled, check.code)
}

/// The notifications about `transaction_id`, checked with our secret key: the GET ping
/// first, then signed forms. Gives the `cpm_error_message` of each form.
async fn notifications(
    receiver: &Receiver,
    adapter: &Cinetpay,
    transaction_id: &str,
    forms: usize,
) -> Vec<String> {
    receiver
        .wait_for(forms, Duration::from_secs(5), |c| {
            c.path == "/webhooks/cinetpay"
                && c.method == "POST"
                && c.field("cpm_trans_id").as_deref() == Some(transaction_id)
        })
        .await;
    let mut said = Vec::new();
    let mut pinged = false;
    for captured in receiver
        .all()
        .iter()
        .filter(|c| c.path == "/webhooks/cinetpay")
    {
        match adapter.verify_notification(&inbound(captured, &receiver.url)) {
            Ok(Inbound::Ping) => pinged = true,
            Ok(Inbound::Received(PaymentNotification {
                cpm_trans_id,
                cpm_site_id,
                cpm_amount,
                cpm_error_message,
                ..
            })) if cpm_trans_id == transaction_id => {
                assert!(pinged, "the bare GET ping comes first");
                assert_eq!(cpm_site_id, DEFAULT_CINETPAY_SITE_ID);
                assert_eq!(cpm_amount, "2500");
                said.push(cpm_error_message);
            }
            Ok(Inbound::Received(_)) => {}
            Err(error) => panic!("the sandbox's notification is refused: {error}"),
        }
    }
    said
}

/// The browser submits the page's return form; the edge reads what reached
/// `return_url`.
async fn come_back(receiver: &Receiver, page: &str) -> (String, Option<String>) {
    submit_return_form(page).await;
    let arrived = receiver
        .wait_for(1, Duration::from_secs(5), |c| c.path == "/return/cinetpay")
        .await;
    match read_return(&inbound(arrived.last().unwrap(), &receiver.url)) {
        Ok(Inbound::Received(visit)) => (visit.transaction_id, visit.token),
        other => panic!("not a return visit: {other:?}"),
    }
}

#[tokio::test]
async fn cinetpay_paid_with_orange_money_posts_back_signs_each_notification_and_checks_accepted() {
    let (sandbox, receiver, adapter) = cinetpay().await;
    let page = start(&adapter, &receiver, "CMD-100").await;
    assert_eq!(
        check_agrees(&sandbox, &adapter, "CMD-100").await,
        (PaymentStatus::Pending, CheckoutCode::WaitingCustomerPayment)
    );

    let response = press(&page, "pay", "OM", "0707070707").await;
    assert_eq!(
        response.status(),
        200,
        "CinetPay returns with a form, not a redirect"
    );
    let (transaction_id, token) = come_back(&receiver, &response.text().await.unwrap()).await;
    assert_eq!(transaction_id, "CMD-100");
    assert!(page.ends_with(&token.unwrap()), "the token is the page's");

    assert_eq!(
        notifications(&receiver, &adapter, "CMD-100", 2).await,
        ["WAITING_CUSTOMER_TO_VALIDATE", "SUCCES"]
    );
    assert_eq!(
        check_agrees(&sandbox, &adapter, "CMD-100").await,
        (PaymentStatus::Succeeded, CheckoutCode::Success)
    );

    // A notification changed on the way is refused.
    let posted = receiver
        .all()
        .into_iter()
        .find(|c| c.method == "POST" && c.path == "/webhooks/cinetpay")
        .unwrap();
    let mut forged = inbound(&posted, &receiver.url);
    forged.body = String::from_utf8(forged.body)
        .unwrap()
        .replace("cpm_amount=2500", "cpm_amount=5")
        .into_bytes();
    assert_eq!(
        adapter.verify_notification(&forged),
        Err(NotificationError::BadSignature)
    );
}

#[tokio::test]
async fn cinetpay_declined_and_cancelled_payments_check_as_failed_600_and_cancelled_627() {
    let (sandbox, receiver, adapter) = cinetpay().await;
    let page = start(&adapter, &receiver, "CMD-200").await;
    let response = press(&page, "decline", "MOMO", "0505050505").await;
    assert_eq!(
        come_back(&receiver, &response.text().await.unwrap())
            .await
            .0,
        "CMD-200"
    );
    assert_eq!(
        notifications(&receiver, &adapter, "CMD-200", 2)
            .await
            .last()
            .unwrap(),
        "PAYMENT_FAILED"
    );
    assert_eq!(
        check_agrees(&sandbox, &adapter, "CMD-200").await,
        (PaymentStatus::Failed, CheckoutCode::PaymentFailed)
    );

    let page = start(&adapter, &receiver, "CMD-201").await;
    press(&page, "cancel", "", "").await;
    assert_eq!(
        check_agrees(&sandbox, &adapter, "CMD-201").await,
        (PaymentStatus::Cancelled, CheckoutCode::TransactionCancel)
    );
    // The check by token says the same.
    let token = page.rsplit('/').next().unwrap();
    let by_token = adapter
        .read_payment_check(
            &send(adapter.check_payment_by_token(token)).await,
            "CMD-201",
        )
        .unwrap();
    assert_eq!(by_token.status, PaymentStatus::Cancelled);
}

#[tokio::test]
async fn cinetpay_left_pending_checks_as_waiting_for_the_customer_623() {
    let (sandbox, receiver, adapter) = cinetpay().await;
    let page = start(&adapter, &receiver, "CMD-300").await;
    let response = press(&page, "pending", "FLOOZ", "0101010101").await;
    assert_eq!(response.status(), 200);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains(r#"data-stage="pending""#));
    assert_eq!(
        notifications(&receiver, &adapter, "CMD-300", 1).await,
        ["WAITING_CUSTOMER_TO_VALIDATE"]
    );
    assert_eq!(
        check_agrees(&sandbox, &adapter, "CMD-300").await,
        (
            PaymentStatus::Pending,
            CheckoutCode::WaitingCustomerToValidate
        )
    );
}

#[tokio::test]
async fn cinetpay_a_reused_transaction_id_and_an_unknown_one_are_608() {
    let (_sandbox, receiver, adapter) = cinetpay().await;
    start(&adapter, &receiver, "CMD-400").await;
    let again = adapter
        .initialize_payment(&payment(&receiver, "CMD-400"))
        .unwrap();
    let error = adapter.read_payment_token(&send(again).await).unwrap_err();
    assert_eq!((error.code.as_str(), error.retryable), ("608", false));
    let error = adapter
        .read_payment_check(&send(adapter.check_payment("NOPE-1")).await, "NOPE-1")
        .unwrap_err();
    assert_eq!(error.code, "608");
    assert!(!error.message.contains(DEFAULT_CINETPAY_APIKEY));
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn cinetpay_transfer_logs_in_adds_the_contact_sends_and_checks_it_validated() {
    let (sandbox, receiver, adapter) = cinetpay().await;
    let token = adapter
        .read_login(&send(adapter.login().unwrap()).await, now())
        .expect("the transfer password is accepted");
    assert!(token.is_usable_at(now()));
    let before = adapter
        .read_balance(&send(adapter.check_balance(&token)).await)
        .unwrap();
    let before = before.available_in(Currency::XOF).unwrap();

    let phone = Phone::parse("+2250707070707", None).unwrap();
    let contact = TransferContact {
        phone: phone.clone(),
        name: "Koné".into(),
        surname: "Awa".into(),
        email: "awa@example.com".into(),
    };
    let added = adapter
        .read_contacts(&send(adapter.add_contacts(&token, &[contact]).unwrap()).await)
        .unwrap();
    assert!(added[0].is_registered(), "{added:?}");

    let order = TransferOrder {
        phone,
        amount: Money::from_minor(1_000, Currency::XOF).unwrap(),
        client_transaction_id: "PAYOUT-100".into(),
        notify_url: format!("{}/webhooks/cinetpay-transfer", receiver.url),
    };
    let sent = adapter
        .read_sent_transfers(&send(adapter.send_transfer(&token, &[order]).unwrap()).await)
        .unwrap();
    assert_eq!(sent[0].status(), PaymentStatus::Pending);
    assert_eq!(sent[0].client_transaction_id.as_deref(), Some("PAYOUT-100"));

    let posts = receiver
        .wait_for(2, Duration::from_secs(5), |c| {
            c.path == "/webhooks/cinetpay-transfer" && c.method == "POST"
        })
        .await;
    let steps: Vec<TreatmentStatus> = posts
        .iter()
        .map(
            |post| match read_transfer_notification(&inbound(post, &receiver.url)) {
                Ok(Inbound::Received(notification)) => {
                    assert_eq!(notification.client_transaction_id, "PAYOUT-100");
                    notification.treatment()
                }
                other => panic!("not a transfer notification: {other:?}"),
            },
        )
        .collect();
    assert_eq!(steps, [TreatmentStatus::Rec, TreatmentStatus::Val]);

    let checked = adapter
        .read_payout_check(&send(adapter.check_payout(&token, "PAYOUT-100")).await)
        .unwrap();
    assert_eq!(checked[0].status(), PaymentStatus::Succeeded);
    let truth = payout_truth(sandbox.base_url(), "cinetpay", "PAYOUT-100").await;
    assert!(stage_matches(&truth, checked[0].status()), "{truth}");
    let after = adapter
        .read_balance(&send(adapter.check_balance(&token)).await)
        .unwrap();
    assert_eq!(
        after.available_in(Currency::XOF).unwrap().minor() + 1_000,
        before.minor()
    );
}

#[tokio::test]
async fn cinetpay_injected_500_and_429_are_retryable_and_the_next_call_goes_through() {
    let (sandbox, receiver, adapter) = cinetpay().await;
    let request = adapter
        .initialize_payment(&payment(&receiver, "CMD-500"))
        .unwrap();

    add_fault(sandbox.base_url(), next_call("cinetpay", "500")).await;
    let error = adapter
        .read_payment_token(&send(request.clone()).await)
        .unwrap_err();
    assert_eq!(error.http_status, Some(500));
    assert!(error.retryable, "{error}");

    add_fault(sandbox.base_url(), next_call("cinetpay", "429")).await;
    let error = adapter
        .read_payment_token(&send(request.clone()).await)
        .unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.retryable),
        ("429", true),
        "{error}"
    );

    adapter
        .read_payment_token(&send(request).await)
        .expect("the fault is gone");
    assert_eq!(
        check_agrees(&sandbox, &adapter, "CMD-500").await.0,
        PaymentStatus::Pending
    );
}
