//! The payment providers Guichet speaks to.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::customer::CustomerRules;

/// A payment provider. The wire name is the lowercase brand (`moneroo`, `cinetpay`,
/// `moneyfusion`), as in the edge routes `/webhooks/<provider>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Moneroo, a payment orchestrator across West, Central and East Africa.
    Moneroo,
    /// CinetPay, classic checkout API.
    #[serde(rename = "cinetpay")]
    CinetPay,
    /// MoneyFusion (FusionPay).
    #[serde(rename = "moneyfusion")]
    MoneyFusion,
}

impl Provider {
    /// Every provider, in a stable order.
    pub const ALL: [Provider; 3] = [Provider::Moneroo, Provider::CinetPay, Provider::MoneyFusion];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Moneroo => "moneroo",
            Provider::CinetPay => "cinetpay",
            Provider::MoneyFusion => "moneyfusion",
        }
    }

    /// The customer fields this provider needs. `card` is true when the shopper may pay by
    /// card, where CinetPay asks for the full postal identity.
    pub fn customer_rules(self, card: bool) -> CustomerRules {
        match self {
            // initialize requires customer.email, first_name and last_name.
            Provider::Moneroo => CustomerRules {
                email: true,
                names: true,
                phone: false,
                postal_address: false,
            },
            // Mobile money needs nothing; card payments need the whole identity.
            Provider::CinetPay => CustomerRules {
                email: card,
                names: card,
                phone: card,
                postal_address: card,
            },
            // numeroSend and nomclient are required.
            Provider::MoneyFusion => CustomerRules {
                email: false,
                names: true,
                phone: true,
                postal_address: false,
            },
        }
    }

    /// Reads a wire name, ignoring case.
    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
