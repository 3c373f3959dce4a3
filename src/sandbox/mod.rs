//! A local stand-in for Moneroo, CinetPay and MoneyFusion.
