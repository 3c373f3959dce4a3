//! MoneyFusion: payments, status, webhooks, withdrawals.
