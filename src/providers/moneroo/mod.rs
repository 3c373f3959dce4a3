//! Moneroo: payments, payouts, webhooks and method catalogs.
