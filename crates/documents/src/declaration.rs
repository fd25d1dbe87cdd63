//! The déclaration de créance of a procédure collective (Code de commerce L622-24, L622-25,
//! R622-23, R622-24; open-data §3): addressed to the mandataire judiciaire (the liquidateur in a
//! liquidation judiciaire), within two months of the BODACC publication of the opening judgment.

use chrono::{Months, NaiveDate};
use encours_domain::FrenchCalendar;

use crate::letter::{InvoiceRow, LegalBreakdown, Letterhead, Party, Signature};

/// The kind of procédure collective (decides who receives the declaration and the articles cited).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcedureKind {
    /// Sauvegarde (L622-24 directly).
    Sauvegarde,
    /// Redressement judiciaire (L631-14, R631-27 apply L622-24).
    RedressementJudiciaire,
    /// Liquidation judiciaire (L641-3, R641-25): the declaration goes to the liquidateur.
    LiquidationJudiciaire,
}

impl ProcedureKind {
    /// "sauvegarde", "redressement judiciaire", "liquidation judiciaire".
    pub fn label_fr(self) -> &'static str {
        match self {
            ProcedureKind::Sauvegarde => "sauvegarde",
            ProcedureKind::RedressementJudiciaire => "redressement judiciaire",
            ProcedureKind::LiquidationJudiciaire => "liquidation judiciaire",
        }
    }

    /// Who receives the declaration: "mandataire judiciaire" or, in LJ, "liquidateur".
    pub fn recipient_title(self) -> &'static str {
        match self {
            ProcedureKind::LiquidationJudiciaire => "liquidateur",
            _ => "mandataire judiciaire",
        }
    }
}

/// The BODACC notice of the opening judgment (open-data §2.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodaccNotice {
    /// Edition and issue, e.g. "BODACC A n° 20260215".
    pub issue: String,
    /// Notice number in the issue (`numeroannonce`).
    pub number: String,
    /// Publication date (`dateparution`): the deadline runs from it (R622-24).
    pub published: NaiveDate,
}

/// The procedure the claim is declared in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Procedure {
    /// Sauvegarde, RJ or LJ.
    pub kind: ProcedureKind,
    /// The court that opened it (`tribunal`, e.g. "Tribunal de commerce de Bordeaux").
    pub court: String,
    /// Date of the opening judgment: the cut-off between claims to declare and later ones
    /// (open-data §3.2).
    pub judgment_date: NaiveDate,
    /// The BODACC publication, when known.
    pub bodacc: Option<BodaccNotice>,
}

/// A sûreté or privilege attached to the claim (L622-25: nature and assiette; R622-23 4°: date
/// and proof when not published), e.g. a réserve de propriété clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Security {
    /// Nature, e.g. "Clause de réserve de propriété (article 2367 du Code civil)".
    pub nature: String,
    /// What it bears on (assiette), e.g. "Marchandises livrées et impayées, factures …".
    pub assiette: String,
    /// Date of the sûreté, when it has one.
    pub date: Option<NaiveDate>,
    /// Whether it was published (a published sûreté's holder is warned personally, L622-24).
    pub published: bool,
}

/// In what capacity the declarant signs (L622-24: the creditor, a préposé or a mandataire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DeclarantCapacity {
    /// The creditor's legal representative.
    #[default]
    LegalRepresentative,
    /// An employee (préposé) with authority to declare.
    Employee,
    /// A mandataire of the creditor's choice (lawyer, …).
    Mandataire,
}

/// A déclaration de créance, ready for a registered letter with acknowledgement of receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclarationDeCreance {
    /// The creditor who declares.
    pub creditor: Party,
    /// Its letterhead.
    pub letterhead: Letterhead,
    /// The debtor in the procedure.
    pub debtor: Party,
    /// The procedure.
    pub procedure: Procedure,
    /// The mandataire judiciaire or liquidateur the letter goes to (name and address typed by the
    /// user; BODACC names it only in free text).
    pub recipient: Party,
    /// Town before the date.
    pub place: String,
    /// Date of the letter.
    pub date: NaiveDate,
    /// Our reference.
    pub reference: String,
    /// The deadline to print, computed with [`declaration_deadline`].
    pub deadline: Option<NaiveDate>,
    /// Invoices due on the opening date (their `open` is the principal declared; `days_late` is
    /// counted to the judgment date).
    pub due: Vec<InvoiceRow>,
    /// Penalties and indemnities accrued up to the judgment date (legal interest stops there for
    /// trade invoices, L622-28); printed in the amount due at the opening date.
    pub legal: Option<LegalBreakdown>,
    /// Invoices born before the judgment but falling due after it (L622-25: sums to fall due and
    /// their due dates).
    pub to_fall_due: Vec<InvoiceRow>,
    /// Sûretés and privileges; empty prints "Néant" (a chirographaire claim).
    pub securities: Vec<Security>,
    /// How interest still running is computed (R622-23 2°), when it runs; `None` otherwise.
    pub interest_method: Option<String>,
    /// The court seised when the claim is in litigation (R622-23 3°).
    pub litigation: Option<String>,
    /// Supporting documents attached under the bordereau (R622-23): invoices, CGV, statement…
    pub documents: Vec<String>,
    /// Who signs.
    pub signature: Signature,
    /// In what capacity.
    pub capacity: DeclarantCapacity,
}

/// The last day to declare (R622-24, open-data §3.2): the BODACC publication of the opening
/// judgment + 2 months, + 2 more when the creditor does not reside in metropolitan France
/// (`creditor_outside_metropole`, for a metropolitan court). The same day-number of the final
/// month, or that month's last day when it has none (chrono's month arithmetic clamps, e.g.
/// 31 December + 2 months = 28/29 February). A deadline on a Saturday, Sunday or public holiday
/// moves to the next working day (CPC 642; open-data §3.2 marks this "to verify").
pub fn declaration_deadline(published: NaiveDate, creditor_outside_metropole: bool) -> NaiveDate {
    let months = if creditor_outside_metropole { 4 } else { 2 };
    let raw = published.checked_add_months(Months::new(months)).unwrap_or(published);
    FrenchCalendar::default().next_business_day(raw)
}

/// The last day of the relevé de forclusion action (L622-26): publication + 6 months (no working
/// day shift: open-data §3.2 gives the raw date).
pub fn relief_from_foreclosure_deadline(published: NaiveDate) -> NaiveDate {
    published.checked_add_months(Months::new(6)).unwrap_or(published)
}

/// Whether an invoice's claim is born before the opening judgment and must be declared (open-data
/// §3.2: the cut-off is the judgment date; the service or delivery date when known, else the
/// invoice date).
pub fn born_before_judgment(fait_generateur: NaiveDate, judgment_date: NaiveDate) -> bool {
    fait_generateur < judgment_date
}

mod page {
    use super::*;
    use crate::format;
    use crate::layout::{Composer, Style, LEFT, RIGHT};
    use crate::letter::Delivery;
    use crate::render::{self, Column, Sums, Table, BODY, CELL, CELL_BOLD, SMALL};
    use crate::DocumentError;
    use encours_domain::Money;

    const TO_FALL_DUE: [Column; 5] = [
        Column { title: "N° de facture", width: 40.0, right: false },
        Column { title: "Date", width: 28.0, right: false },
        Column { title: "Échéance", width: 28.0, right: false },
        Column { title: "Montant TTC", width: 37.0, right: true },
        Column { title: "À échoir", width: 37.0, right: true },
    ];

    fn heading2(c: &mut Composer, title: &str) {
        render::section_title(c, title);
        c.y += 1.0;
    }

    fn capacity_text(capacity: DeclarantCapacity) -> &'static str {
        match capacity {
            DeclarantCapacity::LegalRepresentative => "représentant légal",
            DeclarantCapacity::Employee => "préposé habilité",
            DeclarantCapacity::Mandataire => "mandataire",
        }
    }

    pub(crate) fn compose(
        c: &mut Composer,
        d: &DeclarationDeCreance,
        due: &Sums,
        to_fall_due: &Money,
        total: &Money,
    ) -> Result<(), DocumentError> {
        let mut refs = render::refs(&d.reference, &Party::default());
        let debtor_id = match &d.debtor.siren {
            Some(s) => format!("{} (SIREN {})", d.debtor.name.trim(), format::siren(s.as_str())),
            None => d.debtor.name.trim().to_owned(),
        };
        refs.push(format!("Débiteur : {debtor_id}"));
        if let Some(b) = &d.procedure.bodacc {
            refs.push(format!(
                "Publication : {}, annonce n° {}, du {}",
                b.issue.trim(),
                b.number.trim(),
                format::date_short(b.published)
            ));
        }
        render::heading(
            c,
            &render::Heading {
                creditor: &d.creditor,
                letterhead: &d.letterhead,
                addressee: &d.recipient,
                place: &d.place,
                date: d.date,
                delivery: &Delivery::RegisteredPaper { tracking_number: None },
                refs,
                title: Some("DÉCLARATION DE CRÉANCE"),
            },
        )?;
        let kind = d.procedure.kind;
        let court = if d.procedure.court.trim().is_empty() { "tribunal" } else { d.procedure.court.trim() };
        c.paragraph(
            &format!(
                "Objet : déclaration de créance — {} de {} (articles L622-24, L622-25 et R622-23 du Code de commerce)",
                kind.label_fr(),
                d.debtor.name.trim()
            ),
            LEFT,
            RIGHT - LEFT,
            Style::bold(10.0),
            2.5,
        );
        c.paragraph("Maître,", LEFT, RIGHT - LEFT, BODY, 2.2);
        c.paragraph(
            &format!(
                "Par jugement du {}, le {court} a ouvert une procédure de {} à l'égard de {debtor_id}, et vous a \
                 désigné en qualité de {}. Conformément aux articles L622-24 et suivants du Code de commerce{}, nous \
                 vous déclarons ci-après notre créance, née antérieurement au jugement d'ouverture.",
                format::date_long(d.procedure.judgment_date),
                kind.label_fr(),
                kind.recipient_title(),
                match kind {
                    ProcedureKind::Sauvegarde => "",
                    ProcedureKind::RedressementJudiciaire => ", applicables par renvoi de l'article L631-14",
                    ProcedureKind::LiquidationJudiciaire => ", applicables par renvoi de l'article L641-3",
                }
            ),
            LEFT,
            RIGHT - LEFT,
            BODY,
            2.2,
        );
        if let (Some(b), Some(deadline)) = (&d.procedure.bodacc, d.deadline) {
            c.paragraph(
                &format!(
                    "Délai de déclaration : deux mois à compter de la publication du jugement d'ouverture au BODACC \
                     le {} (article R622-24 du Code de commerce), soit au plus tard le {}.",
                    format::date_long(b.published),
                    format::date_long(deadline)
                ),
                LEFT,
                RIGHT - LEFT,
                SMALL,
                2.2,
            );
        }

        heading2(c, "1. Créancier");
        let mut who = vec![d.creditor.name.trim().to_owned()];
        who.extend(render::siren_text(&d.creditor));
        let addr = render::one_line_address(&d.creditor);
        if !addr.is_empty() {
            who.push(format!("siège : {addr}"));
        }
        c.paragraph(&who.join(" — "), LEFT, RIGHT - LEFT, BODY, 2.0);

        heading2(
            c,
            &format!(
                "2. Sommes échues au jour du jugement d'ouverture ({})",
                format::date_short(d.procedure.judgment_date)
            ),
        );
        render::invoice_table(c, &d.due, due);
        if d.legal.is_some() {
            render::breakdown(c, d.legal.as_ref(), due, "Pénalités et indemnités arrêtées au jugement d'ouverture");
        }
        c.paragraph(
            &format!(
                "Montant échu déclaré : {} (à titre chirographaire sauf sûreté ci-dessous).",
                format::money(&due.claimed)
            ),
            LEFT,
            RIGHT - LEFT,
            Style::bold(10.0),
            2.0,
        );

        heading2(c, "3. Sommes à échoir et dates d'échéance (article L622-25)");
        if d.to_fall_due.is_empty() {
            c.paragraph("Néant.", LEFT, RIGHT - LEFT, BODY, 2.0);
        } else {
            let mut t = Table::start(c, &TO_FALL_DUE);
            for r in &d.to_fall_due {
                let cells = [
                    r.number.clone(),
                    format::date_short(r.issue_date),
                    format::date_short(r.due_date),
                    format::money(&r.amount_incl_vat),
                    format::money(&r.open),
                ];
                t.row(c, &cells, CELL, false);
            }
            let n = d.to_fall_due.len();
            let label = if n == 1 { "Total (1 facture)".to_owned() } else { format!("Total ({n} factures)") };
            t.row(
                c,
                &[label, String::new(), String::new(), String::new(), format::money(to_fall_due)],
                CELL_BOLD,
                true,
            );
            t.finish(c);
            c.y += 3.0;
        }

        heading2(c, "4. Sûretés et privilèges (nature, assiette, date)");
        if d.securities.is_empty() {
            c.paragraph("Néant : créance chirographaire.", LEFT, RIGHT - LEFT, BODY, 2.0);
        }
        for s in &d.securities {
            let mut text = format!("{} — assiette : {}", s.nature.trim(), s.assiette.trim());
            if let Some(date) = s.date {
                text.push_str(&format!(" — en date du {}", format::date_long(date)));
            }
            text.push_str(if s.published {
                " — publiée."
            } else {
                " — non publiée (justificatif joint, R622-23 4°)."
            });
            c.paragraph(&text, LEFT, RIGHT - LEFT, BODY, 1.5);
        }

        heading2(c, "5. Intérêts et instance en cours (article R622-23)");
        c.paragraph(
            &match d.interest_method.as_deref().filter(|m| !m.trim().is_empty()) {
                Some(m) => format!("Intérêts dont le cours n'est pas arrêté : {}", m.trim()),
                None => {
                    "Aucun intérêt ne continue de courir après le jugement d'ouverture (article L622-28 du Code de \
                         commerce) : pénalités et intérêts sont arrêtés à sa date."
                        .to_owned()
                }
            },
            LEFT,
            RIGHT - LEFT,
            BODY,
            1.5,
        );
        c.paragraph(
            &match d.litigation.as_deref().filter(|m| !m.trim().is_empty()) {
                Some(l) => format!("Instance en cours : {}", l.trim()),
                None => "Aucune instance en cours relative à cette créance.".to_owned(),
            },
            LEFT,
            RIGHT - LEFT,
            BODY,
            2.0,
        );

        heading2(c, "6. Montant total déclaré");
        let lh = SMALL.line_height() + 0.6;
        for (label, amount) in [("Sommes échues", &due.claimed), ("Sommes à échoir", to_fall_due)] {
            c.y += lh;
            c.text(90.0, c.y, label, SMALL);
            c.text_right(RIGHT - 1.5, c.y, &format::money(amount), SMALL);
        }
        c.y += 1.5;
        c.hline(90.0, RIGHT, c.y, 0.75, 0.3);
        c.y += lh + 0.5;
        c.text(90.0, c.y, "Total déclaré", Style::bold(10.0));
        c.text_right(RIGHT - 1.5, c.y, &format::money(total), Style::bold(10.0));
        c.y += 4.0;

        heading2(c, "7. Pièces justificatives jointes (bordereau)");
        if d.documents.is_empty() {
            c.paragraph("Aucune pièce jointe.", LEFT, RIGHT - LEFT, BODY, 2.0);
        }
        for (i, doc) in d.documents.iter().enumerate() {
            c.paragraph(&format!("Pièce n° {} — {}", i + 1, doc.trim()), LEFT, RIGHT - LEFT, BODY, 1.0);
        }
        c.y += 2.0;

        let signer = if d.signature.name.trim().is_empty() {
            "le soussigné".to_owned()
        } else {
            d.signature.name.trim().to_owned()
        };
        c.paragraph(
            &format!(
                "Je soussigné(e) {signer}, agissant en qualité de {} de {}, certifie sincère et véritable la présente \
                 déclaration de créance d'un montant total de {} (article L622-25 du Code de commerce).",
                capacity_text(d.capacity),
                d.creditor.name.trim(),
                format::money(total)
            ),
            LEFT,
            RIGHT - LEFT,
            Style::bold(10.0),
            2.0,
        );
        c.paragraph(
            "Nous vous prions d'agréer, Maître, l'expression de nos salutations distinguées.",
            LEFT,
            RIGHT - LEFT,
            BODY,
            1.0,
        );
        render::signature(c, &d.creditor, &d.signature);
        Ok(())
    }
}

pub(crate) use page::compose;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_deadline_is_two_months_after_the_bodacc_publication() {
        // Tuesday 15 September 2026 + 2 months = Sunday 15 November → Monday 16 November (CPC 642).
        assert_eq!(declaration_deadline(d(2026, 9, 15), false), d(2026, 11, 16));
        // Friday 10 July 2026 + 2 months = Thursday 10 September: a working day, kept.
        assert_eq!(declaration_deadline(d(2026, 7, 10), false), d(2026, 9, 10));
    }

    #[test]
    fn a_creditor_outside_metropolitan_france_gets_two_more_months() {
        // R622-24: + 2 months → 4 months; Thursday 10 September 2026 + 4 = Tuesday 10 November.
        assert_eq!(declaration_deadline(d(2026, 7, 10), true), d(2026, 11, 10));
    }

    #[test]
    fn a_day_missing_in_the_final_month_gives_its_last_day() {
        // 31 December 2025 + 2 months: no 31 February → 28 February 2026, a Saturday → Monday 2 March.
        assert_eq!(declaration_deadline(d(2025, 12, 31), false), d(2026, 3, 2));
        // 30 December 2027 + 2 months = 29 February 2028 (leap year), a Tuesday.
        assert_eq!(declaration_deadline(d(2027, 12, 30), false), d(2028, 2, 29));
    }

    #[test]
    fn a_deadline_on_a_public_holiday_moves_to_the_next_working_day() {
        // 11 September 2026 + 2 months = Wednesday 11 November (Armistice) → Thursday 12 November.
        assert_eq!(declaration_deadline(d(2026, 9, 11), false), d(2026, 11, 12));
        // 1 March 2026 + 2 months = Friday 1 May (Fête du Travail) → Monday 4 May (2, 3 are a weekend).
        assert_eq!(declaration_deadline(d(2026, 3, 1), false), d(2026, 5, 4));
    }

    #[test]
    fn relief_from_foreclosure_runs_six_months_and_the_cut_off_is_the_judgment_date() {
        assert_eq!(relief_from_foreclosure_deadline(d(2026, 8, 31)), d(2027, 2, 28));
        assert!(born_before_judgment(d(2026, 6, 30), d(2026, 7, 1)));
        assert!(!born_before_judgment(d(2026, 7, 1), d(2026, 7, 1)), "a claim born on the judgment day is not prior");
    }
}
