//! Clients: the companies that owe us money.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{NafCode, Siren, Siret, VatNumber};
use crate::money::Currency;
use crate::source::Source;
use crate::terms::PaymentTerms;

/// The identity of a client inside one dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClientId(pub i64);

/// A postal address (BG-8 / BG-5 shape).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    /// Street lines (BT-35, BT-36, BT-162).
    pub lines: Vec<String>,
    /// Postcode (BT-38).
    pub postcode: String,
    /// City (BT-37).
    pub city: String,
    /// ISO 3166-1 alpha-2 country code (BT-40).
    pub country: String,
}

/// A person to talk to at the client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// Role, e.g. "Comptabilité fournisseurs".
    pub role: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number, as written.
    pub phone: Option<String>,
}

/// A client of the company (a debtor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Identity in the dossier.
    pub id: ClientId,
    /// Legal name (BT-44).
    pub name: String,
    /// SIREN (BT-47, scheme 0002), when French.
    pub siren: Option<Siren>,
    /// SIRET of the invoiced establishment (scheme 0009).
    pub siret: Option<Siret>,
    /// VAT number (BT-48).
    pub vat: Option<VatNumber>,
    /// Legal form as SIRENE writes it (SAS, SARL, EI…).
    pub legal_form: Option<String>,
    /// NAF rév. 2 activity code (sector).
    pub naf: Option<NafCode>,
    /// Segment chosen by the company ("Grands comptes", "PME", "TPE"…).
    pub segment: String,
    /// The credit manager or salesperson who owns the account.
    pub owner: String,
    /// Postal address.
    pub address: PostalAddress,
    /// People to contact.
    pub contacts: Vec<Contact>,
    /// Agreed payment terms.
    pub terms: PaymentTerms,
    /// Usual invoicing currency.
    pub currency: Currency,
    /// Start of the business relationship.
    pub since: NaiveDate,
    /// A natural person (sole trader): personal data under the GDPR (legal-rules A.6).
    pub is_individual: bool,
    /// Where the record came from.
    pub source: Source,
}
