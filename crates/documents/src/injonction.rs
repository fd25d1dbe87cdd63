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
