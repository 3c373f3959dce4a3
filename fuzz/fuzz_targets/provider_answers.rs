//! What the providers answer: each provider's creation and status answers, with any HTTP
//! status. The first byte picks the provider and the call, the second the status.
#![no_main]

#[path = "common.rs"]
mod common;

use guichet::domain::Provider;
use guichet::edge::connector::Connector;
use guichet::http::HttpResponse;
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 8] = [200, 201, 400, 401, 404, 422, 429, 500];

fuzz_target!(|data: &[u8]| {
    let [pick, status, body @ ..] = data else {
        return;
    };
    let config = common::config();
    let provider =
        [Provider::Moneroo, Provider::CinetPay, Provider::MoneyFusion][usize::from(*pick % 3)];
    let Some(connector) = Connector::of(&config, provider) else {
        return;
    };
    let mut response = HttpResponse::new(STATUSES[usize::from(*status % 8)], body.to_vec());
    response
        .headers
        .push(("content-type".into(), "application/json".into()));
    if pick / 3 % 2 == 0 {
        let _ = connector.read_created_payment(&response, "gs-0123456789abcdef01234567");
    } else {
        let reference = match provider {
            Provider::MoneyFusion => "0b1c2d3e4f5a6b7c8d9e0f1a",
            _ => "gs-0123456789abcdef01234567",
        };
        let _ = connector.read_payment_check(reference, &response);
    }
});
