//! Requests as values. A provider adapter builds an [`HttpRequest`] and reads an
//! [`HttpResponse`]; only a [`Transport`] does I/O. Adapters are therefore tested on
//! fixtures with no network, and the same adapter runs on every edge runtime.

use core::fmt;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send. Headers may carry a secret (Moneroo's bearer key), so `Debug`
/// hides header values and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The full URL. May itself be a credential (MoneyFusion's API URL): never log it whole,
    /// use [`redact_url`].
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body, empty for none.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request with no header and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body, as fixtures need.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// The first value of a header, by case-insensitive name.
pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No answer within the time allowed.
    Timeout,
    /// The connection failed (refused, reset, DNS). The text never holds the full URL.
    Network(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Timeout => f.write_str("the provider did not answer in time"),
            TransportError::Network(why) => write!(f, "network error: {why}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Sends requests. On wasm this is the global `fetch`; natively, a test client.
#[allow(async_fn_in_trait)] // wasm futures are not Send; callers are single-threaded.
pub trait Transport {
    /// Sends one request and waits for its response.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// The URL with its path and query hidden past the host: `https://pay.example/***`. For
/// logs and errors, since a URL may be a credential.
pub fn redact_url(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => format!("{}/***", &url[..after_scheme + slash]),
        None => url.to_owned(),
    }
}

/// Reads JSON into `T` through a [`serde_json::Value`]: the text parser is compiled once
/// for `Value`, and each type only adds its walk over a parsed tree, several times
/// smaller than a text parser of its own (serde_json monomorphizes the whole parser per
/// type). Same answers as `serde_json::from_slice`, except that a key given twice keeps
/// its last value.
pub fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    T::deserialize(serde_json::from_slice::<serde_json::Value>(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let request = HttpRequest::new(
            Method::Post,
            "https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
        )
        .header("Authorization", "Bearer sk_live_secret")
        .body(b"{\"secret\":1}".to_vec());
        let shown = format!("{request:?}");
        assert!(!shown.contains("sk_live_secret"), "{shown}");
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(
            shown.contains("https://www.pay.moneyfusion.net/***"),
            "{shown}"
        );
    }
}
