//! The SEPA EPC QR code ("Girocode", EPC069-12 version 002) printed on every payment request:
//! scanned by a banking app, it fills the transfer — beneficiary, IBAN, amount and the ISO 11649
//! structured reference — so the payment arrives with the reference the lettrage matches on.

use encours_domain::{CreditorRef, Iban, Money};
use qrcode::{EcLevel, QrCode};
use rust_decimal::Decimal;

use crate::DocumentError;

/// What a SEPA credit transfer QR code carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpcPayment {
    /// Beneficiary name (the creditor), at most 70 characters (longer names are cut).
    pub name: String,
    /// Beneficiary IBAN.
    pub iban: Iban,
    /// BIC, optional in version 002 inside the EEA.
    pub bic: Option<String>,
    /// Amount in euros, 0,01 to 999 999 999,99.
    pub amount: Money,
    /// ISO 11649 structured reference.
    pub reference: CreditorRef,
}

/// The EPC069-12 payload, elements separated by LF: `BCD`, version `002`, character set `1`
/// (UTF-8), `SCT`, BIC, name, IBAN, `EUR` + amount with 2 decimals, purpose (empty), structured
/// reference, then nothing: the unstructured remittance (element 11) must be empty when a
/// structured reference is given, and EPC069-12 forbids a separator after the last populated
/// element, so the payload ends with the reference.
pub fn epc_payload(p: &EpcPayment) -> Result<String, DocumentError> {
    if p.amount.currency.code() != "EUR" {
        return Err(DocumentError::Qr(format!("a SEPA transfer is in euros, not {}", p.amount.currency.code())));
    }
    let amount = p.amount.round().amount;
    if amount < Decimal::new(1, 2) || amount > Decimal::new(99_999_999_999, 2) {
        return Err(DocumentError::Qr(format!("amount {amount} outside 0.01 to 999999999.99")));
    }
    let mut amount = amount;
    amount.rescale(2);
    let name: String = p.name.trim().chars().filter(|c| !c.is_control()).take(70).collect();
    if name.is_empty() {
        return Err(DocumentError::Qr("no beneficiary name".to_owned()));
    }
    let bic = p.bic.as_deref().map(str::trim).unwrap_or("").to_uppercase();
    if !(bic.is_empty() || ((bic.len() == 8 || bic.len() == 11) && bic.chars().all(|c| c.is_ascii_alphanumeric()))) {
        return Err(DocumentError::Qr(format!("BIC {bic:?} is not 8 or 11 letters and digits")));
    }
    Ok(format!("BCD\n002\n1\nSCT\n{bic}\n{name}\n{}\nEUR{amount}\n\n{}", p.iban.as_str(), p.reference.as_str()))
}

/// The QR code's modules (true = dark), error correction level M as EPC069-12 requires.
pub(crate) fn modules(payload: &str) -> Result<Vec<Vec<bool>>, DocumentError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| DocumentError::Qr(format!("QR encoding: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    Ok(colors.chunks(width.max(1)).map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn payment() -> EpcPayment {
        EpcPayment {
            name: "Atelier Lumière & Fils SARL".to_owned(),
            iban: Iban::parse("FR7630006000011234567890189").unwrap(),
            bic: Some("AGRIFRPP".to_owned()),
            amount: Money::eur(dec!(14780.66)),
            reference: CreditorRef::from_body("REL20260042").unwrap(),
        }
    }

    #[test]
    fn payload_follows_epc069_12_version_002() {
        let p = payment();
        let text = epc_payload(&p).unwrap();
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(
            lines,
            [
                "BCD",
                "002",
                "1",
                "SCT",
                "AGRIFRPP",
                "Atelier Lumière & Fils SARL",
                "FR7630006000011234567890189",
                "EUR14780.66",
                "",
                p.reference.as_str()
            ]
        );
        assert!(!text.ends_with('\n'), "no separator after the last element");
        assert!(text.len() <= 331, "EPC069-12 maximum payload");
        let m = modules(&text).unwrap();
        assert!(m.len() >= 21 && m.iter().all(|r| r.len() == m.len()));
    }

    #[test]
    fn amounts_get_two_decimals_and_wrong_inputs_are_refused() {
        let mut p = payment();
        p.amount = Money::eur(dec!(40));
        assert!(epc_payload(&p).unwrap().contains("\nEUR40.00\n"));
        p.bic = None;
        assert!(epc_payload(&p).unwrap().starts_with("BCD\n002\n1\nSCT\n\n"));
        p.amount = Money::eur(dec!(0));
        assert!(matches!(epc_payload(&p), Err(DocumentError::Qr(_))));
        p.amount = Money::new(dec!(10), encours_domain::Currency::parse("USD").unwrap());
        assert!(matches!(epc_payload(&p), Err(DocumentError::Qr(_))));
        p.amount = Money::eur(dec!(10));
        p.bic = Some("AGRI FR".to_owned());
        assert!(matches!(epc_payload(&p), Err(DocumentError::Qr(_))));
        p.bic = None;
        p.name = "N".repeat(90);
        assert!(epc_payload(&p).unwrap().contains(&format!("\n{}\n", "N".repeat(70))));
    }
}
