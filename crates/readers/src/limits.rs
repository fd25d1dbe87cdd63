//! Every bound the readers put on what a file can make them do (issue 12 §6, hostile input).
//!
//! Why bounds: the files come from outside (a supplier's e-invoice, a bank's statement, an
//! accountant's FEC, a zip a user was mailed). A reader that trusts sizes, counts or nesting found
//! in the file can be made to exhaust memory (a 100 MB line, 12 million empty elements, a 1:1000
//! Flate stream), recurse until the stack overflows (100,000 nested elements), or loop forever (PDF
//! objects referring to each other). Each limit below ends such a file with an error that names the
//! file and the limit, in memory proportional to the limit, never to what the file claims.
//!
//! Each limit is far above what real files need (the figure in each doc); `tests/hostile.rs` feeds
//! every reader the attacks and measures peak memory and time (recorded in SECURITY.md).

/// Largest e-invoice accepted, PDF or XML: 50 MiB. Factur-X PDFs with their visual pages and
/// attachments stay under a few MiB; a CII of 10,000 lines is about 20 MiB.
pub const MAX_EINVOICE_BYTES: u64 = 50 * 1024 * 1024;
/// Largest camt.053 / camt.054 / CFONB 120 statement accepted: 50 MiB (a camt entry is about
/// 1.5 KB: 30,000 bank lines; a CFONB record is 120 bytes: 400,000 records).
pub const MAX_BANK_FILE_BYTES: u64 = 50 * 1024 * 1024;
/// Largest CDAR lifecycle message accepted: 16 MiB (one message is a few KB; a batch of a
/// thousand statuses stays under 5 MiB).
pub const MAX_CDAR_BYTES: u64 = 16 * 1024 * 1024;
/// Largest FEC accepted: 128 MiB (about a million entry lines: the year of an SME invoicing
/// 300,000 times). Reading keeps every line: about 7.5 bytes of memory per byte of file, so up to
/// about 1 GB at this limit (measured, SECURITY.md).
pub const MAX_FEC_FILE_BYTES: u64 = 128 * 1024 * 1024;
/// Longest FEC line: 64 KiB. A line has 18 to 22 zones; even long labels keep it under 1 KB.
pub const MAX_FEC_LINE_BYTES: usize = 64 * 1024;
/// Most FEC lines: 1.5 million (a 128 MiB file of real entries has about a million). Checked while
/// the lines are split, before any per-line work, so a file of millions of tiny lines costs no
/// more than this many line slices.
pub const MAX_FEC_LINES: usize = 1_500_000;
/// Largest IBM accounts-receivable CSV accepted (the scoring benchmark): 64 MiB (the published
/// sample is 2,466 lines, 250 KB).
pub const MAX_IBM_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Longest IBM CSV line: 4 KiB (a record is about 100 bytes).
pub const MAX_IBM_LINE_BYTES: usize = 4 * 1024;
/// Deepest element nesting in any XML document (e-invoices, camt, CDAR): 128. Real invoices stay
/// under 20 levels; the tree is built without recursion, the bound keeps paths and lookups short.
pub const MAX_XML_DEPTH: usize = 128;
/// Most elements in one XML document: 2 million. A real 50 MiB CII has under 1.2 million (its tag
/// names alone average 40 bytes); each element costs about 70 bytes of tree.
pub const MAX_XML_ELEMENTS: usize = 2_000_000;
/// Most bytes one PDF stream may decompress to (per filter layer): 64 MiB, and 50 MiB
/// ([`MAX_EINVOICE_BYTES`]) for the embedded invoice XML. A Flate stream can expand 1:1000; the
/// decoder stops at the limit instead of inflating gigabytes.
pub const MAX_PDF_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting of PDF arrays and dictionaries parsed: 64 (the parser recurses).
pub const MAX_PDF_OBJECT_DEPTH: usize = 64;
/// Longest chain of references followed (`1 0 R` → `2 0 R` → …): 16; a loop ends there.
pub const MAX_PDF_REFERENCE_CHAIN: usize = 16;
/// Most cross-reference sections followed through `/Prev`: 64 (incremental updates); a `/Prev`
/// loop is also detected by offset.
pub const MAX_PDF_XREF_SECTIONS: usize = 64;
/// Deepest `/Kids` nesting followed in the embedded-files name tree: 32; each node is visited once,
/// so a `/Kids` cycle ends at the first repeat.
pub const MAX_PDF_NAME_TREE_DEPTH: usize = 32;
/// Most embedded files listed from one PDF: 10,000.
pub const MAX_PDF_ATTACHMENTS: usize = 10_000;
