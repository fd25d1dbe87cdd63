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
//! label, and no amount. No clock: the date-times are the resolution's.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use encours_domain::LifecycleStatus;

/// What the message says.
pub(super) struct StatusMessage<'a> {
    /// 209 or 220.
    pub status: LifecycleStatus,
    /// MDT-78: the status date-time; also the message's (MDT-8).
    pub at: NaiveDateTime,
    /// The seller: SIREN and name.
    pub seller_siren: &'a str,
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

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The outbox kind of a status message: `cdar209`, `cdar220` (`cdar212` is the collection's).
pub(super) fn kind(status: LifecycleStatus) -> String {
    format!("cdar{}", status.code())
}

/// The CDAR message (UTF-8 XML).
pub(super) fn cdar(m: &StatusMessage<'_>) -> String {
    let code = m.status.code();
    let when = |at: NaiveDateTime| at.format("%Y%m%d%H%M%S").to_string();
    let mut x = String::with_capacity(3072);
    let mut line = |depth: usize, text: &str| {
        let _ = writeln!(x, "{:w$}{text}", "", w = depth * 2);
    };
    line(0, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    line(
        0,
        "<rsm:CrossDomainAcknowledgementAndResponse \
         xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" \
         xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\" \
         xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" \
         xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
    );
    line(1, "<rsm:ExchangedDocumentContext>");
    line(2, "<ram:BusinessProcessSpecifiedDocumentContextParameter>");
    line(3, "<ram:ID>REGULATED</ram:ID>");
    line(2, "</ram:BusinessProcessSpecifiedDocumentContextParameter>");
    line(2, "<ram:GuidelineSpecifiedDocumentContextParameter>");
    line(3, "<ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID>");
    line(2, "</ram:GuidelineSpecifiedDocumentContextParameter>");
    line(1, "</rsm:ExchangedDocumentContext>");
    line(1, "<rsm:ExchangedDocument>");
    // MDT-4, unique per message, as the AFNOR samples build it.
    let id = format!("{}_{code}_{}#{}_{}", m.number, when(m.at), m.type_code, m.issue_date.format("%Y%m%d"));
    line(2, &format!("<ram:ID>{}</ram:ID>", esc(&id)));
    line(2, "<ram:IssueDateTime>");
    line(3, &format!("<udt:DateTimeString format=\"204\">{}</udt:DateTimeString>", when(m.at)));
    line(2, "</ram:IssueDateTime>");
    line(2, "<ram:SenderTradeParty>");
    line(3, "<ram:RoleCode>WK</ram:RoleCode>");
    line(2, "</ram:SenderTradeParty>");
    line(2, "<ram:IssuerTradeParty>");
    line(3, &format!("<ram:GlobalID schemeID=\"0002\">{}</ram:GlobalID>", esc(m.seller_siren)));
    line(3, &format!("<ram:Name>{}</ram:Name>", esc(m.seller_name)));
    line(3, "<ram:RoleCode>SE</ram:RoleCode>");
    line(2, "</ram:IssuerTradeParty>");
    line(2, "<ram:RecipientTradeParty>");
    if let Some(siren) = m.buyer_siren {
        line(3, &format!("<ram:GlobalID schemeID=\"0002\">{}</ram:GlobalID>", esc(siren)));
    }
    line(3, &format!("<ram:Name>{}</ram:Name>", esc(m.buyer_name)));
    line(3, "<ram:RoleCode>BY</ram:RoleCode>");
    if let Some(siren) = m.buyer_siren {
        line(3, "<ram:URIUniversalCommunication>");
        line(4, &format!("<ram:URIID schemeID=\"0225\">{}</ram:URIID>", esc(siren)));
        line(3, "</ram:URIUniversalCommunication>");
    }
    line(2, "</ram:RecipientTradeParty>");
    line(1, "</rsm:ExchangedDocument>");
    line(1, "<rsm:AcknowledgementDocument>");
    line(2, "<ram:MultipleReferencesIndicator>");
    line(3, "<udt:Indicator>false</udt:Indicator>");
    line(2, "</ram:MultipleReferencesIndicator>");
    line(2, &format!("<ram:TypeCode>{}</ram:TypeCode>", m.status.phase().unwrap_or(23)));
    line(2, "<ram:IssueDateTime>");
    line(3, &format!("<udt:DateTimeString format=\"204\">{}</udt:DateTimeString>", when(m.at)));
    line(2, "</ram:IssueDateTime>");
    line(2, "<ram:ReferenceReferencedDocument>");
    line(3, &format!("<ram:IssuerAssignedID>{}</ram:IssuerAssignedID>", esc(m.number)));
    if let Some(untdid) = m.status.untdid_1373() {
        line(3, &format!("<ram:StatusCode>{untdid}</ram:StatusCode>"));
    }
    line(3, &format!("<ram:TypeCode>{}</ram:TypeCode>", m.type_code));
    line(3, "<ram:FormattedIssueDateTime>");
    line(4, &format!("<qdt:DateTimeString format=\"102\">{}</qdt:DateTimeString>", m.issue_date.format("%Y%m%d")));
    line(3, "</ram:FormattedIssueDateTime>");
    line(3, &format!("<ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>"));
    line(3, &format!("<ram:ProcessCondition>{}</ram:ProcessCondition>", esc(m.status.label_fr().unwrap_or(""))));
    line(3, "<ram:IssuerTradeParty>");
    line(4, &format!("<ram:GlobalID schemeID=\"0002\">{}</ram:GlobalID>", esc(m.seller_siren)));
    line(3, "</ram:IssuerTradeParty>");
    line(2, "</ram:ReferenceReferencedDocument>");
    line(1, "</rsm:AcknowledgementDocument>");
    line(0, "</rsm:CrossDomainAcknowledgementAndResponse>");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message reads back with Encours's own CDAR reader as the status, invoice and parties
    /// it was written for, like the AFNOR sample it follows.
    #[test]
    fn a_220_and_a_209_read_back_as_written() {
        let at: NaiveDateTime = "2026-11-23T09:30:00".parse().unwrap();
        for (code, untdid) in [(220u16, None), (209, Some("37"))] {
            let m = StatusMessage {
                status: LifecycleStatus::from_code(code),
                at,
                seller_siren: "552081317",
                seller_name: "ACME & Fils",
                buyer_siren: Some("404833048"),
                buyer_name: "Bœuf <Cœur>",
                number: "F202500006",
                type_code: 380,
                issue_date: at.date() - chrono::Days::new(30),
            };
            let xml = cdar(&m);
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
