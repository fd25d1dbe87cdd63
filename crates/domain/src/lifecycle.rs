//! Lifecycle statuses of the French e-invoicing reform (CDAR "cycle de vie", flux 6).
//!
//! The table is legal-rules.md B.2 (DGFiP external specifications v3.2 "Tableau 8", AFNOR
//! XP Z12-012/014). Unknown codes are kept verbatim ([`LifecycleStatus::Unknown`]); no label is
//! made up for them.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::invoice::InvoiceId;
use crate::money::Money;
use crate::source::Source;

/// Who sets a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusSetter {
    /// The issuer's platform (PA-E).
    IssuerPlatform,
    /// The receiver's platform (PA-R).
    ReceiverPlatform,
    /// Either platform (213 Rejetée, 500/501).
    Platform,
    /// The buyer (our client).
    Buyer,
    /// The seller (us).
    Seller,
    /// The buyer, or the seller for a refund (211) or a cancellation (220).
    BuyerOrSeller,
}

/// A lifecycle status code (MDT-105, `ram:ProcessConditionCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LifecycleStatus {
    /// 200 Déposée.
    Deposee,
    /// 201 Émise par la plateforme.
    EmiseParLaPlateforme,
    /// 202 Reçue par la plateforme.
    RecueParLaPlateforme,
    /// 203 Mise à disposition.
    MiseADisposition,
    /// 204 Prise en charge.
    PriseEnCharge,
    /// 205 Approuvée.
    Approuvee,
    /// 206 Approuvée partiellement.
    ApprouveePartiellement,
    /// 207 En litige.
    EnLitige,
    /// 208 Suspendue.
    Suspendue,
    /// 209 Complétée.
    Completee,
    /// 210 Refusée.
    Refusee,
    /// 211 Paiement transmis.
    PaiementTransmis,
    /// 212 Encaissée.
    Encaissee,
    /// 213 Rejetée.
    Rejetee,
    /// 220 Annulée.
    Annulee,
    /// 221 Erreur de routage.
    ErreurRoutage,
    /// 500 Recevable.
    Recevable,
    /// 501 Irrecevable.
    Irrecevable,
    /// A code outside the table, kept as received.
    Unknown(u16),
}

impl LifecycleStatus {
    /// Every known status, in code order.
    pub const ALL: [LifecycleStatus; 18] = [
        LifecycleStatus::Deposee,
        LifecycleStatus::EmiseParLaPlateforme,
        LifecycleStatus::RecueParLaPlateforme,
        LifecycleStatus::MiseADisposition,
        LifecycleStatus::PriseEnCharge,
        LifecycleStatus::Approuvee,
        LifecycleStatus::ApprouveePartiellement,
        LifecycleStatus::EnLitige,
        LifecycleStatus::Suspendue,
        LifecycleStatus::Completee,
        LifecycleStatus::Refusee,
        LifecycleStatus::PaiementTransmis,
        LifecycleStatus::Encaissee,
        LifecycleStatus::Rejetee,
        LifecycleStatus::Annulee,
        LifecycleStatus::ErreurRoutage,
        LifecycleStatus::Recevable,
        LifecycleStatus::Irrecevable,
    ];

    /// The status of a code; codes outside the table are [`LifecycleStatus::Unknown`].
    pub fn from_code(code: u16) -> LifecycleStatus {
        Self::ALL.iter().copied().find(|s| s.code() == code).unwrap_or(LifecycleStatus::Unknown(code))
    }

    /// The numeric code.
    pub fn code(&self) -> u16 {
        use LifecycleStatus::*;
        match *self {
            Deposee => 200,
            EmiseParLaPlateforme => 201,
            RecueParLaPlateforme => 202,
            MiseADisposition => 203,
            PriseEnCharge => 204,
            Approuvee => 205,
            ApprouveePartiellement => 206,
            EnLitige => 207,
            Suspendue => 208,
            Completee => 209,
            Refusee => 210,
            PaiementTransmis => 211,
            Encaissee => 212,
            Rejetee => 213,
            Annulee => 220,
            ErreurRoutage => 221,
            Recevable => 500,
            Irrecevable => 501,
            Unknown(c) => c,
        }
    }

    /// The official French label; `None` for unknown codes (show the code verbatim).
    pub fn label_fr(&self) -> Option<&'static str> {
        use LifecycleStatus::*;
        Some(match *self {
            Deposee => "Déposée",
            EmiseParLaPlateforme => "Émise par la plateforme",
            RecueParLaPlateforme => "Reçue par la plateforme",
            MiseADisposition => "Mise à disposition",
            PriseEnCharge => "Prise en charge",
            Approuvee => "Approuvée",
            ApprouveePartiellement => "Approuvée partiellement",
            EnLitige => "En litige",
            Suspendue => "Suspendue",
            Completee => "Complétée",
            Refusee => "Refusée",
            PaiementTransmis => "Paiement transmis",
            Encaissee => "Encaissée",
            Rejetee => "Rejetée",
            Annulee => "Annulée",
            ErreurRoutage => "Erreur de routage",
            Recevable => "Recevable",
            Irrecevable => "Irrecevable",
            Unknown(_) => return None,
        })
    }

    /// Phase (MDT-77): 305 transmission, 23 processing; `None` where the table gives none.
    pub fn phase(&self) -> Option<u16> {
        use LifecycleStatus::*;
        match *self {
            Deposee | EmiseParLaPlateforme | RecueParLaPlateforme | MiseADisposition | Rejetee => Some(305),
            PriseEnCharge
            | Approuvee
            | ApprouveePartiellement
            | EnLitige
            | Suspendue
            | Completee
            | Refusee
            | PaiementTransmis
            | Encaissee
            | Annulee => Some(23),
            ErreurRoutage | Recevable | Irrecevable | Unknown(_) => None,
        }
    }

    /// UNTDID 1373 status code (MDT-88), where the table gives one.
    pub fn untdid_1373(&self) -> Option<u16> {
        use LifecycleStatus::*;
        match *self {
            Deposee => Some(10),
            EmiseParLaPlateforme => Some(51),
            RecueParLaPlateforme => Some(43),
            MiseADisposition => Some(48),
            PriseEnCharge => Some(45),
            Approuvee => Some(1),
            ApprouveePartiellement => Some(49),
            EnLitige => Some(46),
            Suspendue => Some(39),
            Completee => Some(37),
            Refusee => Some(50),
            PaiementTransmis | Encaissee => Some(47),
            Rejetee => Some(8),
            _ => None,
        }
    }

    /// Who sets the status; `None` for unknown codes.
    pub fn setter(&self) -> Option<StatusSetter> {
        use LifecycleStatus::*;
        Some(match *self {
            Deposee | EmiseParLaPlateforme => StatusSetter::IssuerPlatform,
            RecueParLaPlateforme | MiseADisposition | ErreurRoutage => StatusSetter::ReceiverPlatform,
            Rejetee | Recevable | Irrecevable => StatusSetter::Platform,
            PriseEnCharge | Approuvee | ApprouveePartiellement | EnLitige | Suspendue | Refusee => StatusSetter::Buyer,
            Completee | Encaissee => StatusSetter::Seller,
            PaiementTransmis | Annulee => StatusSetter::BuyerOrSeller,
            Unknown(_) => return None,
        })
    }

    /// One of the four statuses that must reach the PPF (200, 210, 213, and 212 when VAT is due
    /// on receipt — XP Z12-014 §4.2).
    pub fn mandatory_to_ppf(&self) -> bool {
        matches!(
            self,
            LifecycleStatus::Deposee | LifecycleStatus::Refusee | LifecycleStatus::Rejetee | LifecycleStatus::Encaissee
        )
    }

    /// After 210 Refusée or 213 Rejetée the invoice is void: no dunning, an internal credit note.
    pub fn voids_invoice(&self) -> bool {
        matches!(self, LifecycleStatus::Refusee | LifecycleStatus::Rejetee)
    }

    /// Statuses that pause dunning while they stand (207 En litige, 208 Suspendue).
    pub fn pauses_dunning(&self) -> bool {
        matches!(self, LifecycleStatus::EnLitige | LifecycleStatus::Suspendue)
    }
}

impl Serialize for LifecycleStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.code())
    }
}

impl<'de> Deserialize<'de> for LifecycleStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LifecycleStatus::from_code(u16::deserialize(d)?))
    }
}

/// An amount carried by a status (MDG-43: MEN collected, MPA paid, MAP approved…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusAmount {
    /// MDT-207 characteristic type code (MEN, MPA, RAP, MAP, MNA…).
    pub type_code: String,
    /// MDT-215 amount.
    pub amount: Money,
    /// MDT-224 VAT rate, in percent, when given.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub vat_rate: Option<Decimal>,
}

/// A status received (or sent) for one invoice, kept in its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The status.
    pub status: LifecycleStatus,
    /// Status date-time (MDT-78).
    pub at: NaiveDateTime,
    /// MDT-113 reason code.
    pub reason_code: Option<String>,
    /// MDT-114 reason text.
    pub reason: Option<String>,
    /// MDT-121 requested action code.
    pub action_code: Option<String>,
    /// MDT-122 requested action text.
    pub action: Option<String>,
    /// MDG-43 amounts.
    pub amounts: Vec<StatusAmount>,
    /// Where the record came from.
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_round_trips_and_matches_b2() {
        for s in LifecycleStatus::ALL {
            assert_eq!(LifecycleStatus::from_code(s.code()), s);
            assert!(s.label_fr().is_some(), "{} has a label", s.code());
            assert!(s.setter().is_some(), "{} has a setter", s.code());
        }
        assert_eq!(LifecycleStatus::from_code(207).label_fr(), Some("En litige"));
        assert_eq!(LifecycleStatus::from_code(208).label_fr(), Some("Suspendue"), "not the third-party label");
        assert_eq!(LifecycleStatus::Encaissee.setter(), Some(StatusSetter::Seller));
        assert_eq!(LifecycleStatus::MiseADisposition.setter(), Some(StatusSetter::ReceiverPlatform));
        assert_eq!(LifecycleStatus::EnLitige.untdid_1373(), Some(46));
        assert_eq!(LifecycleStatus::Rejetee.phase(), Some(305));
        let mandatory: Vec<u16> =
            LifecycleStatus::ALL.iter().filter(|s| s.mandatory_to_ppf()).map(|s| s.code()).collect();
        assert_eq!(mandatory, vec![200, 210, 212, 213]);
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let s = LifecycleStatus::from_code(299);
        assert_eq!(s, LifecycleStatus::Unknown(299));
        assert_eq!(s.code(), 299);
        assert_eq!(s.label_fr(), None, "no made-up label");
        assert_eq!(serde_json::to_string(&s).unwrap(), "299");
    }
}
