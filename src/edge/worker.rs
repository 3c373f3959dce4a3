//! The runtime binding: WinterCG `Request` in, `Response` out. The same export serves
//! workerd, Deno and Node; the JavaScript entry points in `js/edge/` only load the module
//! and pass the environment.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, Response, ResponseInit, Url};

use super::{route, Config, Incoming};

/// Answers one request. `env` holds the configuration as string properties (Workers
/// vars and secrets, `process.env`, `Deno.env.toObject()`).
#[wasm_bindgen]
pub async fn handle(request: Request, env: JsValue) -> Result<Response, JsValue> {
    let config = Config::from_env(|name| {
        Reflect::get(&env, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_string())
    });
    let incoming = read_request(&request).await?;
    let answer = route(&config, &incoming);

    let headers = Headers::new()?;
    for (name, value) in &answer.headers {
        headers.append(name, value)?;
    }
    let init = ResponseInit::new();
    init.set_status(answer.status);
    init.set_headers(&headers);
    let mut body = answer.body;
    let body = (!body.is_empty()).then_some(body.as_mut_slice());
    Response::new_with_opt_u8_array_and_init(body, &init)
}

async fn read_request(request: &Request) -> Result<Incoming, JsValue> {
    let method = request.method().to_ascii_uppercase();
    let path = Url::new(&request.url())?.pathname();
    let mut headers = Vec::new();
    if let Some(entries) = js_sys::try_iter(&request.headers())? {
        for entry in entries {
            let pair: Array = entry?.dyn_into()?;
            let name = pair.get(0).as_string().unwrap_or_default();
            let value = pair.get(1).as_string().unwrap_or_default();
            headers.push((name.to_ascii_lowercase(), value));
        }
    }
    let body = if matches!(method.as_str(), "GET" | "HEAD") {
        Vec::new()
    } else {
        let buffer = JsFuture::from(request.array_buffer()?).await?;
        Uint8Array::new(&buffer).to_vec()
    };
    Ok(Incoming {
        method,
        path,
        headers,
        body,
    })
}
