//! Our Moneroo adapter against the running sandbox, one story per outcome: initialize,
//! the shopper on the hosted page with Moneroo's published test numbers, the return URL,
//! the signed webhooks, verify, and the sandbox's ground truth agreeing; payouts with the
//! swapped payout numbers; injected faults coming out as retryable errors.
#![cfg(all(feature = "edge", feature = "sandbox", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod sandbox_support;

use std::time::Duration;

use adapters_support::*;
use guichet::domain::{Currency, Lang, Metadata, Money, Order, PaymentStatus};
use guichet::http::{Transport, TransportError};
use guichet::providers::moneroo::wire::MonerooPaymentStatus;
use guichet::providers::moneroo::{
    check_payment, check_payout, initialize_payment, initialize_payout, payout_methods,
    read_created_payment, read_created_payout, read_methods, read_payment_check, read_payout_check,
    read_return, read_webhook, retrieve_payment, retry_after, MonerooEvent, MonerooKeys,
    MonerooPaymentOptions, PayoutRecipientInput, PayoutRequest, WebhookError, SIGNATURE_HEADER,
};
use guichet::providers::PaymentRequest;
use guichet::sandbox::config::{DEFAULT_MONEROO_SECRET_KEY, DEFAULT_MONEROO_WEBHOOK_SECRET};
use guichet::sandbox::{SandboxConfig, SandboxHandle};
use sandbox_support::*;

const REFERENCE: &str = "ord-2024-0042";

/// A sandbox whose dashboard webhook URL is our receiver, and the keys the edge would
/// hold for it.
async fn moneroo() -> (SandboxHandle, Receiver, MonerooKeys) {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(SandboxConfig {
        moneroo_webhook_urls: vec![format!("{}/webhooks/moneroo", receiver.url)],
        ..fast_config()
    })
    .await;
    let keys = MonerooKeys::new(DEFAULT_MONEROO_SECRET_KEY)
        .with_webhook_secret(DEFAULT_MONEROO_WEBHOOK_SECRET)
        .with_base_url(&sandbox.endpoints().moneroo);
    (sandbox, receiver, keys)
}

fn due() -> Money {
    Money::from_minor(15_000, Currency::XOF).unwrap()
}

fn payment(receiver: &Receiver) -> PaymentRequest {
    PaymentRequest {
        order: Order {
            reference: REFERENCE.into(),
            description: "Commande 42".into(),
            items: Vec::new(),
            amount: due(),
        },
        customer: awa("+2290197000000"),
        lang: Lang::Fr,
        return_url: format!("{}/return?session=s_01", receiver.url),
        notify_url: format!("{}/webhooks/moneroo", receiver.url),
        channels: None,
        methods: vec!["mtn_bj".into()],
        metadata: Metadata::parse([("session_id".to_owned(), "s_01".to_owned())], "metadata")
            .unwrap(),
    }
}

/// Initializes through the adapter: the payment id and its hosted page.
async fn start(keys: &MonerooKeys, receiver: &Receiver) -> (String, String) {
    let request = initialize_payment(keys, &payment(receiver), &MonerooPaymentOptions::default())
        .expect("a valid payment");
    let created = read_created_payment(&send(request).await).expect("Moneroo accepts it");
    (created.provider_ref, created.checkout_url)
}

/// The shopper follows the page's redirect to our return URL; the edge reads what
/// arrived there.
async fn come_back(receiver: &Receiver, response: &reqwest::Response) -> String {
    let to = location(response);
    assert!(to.starts_with(&receiver.url), "{to}");
    client().get(&to).send().await.unwrap();
    let arrived = receiver
        .wait_for(1, Duration::from_secs(5), |c| c.path.starts_with("/return"))
        .await;
    arrived[0].path.clone()
}

/// Every signed webhook about `id`, checked and read by the adapter, in arrival order,
/// once `count` have come.
async fn webhooks(
    receiver: &Receiver,
    keys: &MonerooKeys,
    id: &str,
    count: usize,
) -> Vec<MonerooEvent> {
    let hooks = receiver
        .wait_for(count, Duration::from_secs(5), |c| {
            c.path == "/webhooks/moneroo" && c.json()["data"]["id"] == id
        })
        .await;
    hooks
        .iter()
        .map(|hook| {
            let webhook = read_webhook(keys, &hook.body, hook.header(SIGNATURE_HEADER))
                .expect("the sandbox signs as Moneroo does");
            assert_eq!(webhook.id(), id);
            assert_eq!(webhook.amount(), Some(due()));
            webhook.event
        })
        .collect()
}

/// Verify (the call to trust), checked against the sandbox's own books.
async fn verify_agrees(sandbox: &SandboxHandle, keys: &MonerooKeys, id: &str) -> PaymentStatus {
    let verification = read_payment_check(&send(check_payment(keys, id)).await).unwrap();
    assert_eq!(verification.provider_ref, id);
    assert_eq!(verification.amount, Some(due()));
    assert_eq!(verification.reference.as_deref(), Some(REFERENCE));
    let settled = verification.settle(due());
    let truth = truth(sandbox.base_url(), "moneroo", id).await;
    assert!(stage_matches(&truth, settled), "{truth} vs {settled:?}");
    assert_eq!(truth["status"], verification.provider_status);
    // The full record reads the same, with its currency as a plain code.
    let retrieved = read_payment_check(&send(retrieve_payment(keys, id)).await).unwrap();
    assert_eq!(retrieved, verification);
    settled
}

#[tokio::test]
async fn moneroo_number_61_pays_returns_signs_its_webhooks_and_verifies_as_succeeded() {
    let (sandbox, receiver, keys) = moneroo().await;
    let (id, page) = start(&keys, &receiver).await;
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Pending
    );

    let response = press(&page, "pay", "mtn_bj", "4149518161").await;
    let back = read_return(&come_back(&receiver, &response).await).expect("a return URL");
    assert_eq!(back.payment_id, id);
    assert_eq!(back.payment_status, Some(MonerooPaymentStatus::Success));

    assert_eq!(
        webhooks(&receiver, &keys, &id, 2).await,
        [MonerooEvent::PaymentInitiated, MonerooEvent::PaymentSuccess]
    );
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Succeeded
    );

    // A body changed on the way is refused, whatever it says.
    let hook = &receiver.all()[0];
    let forged = String::from_utf8_lossy(&hook.body).replace("15000", "15");
    assert_eq!(
        read_webhook(&keys, forged.as_bytes(), hook.header(SIGNATURE_HEADER)).unwrap_err(),
        WebhookError::BadSignature
    );
}

#[tokio::test]
async fn moneroo_number_63_fails_and_verify_says_failed() {
    let (sandbox, receiver, keys) = moneroo().await;
    let (id, page) = start(&keys, &receiver).await;
    let response = press(&page, "pay", "mtn_bj", "4149518163").await;
    let back = read_return(&come_back(&receiver, &response).await).unwrap();
    assert_eq!(back.payment_status, Some(MonerooPaymentStatus::Failed));
    assert_eq!(
        webhooks(&receiver, &keys, &id, 2).await,
        [MonerooEvent::PaymentInitiated, MonerooEvent::PaymentFailed]
    );
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Failed
    );
}

#[tokio::test]
async fn moneroo_number_62_stays_pending_without_a_return_until_it_settles() {
    let (sandbox, receiver, keys) = moneroo().await;
    let (id, page) = start(&keys, &receiver).await;
    let response = press(&page, "pay", "mtn_bj", "4149518162").await;
    assert_eq!(response.status(), 200, "a waiting page, no redirect");
    assert!(response
        .text()
        .await
        .unwrap()
        .contains(r#"data-stage="pending""#));
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Pending
    );
    assert_eq!(
        webhooks(&receiver, &keys, &id, 1).await,
        [MonerooEvent::PaymentInitiated],
        "pending has no event"
    );

    // The operator confirms later (as the shopper approving on their phone).
    let settled = client()
        .post(format!(
            "{}/_sandbox/payments/moneroo/{id}/complete",
            sandbox.base_url()
        ))
        .json(&serde_json::json!({"outcome": "success"}))
        .send()
        .await
        .unwrap();
    assert_eq!(settled.status(), 200);
    assert_eq!(
        webhooks(&receiver, &keys, &id, 2).await[1],
        MonerooEvent::PaymentSuccess
    );
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn moneroo_cancel_button_returns_cancelled_and_decline_returns_failed() {
    let (sandbox, receiver, keys) = moneroo().await;
    let (id, page) = start(&keys, &receiver).await;
    let response = press(&page, "cancel", "", "").await;
    let back = read_return(&come_back(&receiver, &response).await).unwrap();
    assert_eq!(back.payment_id, id);
    assert_eq!(back.payment_status, Some(MonerooPaymentStatus::Cancelled));
    assert_eq!(
        webhooks(&receiver, &keys, &id, 2).await,
        [
            MonerooEvent::PaymentInitiated,
            MonerooEvent::PaymentCancelled
        ]
    );
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Cancelled
    );

    let (id, page) = start(&keys, &receiver).await;
    let response = press(&page, "decline", "mtn_bj", "0197000000").await;
    assert!(location(&response).ends_with(&format!("paymentId={id}&paymentStatus=failed")));
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Failed
    );
}

/// A payout to one of Moneroo's test numbers through `mtn_bj`, checked against the
/// catalog the sandbox serves.
async fn payout(keys: &MonerooKeys, msisdn: &str) -> String {
    let catalog = read_methods(&send(payout_methods(keys)).await).expect("the payout catalog");
    let request = PayoutRequest {
        amount: Money::from_minor(5_000, Currency::XOF).unwrap(),
        description: "Remboursement commande 42".into(),
        method: "mtn_bj".into(),
        customer: awa("+2290197000000"),
        recipient: PayoutRecipientInput {
            msisdn: Some(msisdn.into()),
            account_number: None,
        },
        metadata: Metadata::default(),
    };
    let request = initialize_payout(keys, &request, Some(&catalog)).expect("a valid payout");
    read_created_payout(&send(request).await)
        .expect("Moneroo accepts it")
        .provider_ref
}

#[tokio::test]
async fn moneroo_payout_numbers_are_swapped_and_verify_agrees_with_the_webhooks_and_truth() {
    let (sandbox, receiver, keys) = moneroo().await;
    let cases = [
        (
            "+229 4149518161",
            PaymentStatus::Succeeded,
            "payout.success",
        ),
        ("+229 4149518162", PaymentStatus::Failed, "payout.failed"),
        ("+229 4149518163", PaymentStatus::Pending, ""),
    ];
    for (msisdn, expected, final_event) in cases {
        let id = payout(&keys, msisdn).await;
        if !final_event.is_empty() {
            receiver
                .wait_for(1, Duration::from_secs(5), |c| {
                    c.json()["event"] == final_event && c.json()["data"]["id"] == id
                })
                .await;
        } else {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let hooks: Vec<MonerooEvent> = receiver
            .all()
            .iter()
            .filter(|c| c.json()["data"]["id"] == id)
            .map(|c| {
                read_webhook(&keys, &c.body, c.header(SIGNATURE_HEADER))
                    .unwrap()
                    .event
            })
            .collect();
        assert_eq!(hooks[0], MonerooEvent::PayoutInitiated, "{msisdn}");
        assert!(hooks.iter().all(MonerooEvent::is_payout));

        let verified = read_payout_check(&send(check_payout(&keys, &id)).await).unwrap();
        assert_eq!(verified.status, expected, "{msisdn}");
        assert_eq!(
            verified.amount,
            Some(Money::from_minor(5_000, Currency::XOF).unwrap())
        );
        let truth = payout_truth(sandbox.base_url(), "moneroo", &id).await;
        assert!(stage_matches(&truth, verified.status), "{truth}");
        assert_eq!(truth["status"], verified.provider_status);
    }
}

#[tokio::test]
async fn moneroo_injected_500_and_429_are_retryable_and_the_next_call_goes_through() {
    let (sandbox, receiver, keys) = moneroo().await;
    add_fault(sandbox.base_url(), next_call("moneroo", "500")).await;
    let request = initialize_payment(
        &keys,
        &payment(&receiver),
        &MonerooPaymentOptions::default(),
    )
    .unwrap();
    let error = read_created_payment(&send(request.clone()).await).unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.retryable),
        ("500", true),
        "{error}"
    );

    add_fault(sandbox.base_url(), next_call("moneroo", "429")).await;
    let answer = send(request.clone()).await;
    assert_eq!(retry_after(&answer), Some(60));
    let error = read_created_payment(&answer).unwrap_err();
    assert_eq!(
        (error.code.as_str(), error.retryable),
        ("429", true),
        "{error}"
    );
    assert!(!error.message.contains(DEFAULT_MONEROO_SECRET_KEY));

    let id = read_created_payment(&send(request).await)
        .unwrap()
        .provider_ref;
    assert_eq!(
        verify_agrees(&sandbox, &keys, &id).await,
        PaymentStatus::Pending
    );
}

#[tokio::test]
async fn moneroo_an_answer_that_never_comes_is_a_transport_timeout() {
    let (sandbox, _receiver, keys) = moneroo().await;
    add_fault(sandbox.base_url(), next_call("moneroo", "timeout")).await;
    let outcome = ReqwestTransport::new(Duration::from_millis(300))
        .send(&check_payment(&keys, "k4su1ii7abdz"))
        .await;
    assert_eq!(outcome, Err(TransportError::Timeout));
}
