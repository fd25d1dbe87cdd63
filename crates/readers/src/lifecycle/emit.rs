//! Writing the 212 Encaissée status (legal-rules B.2, checklist 14): when the seller owes VAT on
//! receipt (services without the débits option, every down-payment invoice), it must send one 212
//! per partial or total collection, with one MDG-43 characteristic per VAT rate: MDT-207 `MEN`,
//! MDT-215 the amount collected including VAT, MDT-224 the VAT rate (BR-FR-CDV-14).
//!
//! The layout is the one of legal-rules B.2 ("Minimal structure of a 212 message") and of the
//! AFNOR samples `UC1_F202500003_07-CDV-212_Encaissee.xml` (between platforms) and its
//! `_POUR_PPF` variant (towards the PPF): same namespaces, same elements in the same order. Nothing
//! here reads the clock: every date-time is passed in.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};
use encours_domain::{Currency, Invoice, LifecycleStatus, Money, Siren};
use rust_decimal::Decimal;

/// The CDAR root namespace (UN/CEFACT D22B).
const NS_RSM: &str = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100";
const NS_RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const NS_UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";
const NS_QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Where the message goes, which sets its profile (MDT-3, BR-FR-CDV-02).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CdvFlow {
    /// Between platforms and to the buyer: profile `urn.cpro.gouv.fr:1p0:CDV:invoice`, business
    /// process (MDT-2) `REGULATED`.
    BetweenPlatforms,
    /// To the PPF data concentrator: profile `urn.cpro.gouv.fr:1p0:CDV:einvoicingF2`, no business
    /// process, and the profile repeated as the reference type code (as in the AFNOR `_POUR_PPF`
    /// sample).
    ToPpf,
}

impl CdvFlow {
    /// The profile identifier (MDT-3).
    pub fn guideline_id(&self) -> &'static str {
        match self {
            CdvFlow::BetweenPlatforms => "urn.cpro.gouv.fr:1p0:CDV:invoice",
            CdvFlow::ToPpf => "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2",
        }
    }
}

/// An identifier with its scheme (`0002` SIREN, `0238` platform, `0225` electronic address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemedId {
    /// The `schemeID`.
    pub scheme: String,
    /// The identifier.
    pub id: String,
}

impl SchemedId {
    /// An identifier in a scheme.
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> SchemedId {
        SchemedId { scheme: scheme.into(), id: id.into() }
    }
}

/// A party of the message (MDG-3 sender, MDG-6 issuer, MDG-9 recipients).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutParty {
    /// UNCL 3035 role: `WK` platform, `SE` seller, `BY` buyer, `DFH` PPF.
    pub role: String,
    /// Name.
    pub name: Option<String>,
    /// `GlobalID` with its scheme.
    pub global_id: Option<SchemedId>,
    /// `URIUniversalCommunication/URIID`: the electronic address, scheme `0225`.
    pub electronic_address: Option<SchemedId>,
}

impl OutParty {
    /// A platform sending the message (role `WK`), as in the AFNOR sample where the sender gives
    /// only its role; `id` is its platform number (scheme `0238`) when it has one.
    pub fn platform(name: Option<&str>, id: Option<&str>) -> OutParty {
        OutParty {
            role: "WK".to_owned(),
            name: name.map(str::to_owned),
            global_id: id.map(|i| SchemedId::new("0238", i)),
            electronic_address: None,
        }
    }

    /// The seller issuing the status (role `SE`), identified by its SIREN (scheme `0002`).
    pub fn seller(siren: &Siren, name: &str) -> OutParty {
        OutParty {
            role: "SE".to_owned(),
            name: Some(name.to_owned()),
            global_id: Some(SchemedId::new("0002", siren.as_str())),
            electronic_address: None,
        }
    }

    /// The buyer (role `BY`), by SIREN, with its electronic address (scheme `0225`) when known.
    pub fn buyer(siren: &Siren, name: &str, electronic_address: Option<&str>) -> OutParty {
        OutParty {
            role: "BY".to_owned(),
            name: Some(name.to_owned()),
            global_id: Some(SchemedId::new("0002", siren.as_str())),
            electronic_address: electronic_address.map(|a| SchemedId::new("0225", a)),
        }
    }

    /// The PPF data concentrator (role `DFH`, platform `9998`, scheme `0238`; legal-rules B.1).
    pub fn ppf() -> OutParty {
        OutParty {
            role: "DFH".to_owned(),
            name: Some("PPF".to_owned()),
            global_id: Some(SchemedId::new("0238", "9998")),
            electronic_address: None,
        }
    }
}

/// The invoice a status is about: BT-1 + BT-3 + BT-2 + seller SIREN (legal-rules B.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceReference {
    /// MDT-87, the invoice number (BT-1).
    pub number: String,
    /// MDT-91, the invoice type code (BT-3).
    pub type_code: u16,
    /// MDT-100, the invoice issue date (BT-2), written in format 102.
    pub issue_date: NaiveDate,
    /// MDT-129, the seller's SIREN (scheme `0002`).
    pub seller_siren: Siren,
}

/// The amount collected at one VAT rate (one MDG-43 `MEN` characteristic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectedPart {
    /// MDT-215, the amount collected including VAT.
    pub amount: Money,
    /// MDT-224, the VAT rate in percent (`20`, `5.5`, `0`).
    pub vat_rate: Decimal,
}

/// Everything a 212 Encaissée message says. One message per collection, partial or total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collected {
    /// MDT-4, the message identifier (unique per message; the AFNOR samples use
    /// `<invoice>_212_<receipt date-time>#<type>_<invoice date>`).
    pub message_id: String,
    /// MDT-5, the message name, when wanted.
    pub message_name: Option<String>,
    /// The flow, which sets the profile.
    pub flow: CdvFlow,
    /// MDT-8, when the message is created (passed in; never read from the clock here).
    pub issued_at: NaiveDateTime,
    /// MDG-3, the platform sending the message.
    pub sender: OutParty,
    /// MDG-6, who sets the status: the seller, our company ([`OutParty::seller`]).
    pub issuer: OutParty,
    /// MDG-9, the recipients: the buyer and, when VAT is due on receipt, the PPF.
    pub recipients: Vec<OutParty>,
    /// The invoice collected.
    pub invoice: InvoiceReference,
    /// MDT-95, when the invoice was deposited (its 200 Déposée date-time), when known.
    pub received_at: Option<NaiveDateTime>,
    /// MDT-78, the status date-time: when the money was collected.
    pub status_at: NaiveDateTime,
    /// The amount collected per VAT rate (at least one for a 212; [`split_by_vat_rate`] computes
    /// them). Empty for the statuses without amounts [`build_cdar_status`] writes.
    pub parts: Vec<CollectedPart>,
}

/// Why a 212 message or a VAT split could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CdarBuildError {
    /// A field the message needs is empty.
    #[error("the CDAR message needs {0}")]
    Missing(&'static str),
    /// No amount collected (BR-FR-CDV-14 asks for at least one MEN characteristic).
    #[error("a 212 Encaissée carries at least one collected amount per VAT rate (BR-FR-CDV-14); none given")]
    NoAmount,
    /// Two parts at the same VAT rate.
    #[error("the collected amount is given twice at the VAT rate {0} %")]
    DuplicateRate(Decimal),
    /// Parts in different currencies.
    #[error("the collected amounts mix {0} and {1}")]
    MixedCurrencies(Currency, Currency),
    /// A negative amount: a 212 records money received.
    #[error("the collected amount {0} is negative; cancelling a collection (reason ANNUL_ENC) is not supported")]
    Negative(Money),
    /// A VAT rate out of 0..=100.
    #[error("the VAT rate {0} % is not a percentage")]
    BadRate(Decimal),
    /// The VAT split cannot be computed.
    #[error("cannot split the collection by VAT rate: {0}")]
    Split(String),
}

/// Text escaped for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and line breaks are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A decimal with at least `min_scale` fraction digits (`20` → `20.00`), more kept as given.
fn decimal(d: Decimal, min_scale: u32) -> String {
    let mut d = d.normalize();
    if d.scale() < min_scale {
        d.rescale(min_scale);
    }
    d.to_string()
}

/// A small indenting XML writer; date-times are UN/CEFACT `DateTimeString`s in format 204
/// (`CCYYMMDDHHMMSS`), the invoice date in format 102 (`CCYYMMDD`).
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn open(&mut self, name: &str) {
        let _ = writeln!(self.out, "{:w$}<{name}>", "", w = self.depth * 2);
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        let _ = writeln!(self.out, "{:w$}</{name}>", "", w = self.depth * 2);
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        let _ = write!(self.out, "{:w$}<{name}", "", w = self.depth * 2);
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"{}\"", esc(v));
        }
        let _ = writeln!(self.out, ">{}</{name}>", esc(text));
    }

    fn date_time(&mut self, name: &str, at: NaiveDateTime) {
        self.open(name);
        self.leaf("udt:DateTimeString", &[("format", "204")], &at.format("%Y%m%d%H%M%S").to_string());
        self.close(name);
    }

    fn party(&mut self, name: &str, p: &OutParty) {
        self.open(name);
        if let Some(g) = &p.global_id {
            self.leaf("ram:GlobalID", &[("schemeID", &g.scheme)], &g.id);
        }
        if let Some(n) = &p.name {
            self.leaf("ram:Name", &[], n);
        }
        self.leaf("ram:RoleCode", &[], &p.role);
        if let Some(a) = &p.electronic_address {
            self.open("ram:URIUniversalCommunication");
            self.leaf("ram:URIID", &[("schemeID", &a.scheme)], &a.id);
            self.close("ram:URIUniversalCommunication");
        }
        self.close(name);
    }
}

fn check_header(input: &Collected) -> Result<(), CdarBuildError> {
    if input.message_id.trim().is_empty() {
        return Err(CdarBuildError::Missing("a message identifier (MDT-4)"));
    }
    if input.invoice.number.trim().is_empty() {
        return Err(CdarBuildError::Missing("the invoice number (MDT-87, BT-1)"));
    }
    if input.issuer.role.trim().is_empty() || input.sender.role.trim().is_empty() {
        return Err(CdarBuildError::Missing("a role code for the sender and the issuer"));
    }
    if input.recipients.is_empty() {
        return Err(CdarBuildError::Missing("at least one recipient (MDG-9)"));
    }
    Ok(())
}

fn check(input: &Collected) -> Result<(), CdarBuildError> {
    check_header(input)?;
    let Some(first) = input.parts.first() else { return Err(CdarBuildError::NoAmount) };
    for (i, p) in input.parts.iter().enumerate() {
        if p.amount.currency != first.amount.currency {
            return Err(CdarBuildError::MixedCurrencies(first.amount.currency, p.amount.currency));
        }
        if p.amount.is_negative() {
            return Err(CdarBuildError::Negative(p.amount));
        }
        if p.vat_rate.is_sign_negative() && !p.vat_rate.is_zero() || p.vat_rate > Decimal::ONE_HUNDRED {
            return Err(CdarBuildError::BadRate(p.vat_rate));
        }
        if input.parts.iter().take(i).any(|q| q.vat_rate == p.vat_rate) {
            return Err(CdarBuildError::DuplicateRate(p.vat_rate));
        }
    }
    Ok(())
}

/// Writes the CDAR D22B 212 Encaissée message of a collection (legal-rules B.2): the UTF-8 XML
/// text, with the namespaces and element order of the AFNOR samples, status code 212 (MDT-105)
/// with its label, UNTDID 1373 code 47 (MDT-88), processing phase 23 (MDT-77), and one `MEN`
/// characteristic per VAT rate, amounts rounded to the currency's minor unit.
pub fn build_cdar_212(input: &Collected) -> Result<String, CdarBuildError> {
    check(input)?;
    Ok(write_cdar(LifecycleStatus::Encaissee, input))
}

/// Writes the CDAR D22B message of a status the seller sends without amounts — 209 Complétée,
/// 220 Annulée (legal-rules B.2 status table; layout of the AFNOR sample
/// `UC4b_F202500006_05-CDV-220_Annulee.xml`): the same message as a 212, the status's UNTDID 1373
/// code when it has one (MDT-88: 37 for 209, none for 220), and no characteristic. A 212 goes
/// through [`build_cdar_212`], which checks its amounts.
pub fn build_cdar_status(status: LifecycleStatus, input: &Collected) -> Result<String, CdarBuildError> {
    if status == LifecycleStatus::Encaissee {
        return build_cdar_212(input);
    }
    check_header(input)?;
    if !input.parts.is_empty() {
        return Err(CdarBuildError::Split(format!("a {} status carries no collected amount", status.code())));
    }
    Ok(write_cdar(status, input))
}

fn write_cdar(status: LifecycleStatus, input: &Collected) -> String {
    let mut x = Xml { out: String::with_capacity(4096), depth: 0 };
    x.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x.out,
        "<rsm:CrossDomainAcknowledgementAndResponse xmlns:qdt=\"{NS_QDT}\" xmlns:udt=\"{NS_UDT}\" \
         xmlns:ram=\"{NS_RAM}\" xmlns:rsm=\"{NS_RSM}\" xmlns:xsi=\"{NS_XSI}\">"
    );
    x.depth = 1;
    x.open("rsm:ExchangedDocumentContext");
    if input.flow == CdvFlow::BetweenPlatforms {
        x.open("ram:BusinessProcessSpecifiedDocumentContextParameter");
        x.leaf("ram:ID", &[], "REGULATED");
        x.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
    }
    x.open("ram:GuidelineSpecifiedDocumentContextParameter");
    x.leaf("ram:ID", &[], input.flow.guideline_id());
    x.close("ram:GuidelineSpecifiedDocumentContextParameter");
    x.close("rsm:ExchangedDocumentContext");

    x.open("rsm:ExchangedDocument");
    x.leaf("ram:ID", &[], &input.message_id);
    if let Some(n) = &input.message_name {
        x.leaf("ram:Name", &[], n);
    }
    x.date_time("ram:IssueDateTime", input.issued_at);
    x.party("ram:SenderTradeParty", &input.sender);
    x.party("ram:IssuerTradeParty", &input.issuer);
    for r in &input.recipients {
        x.party("ram:RecipientTradeParty", r);
    }
    x.close("rsm:ExchangedDocument");

    x.open("rsm:AcknowledgementDocument");
    x.open("ram:MultipleReferencesIndicator");
    x.leaf("udt:Indicator", &[], "false");
    x.close("ram:MultipleReferencesIndicator");
    x.leaf("ram:TypeCode", &[], &status.phase().unwrap_or(23).to_string());
    x.date_time("ram:IssueDateTime", input.status_at);
    x.open("ram:ReferenceReferencedDocument");
    let inv = &input.invoice;
    x.leaf("ram:IssuerAssignedID", &[], &inv.number);
    if let Some(code) = status.untdid_1373() {
        x.leaf("ram:StatusCode", &[], &code.to_string());
    }
    x.leaf("ram:TypeCode", &[], &inv.type_code.to_string());
    if let Some(at) = input.received_at {
        x.date_time("ram:ReceiptDateTime", at);
    }
    if input.flow == CdvFlow::ToPpf {
        x.leaf("ram:ReferenceTypeCode", &[], input.flow.guideline_id());
    }
    x.open("ram:FormattedIssueDateTime");
    x.leaf("qdt:DateTimeString", &[("format", "102")], &inv.issue_date.format("%Y%m%d").to_string());
    x.close("ram:FormattedIssueDateTime");
    x.leaf("ram:ProcessConditionCode", &[], &status.code().to_string());
    x.leaf("ram:ProcessCondition", &[], status.label_fr().unwrap_or_default());
    x.open("ram:IssuerTradeParty");
    x.leaf("ram:GlobalID", &[("schemeID", "0002")], inv.seller_siren.as_str());
    x.close("ram:IssuerTradeParty");
    if !input.parts.is_empty() {
        x.open("ram:SpecifiedDocumentStatus");
    }
    for p in &input.parts {
        let amount = p.amount.round();
        x.open("ram:SpecifiedDocumentCharacteristic");
        x.leaf("ram:TypeCode", &[], "MEN");
        x.open("ram:ValueChangedIndicator");
        x.leaf("udt:IndicatorString", &[], "false");
        x.close("ram:ValueChangedIndicator");
        x.leaf("ram:ValueAmount", &[("currencyID", amount.currency.code())], &amount.amount.to_string());
        x.leaf("ram:ValuePercent", &[], &decimal(p.vat_rate, 2));
        x.close("ram:SpecifiedDocumentCharacteristic");
    }
    if !input.parts.is_empty() {
        x.close("ram:SpecifiedDocumentStatus");
    }
    x.close("ram:ReferenceReferencedDocument");
    x.close("rsm:AcknowledgementDocument");
    x.out.push_str("</rsm:CrossDomainAcknowledgementAndResponse>\n");
    x.out
}

/// Splits a collected amount across an invoice's VAT rates (legal-rules B.2 checklist 14: "in
/// proportion to the invoice's VAT breakdown"): each rate gets the collection × (its taxable
/// amount + its VAT) ÷ (the sum of those over every rate), rounded to the cent half away from
/// zero, and the last rate gets what is left so that the parts add up to the collection exactly.
/// Breakdown lines of the same rate are taken together; a line without a rate (category O) counts
/// as rate 0. Rates come in the order they first appear in the breakdown. Works the same for a
/// partial and a total collection; the collection is first rounded to the currency's minor unit.
pub fn split_by_vat_rate(collected: Money, invoice: &Invoice) -> Result<Vec<CollectedPart>, CdarBuildError> {
    let split = |why: &str| CdarBuildError::Split(why.to_owned());
    let collected = collected.round();
    if collected.currency != invoice.currency {
        return Err(CdarBuildError::MixedCurrencies(invoice.currency, collected.currency));
    }
    let mut rates: Vec<(Decimal, Decimal)> = Vec::new();
    for line in &invoice.vat_breakdown {
        if line.taxable_amount.currency != invoice.currency || line.tax_amount.currency != invoice.currency {
            return Err(split("a VAT breakdown line is not in the invoice currency"));
        }
        let rate = line.rate.unwrap_or(Decimal::ZERO).normalize();
        let incl = line
            .taxable_amount
            .amount
            .checked_add(line.tax_amount.amount)
            .ok_or_else(|| split("the VAT breakdown overflows"))?;
        match rates.iter_mut().find(|(r, _)| *r == rate) {
            Some((_, total)) => *total = total.checked_add(incl).ok_or_else(|| split("the VAT breakdown overflows"))?,
            None => rates.push((rate, incl)),
        }
    }
    if rates.is_empty() {
        return Err(split("the invoice has no VAT breakdown (BG-23)"));
    }
    let total = rates
        .iter()
        .try_fold(Decimal::ZERO, |acc, (_, t)| acc.checked_add(*t))
        .ok_or_else(|| split("the VAT breakdown overflows"))?;
    if total.is_zero() {
        return Err(split("the invoice's amounts including VAT add up to zero"));
    }
    let mut parts = Vec::with_capacity(rates.len());
    let mut given = Money::zero(collected.currency);
    let last = rates.len() - 1;
    for (i, (rate, incl)) in rates.into_iter().enumerate() {
        let amount = if i == last {
            collected.checked_sub(&given).map_err(|e| split(&e.to_string()))?.round()
        } else {
            let share = collected
                .amount
                .checked_mul(incl)
                .and_then(|a| a.checked_div(total))
                .ok_or_else(|| split("the share overflows"))?;
            Money::new(share, collected.currency).round()
        };
        given = given.checked_add(&amount).map_err(|e| split(&e.to_string()))?;
        parts.push(CollectedPart { amount, vat_rate: rate });
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_decimals_keep_two_places() {
        assert_eq!(esc("A & B <C> \"d\" 'e'\u{1}"), "A &amp; B &lt;C&gt; &quot;d&quot; &apos;e&apos; ");
        assert_eq!(decimal(Decimal::from(20), 2), "20.00");
        assert_eq!(decimal(Decimal::new(55, 1), 2), "5.50");
        assert_eq!(decimal(Decimal::new(2100, 3), 2), "2.10");
        assert_eq!(decimal(Decimal::new(12345, 3), 2), "12.345");
    }
}
