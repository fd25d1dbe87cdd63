//! The statuses a dispute's resolution sends to the platform (legal-rules B.2 status table): the
//! seller's **209 Complétée** when it supplies what the buyer's 207/208 asked for and the invoice
//! stays due, and **220 Annulée** on an invoice a corrective invoice (384) replaces ("F1 can then
//! receive status 220"; issued by the seller in the AFNOR sample UC4b). Both are queued in the
//! dossier's outbox, in the same unit of work as the resolution, as the CDAR D22B message the
//! platform takes, next to the 212 Encaissée of `collect.rs`.
//!
//! The message has the layout of the AFNOR sample `UC4b_F202500006_05-CDV-220_Annulee.xml`
//! (between platforms, profile `urn.cpro.gouv.fr:1p0:CDV:invoice`, process REGULATED): sender the
//! platform (role WK), issuer the seller (SE, SIREN scheme 0002), recipient the buyer (BY, its
//! SIREN as electronic address scheme 0225), processing phase 23 (MDT-77), the UNTDID 1373 code
//! when the status has one (MDT-88: 37 for 209; none for 220), MDT-105/106 the status and its
//! label, and no amount — written by the readers' CDAR writer
//! (`encours_readers::lifecycle::build_cdar_status`), the one that writes the 212. No clock: the
//! date-times are the resolution's.

use chrono::NaiveDateTime;
use encours_domain::{LifecycleStatus, Siren};
use encours_readers::lifecycle::{
    build_cdar_status, CdarBuildError, CdvFlow, Collected, InvoiceReference, OutParty, SchemedId,
};

/// What the message says.
pub(super) struct StatusMessage<'a> {
    /// 209 or 220.
    pub status: LifecycleStatus,
    /// MDT-78: the status date-time; also the message's (MDT-8).
    pub at: NaiveDateTime,
    /// The seller: SIREN and name.
    pub seller_siren: &'a Siren,
    /// Its name.
    pub seller_name: &'a str,
    /// The buyer, when its SIREN is known.
    pub buyer_siren: Option<&'a str>,
    /// Its name.
    pub buyer_name: &'a str,
    /// MDT-87 (BT-1).
    pub number: &'a str,
    /// MDT-91 (BT-3).
    pub type_code: u16,
    /// MDT-100 (BT-2).
    pub issue_date: chrono::NaiveDate,
}

/// The outbox kind of a status message: `cdar209`, `cdar220` (`cdar212` is the collection's).
pub(super) fn kind(status: LifecycleStatus) -> String {
    format!("cdar{}", status.code())
}

/// The CDAR message (UTF-8 XML): sender the platform (role WK only, as in the sample), issuer the
/// seller, recipient the buyer with its SIREN as electronic address (scheme 0225) when known.
pub(super) fn cdar(m: &StatusMessage<'_>) -> Result<String, CdarBuildError> {
    let when = m.at.format("%Y%m%d%H%M%S");
    // MDT-4, unique per message, as the AFNOR samples build it.
    let message_id =
        format!("{}_{}_{when}#{}_{}", m.number, m.status.code(), m.type_code, m.issue_date.format("%Y%m%d"));
    let buyer = OutParty {
        role: "BY".to_owned(),
        name: Some(m.buyer_name.to_owned()),
        global_id: m.buyer_siren.map(|s| SchemedId::new("0002", s)),
        electronic_address: m.buyer_siren.map(|s| SchemedId::new("0225", s)),
    };
    let input = Collected {
        message_id,
        message_name: None,
        flow: CdvFlow::BetweenPlatforms,
        issued_at: m.at,
        sender: OutParty::platform(None, None),
        issuer: OutParty::seller(m.seller_siren, m.seller_name),
        recipients: vec![buyer],
        invoice: InvoiceReference {
            number: m.number.to_owned(),
            type_code: m.type_code,
            issue_date: m.issue_date,
            seller_siren: m.seller_siren.clone(),
        },
        received_at: None,
        status_at: m.at,
        parts: Vec::new(),
    };
    build_cdar_status(m.status, &input)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message reads back with Encours's own CDAR reader as the status, invoice and parties
    /// it was written for, like the AFNOR sample it follows.
    #[test]
    fn a_220_and_a_209_read_back_as_written() {
        let at: NaiveDateTime = "2026-11-23T09:30:00".parse().unwrap();
        let seller = Siren::parse("552081317").unwrap();
        for (code, untdid) in [(220u16, None), (209, Some("37"))] {
            let m = StatusMessage {
                status: LifecycleStatus::from_code(code),
                at,
                seller_siren: &seller,
                seller_name: "ACME & Fils",
                buyer_siren: Some("404833048"),
                buyer_name: "Bœuf <Cœur>",
                number: "F202500006",
                type_code: 380,
                issue_date: at.date() - chrono::Days::new(30),
            };
            let xml = cdar(&m).unwrap();
            let read = encours_readers::lifecycle::read_cdar_bytes("out.xml", xml.as_bytes()).unwrap();
            let ack = &read.acknowledgements[0];
            assert_eq!(ack.status.code(), code);
            assert_eq!(ack.untdid_status.as_deref(), untdid);
            assert_eq!((ack.invoice_number.as_str(), ack.status_at), ("F202500006", Some(at)));
            assert_eq!(ack.invoice_issue_date, Some(m.issue_date));
            assert_eq!(ack.seller_siren.as_ref().map(|s| s.as_str()), Some("552081317"));
            assert_eq!(read.issuer.as_ref().and_then(|p| p.role.as_deref()), Some("SE"));
            assert_eq!(read.recipients[0].name.as_deref(), Some("Bœuf <Cœur>"));
            assert!(read.message_id.starts_with(&format!("F202500006_{code}_20261123093000#380_")));
            assert_eq!(kind(m.status), format!("cdar{code}"));
        }
    }
}
