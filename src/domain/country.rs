//! Countries, as ISO 3166-1 alpha-2 codes.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Every assigned ISO 3166-1 alpha-2 code, two letters each, sorted. One string rather
/// than a table of names keeps the browser bundle small (498 bytes).
const ASSIGNED: &str = concat!(
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZ",
    "BABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ",
    "CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZ",
    "DEDJDKDMDODZ",
    "ECEEEGEHERESET",
    "FIFJFKFMFOFR",
    "GAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGY",
    "HKHMHNHRHTHU",
    "IDIEILIMINIOIQIRISIT",
    "JEJMJOJP",
    "KEKGKHKIKMKNKPKRKWKYKZ",
    "LALBLCLILKLRLSLTLULVLY",
    "MAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZ",
    "NANCNENFNGNINLNONPNRNUNZ",
    "OM",
    "PAPEPFPGPHPKPLPMPNPRPSPTPWPY",
    "QA",
    "RERORSRURW",
    "SASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZ",
    "TCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZ",
    "UAUGUMUSUYUZ",
    "VAVCVEVGVIVNVU",
    "WFWS",
    "YEYT",
    "ZAZMZW",
);

/// Where `pair` is in ASSIGNED, counted in codes.
fn position(pair: [u8; 2]) -> Option<usize> {
    ASSIGNED.as_bytes().chunks_exact(2).position(|c| c == pair)
}

/// A country, by its ISO 3166-1 alpha-2 code (`CI`, `SN`, `CD`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

impl Country {
    /// Côte d'Ivoire.
    pub const CI: Country = Country(*b"CI");
    /// Bénin.
    pub const BJ: Country = Country(*b"BJ");
    /// Sénégal.
    pub const SN: Country = Country(*b"SN");
    /// Cameroun.
    pub const CM: Country = Country(*b"CM");
    /// Togo.
    pub const TG: Country = Country(*b"TG");
    /// Burkina Faso.
    pub const BF: Country = Country(*b"BF");
    /// Mali.
    pub const ML: Country = Country(*b"ML");
    /// Niger.
    pub const NE: Country = Country(*b"NE");
    /// Guinée.
    pub const GN: Country = Country(*b"GN");
    /// République démocratique du Congo.
    pub const CD: Country = Country(*b"CD");

    /// Reads a code, ignoring case and surrounding spaces; `None` for anything that is not
    /// an assigned ISO 3166-1 alpha-2 code.
    pub fn parse(code: &str) -> Option<Country> {
        let code = code.trim().as_bytes();
        let [a, b] = code else { return None };
        Country::from_code([a.to_ascii_uppercase(), b.to_ascii_uppercase()])
    }

    /// The country of an upper-case code's two bytes, if it is assigned.
    pub(crate) fn from_code(pair: [u8; 2]) -> Option<Country> {
        position(pair).map(|_| Country(pair))
    }

    /// The two-letter code: its place in ASSIGNED, so no UTF-8 check (and none of the
    /// code for one) is needed to read it as text.
    pub fn as_str(&self) -> &'static str {
        position(self.0)
            .and_then(|i| ASSIGNED.get(i * 2..i * 2 + 2))
            .unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Country::parse(&code).ok_or_else(|| format!("unknown country code \"{code}\""))
    }
}

impl From<Country> for String {
    fn from(country: Country) -> String {
        country.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_every_assigned_code_once_and_sorted() {
        let codes: Vec<&[u8]> = ASSIGNED.as_bytes().chunks_exact(2).collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn parse_accepts_codes_in_any_case_and_refuses_the_rest() {
        assert_eq!(Country::parse(" ci "), Some(Country::CI));
        assert_eq!(
            Country::parse("CD").map(|c| c.to_string()),
            Some("CD".into())
        );
        assert_eq!(Country::parse("XX"), None);
        assert_eq!(Country::parse("CIV"), None);
        assert_eq!(Country::parse("é"), None);
    }
}
