//! The edge side inside WebAssembly, run by Node: the domain judges the checkout stories
//! exactly as it does natively, and the `fetch` handler answers real `Request` objects.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn checkout_stories_are_judged_as_natively() {
    for story in common::stories() {
        assert_eq!(
            common::judge(&story.request),
            story.violations,
            "{}",
            story.story
        );
    }
}

#[cfg(feature = "edge")]
mod edge {
    use js_sys::{Object, Reflect};
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The two helpers of js/edge/guard.js's `io` that `GET /health` uses, written the
    /// same way: the settings check and the `Response`.
    fn io() -> guichet::edge::worker::Io {
        let io = Object::new();
        let same = js_sys::Function::new_with_args(
            "env, keys, values",
            "for (let i = 0; i < keys.length; i++) if (Object(env)[keys[i]] !== values[i]) return false; return true;",
        );
        let respond = js_sys::Function::new_with_args(
            "status, head, body",
            "const headers = {}; const lines = head.split('\\n'); \
             for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1]; \
             return new Response(body.length > 0 ? body.slice() : null, { status, headers });",
        );
        Reflect::set(&io, &"same".into(), &same).unwrap();
        Reflect::set(&io, &"respond".into(), &respond).unwrap();
        wasm_bindgen::JsCast::unchecked_into(io)
    }

    #[wasm_bindgen_test]
    async fn the_fetch_handler_answers_health_with_cors_for_allowed_origins() {
        // What guard.js reads of `GET /api/health` with an `Origin`: method, path, query,
        // then each header's name and value.
        let head = "GET\n/api/health\n\norigin\nhttps://shop.ci".to_owned();
        let env = Object::new();
        Reflect::set(
            &env,
            &"GUICHET_ALLOWED_ORIGINS".into(),
            &"https://shop.ci".into(),
        )
        .unwrap();

        let response = guichet::edge::worker::handle(
            head,
            JsValue::UNDEFINED,
            env.into(),
            JsValue::UNDEFINED,
            io(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("access-control-allow-origin")
                .unwrap()
                .as_deref(),
            Some("https://shop.ci")
        );
        let body = JsFuture::from(response.json().unwrap()).await.unwrap();
        assert_eq!(Reflect::get(&body, &"ok".into()).unwrap(), JsValue::TRUE);
        assert_eq!(
            Reflect::get(&body, &"version".into())
                .unwrap()
                .as_string()
                .as_deref(),
            Some(guichet::VERSION)
        );
    }
}

/// The provider adapters' parsers, compiled to wasm, read the providers' answers as they do
/// natively.
#[cfg(feature = "edge")]
mod adapters {
    use guichet::domain::{Currency, Money, PaymentStatus};
    use guichet::http::HttpResponse;
    use guichet::providers::moneyfusion::{ApiUrl, MoneyFusion, MoneyFusionConfig, PaymentToken};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn moneyfusion_status_paid_is_read_inside_wasm() {
        let url = ApiUrl::parse("https://www.pay.moneyfusion.net/Boutique/0123456789abcdef/pay/")
            .unwrap();
        let adapter = MoneyFusion::new(MoneyFusionConfig::new(url));
        let token = PaymentToken::parse("Le4Cnmm1Ac9yTgZMKQbz").unwrap();
        let body = include_bytes!("fixtures/moneyfusion/status_paid.json");
        let verification = adapter
            .read_payment_check(&token, &HttpResponse::new(200, body.to_vec()))
            .unwrap();
        assert_eq!(verification.status, PaymentStatus::Succeeded);
        let due = Money::from_major(2500, Currency::XOF).unwrap();
        assert_eq!(verification.amount, Some(due));
        assert_eq!(verification.settle(due), PaymentStatus::Succeeded);
    }

    #[wasm_bindgen_test]
    fn moneroo_verification_and_webhook_signature_work_inside_wasm() {
        use guichet::providers::moneroo::{
            read_payment_check, sign_webhook, verify_webhook, MonerooKeys,
        };
        let body = include_bytes!("fixtures/moneroo/payment_verify_success.json");
        let verification = read_payment_check(&HttpResponse::new(200, body.to_vec())).unwrap();
        assert_eq!(verification.status, PaymentStatus::Succeeded);

        let keys = MonerooKeys::new("sk_test").with_webhook_secret("whsec_test");
        let event = include_bytes!("fixtures/moneroo/webhook_payment_success.json");
        let signature = sign_webhook("whsec_test", event);
        assert!(verify_webhook(&keys, event, Some(&signature)).is_ok());
        let mut tampered = event.to_vec();
        tampered[10] ^= 1;
        assert!(verify_webhook(&keys, &tampered, Some(&signature)).is_err());
    }

    #[wasm_bindgen_test]
    fn cinetpay_check_reads_a_string_amount_inside_wasm() {
        use guichet::providers::cinetpay::{Cinetpay, Keys};
        let adapter = Cinetpay::new(Keys::new("apikey", "445160", "secret"));
        let body = include_bytes!("fixtures/cinetpay/check_accepted.json");
        let verification = adapter
            .read_payment_check(&HttpResponse::new(200, body.to_vec()), "ord-20240915-0042")
            .unwrap();
        assert_eq!(verification.status, PaymentStatus::Succeeded);
        assert_eq!(
            verification.amount,
            Some(Money::from_major(2500, Currency::XOF).unwrap())
        );
    }
}
