//! Our MoneyFusion adapter against the running sandbox, one story per outcome: the API
//! URL as credential, the shopper on the hosted page, `return_url?token=`, the unsigned
//! `payin.session.*` webhooks confirmed with `/paiementNotif/<token>`, and the sandbox's
//! ground truth agreeing; withdrawals and their `payout.session.*` webhooks; injected
//! faults as retryable errors.
#![cfg(all(feature = "edge", feature = "sandbox", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod sandbox_support;

use std::time::Duration;

use adapters_support::*;
use guichet::domain::{Currency, Lang, Metadata, Money, Order, PaymentStatus};
use guichet::providers::moneyfusion::{
    token_from_return_url, webhook, ApiUrl, MoneyFusion, MoneyFusionConfig, Notification,
    PayinEvent, PaymentToken, Withdrawal, WithdrawalInput,
};
use guichet::providers::PaymentRequest;
use guichet::sandbox::config::DEFAULT_MONEYFUSION_PRIVATE_KEY;
use guichet::sandbox::SandboxHandle;
use sandbox_support::*;
use serde_json::json;

const REFERENCE: &str = "ord-2024-0077";

/// A sandbox, a merchant server that records what arrives, and the adapter configured
/// with the sandbox's API URL, status host and withdraw host.
async fn moneyfusion() -> (SandboxHandle, Receiver, MoneyFusion) {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(fast_config()).await;
    let endpoints = sandbox.endpoints();
    let config = MoneyFusionConfig::new(ApiUrl::parse(&endpoints.moneyfusion_api_url).unwrap())
        .with_status_base_url(&endpoints.moneyfusion)
        .unwrap()
        .with_payout_base_url(&endpoints.moneyfusion)
        .unwrap()
        .with_private_key(DEFAULT_MONEYFUSION_PRIVATE_KEY)
        .unwrap();
    (sandbox, receiver, MoneyFusion::new(config))
}

fn due() -> Money {
    Money::from_minor(2_000, Currency::XOF).unwrap()
}

fn payment(receiver: &Receiver) -> PaymentRequest {
    PaymentRequest {
        order: Order {
            reference: REFERENCE.into(),
            description: "Commande 77".into(),
            items: Vec::new(),
            amount: due(),
        },
        customer: awa("+2250708889205"),
        lang: Lang::Fr,
        return_url: format!("{}/return/moneyfusion", receiver.url),
        notify_url: format!("{}/webhooks/moneyfusion", receiver.url),
        channels: None,
        methods: Vec::new(),
        metadata: Metadata::default(),
    }
}

/// Creates the payment through the adapter: its token and hosted page.
async fn start(adapter: &MoneyFusion, receiver: &Receiver) -> (PaymentToken, String) {
    let request = adapter
        .initialize_payment(&payment(receiver))
        .expect("a valid payment");
    let created = adapter
        .read_created_payment(&send(request).await)
        .expect("MoneyFusion accepts it");
    (
        PaymentToken::parse(&created.provider_ref).unwrap(),
        created.checkout_url,
    )
}

/// The status call, checked against the sandbox's books.
async fn status_agrees(
    sandbox: &SandboxHandle,
    adapter: &MoneyFusion,
    token: &PaymentToken,
) -> PaymentStatus {
    let verification = adapter
        .read_payment_check(token, &send(adapter.check_payment(token)).await)
        .expect("a readable status");
    assert_eq!(verification.reference.as_deref(), Some(REFERENCE));
    assert_eq!(verification.amount, Some(due()));
    let settled = verification.settle(due());
    let truth = truth(sandbox.base_url(), "moneyfusion", token.as_str()).await;
    assert!(stage_matches(&truth, settled), "{truth} vs {settled:?}");
    assert_eq!(truth["status"], verification.provider_status);
    settled
}

/// The shopper follows the page's redirect; the edge reads the token that arrived.
async fn come_back(receiver: &Receiver, response: &reqwest::Response) -> PaymentToken {
    client().get(location(response)).send().await.unwrap();
    let arrived = receiver
        .wait_for(1, Duration::from_secs(5), |c| {
            c.path.starts_with("/return/moneyfusion")
        })
        .await;
    token_from_return_url(&format!("{}{}", receiver.url, arrived[0].path)).expect("a token")
}

/// The payin webhooks, read by the adapter, once `count` have come; each one worth a
/// status call is confirmed with it, as MoneyFusion's documentation asks.
async fn webhooks(
    sandbox: &SandboxHandle,
    receiver: &Receiver,
    adapter: &MoneyFusion,
    token: &PaymentToken,
    count: usize,
) -> Vec<PayinEvent> {
    let hooks = receiver
        .wait_for(count, Duration::from_secs(5), |c| {
            c.path == "/webhooks/moneyfusion"
        })
        .await;
    let mut current = PaymentStatus::Pending;
    let mut events = Vec::new();
    for hook in hooks {
        match webhook::parse(&hook.body).expect("a MoneyFusion notification") {
            Notification::Payin(event) => {
                assert_eq!(event.token(), token);
                if event.is_step_forward(current) {
                    let confirmed = adapter
                        .read_payment_check(token, &send(event.confirm_request(adapter)).await)
                        .unwrap();
                    current = confirmed.settle(due());
                }
                events.push(event.event());
            }
            other => panic!("not a payin event: {other:?}"),
        }
    }
    assert_eq!(current, status_agrees(sandbox, adapter, token).await);
    events
}

#[tokio::test]
async fn moneyfusion_paid_on_the_page_returns_with_the_token_and_every_webhook_confirms_paid() {
    let (sandbox, receiver, adapter) = moneyfusion().await;
    let (token, page) = start(&adapter, &receiver).await;
    assert_eq!(
        status_agrees(&sandbox, &adapter, &token).await,
        PaymentStatus::Pending
    );

    let response = press(&page, "pay", "orange", "0708889205").await;
    assert_eq!(come_back(&receiver, &response).await, token);
    assert_eq!(
        webhooks(&sandbox, &receiver, &adapter, &token, 3).await,
        [
            PayinEvent::Pending,
            PayinEvent::Pending,
            PayinEvent::Completed
        ]
    );
    assert_eq!(
        status_agrees(&sandbox, &adapter, &token).await,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn moneyfusion_declined_is_failed_and_cancelled_is_cancelled_after_the_same_webhook() {
    let (sandbox, receiver, adapter) = moneyfusion().await;
    let (token, page) = start(&adapter, &receiver).await;
    let response = press(&page, "decline", "orange", "0708889205").await;
    assert_eq!(come_back(&receiver, &response).await, token);
    assert_eq!(
        webhooks(&sandbox, &receiver, &adapter, &token, 2).await,
        [PayinEvent::Pending, PayinEvent::Cancelled]
    );
    assert_eq!(
        status_agrees(&sandbox, &adapter, &token).await,
        PaymentStatus::Failed,
        "failure, although the event says cancelled: the status call decides"
    );

    let receiver = Receiver::start().await;
    let (token, page) = start(&adapter, &receiver).await;
    let response = press(&page, "cancel", "", "").await;
    assert_eq!(come_back(&receiver, &response).await, token);
    assert_eq!(
        status_agrees(&sandbox, &adapter, &token).await,
        PaymentStatus::Cancelled
    );
}

#[tokio::test]
async fn moneyfusion_left_pending_repeats_its_pending_webhook_and_stays_pending() {
    let (sandbox, receiver, adapter) = moneyfusion().await;
    let (token, page) = start(&adapter, &receiver).await;
    let response = press(&page, "pending", "orange", "0708889205").await;
    assert_eq!(response.status(), 200, "a waiting page, no redirect");
    let events = webhooks(&sandbox, &receiver, &adapter, &token, 2).await;
    assert!(
        events.iter().all(|e| *e == PayinEvent::Pending),
        "{events:?}"
    );
    assert_eq!(
        status_agrees(&sandbox, &adapter, &token).await,
        PaymentStatus::Pending
    );
}

/// A withdrawal through the adapter: its `tokenPay`.
async fn withdraw(adapter: &MoneyFusion, receiver: &Receiver) -> String {
    let withdrawal = Withdrawal::parse(&WithdrawalInput {
        country: Some("ci".into()),
        method: Some("mtn-ci".into()),
        phone: Some("0701020304".into()),
        amount: Money::from_minor(1_000, Currency::XOF).unwrap(),
        webhook_url: Some(format!("{}/webhooks/moneyfusion-payout", receiver.url)),
    })
    .expect("a valid withdrawal");
    adapter
        .read_created_payout(&send(adapter.initialize_payout(&withdrawal).unwrap()).await)
        .expect("MoneyFusion accepts it")
        .provider_ref
}

/// The payout webhook about `token`, read by the adapter, checked against the truth.
async fn payout_outcome(
    sandbox: &SandboxHandle,
    receiver: &Receiver,
    token: &str,
) -> PaymentStatus {
    let hooks = receiver
        .wait_for(1, Duration::from_secs(5), |c| {
            c.path == "/webhooks/moneyfusion-payout" && c.json()["tokenPay"] == token
        })
        .await;
    let Notification::Payout(event) = webhook::parse(&hooks[0].body).unwrap() else {
        panic!("not a payout event");
    };
    let claimed = event.outcome_for(token).expect("our withdrawal's token");
    assert_eq!(event.outcome_for("someoneelse"), None);
    let truth = payout_truth(sandbox.base_url(), "moneyfusion", token).await;
    assert!(stage_matches(&truth, claimed), "{truth} vs {claimed:?}");
    claimed
}

#[tokio::test]
async fn moneyfusion_withdrawals_notify_completed_or_cancelled_as_the_truth_says() {
    let (sandbox, receiver, adapter) = moneyfusion().await;
    let token = withdraw(&adapter, &receiver).await;
    assert_eq!(
        payout_outcome(&sandbox, &receiver, &token).await,
        PaymentStatus::Succeeded
    );

    let changed = client()
        .patch(format!("{}/_sandbox/settings", sandbox.base_url()))
        .json(&json!({"payout_outcome": "failed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let token = withdraw(&adapter, &receiver).await;
    assert_eq!(
        payout_outcome(&sandbox, &receiver, &token).await,
        PaymentStatus::Failed
    );
}

#[tokio::test]
async fn moneyfusion_injected_500_and_429_are_retryable_and_never_show_the_api_url() {
    let (sandbox, receiver, adapter) = moneyfusion().await;
    let request = adapter.initialize_payment(&payment(&receiver)).unwrap();
    for kind in ["500", "429"] {
        add_fault(sandbox.base_url(), next_call("moneyfusion", kind)).await;
        let error = adapter
            .read_created_payment(&send(request.clone()).await)
            .unwrap_err();
        assert!(error.retryable, "{kind}: {error}");
        assert_eq!(error.http_status, Some(kind.parse().unwrap()));
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains(guichet::sandbox::config::DEFAULT_MONEYFUSION_KEY),
            "{shown}"
        );
    }
    let (token, _) = start(&adapter, &receiver).await;
    assert_eq!(
        status_agrees(&sandbox, &adapter, &token).await,
        PaymentStatus::Pending
    );
}
