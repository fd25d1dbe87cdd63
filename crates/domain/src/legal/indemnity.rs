//! The flat recovery indemnity (indemnité forfaitaire pour frais de recouvrement): €40 per late
//! invoice (Code de commerce L441-10 II and D441-5, legal-rules A.1.1, A.1.2 and checklist 6).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Money;

/// The amount set by D441-5 (décret 2012-1115, since 1 January 2013; legal-rules A.1.2). Not
/// subject to VAT: it is compensation \[S\].
const INDEMNITY_EUR: Decimal = Decimal::from_parts(40, 0, 0, false, 0);

/// Whether collective proceedings stop the indemnity (L441-10 II: it "n'est pas due lorsque
/// l'ouverture d'une procédure de sauvegarde, de redressement ou de liquidation judiciaire interdit
/// le paiement à son échéance de la créance qui lui est due"). The caller decides from the debtor's
/// file; this crate does no look-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollectiveProceedings {
    /// No sauvegarde, redressement or liquidation judiciaire forbids paying on the due date.
    None,
    /// Opened proceedings forbid paying the debt on its due date.
    ForbidsPaymentOnDueDate,
}

/// Who the debtor is: the indemnity is owed by a professional only (L441-10 II "tout
/// professionnel", legal-rules checklist 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DebtorKind {
    /// A company or a person acting for professional needs.
    Professional,
    /// A consumer.
    Consumer,
}

/// Why the indemnity is or is not owed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndemnityReason {
    /// The invoice was paid late (or is unpaid after its due date): €40 owed by right.
    Owed,
    /// Paid on or before the due date, or not yet due.
    NotLate,
    /// Collective proceedings forbid paying on the due date (L441-10 II).
    CollectiveProceedings,
    /// The debtor is not a professional.
    NotAProfessional,
}

/// The indemnity for one invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecoveryIndemnity {
    /// €40 or €0, in euros whatever the invoice's currency (the decree sets it in euros).
    pub amount: Money,
    /// Why.
    pub reason: IndemnityReason,
}

/// The €40 recovery indemnity of one invoice (D441-5), owed by right once the due date has passed
/// without payment (legal-rules A.1.3: no reminder needed).
///
/// Counted per late invoice, as practice does (legal-rules A.1.2: per invoice \[S\], per invoice
/// versus per claim \[U\]). A creditor may claim more on proof of higher costs; that claim is not
/// computed here.
pub fn recovery_indemnity(
    due: NaiveDate,
    paid_or_as_of: NaiveDate,
    debtor: DebtorKind,
    proceedings: CollectiveProceedings,
) -> RecoveryIndemnity {
    let reason = if paid_or_as_of <= due {
        IndemnityReason::NotLate
    } else if debtor == DebtorKind::Consumer {
        IndemnityReason::NotAProfessional
    } else if proceedings == CollectiveProceedings::ForbidsPaymentOnDueDate {
        IndemnityReason::CollectiveProceedings
    } else {
        IndemnityReason::Owed
    };
    let amount = if reason == IndemnityReason::Owed { INDEMNITY_EUR } else { Decimal::ZERO };
    RecoveryIndemnity { amount: Money::eur(amount), reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn forty_euros_from_the_day_after_the_due_date() {
        let due = d(2025, 3, 31);
        let on_time = recovery_indemnity(due, due, DebtorKind::Professional, CollectiveProceedings::None);
        assert_eq!(on_time.reason, IndemnityReason::NotLate);
        assert!(on_time.amount.is_zero());
        let late = recovery_indemnity(d(2025, 4, 1), due, DebtorKind::Professional, CollectiveProceedings::None);
        assert_eq!(late.reason, IndemnityReason::NotLate, "paid before the due date");
        let late = recovery_indemnity(due, d(2025, 4, 1), DebtorKind::Professional, CollectiveProceedings::None);
        assert_eq!(late.reason, IndemnityReason::Owed);
        assert_eq!(late.amount, Money::eur(Decimal::from(40)));
    }

    #[test]
    fn none_during_collective_proceedings_or_for_a_consumer() {
        let due = d(2025, 3, 31);
        let after = d(2025, 6, 1);
        let proceedings =
            recovery_indemnity(due, after, DebtorKind::Professional, CollectiveProceedings::ForbidsPaymentOnDueDate);
        assert_eq!(proceedings.reason, IndemnityReason::CollectiveProceedings);
        assert!(proceedings.amount.is_zero());
        let consumer = recovery_indemnity(due, after, DebtorKind::Consumer, CollectiveProceedings::None);
        assert_eq!(consumer.reason, IndemnityReason::NotAProfessional);
        assert!(consumer.amount.is_zero());
    }
}
