//! The one payment status every provider's answer maps onto.

use serde::{Deserialize, Serialize};

/// Where a payment stands. `Pending` is the only state that may change; the four others
/// are final and never change back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// Created, or the shopper is paying: ask again later.
    Pending,
    /// Paid in full (or more), verified with the provider.
    Succeeded,
    /// Declined or failed.
    Failed,
    /// Cancelled by the shopper, or abandoned.
    Cancelled,
    /// The session's time ran out before payment.
    Expired,
}

/// What applying a new status to a current one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The status moves forward to the given one: record it (once).
    Advance(PaymentStatus),
    /// The same status again (a repeated notification): nothing to do.
    Unchanged,
    /// A final status would change: refused, the current one stands.
    Refused,
}

impl PaymentStatus {
    /// True for every status but `Pending`.
    pub fn is_final(self) -> bool {
        !matches!(self, PaymentStatus::Pending)
    }

    /// The wire name (`pending`, `succeeded`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Expired => "expired",
        }
    }

    /// Decides whether `next` may replace `self`: a final state never goes back, and a
    /// repeated state is not a change.
    pub fn transition(self, next: PaymentStatus) -> Transition {
        if self == next {
            Transition::Unchanged
        } else if self.is_final() {
            Transition::Refused
        } else {
            Transition::Advance(next)
        }
    }
}
