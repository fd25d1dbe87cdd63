//! The injonction de payer dossier (legal-rules A.5; CPC 1405–1407; Cerfa 12946*02): the
//! request's fields, the décompte of the claim, the bordereau of exhibits and the exhibits
//! themselves, in one PDF ready to file with the clerk of the tribunal de commerce.

use chrono::NaiveDate;
use encours_domain::PostalAddress;

use crate::letter::{InvoiceRow, LegalBreakdown, Letterhead, Party, Signature};

/// The court the request goes to (CPC 1406: the president of the tribunal de commerce of the
/// place where the debtor, or one of the debtors, has its seat). This crate does not know the
/// map of courts: the caller names it (the greffe's site gives it from the debtor's postcode).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Court {
    /// E.g. "Tribunal de commerce d'Aix-en-Provence".
    pub name: String,
    /// The greffe's address, when known.
    pub address: Option<PostalAddress>,
}

/// What an exhibit (pièce) holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExhibitContent {
    /// A PDF appended page by page: the original invoice, a reminder or the mise en demeure as
    /// sent. A PDF that cannot be read fails the whole dossier with the exhibit's number and title
    /// ([`crate::DocumentError::Exhibit`]): never a dossier with a missing piece.
    Pdf(Vec<u8>),
    /// Lines of text set on pages of their own, e.g. the lifecycle status history of an invoice
    /// ("12/08/2026 205 Approuvée — plateforme X") as evidence that the client accepted it.
    Text(Vec<String>),
}

/// One numbered exhibit (pièce n° 1, 2, …, in the order given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exhibit {
    /// The title in the bordereau, e.g. "Facture n° FA-2026-01000 du 01/07/2026".
    pub title: String,
    /// Its content.
    pub content: ExhibitContent,
}

/// An injonction de payer dossier.
///
/// Rendered as: (1) the request with the fields of Cerfa 12946*02 filled, (2) the décompte
/// (principal per invoice, penalties, €40 indemnities, interest, total), (3) the bordereau de
/// pièces, then (4) each exhibit behind a separator page "Pièce n° N".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InjonctionDossier {
    /// The creditor (requérant): name, SIREN and registered office (CPC 1407).
    pub creditor: Party,
    /// Its letterhead.
    pub letterhead: Letterhead,
    /// Legal form of the creditor, e.g. "SARL" (a field of the Cerfa); may be empty.
    pub creditor_legal_form: String,
    /// The debtor: name, SIREN, address (its seat decides the court).
    pub debtor: Party,
    /// Legal form of the debtor; may be empty.
    pub debtor_legal_form: String,
    /// The competent court.
    pub court: Court,
    /// Town where the request is signed.
    pub place: String,
    /// Date of the request; also the date interest and penalties were computed to.
    pub date: NaiveDate,
    /// Our dossier reference.
    pub reference: String,
    /// The cause of the claim (CPC 1405: contractual), e.g. "Fourniture de marchandises et
    /// prestations facturées, conformément à nos conditions générales de vente acceptées".
    pub basis: String,
    /// The unpaid invoices (principal).
    pub invoices: Vec<InvoiceRow>,
    /// Penalties, indemnities and legal interest claimed on top.
    pub legal: Option<LegalBreakdown>,
    /// Date of the mise en demeure sent before, when one was (printed in the request).
    pub mise_en_demeure: Option<NaiveDate>,
    /// The exhibits, numbered in this order.
    pub exhibits: Vec<Exhibit>,
    /// Who signs the request (legal representative or authorised person).
    pub signature: Signature,
}

mod page {
    use super::*;
    use crate::format;
    use crate::layout::{Composer, Style, LEFT, RIGHT};
    use crate::letter::Delivery;
    use crate::render::{self, Sums, BODY, SMALL};
    use crate::DocumentError;

    /// A labelled field of the Cerfa: label in small grey, value in regular, in a ruled box.
    fn field(c: &mut Composer, label: &str, value: &str) {
        let label_w = 52.0;
        let lines = c.wrap(&format::french_spacing(value), RIGHT - LEFT - label_w - 4.0, BODY);
        let h = (crate::layout::count(lines.len().max(1)) * BODY.line_height()).max(SMALL.line_height()) + 2.5;
        c.ensure(h + 1.0);
        let top = c.y;
        c.hline(LEFT, RIGHT, top, 0.3, 0.75);
        let fitted = c.fit(label, label_w - 2.0, SMALL.grey(0.35));
        c.text(LEFT + 1.0, top + SMALL.line_height() + 0.6, &fitted, SMALL.grey(0.35));
        let mut y = top + 0.6;
        for line in lines {
            y += BODY.line_height();
            c.text(LEFT + label_w, y, &line, BODY);
        }
        c.y = top + h;
    }

    /// A numbered section of the request ("1. Le demandeur").
    fn section(c: &mut Composer, title: &str) {
        let style = Style::bold(10.5);
        c.ensure(style.line_height() * 2.0 + 12.0);
        c.y += style.line_height() + 2.0;
        c.fill_rect(LEFT, c.y - style.line_height() + 0.6, RIGHT - LEFT, style.line_height() + 1.2, 0.92);
        c.text(LEFT + 1.5, c.y, title, style);
        c.y += 2.0;
    }

    fn identity(p: &Party, legal_form: &str) -> Vec<(&'static str, String)> {
        let mut out = vec![("Dénomination", p.name.trim().to_owned())];
        if !legal_form.trim().is_empty() {
            out.push(("Forme juridique", legal_form.trim().to_owned()));
        }
        out.push((
            "SIREN (RCS)",
            p.siren.as_ref().map(|s| format::siren(s.as_str())).unwrap_or_else(|| "non communiqué".to_owned()),
        ));
        let address = render::one_line_address(p);
        out.push(("Siège social", if address.is_empty() { "non communiqué".to_owned() } else { address }));
        out
    }

    pub(crate) fn compose(
        c: &mut Composer,
        d: &InjonctionDossier,
        sums: &Sums,
    ) -> Result<Vec<(usize, usize)>, DocumentError> {
        let court = if d.court.name.trim().is_empty() { "Tribunal de commerce" } else { d.court.name.trim() };
        let addressee = Party {
            name: court.to_owned(),
            address: d.court.address.clone().unwrap_or_default(),
            contact: Some(encours_domain::Contact { name: "Monsieur le Président".to_owned(), ..Default::default() }),
            ..Party::default()
        };
        render::heading(
            c,
            &render::Heading {
                creditor: &d.creditor,
                letterhead: &d.letterhead,
                addressee: &addressee,
                place: &d.place,
                date: d.date,
                delivery: &Delivery::Ordinary,
                refs: render::refs(&d.reference, &d.debtor),
                title: Some("REQUÊTE EN INJONCTION DE PAYER"),
            },
        )?;
        c.paragraph(
            "Articles 1405 à 1425 du Code de procédure civile — requête devant le président du tribunal de commerce \
             (formulaire Cerfa n° 12946*02)",
            LEFT,
            RIGHT - LEFT,
            SMALL.grey(0.3),
            1.0,
        );

        section(c, "1. Le demandeur (créancier)");
        for (label, value) in identity(&d.creditor, &d.creditor_legal_form) {
            field(c, label, &value);
        }
        let mut rep = d.signature.name.trim().to_owned();
        if let Some(t) = d.signature.title.as_deref().filter(|t| !t.trim().is_empty()) {
            rep = format!("{rep}, {}", t.trim());
        }
        if !rep.is_empty() {
            field(c, "Représenté par", &rep);
        }

        section(c, "2. Le débiteur");
        for (label, value) in identity(&d.debtor, &d.debtor_legal_form) {
            field(c, label, &value);
        }

        section(c, "3. La créance (article 1405 CPC : cause contractuelle, montant déterminé)");
        field(c, "Principal", &format::money(&sums.open));
        if sums.penalties.is_positive() {
            field(
                c,
                "Pénalités de retard",
                &format!("{} (article L441-10 du Code de commerce)", format::money(&sums.penalties)),
            );
        }
        if sums.indemnities.is_positive() {
            field(
                c,
                "Indemnités forfaitaires",
                &format!("{} (article D441-5 du Code de commerce, 40 € par facture)", format::money(&sums.indemnities)),
            );
        }
        if sums.interest.is_positive() {
            field(
                c,
                "Intérêts au taux légal",
                &format!("{} (article 1231-6 du Code civil)", format::money(&sums.interest)),
            );
        }
        field(c, "Montant total demandé", &format::money(&sums.claimed));
        let n = d.invoices.len();
        let mut basis = d.basis.trim().to_owned();
        if basis.is_empty() {
            basis = "Factures de marchandises ou de prestations restées impayées".to_owned();
        }
        basis.push_str(&format!(
            " ; {} facture{} détaillée{} au décompte joint",
            n,
            if n > 1 { "s" } else { "" },
            if n > 1 { "s" } else { "" }
        ));
        if let Some(med) = d.mise_en_demeure {
            basis.push_str(&format!("; mise en demeure du {} restée sans effet", format::date_long(med)));
        }
        field(c, "Cause et fondement", &basis);

        section(c, "4. Juridiction compétente (article 1406 CPC)");
        let mut court_text = format!("Président du {court}, juridiction du lieu du siège du débiteur");
        if let Some(a) = &d.court.address {
            let p = Party { address: a.clone(), ..Party::default() };
            let addr = render::one_line_address(&p);
            if !addr.is_empty() {
                court_text.push_str(&format!(" — greffe : {addr}"));
            }
        }
        field(c, "Tribunal", &court_text);

        section(c, "5. Pièces justificatives (bordereau)");
        if d.exhibits.is_empty() {
            field(c, "Pièces", "aucune");
        }
        for (i, e) in d.exhibits.iter().enumerate() {
            field(c, &format!("Pièce n° {}", i + 1), e.title.trim());
        }

        section(c, "6. Demande");
        c.y += 1.0;
        c.paragraph(
            &format!(
                "Le demandeur prie Monsieur le Président du {court} de bien vouloir, par application des articles \
                 1405 et suivants du Code de procédure civile, enjoindre à {} de lui payer la somme de {} en \
                 principal, {} au titre des pénalités, indemnités et intérêts arrêtés au {}, soit au total {}, outre \
                 les intérêts postérieurs et les dépens.",
                d.debtor.name.trim(),
                format::money(&sums.open),
                format::money(
                    &[sums.penalties, sums.indemnities, sums.interest]
                        .iter()
                        .try_fold(encours_domain::Money::zero(sums.open.currency), |a, m| a.checked_add(&m.round()))?
                ),
                format::date_long(d.date),
                format::money(&sums.claimed)
            ),
            LEFT,
            RIGHT - LEFT,
            BODY,
            2.0,
        );
        c.paragraph(
            "Le demandeur certifie l'exactitude des renseignements ci-dessus et des pièces jointes.",
            LEFT,
            RIGHT - LEFT,
            BODY,
            1.0,
        );
        render::signature(c, &d.creditor, &d.signature);

        // The décompte.
        c.new_page();
        c.paragraph("DÉCOMPTE DE LA CRÉANCE", LEFT, RIGHT - LEFT, Style::bold(13.0), 1.0);
        c.paragraph(
            &format!(
                "Arrêté au {} — {} contre {}",
                format::date_long(d.date),
                d.creditor.name.trim(),
                d.debtor.name.trim()
            ),
            LEFT,
            RIGHT - LEFT,
            SMALL,
            3.0,
        );
        render::section_title(c, "Principal : factures impayées");
        render::invoice_table(c, &d.invoices, sums);
        if d.legal.is_some() {
            render::breakdown(c, d.legal.as_ref(), sums, "Pénalités, indemnités et intérêts");
        } else {
            c.paragraph(
                &format!("Total réclamé : {}", format::money(&sums.claimed)),
                LEFT,
                RIGHT - LEFT,
                Style::bold(10.0),
                2.0,
            );
        }

        // The bordereau.
        c.new_page();
        c.paragraph("BORDEREAU DE PIÈCES", LEFT, RIGHT - LEFT, Style::bold(13.0), 1.0);
        c.paragraph(
            &format!("Requête en injonction de payer — {} contre {}", d.creditor.name.trim(), d.debtor.name.trim()),
            LEFT,
            RIGHT - LEFT,
            SMALL,
            3.0,
        );
        if d.exhibits.is_empty() {
            c.paragraph("Aucune pièce.", LEFT, RIGHT - LEFT, BODY, 2.0);
        }
        for (i, e) in d.exhibits.iter().enumerate() {
            c.paragraph(&format!("Pièce n° {} — {}", i + 1, e.title.trim()), LEFT, RIGHT - LEFT, BODY, 1.5);
        }

        // The exhibits: a separator page each; text exhibits set on it, PDFs inserted after it.
        let mut inserts = Vec::new();
        for (i, e) in d.exhibits.iter().enumerate() {
            c.new_page();
            let style = Style::bold(16.0);
            c.y += style.line_height() + 4.0;
            c.text_center((LEFT + RIGHT) / 2.0, c.y, &format!("PIÈCE N° {}", i + 1), style);
            c.y += 4.0;
            for line in c.wrap(e.title.trim(), RIGHT - LEFT, Style::bold(11.0)) {
                c.y += Style::bold(11.0).line_height();
                c.text_center((LEFT + RIGHT) / 2.0, c.y, &line, Style::bold(11.0));
            }
            c.y += 6.0;
            match &e.content {
                ExhibitContent::Text(lines) => {
                    for line in lines {
                        c.paragraph(line, LEFT, RIGHT - LEFT, SMALL, 0.8);
                    }
                }
                ExhibitContent::Pdf(_) => {
                    c.paragraph(
                        "Le document original est reproduit aux pages suivantes.",
                        LEFT,
                        RIGHT - LEFT,
                        SMALL.grey(0.35),
                        0.0,
                    );
                    inserts.push((i, c.pages_so_far()));
                }
            }
        }
        Ok(inserts)
    }
}

/// Lays the dossier out; returns, for each PDF exhibit, its index and the page it goes after.
pub(crate) use page::compose;
