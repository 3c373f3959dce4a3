//! CinetPay, classic checkout API: payments, checks, notifications, transfers.
