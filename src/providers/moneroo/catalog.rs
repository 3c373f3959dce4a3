//! Method catalogs: which payment and payout methods exist, their currency, countries
//! and required fields. Public: no key is sent, and the path has no `/v1`.

use crate::http::{HttpRequest, HttpResponse, Method};
use crate::providers::ProviderError;

use super::wire::{MonerooMethod, MonerooMethodList};
use super::{bad_response, read_error, MonerooKeys};

/// Builds `GET /utils/payment/methods`.
pub fn payment_methods(keys: &MonerooKeys) -> HttpRequest {
    HttpRequest::new(Method::Get, keys.url("/utils/payment/methods"))
        .header("Accept", "application/json")
}

/// Builds `GET /utils/payout/methods`.
pub fn payout_methods(keys: &MonerooKeys) -> HttpRequest {
    HttpRequest::new(Method::Get, keys.url("/utils/payout/methods"))
        .header("Accept", "application/json")
}

/// Reads either catalog, in the usual envelope or as a bare list.
pub fn read_methods(response: &HttpResponse) -> Result<Vec<MonerooMethod>, ProviderError> {
    if !(200..300).contains(&response.status) {
        return Err(read_error(response));
    }
    let list: MonerooMethodList = crate::http::from_json(&response.body)
        .map_err(|e| bad_response(response.status, &format!("unreadable method catalog: {e}")))?;
    match list {
        MonerooMethodList::Bare(methods) => Ok(methods),
        MonerooMethodList::Envelope(envelope) => envelope
            .data
            .ok_or_else(|| bad_response(response.status, "the method catalog has no data")),
    }
}

/// The method with this short code, if the catalog has it.
pub fn find_method<'a>(
    catalog: &'a [MonerooMethod],
    short_code: &str,
) -> Option<&'a MonerooMethod> {
    catalog.iter().find(|m| m.short_code == short_code)
}
