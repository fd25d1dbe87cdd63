//! The SEPA EPC QR code ("Girocode", EPC069-12 version 002) printed on every payment request:
//! scanned by a banking app, it fills the transfer — beneficiary, IBAN, amount and the ISO 11649
//! structured reference — so the payment arrives with the reference the lettrage matches on.

use encours_domain::{CreditorRef, Iban, Money};
use qrcode::EcLevel;
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

/// The QR code's modules, row by row (true = dark), error correction level M as EPC069-12
/// requires; what the documents draw, also usable to show the code on screen.
///
/// Built step by step with the `qrcode` crate's public parts rather than `QrCode::new`: the
/// payload in byte mode (it is UTF-8 text) at the smallest version that holds it, then the eight
/// mask patterns scored here with the ISO/IEC 18004 penalty rules. `qrcode`'s own mask choice
/// costs ~2 ms a code (it clones and scores its canvas through bounds-checked getters), more than
/// setting the whole letter; scoring plain boolean grids takes a few microseconds.
pub fn epc_qr_modules(payload: &str) -> Result<Vec<Vec<bool>>, DocumentError> {
    use qrcode::bits::Bits;
    use qrcode::canvas::{Canvas, MaskPattern};
    use qrcode::Version;
    let too_long = || DocumentError::Qr("the payment data do not fit in a QR code".to_owned());
    let data = payload.as_bytes();
    let mut bits = None;
    for v in 1..=40 {
        let mut b = Bits::new(Version::Normal(v));
        if b.push_byte_data(data).is_ok() && b.push_terminator(EcLevel::M).is_ok() {
            bits = Some(b);
            break;
        }
    }
    let bits = bits.ok_or_else(too_long)?;
    let version = bits.version();
    let (codewords, ec) =
        qrcode::ec::construct_codewords(&bits.into_bytes(), version, EcLevel::M).map_err(|_| too_long())?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec);
    let width = version.width().max(1) as usize;
    let mut best: Option<(u32, Vec<u8>)> = None;
    for pattern in [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ] {
        let mut c = canvas.clone();
        c.apply_mask(pattern);
        // Scored on the flat module list; rows are built for the chosen mask only.
        let flat: Vec<u8> = c.into_colors().into_iter().map(|m| u8::from(m == qrcode::Color::Dark)).collect();
        let score = penalty_flat(&flat, width);
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, flat));
        }
    }
    best.map(|(_, flat)| flat.chunks(width.max(1)).map(|row| row.iter().map(|m| *m == 1).collect()).collect())
        .ok_or_else(too_long)
}

/// The mask penalty of ISO/IEC 18004:2015 §7.8.3: N1 runs of five or more same-colour modules,
/// N2 2×2 blocks, N3 finder-like 1:1:3:1:1 patterns with four light modules on a side, N4 the
/// departure of the dark proportion from 50 %. Lines are plain byte slices (rows, then the
/// columns transposed once), so that each rule is a linear scan.
#[cfg(test)]
fn penalty(grid: &[Vec<bool>]) -> u32 {
    let n = grid.len();
    let rows: Vec<u8> = grid.iter().flat_map(|r| r.iter().take(n).map(|m| u8::from(*m))).collect();
    penalty_flat(&rows, n)
}

/// The same penalty on an `n` × `n` grid given row after row, 1 = dark (no row vectors to build
/// for each of the eight masks).
fn penalty_flat(rows: &[u8], n: usize) -> u32 {
    if rows.len() != n * n || n == 0 {
        return u32::MAX;
    }
    let mut cols = vec![0u8; n * n];
    for r in 0..n {
        for c in 0..n {
            cols[c * n + r] = rows[r * n + c];
        }
    }
    // 1:1:3:1:1 then four light modules, or four light modules then 1:1:3:1:1.
    const FINDER_A: u16 = 0b101_1101_0000;
    const FINDER_B: u16 = 0b000_0101_1101;
    let mut score = 0u32;
    for line in rows.chunks_exact(n).chain(cols.chunks_exact(n)) {
        let mut run = 1;
        for w in line.windows(2) {
            if w[0] == w[1] {
                run += 1;
            } else {
                if run >= 5 {
                    score += 3 + (run - 5);
                }
                run = 1;
            }
        }
        if run >= 5 {
            score += 3 + (run - 5);
        }
        // The last 11 modules as bits (first module highest), rolled along the line: comparing
        // two integers per position instead of two 11-byte slices (a memcmp call each, which
        // made the mask choice cost ~0.5 ms).
        let mut window = 0u16;
        for (i, m) in line.iter().enumerate() {
            window = ((window << 1) | u16::from(*m)) & 0x7FF;
            if i >= 10 && (window == FINDER_A || window == FINDER_B) {
                score += 40;
            }
        }
    }
    for r in 0..n - 1 {
        let (a, b) = (&rows[r * n..(r + 1) * n], &rows[(r + 1) * n..(r + 2) * n]);
        for c in 0..n - 1 {
            let m = a[c];
            if a[c + 1] == m && b[c] == m && b[c + 1] == m {
                score += 3;
            }
        }
    }
    let dark: usize = rows.iter().map(|m| usize::from(*m)).sum();
    let percent = dark * 100 / (n * n);
    score += (percent.abs_diff(50) / 5) as u32 * 10;
    score
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
        let m = epc_qr_modules(&text).unwrap();
        assert!(m.len() >= 21 && m.iter().all(|r| r.len() == m.len()));
        // The three finder patterns sit in the corners: a 7×7 dark ring around a 3×3 dark core.
        let n = m.len();
        for (r0, c0) in [(0, 0), (0, n - 7), (n - 7, 0)] {
            assert!((0..7).all(|i| m[r0][c0 + i] && m[r0 + 6][c0 + i] && m[r0 + i][c0] && m[r0 + i][c0 + 6]));
            assert!(!m[r0 + 1][c0 + 1] && m[r0 + 3][c0 + 3]);
        }
    }

    /// The bit-mask penalty against a plain count of the same rules on a small grid.
    #[test]
    fn the_penalty_counts_runs_blocks_finders_and_balance() {
        // 12 × 12 all light: each of 24 lines is one run of 12 (3 + 7 = 10), 121 blocks of 2×2,
        // 0 % dark (10 points per 5 % from 50 %: 100), no finder-like pattern.
        let light = vec![vec![false; 12]; 12];
        assert_eq!(penalty(&light), 24 * 10 + 121 * 3 + 100);
        // One row with the 1:1:3:1:1 pattern followed by four light modules.
        let mut g = light.clone();
        for (c, dark) in [true, false, true, true, true, false, true].iter().enumerate() {
            g[0][c] = *dark;
        }
        assert!(penalty(&g) > 0 && penalty(&g) != penalty(&light));
        let finders = |grid: &[Vec<bool>]| {
            let a = [true, false, true, true, true, false, true, false, false, false, false];
            grid.iter().map(|row| row.windows(11).filter(|w| *w == a).count()).sum::<usize>()
        };
        assert_eq!(finders(&g), 1);
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
