//! The storefront SDK: redirect and seamless checkout.
