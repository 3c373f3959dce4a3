//! The shop's vocabulary, shared by the storefront and the backend.
//!
//! Pure values and rules: no I/O, no clock, no secrets. Both WebAssembly bundles compile
//! this module, so a cart the storefront accepts is a cart the backend accepts.

pub mod calendar;
pub mod checkout;
pub mod country;
pub mod customer;
pub mod lang;
pub mod money;
pub mod order;
pub mod phone;
pub mod provider;
pub mod status;
pub mod validation;

pub use checkout::{Basket, Checkout, CheckoutInput};
pub use country::Country;
pub use customer::{Customer, CustomerInput, CustomerRules};
pub use lang::Lang;
pub use money::{Currency, Money, MoneyError};
pub use order::{CartLine, LineItem, Metadata, Order};
pub use phone::Phone;
pub use provider::Provider;
pub use status::{PaymentStatus, Transition};
pub use validation::{Message, Violation, Violations};

#[cfg(all(test, not(target_arch = "wasm32")))]
mod text_tests;
