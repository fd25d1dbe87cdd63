//! Files the local platform serves: read from a folder (recognised by content), or generated as a
//! realistic sequence — an invoice, then its lifecycle (200 Déposée, 203 Mise à disposition, then
//! approval and payment 205/211/212, a dispute 207, or a refusal 210), as a buyer's platform sends it.
//! Amounts are integer cents: no float anywhere.

use std::path::Path;

use crate::error::SyncError;
use crate::model::{FlowSyntax, FlowType};

/// A file to serve as a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowFile {
    /// File name.
    pub name: String,
    /// What the flow is.
    pub flow_type: FlowType,
    /// Its syntax.
    pub syntax: FlowSyntax,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// What a file is, from its content: a CDAR message is a CustomerInvoiceLC, an invoice (Factur-X,
/// CII, UBL) a CustomerInvoice; anything else is not served.
pub fn classify(bytes: &[u8]) -> Option<(FlowType, FlowSyntax)> {
    if bytes.starts_with(b"%PDF") {
        return Some((FlowType::CustomerInvoice, FlowSyntax::FacturX));
    }
    let head = String::from_utf8_lossy(bytes.get(..bytes.len().min(4096)).unwrap_or_default()).into_owned();
    if head.contains("CrossDomainAcknowledgementAndResponse") {
        Some((FlowType::CustomerInvoiceLC, FlowSyntax::Cdar))
    } else if head.contains("CrossIndustryInvoice") || head.contains("CrossIndustryDocument") {
        Some((FlowType::CustomerInvoice, FlowSyntax::Cii))
    } else if head.contains("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
        || head.contains("urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")
    {
        Some((FlowType::CustomerInvoice, FlowSyntax::Ubl))
    } else {
        None
    }
}

/// The files of a folder (not recursive), in name order, that [`classify`] recognises; returns them
/// and the names of those skipped.
pub fn from_dir(dir: &Path) -> Result<(Vec<FlowFile>, Vec<String>), SyncError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SyncError::Server(format!("{}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect();
    paths.sort();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let bytes = std::fs::read(&path).map_err(|e| SyncError::Server(format!("{}: {e}", path.display())))?;
        match classify(&bytes) {
            Some((flow_type, syntax)) => files.push(FlowFile { name, flow_type, syntax, bytes }),
            None => skipped.push(name),
        }
    }
    Ok((files, skipped))
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A SIREN with a valid Luhn key from an 8-digit stem (legal-rules B.6).
pub(crate) fn siren(stem: u64) -> String {
    let digits = format!("{:08}", stem % 100_000_000);
    for check in 0..10u32 {
        let candidate = format!("{digits}{check}");
        if encours_domain::ids::luhn_valid(&candidate) {
            return candidate;
        }
    }
    format!("{digits}0")
}

/// The French VAT number of a SIREN: key = (12 + 3 × (SIREN mod 97)) mod 97.
fn vat(siren: &str) -> String {
    let n: u64 = siren.parse().unwrap_or(0);
    format!("FR{:02}{siren}", (12 + 3 * (n % 97)) % 97)
}

fn cents(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// Seller of every generated invoice: the dossier's company.
pub const SELLER_NAME: &str = "ENCOURS DEMO SAS";

struct Invoice {
    number: String,
    date: String,
    due: String,
    seller: String,
    buyer: String,
    buyer_name: String,
    net: u64,
    tax: u64,
}

fn cii(inv: &Invoice) -> String {
    let gross = inv.net + inv.tax;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>380</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="102">{date}</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Prestation de services</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{net}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{net}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty><ram:Name>{seller_name}</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{seller}</ram:ID></ram:SpecifiedLegalOrganization><ram:PostalTradeAddress><ram:PostcodeCode>75002</ram:PostcodeCode><ram:LineOne>1 rue de la Paix</ram:LineOne><ram:CityName>Paris</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress><ram:URIUniversalCommunication><ram:URIID schemeID="0225">{seller}</ram:URIID></ram:URIUniversalCommunication><ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{seller_vat}</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>{buyer_name}</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{buyer}</ram:ID></ram:SpecifiedLegalOrganization><ram:PostalTradeAddress><ram:PostcodeCode>69002</ram:PostcodeCode><ram:CityName>Lyon</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress><ram:URIUniversalCommunication><ram:URIID schemeID="0225">{buyer}</ram:URIID></ram:URIUniversalCommunication><ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{buyer_vat}</ram:ID></ram:SpecifiedTaxRegistration></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:ApplicableTradeTax><ram:CalculatedAmount>{tax}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{net}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:DueDateTypeCode>72</ram:DueDateTypeCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:Description>Paiement à 30 jours. Pénalités de retard : 3 fois le taux d'intérêt légal. Indemnité forfaitaire pour frais de recouvrement : 40 €.</ram:Description><ram:DueDateDateTime><udt:DateTimeString format="102">{due}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>{net}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{net}</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="EUR">{tax}</ram:TaxTotalAmount><ram:GrandTotalAmount>{gross}</ram:GrandTotalAmount><ram:DuePayableAmount>{gross}</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"#,
        number = inv.number,
        date = inv.date,
        due = inv.due,
        seller = inv.seller,
        seller_name = SELLER_NAME,
        seller_vat = vat(&inv.seller),
        buyer = inv.buyer,
        buyer_name = inv.buyer_name,
        buyer_vat = vat(&inv.buyer),
        net = cents(inv.net),
        tax = cents(inv.tax),
        gross = cents(gross),
    )
}

/// One status of the lifecycle (legal-rules B.2 table).
struct Status {
    code: u16,
    label: &'static str,
    phase: u16,
    untdid: &'static str,
    /// Who sets it: WK (platform) for the transmission phase, BY (buyer) for processing.
    role: &'static str,
}

const S200: Status = Status { code: 200, label: "Déposée", phase: 305, untdid: "10", role: "WK" };
const S203: Status = Status { code: 203, label: "Mise_a_disposition", phase: 305, untdid: "48", role: "WK" };
const S205: Status = Status { code: 205, label: "Approuvée", phase: 23, untdid: "1", role: "BY" };
const S207: Status = Status { code: 207, label: "En_litige", phase: 23, untdid: "46", role: "BY" };
const S210: Status = Status { code: 210, label: "Refusée", phase: 23, untdid: "50", role: "BY" };
const S211: Status = Status { code: 211, label: "Paiement_transmis", phase: 23, untdid: "47", role: "BY" };

fn cdar(inv: &Invoice, status: &Status, at: &str, extra: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>{number}_{code}_{at}#380_{date}</ram:ID>
    <ram:IssueDateTime><udt:DateTimeString format="204">{at}</udt:DateTimeString></ram:IssueDateTime>
    <ram:SenderTradeParty><ram:RoleCode>{role}</ram:RoleCode></ram:SenderTradeParty>
    <ram:IssuerTradeParty><ram:GlobalID schemeID="0002">{buyer}</ram:GlobalID><ram:Name>{buyer_name}</ram:Name><ram:RoleCode>BY</ram:RoleCode></ram:IssuerTradeParty>
    <ram:RecipientTradeParty><ram:GlobalID schemeID="0002">{seller}</ram:GlobalID><ram:Name>{seller_name}</ram:Name><ram:RoleCode>SE</ram:RoleCode><ram:URIUniversalCommunication><ram:URIID schemeID="0225">{seller}</ram:URIID></ram:URIUniversalCommunication></ram:RecipientTradeParty>
  </rsm:ExchangedDocument>
  <rsm:AcknowledgementDocument>
    <ram:MultipleReferencesIndicator><udt:Indicator>false</udt:Indicator></ram:MultipleReferencesIndicator>
    <ram:TypeCode>{phase}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="204">{at}</udt:DateTimeString></ram:IssueDateTime>
    <ram:ReferenceReferencedDocument>
      <ram:IssuerAssignedID>{number}</ram:IssuerAssignedID>
      <ram:StatusCode>{untdid}</ram:StatusCode>
      <ram:TypeCode>380</ram:TypeCode>
      <ram:FormattedIssueDateTime><qdt:DateTimeString format="102">{date}</qdt:DateTimeString></ram:FormattedIssueDateTime>
      <ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>
      <ram:ProcessCondition>{label}</ram:ProcessCondition>
      <ram:IssuerTradeParty><ram:GlobalID schemeID="0002">{seller}</ram:GlobalID></ram:IssuerTradeParty>{extra}
    </ram:ReferenceReferencedDocument>
  </rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>
"#,
        number = inv.number,
        date = inv.date,
        seller = inv.seller,
        seller_name = SELLER_NAME,
        buyer = inv.buyer,
        buyer_name = inv.buyer_name,
        code = status.code,
        label = status.label,
        phase = status.phase,
        untdid = status.untdid,
        role = status.role,
    )
}

fn date_plus(year: u32, day_of_year: u32) -> String {
    // A simple calendar of 12 months of 28 days is enough for demo dates and never invalid.
    let d = day_of_year % 336;
    format!("{year}{:02}{:02}", d / 28 + 1, d % 28 + 1)
}

/// The buyers of [`demo_flows`] for `seed`: (SIREN, name), 40 of them. The local platform's
/// directory describes the same companies ([`super::directory::demo_directory`]).
pub fn demo_clients(seed: u64) -> Vec<(String, String)> {
    (0..40u64).map(|i| (siren(30_000_000 + i * 7919 + seed % 1000), format!("CLIENT {:02} SARL", i + 1))).collect()
}

/// `count` flows from `seed`: invoices from one seller to a few dozen buyers, each followed by its
/// statuses. The same arguments give the same bytes.
pub fn demo_flows(count: usize, seed: u64) -> Vec<FlowFile> {
    let mut rng = Rng(seed);
    let seller = siren(73_282_932);
    let buyers = demo_clients(seed);
    let mut out = Vec::with_capacity(count);
    let mut i = 0u64;
    while out.len() < count {
        i += 1;
        let buyer = buyers.get(usize::try_from(rng.below(40)).unwrap_or(0)).cloned().unwrap_or_default();
        let day = u32::try_from(i % 300).unwrap_or(0);
        let net = 5_000 + rng.below(2_000_000);
        let inv = Invoice {
            number: format!("FD{:08}", i),
            date: date_plus(2026, day),
            due: date_plus(2026, day + 30),
            seller: seller.clone(),
            buyer: buyer.0,
            buyer_name: buyer.1,
            net,
            tax: (net * 20 + 50) / 100,
        };
        let stamp = |d: u32, hhmm: &str| format!("{}{hhmm}00", date_plus(2026, d));
        out.push(FlowFile {
            name: format!("{}.xml", inv.number),
            flow_type: FlowType::CustomerInvoice,
            syntax: FlowSyntax::Cii,
            bytes: cii(&inv).into_bytes(),
        });
        let mut statuses: Vec<(&Status, String, String)> =
            vec![(&S200, stamp(day, "0900"), String::new()), (&S203, stamp(day, "0915"), String::new())];
        match rng.below(10) {
            0 => statuses.push((
                &S207,
                stamp(day + 5, "1030"),
                "\n      <ram:SpecifiedDocumentStatus><ram:ReasonCode>TX_TVA_ERR</ram:ReasonCode><ram:Reason>Taux de TVA erroné</ram:Reason><ram:RequestedActionCode>NIN</ram:RequestedActionCode><ram:RequestedAction>Créer une Facture Rectificative</ram:RequestedAction></ram:SpecifiedDocumentStatus>".into(),
            )),
            1 => statuses.push((
                &S210,
                stamp(day + 3, "1100"),
                "\n      <ram:SpecifiedDocumentStatus><ram:ReasonCode>TRANSAC_INC</ram:ReasonCode><ram:Reason>Transaction inconnue</ram:Reason></ram:SpecifiedDocumentStatus>".into(),
            )),
            _ => {
                statuses.push((&S205, stamp(day + 2, "1400"), String::new()));
                let paid = inv.net + inv.tax;
                statuses.push((
                    &S211,
                    stamp(day + 28, "1600"),
                    format!("\n      <ram:SpecifiedDocumentStatus><ram:SpecifiedDocumentCharacteristic><ram:TypeCode>MPA</ram:TypeCode><ram:ValueAmount currencyID=\"EUR\">{}</ram:ValueAmount></ram:SpecifiedDocumentCharacteristic></ram:SpecifiedDocumentStatus>", cents(paid)),
                ));
            }
        }
        for (status, at, extra) in statuses {
            if out.len() >= count {
                break;
            }
            out.push(FlowFile {
                name: format!("{}-CDV-{}.xml", inv.number, status.code),
                flow_type: FlowType::CustomerInvoiceLC,
                syntax: FlowSyntax::Cdar,
                bytes: cdar(&inv, status, &at, &extra).into_bytes(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_flows_are_reproducible_distinct_and_recognised() {
        let a = demo_flows(200, 1);
        assert_eq!(a.len(), 200);
        assert_eq!(a, demo_flows(200, 1));
        let names: std::collections::BTreeSet<_> = a.iter().map(|f| f.name.clone()).collect();
        assert_eq!(names.len(), 200, "every file name is distinct");
        for f in &a {
            assert_eq!(classify(&f.bytes), Some((f.flow_type, f.syntax)), "{}", f.name);
        }
        assert!(a.iter().any(|f| f.name.ends_with("-207.xml")) && a.iter().any(|f| f.name.ends_with("-211.xml")));
        assert_eq!(siren(73_282_932).len(), 9);
        assert_eq!(vat("732829320"), "FR44732829320");
    }
}
