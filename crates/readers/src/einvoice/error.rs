//! Why a file could not be read as an e-invoice.

use std::fmt;

/// The file (and, for a PDF, the attachment) an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file name as given by the caller.
    pub file: String,
    /// The embedded file the XML came from, for PDFs.
    pub attachment: Option<String>,
}

impl Origin {
    pub(crate) fn file(file: &str) -> Origin {
        Origin { file: file.to_owned(), attachment: None }
    }

    pub(crate) fn with_attachment(&self, attachment: &str) -> Origin {
        Origin { file: self.file.clone(), attachment: Some(attachment.to_owned()) }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.attachment {
            Some(a) => write!(f, "{} (embedded {a})", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// Why a file is not an e-invoice this reader can take. Every message names the file and says
/// what is wrong in plain words; none of them is a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read from disk.
    #[error("{origin}: cannot read the file: {reason}")]
    Io {
        /// Which file.
        origin: Origin,
        /// What the operating system said.
        reason: String,
    },
    /// The file is larger than any e-invoice should be.
    #[error("{origin}: the file is {size} bytes, more than the {limit} bytes accepted for an e-invoice")]
    TooLarge {
        /// Which file.
        origin: Origin,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Neither a PDF nor an XML document.
    #[error("{origin}: this is neither a PDF nor an XML file (it starts with {start:?})")]
    NotPdfOrXml {
        /// Which file.
        origin: Origin,
        /// Its first characters, for the user to recognise it.
        start: String,
    },
    /// A PDF that cannot be opened.
    #[error("{origin}: the PDF cannot be read: {reason}")]
    PdfUnreadable {
        /// Which file.
        origin: Origin,
        /// What went wrong, in plain words.
        reason: String,
    },
    /// A PDF without an invoice XML attachment.
    #[error("{origin}: the PDF carries no invoice XML (factur-x.xml, zugferd-invoice.xml or xrechnung.xml); {}", attachments_found(.attachments))]
    NoEmbeddedInvoice {
        /// Which file.
        origin: Origin,
        /// The names of the files it does carry.
        attachments: Vec<String>,
    },
    /// The XML is not well-formed (or was refused for safety).
    #[error("{origin}: the XML is malformed at line {line}, column {column}: {reason}")]
    XmlMalformed {
        /// Which file.
        origin: Origin,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What the parser found.
        reason: String,
    },
    /// The XML declares an encoding that does not exist or cannot be honoured.
    #[error("{origin}: the XML declares the encoding {declared:?}: {reason}")]
    UnsupportedEncoding {
        /// Which file.
        origin: Origin,
        /// The encoding name as written.
        declared: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Well-formed XML, but not an invoice syntax this reader knows.
    #[error("{origin}: {what} (root element {{{namespace}}}{local_name}); an invoice is CII, ZUGFeRD 1 or UBL Invoice/CreditNote")]
    UnsupportedRoot {
        /// Which file.
        origin: Origin,
        /// Namespace URI of the root element.
        namespace: String,
        /// Local name of the root element.
        local_name: String,
        /// What the document is, when recognised ("an Order-X purchase order").
        what: String,
    },
    /// An invoice syntax, but without what every invoice has (number, date, amounts).
    #[error("{origin}: this document cannot be an invoice: it has no {}", .missing.join(", no "))]
    NotAnInvoice {
        /// Which file.
        origin: Origin,
        /// The missing terms, in words with their EN 16931 id.
        missing: Vec<String>,
    },
}

fn attachments_found(names: &[String]) -> String {
    if names.is_empty() {
        "it has no attachments".to_owned()
    } else {
        format!("attachments found: {}", names.join(", "))
    }
}

impl ReadError {
    /// The file and attachment the error is about.
    pub fn origin(&self) -> &Origin {
        match self {
            ReadError::Io { origin, .. }
            | ReadError::TooLarge { origin, .. }
            | ReadError::NotPdfOrXml { origin, .. }
            | ReadError::PdfUnreadable { origin, .. }
            | ReadError::NoEmbeddedInvoice { origin, .. }
            | ReadError::XmlMalformed { origin, .. }
            | ReadError::UnsupportedEncoding { origin, .. }
            | ReadError::UnsupportedRoot { origin, .. }
            | ReadError::NotAnInvoice { origin, .. } => origin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_problem() {
        let origin = Origin::file("in/ORDER-X.pdf");
        let e = ReadError::NoEmbeddedInvoice { origin: origin.clone(), attachments: vec!["order-x.xml".into()] };
        assert_eq!(
            e.to_string(),
            "in/ORDER-X.pdf: the PDF carries no invoice XML (factur-x.xml, zugferd-invoice.xml or xrechnung.xml); \
             attachments found: order-x.xml"
        );
        let e = ReadError::NoEmbeddedInvoice { origin: origin.clone(), attachments: vec![] };
        assert!(e.to_string().ends_with("it has no attachments"), "{e}");
        let e = ReadError::NotAnInvoice {
            origin: origin.with_attachment("factur-x.xml"),
            missing: vec!["invoice number (BT-1)".into(), "issue date (BT-2)".into()],
        };
        assert_eq!(
            e.to_string(),
            "in/ORDER-X.pdf (embedded factur-x.xml): this document cannot be an invoice: it has no invoice number \
             (BT-1), no issue date (BT-2)"
        );
    }
}
