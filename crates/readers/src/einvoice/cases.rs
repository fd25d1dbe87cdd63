//! Scenario tests: one small document per rule, each a variation of a clean French invoice that
//! gives no diagnostic at all. `check` reads a document and returns it with its diagnostics as
//! `rule` strings, so a test names the rule it is about.

use chrono::NaiveDate;
use encours_domain::InvoiceKind;
use rust_decimal::Decimal;

use super::{read_bytes, EInvoice, Level, PenaltyRate, ReadError};

/// A French EN 16931 CII invoice with every mention the checks look for.
const CLEAN_CII: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>S1</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>F2026-001</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260115</udt:DateTimeString></ram:IssueDateTime>
    <ram:IncludedNote><ram:Content>Pénalités de retard : taux de pénalité 12,15 %</ram:Content><ram:SubjectCode>PMD</ram:SubjectCode></ram:IncludedNote>
    <ram:IncludedNote><ram:Content>Indemnité forfaitaire pour frais de recouvrement de 40 €</ram:Content><ram:SubjectCode>PMT</ram:SubjectCode></ram:IncludedNote>
    <ram:IncludedNote><ram:Content>Pas d'escompte pour paiement anticipé</ram:Content><ram:SubjectCode>AAB</ram:SubjectCode></ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedLineTradeSettlement>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>1000.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:GlobalID schemeID="0009">10000000900009</ram:GlobalID>
        <ram:Name>Société Exemple &amp; Fils</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">100000009</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:PostcodeCode>75001</ram:PostcodeCode><ram:LineOne>1 rue de la Paix</ram:LineOne><ram:CityName>Paris</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:URIUniversalCommunication><ram:URIID schemeID="0225">100000009</ram:URIID></ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR88100000009</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Client SA</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">200000008</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:URIUniversalCommunication><ram:URIID schemeID="0225">200000008</ram:URIID></ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR37200000008</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:PaymentReference>F2026-001</ram:PaymentReference>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>30</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>FR76 3000 6000 0112 3456 7890 189</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>200.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>1000.00</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms>
        <ram:Description>30 jours net</ram:Description>
        <ram:DueDateDateTime><udt:DateTimeString format="102">20260214</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>1000.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>1000.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">200.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>1200.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>1200.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"#;

/// A UBL credit note (no BT-9 at root: credit notes carry it in PaymentMeans).
const UBL_CREDIT_NOTE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>AV-7</cbc:ID>
  <cbc:IssueDate>2026-02-01</cbc:IssueDate>
  <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>F2026-001</cbc:ID><cbc:IssueDate>2026-01-15</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Vendeur</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Client</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentDueDate>2026-03-01</cbc:PaymentDueDate></cac:PaymentMeans>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">20.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">120.00</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">120.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</CreditNote>
"#;

fn read(xml: &str) -> Result<EInvoice, ReadError> {
    read_bytes("test.xml", xml.as_bytes())
}

/// Reads a document that must be an invoice, and lists its diagnostics as `level rule` strings.
fn check(xml: &str) -> (EInvoice, Vec<String>) {
    let e = read(xml).unwrap_or_else(|err| panic!("the document must read: {err}"));
    let rules = e.diagnostics.iter().map(|d| format!("{:?} {}", d.level, d.rule).to_lowercase()).collect();
    (e, rules)
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn a_clean_french_invoice_gives_no_diagnostic() {
    let (e, rules) = check(CLEAN_CII);
    assert_eq!(rules, Vec::<String>::new(), "{:#?}", e.diagnostics);
    let inv = &e.invoice;
    assert_eq!(inv.number, "F2026-001", "BT-1");
    assert_eq!(inv.kind, InvoiceKind::Invoice, "BT-3 380 with a positive amount is an invoice");
    assert_eq!(inv.due_date, date("2026-02-14"), "BT-9 is the due date");
    assert_eq!(inv.totals.due_payable.amount, dec("1200.00"), "BT-115 as written");
    assert_eq!(inv.seller_siren.as_ref().map(|s| s.as_str()), Some("100000009"), "BT-30 scheme 0002");
    assert_eq!(e.seller.name.as_deref(), Some("Société Exemple & Fils"), "entities resolved, spaces kept");
    assert_eq!(e.seller.siret.as_ref().map(|s| s.as_str()), Some("10000000900009"), "BT-29 scheme 0009");
    assert_eq!(e.buyer.siren.as_ref().map(|s| s.as_str()), Some("200000008"), "BT-47 scheme 0002");
    assert_eq!(inv.payee_iban.as_ref().map(|i| i.as_str()), Some("FR7630006000011234567890189"), "BT-84, compacted");
    assert_eq!(e.penalty_terms.contractual_rate_percent, Some(dec("12.15")), "the PMD rate");
    assert!(e.penalty_terms.indemnity_40_mentioned && e.penalty_terms.no_discount, "{:?}", e.penalty_terms);
    assert_eq!(inv.source.locator, "/rsm:CrossIndustryInvoice", "the source points at the document root");
    assert_eq!(e.profile.as_deref(), Some("EN16931"), "BT-24 urn:cen.eu:en16931:2017");
}

#[test]
fn credit_notes_come_three_ways() {
    // 381.
    let (e, _) = check(&CLEAN_CII.replace("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>381</ram:TypeCode>"));
    assert_eq!(e.invoice.kind, InvoiceKind::CreditNote, "BT-3 381 is a credit note");
    assert!(e.invoice.receivable_effect().is_negative(), "a positive 381 reduces what the client owes");
    // 380 with negative amounts.
    let negative = CLEAN_CII
        .replace(">1000.00<", ">-1000.00<")
        .replace(">200.00<", ">-200.00<")
        .replace(">1200.00<", ">-1200.00<");
    let (e, rules) = check(&negative);
    assert_eq!(e.invoice.kind, InvoiceKind::CreditNote, "380 with a negative amount due is a credit note");
    assert!(rules.contains(&"info kind".to_owned()), "{rules:?}");
    assert_eq!(e.invoice.totals.due_payable.amount, dec("-1200.00"), "amounts are kept as written");
    assert_eq!(e.invoice.receivable_effect().amount, dec("-1200.00"), "the credit reduces the balance once");
    // UBL CreditNote, with BT-25 and BT-9 from PaymentMeans.
    let (e, rules) = check(UBL_CREDIT_NOTE);
    assert_eq!(e.invoice.kind, InvoiceKind::CreditNote, "a UBL CreditNote is a credit note");
    assert_eq!(e.invoice.preceding_invoice.as_deref(), Some("F2026-001"), "BT-25 links the credited invoice");
    assert_eq!(e.preceding_invoices[0].issue_date, Some(date("2026-01-15")), "BT-26");
    assert_eq!(e.invoice.due_date, date("2026-03-01"), "credit notes carry BT-9 in PaymentMeans");
    assert_eq!(e.due_date_stated, None, "the root has no DueDate");
    assert!(rules.contains(&"info fr-due-date".to_owned()), "{rules:?}");
    // A CreditNote root whose type code says 380 is still a credit note.
    let (e, _) = check(&UBL_CREDIT_NOTE.replace(">381<", ">380<"));
    assert_eq!(e.invoice.kind, InvoiceKind::CreditNote, "the root decides");
}

#[test]
fn corrective_down_payment_and_self_billed_documents() {
    let corrective = CLEAN_CII.replace("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>384</ram:TypeCode>");
    let (e, rules) = check(&corrective);
    assert_eq!(e.invoice.kind, InvoiceKind::Corrective, "BT-3 384");
    assert!(rules.contains(&"warning bt-25".to_owned()), "a 384 without BT-25: {rules:?}");
    let with_reference = corrective.replace(
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>F2025-099</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>\
         <ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
    );
    // The reference must follow the summation in CII order, but the reader does not care.
    let (e, rules) = check(&with_reference);
    assert_eq!(e.invoice.preceding_invoice.as_deref(), Some("F2025-099"), "BT-25 links the corrected invoice");
    assert!(!rules.iter().any(|r| r.ends_with("bt-25")), "{rules:?}");

    let (e, rules) = check(&CLEAN_CII.replace("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>386</ram:TypeCode>"));
    assert_eq!(e.invoice.kind, InvoiceKind::DownPayment, "BT-3 386");
    assert!(rules.contains(&"info down-payment".to_owned()), "{rules:?}");
    let (e, rules) = check(&CLEAN_CII.replace("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>389</ram:TypeCode>"));
    assert_eq!(e.invoice.kind, InvoiceKind::Invoice, "a self-billed invoice is still an invoice");
    assert!(rules.contains(&"info self-billing".to_owned()), "{rules:?}");
    let (_, rules) = check(&CLEAN_CII.replace("<ram:TypeCode>380</ram:TypeCode>", "<ram:TypeCode>575</ram:TypeCode>"));
    assert!(rules.contains(&"warning br-fr-04".to_owned()), "575 is not in the French list: {rules:?}");
}

#[test]
fn inconsistent_totals_are_errors_with_the_path_of_the_amount() {
    let broken = CLEAN_CII.replace(
        "<ram:GrandTotalAmount>1200.00</ram:GrandTotalAmount>",
        "<ram:GrandTotalAmount>1200.01</ram:GrandTotalAmount>",
    );
    let (e, rules) = check(&broken);
    assert!(rules.contains(&"error br-co-15".to_owned()) && rules.contains(&"error br-co-16".to_owned()), "{rules:?}");
    let d = e.diagnostics.iter().find(|d| d.rule == "BR-CO-15").unwrap();
    assert_eq!(
        d.path,
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/\
         ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount",
        "the path of the amount at fault"
    );
    assert_eq!(
        d.message, "the total with VAT (BT-112) is not the total without VAT 1000.00 + VAT 200.00: 1200.00 expected, 1200.01 stated",
        "the message says what was expected and what is stated"
    );
    // Line sum, VAT sum, basis.
    let (_, rules) = check(&CLEAN_CII.replacen(
        "<ram:LineTotalAmount>1000.00</ram:LineTotalAmount>",
        "<ram:LineTotalAmount>999.00</ram:LineTotalAmount>",
        1,
    ));
    assert!(rules.contains(&"warning br-co-10".to_owned()), "{rules:?}");
    let (_, rules) = check(&CLEAN_CII.replace("<ram:CalculatedAmount>200.00", "<ram:CalculatedAmount>190.00"));
    assert!(rules.contains(&"warning br-co-14".to_owned()), "{rules:?}");
    // Scale does not matter: 1200 equals 1200.00.
    let (_, rules) = check(&CLEAN_CII.replace("<ram:DuePayableAmount>1200.00<", "<ram:DuePayableAmount>1200<"));
    assert!(rules.is_empty(), "{rules:?}");
}

#[test]
fn due_dates_when_bt9_is_absent() {
    let no_bt9 = CLEAN_CII.replace(
        r#"<ram:DueDateDateTime><udt:DateTimeString format="102">20260214</udt:DateTimeString></ram:DueDateDateTime>"#,
        "",
    );
    let no_bt9 = no_bt9.replace("30 jours net", "45 jours fin de mois");
    let (e, rules) = check(&no_bt9);
    assert_eq!(e.due_date_stated, None, "BT-9 was removed");
    assert_eq!(e.invoice.due_date, date("2026-03-17"), "end of January + 45 days");
    assert!(rules.contains(&"info fr-due-date".to_owned()), "{rules:?}");
    let no_terms = no_bt9.replace("<ram:Description>45 jours fin de mois</ram:Description>", "");
    let (e, rules) = check(&no_terms);
    assert_eq!(e.invoice.due_date, date("2026-02-14"), "30 days after 15 January (L441-10 I)");
    assert!(
        rules.contains(&"warning fr-due-date".to_owned()) && rules.contains(&"warning br-co-25".to_owned()),
        "{rules:?}"
    );
}

#[test]
fn identifiers_are_checked() {
    // A SIREN failing Luhn is kept as written for inspect, refused as a domain Siren.
    let (e, rules) = check(&CLEAN_CII.replace(">100000009</ram:ID>", ">100000008</ram:ID>"));
    assert_eq!(e.seller.siren_as_written.as_deref(), Some("100000008"), "kept as written");
    assert_eq!(e.seller.siren, None, "refused by the Luhn check");
    assert!(rules.contains(&"warning fr-siren".to_owned()), "{rules:?}");
    assert!(rules.contains(&"warning br-fr-09".to_owned()), "the SIRET no longer starts with the SIREN: {rules:?}");
    // A SIRET filed under the SIREN scheme 0002.
    let (e, rules) = check(
        &CLEAN_CII.replace(">200000008</ram:ID>", ">73282932000074</ram:ID>").replace("FR37200000008", "FR44732829320"),
    );
    assert_eq!(e.buyer.siren.as_ref().map(|s| s.as_str()), Some("732829320"), "the first nine digits");
    assert_eq!(e.buyer.siret.as_ref().map(|s| s.as_str()), Some("73282932000074"), "the 14 digits are the SIRET");
    assert!(rules.contains(&"info fr-siren".to_owned()), "{rules:?}");
    // A French VAT number with a wrong key.
    let (_, rules) = check(&CLEAN_CII.replace("FR88100000009", "FR89100000009"));
    assert!(rules.contains(&"warning fr-vat-key".to_owned()), "{rules:?}");
    // A non-ASCII VAT number does not reach the domain parser (it would slice inside a character).
    let (_, rules) = check(&CLEAN_CII.replace("FR88100000009", "FRé8100000009"));
    assert!(!rules.contains(&"warning fr-vat-key".to_owned()), "{rules:?}");
    // A bad IBAN.
    let (e, rules) = check(&CLEAN_CII.replace("7890 189", "7890 188"));
    assert_eq!(e.invoice.payee_iban, None, "an IBAN failing mod 97 is not an Iban");
    assert_eq!(e.stated.payee_account.as_deref(), Some("FR76 3000 6000 0112 3456 7890 188"), "kept as written");
    assert!(rules.contains(&"warning iban".to_owned()), "{rules:?}");
}

#[test]
fn french_mentions() {
    let no_notes: String = CLEAN_CII.lines().filter(|l| !l.contains("IncludedNote")).collect::<Vec<_>>().join("\n");
    let (e, rules) = check(&no_notes);
    for rule in ["warning fr-note-pmd", "warning fr-note-pmt", "warning fr-note-aab"] {
        assert!(rules.contains(&rule.to_owned()), "{rule} missing in {rules:?}");
    }
    assert_eq!(e.penalty_terms.rate, None, "no PMD note, no rate");
    let (_, rules) = check(&CLEAN_CII.replace("<ram:ID>S1</ram:ID>", "<ram:ID>Z9</ram:ID>"));
    assert!(rules.contains(&"warning br-fr-08".to_owned()), "{rules:?}");
    let (_, rules) = check(&CLEAN_CII.replace(r#"<ram:ID schemeID="0002">200000008</ram:ID>"#, ""));
    assert!(rules.contains(&"warning fr-buyer-siren".to_owned()), "{rules:?}");
    let (_, rules) = check(&CLEAN_CII.replace("urn:cen.eu:en16931:2017<", "urn:factur-x.eu:1p0:minimum<"));
    assert!(rules.contains(&"warning fr-profile".to_owned()), "MINIMUM is refused by the reform: {rules:?}");
    let (_, rules) = check(&CLEAN_CII.replace("urn:cen.eu:en16931:2017<", "urn:factur-x.eu:1p0:basicwl<"));
    assert!(rules.contains(&"info fr-profile".to_owned()), "BASIC WL until 2027: {rules:?}");
    let twice = CLEAN_CII.replace(
        "<ram:IncludedNote><ram:Content>Pas",
        "<ram:IncludedNote><ram:Content>Pas d'escompte</ram:Content><ram:SubjectCode>AAB</ram:SubjectCode></ram:IncludedNote><ram:IncludedNote><ram:Content>Pas",
    );
    let (_, rules) = check(&twice);
    assert!(rules.contains(&"warning br-fr-06".to_owned()), "{rules:?}");
    // A German seller is not held to the French mentions.
    let german = no_notes.replace("<ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>\n        <ram:URIUniversalCommunication><ram:URIID schemeID=\"0225\">100000009", "<ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>\n        <ram:URIUniversalCommunication><ram:URIID schemeID=\"0225\">100000009")
        .replace(r#"<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">100000009</ram:ID></ram:SpecifiedLegalOrganization>"#, "")
        .replace(r#"<ram:GlobalID schemeID="0009">10000000900009</ram:GlobalID>"#, "")
        .replace("FR88100000009", "DE123456789");
    let (_, rules) = check(&german);
    assert!(!rules.iter().any(|r| r.contains("fr-note")), "{rules:?}");
}

#[test]
fn penalty_terms_reach_the_einvoice() {
    let legal = CLEAN_CII.replace("taux de pénalité 12,15 %", "3 fois le taux d'intérêt légal");
    let (e, _) = check(&legal);
    assert_eq!(e.penalty_terms.rate, Some(PenaltyRate::LegalRateMultiple { times: dec("3") }), "3 × the legal rate");
    assert_eq!(e.penalty_terms.contractual_rate_percent, None, "not a fixed figure");
}

#[test]
fn encodings_of_whole_documents() {
    // UTF-8 with a BOM and a lower-case declaration.
    let bom = [b"\xEF\xBB\xBF".as_slice(), CLEAN_CII.replace("UTF-8", "utf-8").as_bytes()].concat();
    let e = read_bytes("bom.xml", &bom).expect("BOM and lower-case utf-8 are fine");
    assert!(e.xml_encoding.bom, "the BOM is recorded");
    assert_eq!(e.xml_encoding.declared_encoding.as_deref(), Some("utf-8"), "as written");
    // ISO-8859-1, legitimately declared.
    let latin1: Vec<u8> = CLEAN_CII
        .replace("UTF-8", "ISO-8859-1")
        .chars()
        .map(|c| match c {
            'é' => 0xE9,
            'à' => 0xE0,
            '€' => 0x80, // windows-1252, which encoding_rs uses for ISO-8859-1 as browsers do
            c if c.is_ascii() => c as u8,
            _ => b'?',
        })
        .collect();
    let e = read_bytes("latin1.xml", &latin1).expect("ISO-8859-1 is decoded");
    assert_eq!(e.seller.name.as_deref(), Some("Société Exemple & Fils"), "é decoded from ISO-8859-1");
    assert!(e.penalty_terms.indemnity_40_mentioned, "the euro sign survives windows-1252");
    // An encoding that does not exist.
    let err = read_bytes("bad.xml", CLEAN_CII.replace("UTF-8", "UTF-8-W/O-BOM").as_bytes()).unwrap_err();
    assert!(matches!(err, ReadError::UnsupportedEncoding { .. }), "{err}");
    assert!(err.to_string().starts_with("bad.xml: the XML declares the encoding \"UTF-8-W/O-BOM\""), "{err}");
}

#[test]
fn documents_that_are_not_invoices() {
    let order = r#"<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100"/>"#;
    let err = read(order).unwrap_err();
    assert!(err.to_string().contains("Order-X purchase order"), "{err}");
    let prerelease = r#"<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:0p9"/>"#;
    assert!(matches!(read(prerelease), Err(ReadError::UnsupportedRoot { .. })), "a pre-release ZUGFeRD namespace");
    let empty =
        r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>"#;
    let err = read(empty).unwrap_err();
    assert!(matches!(err, ReadError::NotAnInvoice { .. }), "{err}");
    let doctype = CLEAN_CII.replace(
        "<rsm:CrossIndustryInvoice ",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><rsm:CrossIndustryInvoice ",
    );
    assert!(matches!(read(&doctype), Err(ReadError::XmlMalformed { .. })), "a DTD is refused");
    let err = read("<Invoice>").unwrap_err();
    assert!(matches!(err, ReadError::XmlMalformed { .. }), "{err}");
}

#[test]
fn currency_and_amount_problems_are_reported_not_fatal() {
    let (e, rules) = check(&CLEAN_CII.replace("<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", ""));
    assert_eq!(e.invoice.currency.code(), "EUR", "taken from the amounts' currencyID");
    assert!(rules.contains(&"error br-05".to_owned()), "{rules:?}");
    let (_, rules) = check(
        &CLEAN_CII.replace(r#"<ram:TaxTotalAmount currencyID="EUR">"#, r#"<ram:TaxTotalAmount currencyID="USD">"#),
    );
    assert!(rules.contains(&"warning currency".to_owned()), "{rules:?}");
    let (e, rules) = check(&CLEAN_CII.replace(
        "<ram:LineTotalAmount>1000.00</ram:LineTotalAmount>\n        <ram:TaxBasis",
        "<ram:LineTotalAmount>1.000,00</ram:LineTotalAmount>\n        <ram:TaxBasis",
    ));
    assert!(rules.contains(&"error amount".to_owned()), "{rules:?}");
    assert_eq!(e.stated.totals.line_total, None, "an amount that is not a decimal is not stated");
}

#[test]
fn truncated_and_garbled_documents_never_panic() {
    let bytes = CLEAN_CII.as_bytes();
    for len in 0..bytes.len() {
        let _ = read_bytes("cut.xml", &bytes[..len]);
    }
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..2000 {
        let mut b = bytes.to_vec();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = usize::try_from(state % b.len() as u64).unwrap_or(0);
            b[i] = (state >> 32) as u8;
        }
        let _ = read_bytes("garbled.xml", &b);
    }
    let level_order = [Level::Error, Level::Warning, Level::Info];
    assert!(level_order.windows(2).all(|w| w[0] < w[1]), "levels sort by severity");
}
