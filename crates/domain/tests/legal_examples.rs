//! Worked examples of legal-rules.md A.1–A.4 and its checklist (items 3–9), to the cent and to the
//! day, with the shipped rate tables (assets/rates). legal-rules gives the reference rates per
//! half-year (A.1.8) and the formula (checklist 5) but no computed amount, so each expected figure
//! below is worked out by hand in its comment from those rates:
//! `Σ base × rate × days / 36 500`, rounded once to the cent, half away from zero.

use chrono::NaiveDate;
use encours_domain::legal::{
    late_penalties, late_penalties_on_balance, legal_interest, prescription_end, prescription_end_with,
    prescription_start, recovery_indemnity, CollectiveProceedings, CourtClaimOutcome, CreditorKind, DebtorKind,
    HalfYear, IgnoredWhy, IndemnityReason, Interruption, InterruptionKind, LegalError, LegalRates, PenaltyBasis,
    PrescriptionPeriod, RateReason,
};
use encours_domain::Money;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn eur(amount: Decimal) -> Money {
    Money::eur(amount)
}

fn h(year: i32, half: u8) -> HalfYear {
    HalfYear { year, half }
}

/// (half-year, rate %, reason, from, to, days, line amount) of each line.
type Line = (HalfYear, Decimal, RateReason, NaiveDate, NaiveDate, i64, Decimal);

fn lines(b: &encours_domain::legal::InterestBreakdown) -> Vec<Line> {
    b.lines.iter().map(|l| (l.half_year, l.rate_percent, l.reason, l.from, l.to, l.days, l.amount.amount)).collect()
}

/// legal-rules A.1.8 and checklist 4: the rates derived from the tables are the table's.
#[test]
fn a_1_8_reference_rates_per_half_year() {
    let rates = LegalRates::defaults();
    // (half-year, ECB MRO on its first day, default rate, legal rate "autres cas", floor, individuals)
    let table = [
        (h(2024, 1), dec!(4.50), dec!(14.50), dec!(5.07), dec!(15.21), dec!(8.01)),
        (h(2024, 2), dec!(4.25), dec!(14.25), dec!(4.92), dec!(14.76), dec!(8.16)),
        (h(2025, 1), dec!(3.15), dec!(13.15), dec!(3.71), dec!(11.13), dec!(7.21)),
        (h(2025, 2), dec!(2.15), dec!(12.15), dec!(2.76), dec!(8.28), dec!(6.65)),
        (h(2026, 1), dec!(2.15), dec!(12.15), dec!(2.62), dec!(7.86), dec!(6.67)),
    ];
    for (half_year, mro, default, legal, floor, individual) in table {
        assert_eq!(rates.ecb_mro(half_year).unwrap(), mro, "{half_year} MRO");
        assert_eq!(rates.default_penalty_rate(half_year).unwrap(), default, "{half_year} default rate");
        assert_eq!(rates.legal_rate(half_year, CreditorKind::Professional).unwrap(), legal, "{half_year} legal");
        assert_eq!(rates.contractual_floor(half_year).unwrap(), floor, "{half_year} floor");
        assert_eq!(rates.legal_rate(half_year, CreditorKind::Individual).unwrap(), individual, "{half_year} indiv.");
    }
}

/// legal-rules A.1.8 last row and checklist 4: H2 2026 is pending, so computing it is refused with
/// the missing rate named, rather than guessed.
#[test]
fn h2_2026_is_refused_until_its_rates_are_entered() {
    let rates = LegalRates::defaults();
    let err = late_penalties(eur(dec!(1000)), d(2026, 6, 20), d(2026, 7, 10), PenaltyBasis::LegalDefault, &rates)
        .unwrap_err();
    assert!(
        matches!(&err, LegalError::MissingRate { column, date, .. } if column == "mro_percent" && *date == d(2026, 7, 1))
    );
    // A contractual rate still needs the legal rate of H2 2026 for its floor.
    let err =
        late_penalties(eur(dec!(1000)), d(2026, 6, 20), d(2026, 7, 10), PenaltyBasis::Contractual(dec!(12)), &rates)
            .unwrap_err();
    assert!(matches!(&err, LegalError::MissingRate { column, .. } if column == "professional_percent"), "{err}");
    // Up to 30 June 2026 it is covered.
    assert!(late_penalties(eur(dec!(1000)), d(2026, 6, 20), d(2026, 6, 30), PenaltyBasis::LegalDefault, &rates).is_ok());
}

/// A.1.1 II and checklist 3: penalties run from the day after the due date; a payment on the due
/// date, or earlier (the same day the invoice is issued), owes nothing.
#[test]
fn paid_on_the_due_date_or_the_same_day_owes_nothing() {
    let rates = LegalRates::defaults();
    let due = d(2025, 9, 30);
    for paid in [due, d(2025, 8, 31)] {
        let b = late_penalties(eur(dec!(2400)), due, paid, PenaltyBasis::LegalDefault, &rates).unwrap();
        assert!(b.lines.is_empty(), "paid on {paid}");
        assert_eq!(b.total, eur(dec!(0.00)));
        let indemnity = recovery_indemnity(due, paid, DebtorKind::Professional, CollectiveProceedings::None);
        assert_eq!(indemnity.reason, IndemnityReason::NotLate);
        assert!(indemnity.amount.is_zero());
    }
    // One day late: 2 400 × 12.15 % × 1 / 365 = 0.7989… → 0.80, and the €40.
    let b = late_penalties(eur(dec!(2400)), due, d(2025, 10, 1), PenaltyBasis::LegalDefault, &rates).unwrap();
    assert_eq!(
        lines(&b),
        vec![(h(2025, 2), dec!(12.15), RateReason::EcbPlusTen, d(2025, 10, 1), d(2025, 10, 1), 1, dec!(0.80))]
    );
    assert_eq!(b.total, eur(dec!(0.80)));
    let indemnity = recovery_indemnity(due, d(2025, 10, 1), DebtorKind::Professional, CollectiveProceedings::None);
    assert_eq!(indemnity.amount, eur(dec!(40)));
}

/// A.1.5 and checklist 5, a period across two half-years with different default rates: 12 000 €
/// incl. VAT due 31 May 2025, paid 14 August 2025.
/// - 1–30 June 2025, 30 days at 13.15 % (MRO 3.15 on 1 Jan 2025 + 10): 12 000 × 13.15 × 30 / 36 500 = 129.6986… → 129.70
/// - 1 July–14 August 2025, 45 days at 12.15 % (MRO 2.15 on 1 Jul 2025 + 10): 12 000 × 12.15 × 45 / 36 500 = 179.7534… → 179.75
/// - total 12 000 × (394.5 + 546.75) / 36 500 = 309.4520… → 309.45
#[test]
fn default_rate_across_two_half_years() {
    let b = late_penalties(
        eur(dec!(12000.00)),
        d(2025, 5, 31),
        d(2025, 8, 14),
        PenaltyBasis::LegalDefault,
        &LegalRates::defaults(),
    )
    .unwrap();
    assert_eq!(
        lines(&b),
        vec![
            (h(2025, 1), dec!(13.15), RateReason::EcbPlusTen, d(2025, 6, 1), d(2025, 6, 30), 30, dec!(129.70)),
            (h(2025, 2), dec!(12.15), RateReason::EcbPlusTen, d(2025, 7, 1), d(2025, 8, 14), 45, dec!(179.75)),
        ]
    );
    assert_eq!(b.days, 75);
    assert_eq!(b.total, eur(dec!(309.45)));
}

/// A.1.5 365-day basis [U] in a leap year: 10 000 € due 31 December 2023, paid 31 December 2024,
/// counts the 366 days of 2024, each at 1/365 of the annual rate.
/// - H1 2024: 1 January–30 June, 182 days (29 February included) at 14.50 %: 10 000 × 14.5 × 182 / 36 500 = 723.0137… → 723.01
/// - H2 2024: 1 July–31 December, 184 days at 14.25 %: 10 000 × 14.25 × 184 / 36 500 = 718.3561… → 718.36
/// - total 10 000 × (2 639 + 2 622) / 36 500 = 1 441.3698… → 1 441.37
///
/// The default rate is not floored: 14.50 % < 15.21 % (3 × 5.07) in H1 2024 (A.1.8 note).
#[test]
fn leap_year_days_at_the_default_rate() {
    let rates = LegalRates::defaults();
    let b =
        late_penalties(eur(dec!(10000)), d(2023, 12, 31), d(2024, 12, 31), PenaltyBasis::LegalDefault, &rates).unwrap();
    assert_eq!(
        lines(&b),
        vec![
            (h(2024, 1), dec!(14.50), RateReason::EcbPlusTen, d(2024, 1, 1), d(2024, 6, 30), 182, dec!(723.01)),
            (h(2024, 2), dec!(14.25), RateReason::EcbPlusTen, d(2024, 7, 1), d(2024, 12, 31), 184, dec!(718.36)),
        ]
    );
    assert_eq!((b.days, b.total), (366, eur(dec!(1441.37))));
    // 29 February counts: due 28 February 2024, paid 1 March = 2 days; 10 000 × 14.5 × 2 / 36 500 = 7.9452… → 7.95
    let b =
        late_penalties(eur(dec!(10000)), d(2024, 2, 28), d(2024, 3, 1), PenaltyBasis::LegalDefault, &rates).unwrap();
    assert_eq!((b.days, b.total), (2, eur(dec!(7.95))));
}

/// A.1.1 II, A.1.8 and checklist 4: the 3 × legal rate floor biting on a contractual rate. A PMD
/// note stipulating 12 % on 5 000 € due 15 May 2024, paid 14 February 2025:
/// - H1 2024: 16 May–30 June, 46 days; 12 % < 15.21 % → 15.21 %: 5 000 × 15.21 × 46 / 36 500 = 95.8438… → 95.84
/// - H2 2024: 184 days; 12 % < 14.76 % → 14.76 %: 5 000 × 14.76 × 184 / 36 500 = 372.0328… → 372.03
/// - H1 2025: 1 January–14 February, 45 days; 12 % ≥ 11.13 % → 12 %: 5 000 × 12 × 45 / 36 500 = 73.9726… → 73.97
/// - total (5 000 × (699.66 + 2 715.84 + 540)) / 36 500 = 541.8493… → 541.85: the lines rounded one
///   by one add up to 541.84, and only the total is rounded (checklist 5).
#[test]
fn the_floor_bites_on_a_low_contractual_rate() {
    let b = late_penalties(
        eur(dec!(5000)),
        d(2024, 5, 15),
        d(2025, 2, 14),
        PenaltyBasis::Contractual(dec!(12)),
        &LegalRates::defaults(),
    )
    .unwrap();
    assert_eq!(
        lines(&b),
        vec![
            (
                h(2024, 1),
                dec!(15.21),
                RateReason::FlooredAtThreeTimesLegal,
                d(2024, 5, 16),
                d(2024, 6, 30),
                46,
                dec!(95.84)
            ),
            (
                h(2024, 2),
                dec!(14.76),
                RateReason::FlooredAtThreeTimesLegal,
                d(2024, 7, 1),
                d(2024, 12, 31),
                184,
                dec!(372.03)
            ),
            (h(2025, 1), dec!(12), RateReason::Contractual, d(2025, 1, 1), d(2025, 2, 14), 45, dec!(73.97)),
        ]
    );
    assert_eq!(b.total, eur(dec!(541.85)));
    let rounded_lines: Decimal = b.lines.iter().map(|l| l.amount.amount).sum();
    assert_eq!(rounded_lines, dec!(541.84));
}

/// The other contractual forms the PMD note takes (readers' PenaltyRate): "3 fois le taux
/// d'intérêt légal" is exactly the floor; "BCE + 10 points" written in a contract is a contractual
/// rate, so in H1 2024 the floor lifts it from 14.50 % to 15.21 % (A.1.8 reading, [U]).
/// - 1 000 € due 31 July 2025, paid 30 August 2025, 3 × 2.76 = 8.28 %: 1 000 × 8.28 × 30 / 36 500 = 6.8054… → 6.81
/// - 1 000 € due 31 January 2024, paid 2 March 2024, 31 days at 15.21 %: 1 000 × 15.21 × 31 / 36 500 = 12.9180… → 12.92
#[test]
fn legal_multiple_and_ecb_plus_written_in_the_contract() {
    let rates = LegalRates::defaults();
    let b = late_penalties(
        eur(dec!(1000)),
        d(2025, 7, 31),
        d(2025, 8, 30),
        PenaltyBasis::LegalRateMultiple(dec!(3)),
        &rates,
    )
    .unwrap();
    assert_eq!((b.lines[0].rate_percent, b.lines[0].reason), (dec!(8.28), RateReason::ContractualLegalMultiple));
    assert_eq!((b.days, b.total), (30, eur(dec!(6.81))));
    let b = late_penalties(eur(dec!(1000)), d(2024, 1, 31), d(2024, 3, 2), PenaltyBasis::EcbPlus(dec!(10)), &rates)
        .unwrap();
    assert_eq!((b.lines[0].rate_percent, b.lines[0].reason), (dec!(15.21), RateReason::FlooredAtThreeTimesLegal));
    assert_eq!((b.days, b.total), (31, eur(dec!(12.92))));
}

/// Checklist 5, partial payments: 10 000 € due 31 March 2025; 4 000 € paid 30 April, the rest
/// 15 July 2025.
/// - 1–30 April, 30 days on 10 000 at 13.15 %: 108.0822… → 108.08
/// - 1 May–30 June, 61 days on 6 000 at 13.15 %: 131.8602… → 131.86
/// - 1–15 July, 15 days on 6 000 at 12.15 %: 29.9589… → 29.96
/// - total (3 945 000 + 4 812 900 + 1 093 500) / 36 500 = 269.9013… → 269.90
#[test]
fn partial_payment_lowers_the_base() {
    let payments = [(d(2025, 4, 30), eur(dec!(4000))), (d(2025, 7, 15), eur(dec!(6000)))];
    let b = late_penalties_on_balance(
        eur(dec!(10000)),
        d(2025, 3, 31),
        d(2025, 7, 15),
        &payments,
        PenaltyBasis::LegalDefault,
        &LegalRates::defaults(),
    )
    .unwrap();
    let bases: Vec<(NaiveDate, NaiveDate, Decimal, Decimal)> =
        b.lines.iter().map(|l| (l.from, l.to, l.base.amount, l.amount.amount)).collect();
    assert_eq!(
        bases,
        vec![
            (d(2025, 4, 1), d(2025, 4, 30), dec!(10000), dec!(108.08)),
            (d(2025, 5, 1), d(2025, 6, 30), dec!(6000), dec!(131.86)),
            (d(2025, 7, 1), d(2025, 7, 15), dec!(6000), dec!(29.96)),
        ]
    );
    assert_eq!(b.total, eur(dec!(269.90)));
}

/// A.1.2, A.1.1 II and checklist 6: €40 per late invoice, none when collective proceedings forbid
/// paying on the due date, none for a consumer; three late invoices owe 120 €.
#[test]
fn forty_euros_per_late_invoice() {
    let due = [d(2025, 1, 31), d(2025, 2, 28), d(2025, 3, 31)];
    let as_of = d(2025, 4, 15);
    let owed: Decimal = due
        .iter()
        .map(|due| recovery_indemnity(*due, as_of, DebtorKind::Professional, CollectiveProceedings::None).amount.amount)
        .sum();
    assert_eq!(owed, dec!(120));
    let blocked =
        recovery_indemnity(due[0], as_of, DebtorKind::Professional, CollectiveProceedings::ForbidsPaymentOnDueDate);
    assert_eq!((blocked.amount, blocked.reason), (eur(dec!(0)), IndemnityReason::CollectiveProceedings));
    let consumer = recovery_indemnity(due[0], as_of, DebtorKind::Consumer, CollectiveProceedings::None);
    assert_eq!(consumer.reason, IndemnityReason::NotAProfessional);
}

/// A.3 and checklist 7: legal interest from the mise en demeure (Code civil 1231-6, 1344-1), per
/// half-year. 8 000 € claimed by a notice of 15 June 2025, interest to 30 September 2025:
/// - professional creditor ("autres cas"): 16–30 June, 15 days at 3.71 %: 12.1972… → 12.20;
///   July–September, 92 days at 2.76 %: 55.6493… → 55.65; total (445 200 + 2 031 360) / 36 500 = 67.8509… → 67.85
/// - individual creditor: 15 days at 7.21 %: 23.7041… → 23.70; 92 days at 6.65 %: 134.0931… → 134.09;
///   total (865 200 + 4 894 400) / 36 500 = 157.7972… → 157.80
#[test]
fn legal_interest_from_the_mise_en_demeure() {
    let rates = LegalRates::defaults();
    let pro =
        legal_interest(eur(dec!(8000)), d(2025, 6, 15), d(2025, 9, 30), CreditorKind::Professional, &rates).unwrap();
    let professional = RateReason::LegalInterest(CreditorKind::Professional);
    assert_eq!(
        lines(&pro),
        vec![
            (h(2025, 1), dec!(3.71), professional, d(2025, 6, 16), d(2025, 6, 30), 15, dec!(12.20)),
            (h(2025, 2), dec!(2.76), professional, d(2025, 7, 1), d(2025, 9, 30), 92, dec!(55.65)),
        ]
    );
    assert_eq!(pro.total, eur(dec!(67.85)));
    let individual =
        legal_interest(eur(dec!(8000)), d(2025, 6, 15), d(2025, 9, 30), CreditorKind::Individual, &rates).unwrap();
    assert_eq!(individual.lines.iter().map(|l| l.amount.amount).collect::<Vec<_>>(), vec![dec!(23.70), dec!(134.09)]);
    assert_eq!(individual.total, eur(dec!(157.80)));
    // Paid the day the notice is received: no day of interest.
    let none =
        legal_interest(eur(dec!(8000)), d(2025, 6, 15), d(2025, 6, 15), CreditorKind::Professional, &rates).unwrap();
    assert_eq!((none.days, none.total), (0, eur(dec!(0.00))));
}

/// A.4 and checklist 9: 5 years (L110-4) from the earliest of delivery, invoice and due dates,
/// restarted by a partial payment (2240) and then by a written acknowledgement (2240).
/// Delivered 20 March 2020, invoiced 31 March, due 30 April: start 20 March 2020, end 20 March 2025;
/// a partial payment on 10 January 2023 → end 10 January 2028; an acknowledgement on 1 June 2027
/// → end 1 June 2032, alerts 1 December 2031 and 1 May 2032.
#[test]
fn prescription_with_two_interruptions() {
    let start = prescription_start(Some(d(2020, 3, 20)), d(2020, 3, 31), d(2020, 4, 30));
    assert_eq!(start, d(2020, 3, 20));
    assert_eq!(prescription_end(start, &[]).end, Some(d(2025, 3, 20)));
    let payment = Interruption { date: d(2023, 1, 10), kind: InterruptionKind::PartialPayment };
    assert_eq!(prescription_end(start, &[payment]).end, Some(d(2028, 1, 10)));
    let acknowledgement = Interruption { date: d(2027, 6, 1), kind: InterruptionKind::Acknowledgement };
    // Given in any order, events are taken by date.
    let s = prescription_end(start, &[acknowledgement, payment]);
    assert_eq!(s.period_start, d(2027, 6, 1));
    assert_eq!(s.end, Some(d(2032, 6, 1)));
    assert_eq!(s.restarted_by, Some(acknowledgement));
    assert!(s.ignored.is_empty());
    assert_eq!(s.alerts(), Some((d(2031, 12, 1), d(2032, 5, 1))));
    assert!(!s.is_time_barred(d(2032, 6, 1)));
    assert!(s.is_time_barred(d(2032, 6, 2)));
}

/// A.4: a payment after the period has run out does not revive the debt (Cass. civ. 1, 19 May
/// 2021); a court claim interrupts until the proceedings end (2241, 2242) and is void if dismissed
/// (2243). Due 15 January 2019: time-barred after 15 January 2024.
#[test]
fn prescription_after_expiry_and_court_claims() {
    let start = d(2019, 1, 15);
    let late_payment = Interruption { date: d(2024, 3, 1), kind: InterruptionKind::PartialPayment };
    let s = prescription_end(start, &[late_payment]);
    assert_eq!(s.end, Some(d(2024, 1, 15)));
    assert_eq!(s.ignored.first().map(|i| i.why), Some(IgnoredWhy::AfterExpiry));

    // An injonction de payer filed 2 December 2023, proceedings ended 30 June 2025: a new 5-year
    // period from 30 June 2025, and the later payment now falls inside it and restarts it.
    let claim = Interruption {
        date: d(2023, 12, 2),
        kind: InterruptionKind::CourtClaim(CourtClaimOutcome::Ended(d(2025, 6, 30))),
    };
    let s = prescription_end(start, &[claim]);
    assert_eq!((s.period_start, s.end), (d(2025, 6, 30), Some(d(2030, 6, 30))));
    let after = Interruption { date: d(2026, 3, 1), kind: InterruptionKind::PartialPayment };
    assert_eq!(prescription_end(start, &[claim, after]).end, Some(d(2031, 3, 1)));

    // Dismissed: as if never filed, so the debt is time-barred on 16 January 2024.
    let dismissed = Interruption { date: d(2023, 12, 2), kind: InterruptionKind::CourtClaim(CourtClaimOutcome::Void) };
    let s = prescription_end(start, &[dismissed]);
    assert_eq!(s.end, Some(d(2024, 1, 15)));
    assert!(s.is_time_barred(d(2024, 1, 16)));

    // A consumer debtor: 2 years (L218-2 Code de la consommation).
    let s = prescription_end_with(start, PrescriptionPeriod::Consumer, &[], &[]);
    assert_eq!(s.end, Some(d(2021, 1, 15)));
}
