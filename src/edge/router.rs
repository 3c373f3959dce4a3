//! Routes of the edge HTTP contract, as a pure function of the request.

use serde::Serialize;

use super::reply;
use super::Config;
use crate::http::HttpResponse;

/// A request as the router sees it, whatever the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The method, uppercase (`GET`, `POST`, `OPTIONS`).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Incoming {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }
}

#[derive(Serialize)]
struct Health {
    ok: bool,
    version: &'static str,
}

/// Answers one request.
pub fn route(config: &Config, request: &Incoming) -> HttpResponse {
    let origin = request.header("origin").map(str::to_owned);
    let mut response = answer(config, request);
    if let Some(origin) = origin.filter(|o| config.allows_origin(o)) {
        response
            .headers
            .push(("access-control-allow-origin".into(), origin));
        response.headers.push(("vary".into(), "Origin".into()));
    }
    response
}

fn answer(config: &Config, request: &Incoming) -> HttpResponse {
    let Some(path) = request
        .path
        .strip_prefix(&config.base_path)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    else {
        return reply::error(404, "not_found", "no such route");
    };
    match (request.method.as_str(), path) {
        ("OPTIONS", _) => preflight(config, request),
        ("GET", "/health") => reply::json(
            200,
            &Health {
                ok: true,
                version: crate::VERSION,
            },
        ),
        (_, "/health") => {
            let mut response = reply::error(405, "method_not_allowed", "use GET");
            response.headers.push(("allow".into(), "GET".into()));
            response
        }
        _ => reply::error(404, "not_found", "no such route"),
    }
}

/// A CORS preflight: allowed only for the configured origins.
fn preflight(config: &Config, request: &Incoming) -> HttpResponse {
    let allowed = request
        .header("origin")
        .is_some_and(|origin| config.allows_origin(origin));
    if !allowed {
        return reply::error(
            403,
            "origin_not_allowed",
            "this origin may not call the API",
        );
    }
    let mut response = HttpResponse::new(204, Vec::new());
    response.headers.extend([
        (
            "access-control-allow-methods".into(),
            "GET, POST, OPTIONS".into(),
        ),
        (
            "access-control-allow-headers".into(),
            "authorization, content-type, idempotency-key".into(),
        ),
        ("access-control-max-age".into(), "600".into()),
    ]);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, origin: Option<&str>) -> Incoming {
        Incoming {
            method: "GET".into(),
            path: path.into(),
            headers: origin
                .map(|o| vec![("origin".to_owned(), o.to_owned())])
                .unwrap_or_default(),
            body: Vec::new(),
        }
    }

    fn config() -> Config {
        Config::from_env(|name| {
            (name == "GUICHET_ALLOWED_ORIGINS").then(|| "https://shop.ci".into())
        })
    }

    #[test]
    fn health_answers_with_the_version_and_cors_only_for_allowed_origins() {
        let response = route(&config(), &get("/api/health", Some("https://shop.ci")));
        assert_eq!(response.status, 200);
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["ok"], true);
        assert_eq!(body["version"], crate::VERSION);
        assert_eq!(
            response.header_value("access-control-allow-origin"),
            Some("https://shop.ci")
        );

        let foreign = route(&config(), &get("/api/health", Some("https://evil.example")));
        assert_eq!(foreign.header_value("access-control-allow-origin"), None);
    }

    #[test]
    fn unknown_routes_and_methods_use_the_error_form() {
        for path in ["/api/nope", "/apihealth", "/health"] {
            let response = route(&config(), &get(path, None));
            assert_eq!(response.status, 404, "{path}");
            let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(body["error"]["code"], "not_found");
        }
        let mut post = get("/api/health", None);
        post.method = "POST".into();
        let response = route(&config(), &post);
        assert_eq!(response.status, 405);
        assert_eq!(response.header_value("allow"), Some("GET"));
    }

    #[test]
    fn preflight_is_refused_to_foreign_origins() {
        let mut request = get("/api/sessions", Some("https://evil.example"));
        request.method = "OPTIONS".into();
        assert_eq!(route(&config(), &request).status, 403);
        request.headers = vec![("origin".into(), "https://shop.ci".into())];
        let response = route(&config(), &request);
        assert_eq!(response.status, 204);
        assert_eq!(
            response.header_value("access-control-allow-origin"),
            Some("https://shop.ci")
        );
    }
}
