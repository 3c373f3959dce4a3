//! Provider notifications: Moneroo's signed JSON (signed here, so the parser behind the
//! signature is reached), CinetPay's payment and transfer forms, MoneyFusion's JSON;
//! each through its parser and through the route. The first byte picks the provider.
#![no_main]

#[path = "common.rs"]
mod common;

use guichet::edge::ledger::memory::MemoryLedger;
use guichet::http::{HttpRequest, Method};
use guichet::providers::{cinetpay, moneroo, moneyfusion};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let config = common::config();
    let ledger = MemoryLedger::new();
    match pick % 4 {
        0 => {
            let signature = moneroo::sign_webhook(common::MONEROO_WEBHOOK_SECRET, body);
            let request = common::incoming(
                "POST",
                "/api/webhooks/moneroo",
                "",
                &[("x-moneroo-signature", &signature)],
                body,
            );
            common::send(&config, &ledger, &request);
        }
        1 => {
            let form = HttpRequest::new(Method::Post, "").body(body.to_vec());
            if let Ok(cinetpay::Inbound::Received(notification)) =
                cinetpay::read_notification(&form)
            {
                let token = cinetpay::sign_notification(common::CINETPAY_SECRET_KEY, &notification);
                let request = common::incoming(
                    "POST",
                    "/api/webhooks/cinetpay",
                    "",
                    &[("x-token", &token)],
                    body,
                );
                common::send(&config, &ledger, &request);
            }
        }
        2 => {
            let form = HttpRequest::new(Method::Post, "").body(body.to_vec());
            let _ = cinetpay::read_transfer_notification(&form);
            let request =
                common::incoming("POST", "/api/webhooks/cinetpay/transfers", "", &[], body);
            common::send(&config, &ledger, &request);
        }
        _ => {
            let _ = moneyfusion::webhook::parse(body);
            let request = common::incoming("POST", "/api/webhooks/moneyfusion", "", &[], body);
            common::send(&config, &ledger, &request);
        }
    }
});
