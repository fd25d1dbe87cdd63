//! Hostile inputs (issue 12 §6): XXE, billion laughs, deep nesting, oversized files, decompression
//! bombs and reference loops in PDFs, huge lines, bad encodings — for every reader. Each one must end
//! with an error that names the file and the problem, in bounded memory and time.
//!
//! How memory is measured: each case runs in a child process (this same test binary, the ignored
//! test [`child`], selected by an environment variable) started under `ulimit -v`, so a reader that
//! tried to hold gigabytes dies there instead of swapping the machine. The child builds its input
//! first, resets the kernel's peak-RSS counter (`/proc/self/clear_refs`), calls the reader, and
//! reports the peak RSS above what it held before the call (`VmHWM - VmRSS`), and the time taken.
//! The inputs are generated in memory at run time: nothing large is committed.
//!
//! Time is only checked by a generous hang guard ([`HANG_GUARD`]), never by a tight bound: the
//! figures are printed (`cargo test -p encours-readers --test hostile -- --nocapture`) and recorded
//! in SECURITY.md.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use encours_readers::limits::{MAX_FEC_FILE_BYTES, MAX_IBM_FILE_BYTES};
use encours_readers::{bank, einvoice, fec, ibm_ar, lifecycle};

/// The environment variable naming the case a child process runs.
const CHILD_ENV: &str = "ENCOURS_HOSTILE_CASE";
/// Address space allowed to a child (KiB, `ulimit -v`): the input (up to 100 MiB), the test
/// harness and a reader's bounded working memory fit; gigabytes do not.
const CHILD_ADDRESS_SPACE_KIB: u64 = 2 * 1024 * 1024;
/// A case still running after this is a hang (the slowest takes a few seconds in a debug build).
const HANG_GUARD: Duration = Duration::from_secs(180);
const MIB: usize = 1024 * 1024;

/// What a child reports.
#[derive(Debug)]
struct Outcome {
    /// `Err` with the reader's error message, or `Ok` with a summary of what was read.
    result: Result<String, String>,
    /// Peak resident memory above what the child held before calling the reader, in KiB.
    peak_kib: u64,
    /// Time the reader took, in milliseconds.
    millis: u64,
}

/// Runs `case` in a child process and returns what it reported; fails when the child crashes,
/// runs out of its address space, or hangs.
fn run(case: &str) -> Outcome {
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v "$1" && shift && exec "$@""#)
        .arg("sh")
        .arg(CHILD_ADDRESS_SPACE_KIB.to_string())
        .arg(exe)
        .args(["--exact", "child", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, case)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("{case}: still running after {HANG_GUARD:?}: the reader hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut out).expect("child stdout");
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("child stderr");
    let line = out.lines().find_map(|l| l.split_once("HOSTILE\t").map(|(_, r)| r)).unwrap_or_else(|| {
        panic!("{case}: the child reported nothing ({status}); it crashed or ran out of memory:\n{out}\n{err}")
    });
    let mut fields = line.splitn(4, '\t');
    let mut next = || fields.next().unwrap_or_else(|| panic!("{case}: malformed report {line:?}"));
    let kind = next().to_owned();
    let peak_kib = next().parse().expect("peak");
    let millis = next().parse().expect("millis");
    let message = next().to_owned();
    let result = if kind == "err" { Err(message) } else { Ok(message) };
    let outcome = Outcome { result, peak_kib, millis };
    eprintln!(
        "hostile | {case} | {} ms | peak {}.{} MiB | {}",
        outcome.millis,
        outcome.peak_kib / 1024,
        outcome.peak_kib % 1024 * 10 / 1024,
        match &outcome.result {
            Ok(s) => format!("read: {s}"),
            Err(e) => format!("error: {}", e.chars().take(160).collect::<String>()),
        }
    );
    outcome
}

/// Runs `case` and checks it ends with an error naming `file` and containing each of `words`,
/// with a peak memory under `max_mib`.
fn refused(case: &str, file: &str, words: &[&str], max_mib: u64) -> String {
    let outcome = run(case);
    let message = match outcome.result {
        Err(m) => m,
        Ok(s) => panic!("{case}: read without error: {s}"),
    };
    assert!(message.contains(file), "{case}: the error does not name the file {file}: {message}");
    for w in words {
        assert!(message.contains(w), "{case}: the error does not say {w:?}: {message}");
    }
    assert!(
        outcome.peak_kib <= max_mib * 1024,
        "{case}: peak memory {} KiB above the {max_mib} MiB allowed",
        outcome.peak_kib
    );
    message
}

// ---------------------------------------------------------------------------------------------
// The child side.

/// Runs the case named by [`CHILD_ENV`] and prints its report. Ignored: the tests below run it in
/// a child process; run by hand it does nothing without the variable.
#[test]
#[ignore = "run by the hostile-input tests in a child process"]
fn child() {
    let Ok(case) = std::env::var(CHILD_ENV) else { return };
    let (file, bytes) = input(&case);
    // Forget the peak of building the input: only the reader's own memory is measured.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = proc_status_kib("VmRSS:");
    let started = Instant::now();
    let result = read(&case, &file, &bytes);
    let millis = started.elapsed().as_millis();
    let peak = proc_status_kib("VmHWM:");
    // Without the reset the peak includes building the input: an overestimate, never an underestimate.
    let _ = reset;
    let (kind, text) = match result {
        Ok(s) => ("ok", s),
        Err(e) => ("err", e),
    };
    drop(bytes);
    println!("HOSTILE\t{kind}\t{}\t{millis}\t{}", peak.saturating_sub(before), text.replace(['\n', '\t'], " "));
}

fn proc_status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS / VmHWM line")
}

/// Calls the reader a case is for.
fn read(case: &str, file: &str, bytes: &[u8]) -> Result<String, String> {
    let reader = case.split('_').next().unwrap_or_default();
    match reader {
        "einvoice" => einvoice::read_bytes(file, bytes)
            .map(|inv| format!("invoice {:?}, {} diagnostics", inv.invoice.number, inv.diagnostics.len()))
            .map_err(|e| e.to_string()),
        "bank" => bank::read_bank_bytes(file, bytes)
            .map(|b| format!("{} statements", b.statements.len()))
            .map_err(|e| e.to_string()),
        "cdar" => lifecycle::read_cdar_bytes(file, bytes)
            .map(|m| format!("message {:?}", m.message_id))
            .map_err(|e| e.to_string()),
        "fec" => {
            fec::read_fec_bytes(file, bytes).map(|f| format!("{} lines", f.lines.len())).map_err(|e| e.to_string())
        }
        "ibm" => ibm_ar::read(file, bytes).map(|r| format!("{} invoices", r.len())).map_err(|e| e.to_string()),
        other => panic!("unknown reader {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs.

const CII_OPEN: &str = r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">"#;
const CII_CLOSE: &str = "</rsm:CrossIndustryInvoice>";
const CAMT_OPEN: &str = r#"<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>"#;
const CAMT_CLOSE: &str = "</BkToCstmrStmt></Document>";
const CDAR_OPEN: &str = r#"<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100">"#;
const CDAR_CLOSE: &str = "</rsm:CrossDomainAcknowledgementAndResponse>";
const FEC_HEADER: &str = "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t\
CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise\n";
const IBM_HEADER: &str = "countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,\
Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n";

/// The XML roots each XML reader expects, to wrap a hostile body in.
fn xml_root(reader: &str) -> (&'static str, &'static str) {
    match reader {
        "bank" => (CAMT_OPEN, CAMT_CLOSE),
        "cdar" => (CDAR_OPEN, CDAR_CLOSE),
        _ => (CII_OPEN, CII_CLOSE),
    }
}

/// A file outside the test's input whose content must never show up anywhere (XXE).
const SECRET: &str = "hostile-xxe-secret-7f3a";

/// The file name and bytes of a case.
fn input(case: &str) -> (String, Vec<u8>) {
    let (reader, what) = case.split_once('_').expect("reader_what");
    let ext = match reader {
        "fec" | "ibm" => "txt",
        _ if what.starts_with("pdf") => "pdf",
        _ => "xml",
    };
    let file = format!("hostile-{what}.{ext}");
    let (open, close) = xml_root(reader);
    let bytes = match what {
        "xxe" => {
            let secret = std::env::temp_dir().join(format!("encours-hostile-{}.txt", std::process::id()));
            std::fs::write(&secret, SECRET).expect("write the secret file");
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file://{}\">]>\n{open}&xxe;{close}",
                secret.display()
            )
            .into_bytes()
        }
        "parameter-entity" => format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY % remote SYSTEM \"http://127.0.0.1:9/evil.dtd\"> %remote;]>\n\
             {open}{close}"
        )
        .into_bytes(),
        "billion-laughs" => {
            let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
            for i in 1..10 {
                dtd.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&lol{};", i - 1).repeat(10)));
            }
            format!("<?xml version=\"1.0\"?>\n<!DOCTYPE r [{dtd}]>\n{open}&lol9;{close}").into_bytes()
        }
        "deep-nesting" => {
            let levels = 100_000;
            let mut s = String::with_capacity(levels * 7 + 400);
            s.push_str(open);
            s.push_str(&"<a>".repeat(levels));
            s.push_str(&"</a>".repeat(levels));
            s.push_str(close);
            s.into_bytes()
        }
        "100mb" => padded_xml(open, close, 100 * MIB),
        "many-elements" => {
            // 48 MiB of empty elements (12 million of them): under the size limit, over the element limit.
            let mut s = String::with_capacity(48 * MIB + 400);
            s.push_str(open);
            while s.len() < 48 * MIB {
                s.push_str("<a/>");
            }
            s.push_str(close);
            s.into_bytes()
        }
        "bad-encoding" => format!("<?xml version=\"1.0\" encoding=\"x-hostile-42\"?>\n{open}{close}").into_bytes(),
        "utf16-without-bom" => format!("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n{open}{close}").into_bytes(),
        "invalid-utf8" => {
            let mut b = open.as_bytes().to_vec();
            b.extend_from_slice(b"<x>\xC3\x28\xFF\xFE\xA0\xA1</x>");
            b.extend_from_slice(close.as_bytes());
            b
        }
        "pdf-100mb" => {
            let mut b = b"%PDF-1.7\n".to_vec();
            b.resize(100 * MIB, b' ');
            b
        }
        "pdf-flate-bomb" => pdf_with_invoice_stream(
            b"/Filter /FlateDecode",
            &deflate_bomb(4 * 1024 * MIB), // 4 GiB of zeros in about 26 MB
        ),
        "pdf-flate-bomb-twice" => {
            // Two filters, the outer one of stored blocks: the inner bomb is decoded from the outer output.
            let inner = deflate_bomb(4 * 1024 * MIB);
            pdf_with_invoice_stream(b"/Filter [/FlateDecode /FlateDecode]", &zlib_stored_then_deflated(&inner))
        }
        "pdf-kids-cycle" => pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>".to_vec(),
            b"<< /Kids [3 0 R 4 0 R 3 0 R 4 0 R] >>".to_vec(),
            b"<< /Kids [4 0 R 3 0 R 4 0 R 3 0 R] >>".to_vec(),
        ]),
        "pdf-reference-loop" => pdf(&[
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) 3 0 R] >> >> \
              /AF [3 0 R] /Metadata 6 0 R >>"
                .to_vec(),
            b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 4 0 R >> >>".to_vec(),
            b"5 0 R".to_vec(),
            b"4 0 R".to_vec(),
            b"<< /Type /Metadata /Length 7 0 R >>\nstream\nabc\nendstream".to_vec(),
            b"7 0 R".to_vec(),
        ]),
        "pdf-broken-xref-loops" => {
            // The cross-reference table points nowhere, so the lopdf fallback repairs the file by
            // scanning it, and meets the same loops (and a /Prev chain pointing at itself).
            let mut b = pdf(&[
                b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> /AF [5 0 R] >>".to_vec(),
                b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>".to_vec(),
                b"<< /Kids [3 0 R 3 0 R] >>".to_vec(),
                b"4 0 R".to_vec(),
                b"<< /Type /Filespec /F (factur-x.xml) /EF << /F 4 0 R >> >>".to_vec(),
            ]);
            let at = b.windows(9).rposition(|w| w == b"startxref").expect("startxref");
            b.truncate(at);
            b.extend_from_slice(b"startxref\n999999999\n%%EOF\n");
            b
        }
        "pdf-deep-arrays" => {
            // 100,000 nested arrays in the catalog: the lazy reader stops at its depth limit, and
            // the lopdf fallback must not recurse until the stack overflows.
            let deep = "[".repeat(100_000) + &"]".repeat(100_000);
            pdf(&[
                format!("<< /Type /Catalog /Pages 2 0 R /Deep {deep} >>").into_bytes(),
                b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            ])
        }
        "pdf-deep-dictionaries" => {
            let deep = "<< /A ".repeat(100_000) + &">> ".repeat(100_000);
            pdf(&[
                format!("<< /Type /Catalog /Pages 2 0 R /Names {deep} >>").into_bytes(),
                b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            ])
        }
        "camt-huge-line" | "cdar-huge-line" => padded_xml(open, close, 48 * MIB),
        "cfonb-100mb" => vec![b'0'; 100 * MIB],
        "cfonb-huge-line" => {
            let mut b = b"0130004".to_vec();
            b.resize(40 * MIB, b'7');
            b.push(b'\n');
            b
        }
        "huge-line" => {
            // 100 MiB for the FEC; 40 MiB for the IBM CSV, whose whole file is capped at 64 MiB.
            let (head, size) = if reader == "fec" { (FEC_HEADER, 100 * MIB) } else { (IBM_HEADER, 40 * MIB) };
            let mut b = head.as_bytes().to_vec();
            b.resize(b.len() + size, b'A');
            b.push(b'\n');
            b
        }
        "millions-of-lines" => {
            // 40 MiB of 6-byte lines: 7 million lines, under the size limits, over the FEC line count.
            let head = if reader == "fec" { FEC_HEADER } else { IBM_HEADER };
            let mut b = head.as_bytes().to_vec();
            while b.len() < 40 * MIB {
                b.extend_from_slice(b"x\tx\tx\n");
            }
            b
        }
        "over-the-size-limit" => {
            let size = if reader == "fec" { MAX_FEC_FILE_BYTES } else { MAX_IBM_FILE_BYTES };
            let head = if reader == "fec" { FEC_HEADER } else { IBM_HEADER };
            let mut b = head.as_bytes().to_vec();
            b.resize(usize::try_from(size).expect("size") + 1, b'\n');
            b
        }
        "largest-invoice" => {
            // A real CII whose line items are repeated up to 48 MiB (about 100,000 lines): the
            // largest e-invoice the reader accepts, read whole (totals disagree: warnings).
            let doc = std::fs::read_to_string(common::corpus("cii").join("factur-x-en16931.xml")).expect("corpus");
            let tag = "ram:IncludedSupplyChainTradeLineItem>";
            let start = doc.find(&format!("<{tag}")).expect("a line item");
            let end = doc.find(&format!("</{tag}")).expect("its end") + tag.len() + 2;
            let item = &doc[start..end];
            let mut out = String::with_capacity(48 * MIB);
            out.push_str(&doc[..end]);
            while out.len() + item.len() < 48 * MIB - (doc.len() - end) {
                out.push_str(item);
            }
            out.push_str(&doc[end..]);
            out.into_bytes()
        }
        "largest-fec" => {
            // 64 MiB of well-formed FEC entries (about 600,000 lines, 800 clients): half the
            // largest FEC accepted, read whole (memory grows with the lines: about 7.5 times).
            let mut b = FEC_HEADER.as_bytes().to_vec();
            let mut n = 0u64;
            while b.len() < 64 * MIB {
                n += 1;
                let c = n % 800;
                b.extend_from_slice(
                    format!(
                        "VE\tVentes\t{n}\t20260115\t411000\tClients\tC{c:04}\tClient {c}\tF{n}\t20260115\tFacture F{n}\t\
                         120,00\t0,00\t\t\t20260115\t\t\nVE\tVentes\t{n}\t20260115\t706000\tVentes\t\t\tF{n}\t20260115\t\
                         Facture F{n}\t0,00\t120,00\t\t\t20260115\t\t\n"
                    )
                    .as_bytes(),
                );
            }
            b
        }
        "binary" => {
            let mut x: u64 = 0x2545_F491_4F6C_DD1D;
            (0..4 * MIB)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()[0]
                })
                .collect()
        }
        other => panic!("unknown case {other}"),
    };
    (file, bytes)
}

/// A well-formed document of about `size` bytes: the root, then a comment padding it out.
fn padded_xml(open: &str, close: &str, size: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(size + 64);
    b.extend_from_slice(open.as_bytes());
    b.extend_from_slice(b"<!--");
    b.resize(size.saturating_sub(close.len() + 3), b'x');
    b.extend_from_slice(b"-->");
    b.extend_from_slice(close.as_bytes());
    b
}

/// A PDF of these objects (numbered from 1, the first is the catalog), with a correct
/// cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// A hybrid-PDF skeleton whose factur-x.xml stream has this filter and raw content.
fn pdf_with_invoice_stream(filter: &[u8], content: &[u8]) -> Vec<u8> {
    let mut stream =
        format!("<< /Type /EmbeddedFile /Subtype /text#2Fxml {} /Length {} >>\nstream\n", "", content.len())
            .into_bytes();
    // The filter goes inside the dictionary.
    let close = stream.windows(2).position(|w| w == b">>").expect("dict end");
    stream.splice(close..close, filter.iter().copied().chain(*b" "));
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) 3 0 R] >> >> /AF [3 0 R] >>"
            .to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data /EF << /F 4 0 R >> >>"
            .to_vec(),
        stream,
    ])
}

/// Writes bits least-significant first, as deflate does.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, which deflate writes most-significant bit first.
    fn code(&mut self, code: u64, len: u32) {
        let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
        self.put(reversed, len);
    }
}

/// A zlib stream of `size` zero bytes, built directly (one literal, then back-references of 258
/// bytes at distance 1 in a fixed-Huffman block): about 13 bits per 258 bytes, a 1:1300 bomb
/// generated in a fraction of a second.
fn deflate_bomb(size: usize) -> Vec<u8> {
    let mut bits = Bits { out: vec![0x78, 0x01], acc: 0, n: 0 };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    let mut left = size - 1;
    while left >= 258 {
        bits.code(0xC5, 8); // length code 285: 258 bytes
        bits.code(0, 5); // distance code 0: distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    if bits.n > 0 {
        bits.put(0, 8 - bits.n);
    }
    let adler_b = (size as u64 % 65521) as u32; // a = 1 throughout (zeros); b = size × 1
    bits.out.extend_from_slice(&((adler_b << 16) | 1).to_be_bytes());
    bits.out
}

/// `data` wrapped in a zlib stream of stored (uncompressed) blocks: the outer layer of a
/// two-filter bomb (what matters is the inner one).
fn zlib_stored_then_deflated(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

// ---------------------------------------------------------------------------------------------
// The cases.

#[test]
fn deflate_bomb_generator_is_a_valid_zlib_stream() {
    // The generator is checked against lopdf's own decoder on a small size, so the bombs below are
    // real bombs, not garbage refused for another reason.
    let size = 10_000;
    let mut stream = lopdf::Stream::new(lopdf::dictionary! { "Filter" => "FlateDecode" }, deflate_bomb(size));
    stream.allows_compression = false;
    assert_eq!(stream.decompressed_content().expect("valid zlib"), vec![0u8; size]);
    let twice = zlib_stored_then_deflated(&deflate_bomb(size));
    let mut stream =
        lopdf::Stream::new(lopdf::dictionary! { "Filter" => vec!["FlateDecode".into(), "FlateDecode".into()] }, twice);
    stream.allows_compression = false;
    assert_eq!(stream.decompressed_content().expect("valid zlib, twice"), vec![0u8; size]);
}

#[test]
fn xml_external_entities_are_refused_and_never_resolved() {
    for reader in ["einvoice", "bank", "cdar"] {
        let message = refused(&format!("{reader}_xxe"), "hostile-xxe.xml", &["DOCTYPE"], 8);
        assert!(!message.contains(SECRET), "{reader}: the external entity was resolved: {message}");
        refused(&format!("{reader}_parameter-entity"), "hostile-parameter-entity.xml", &["DOCTYPE"], 8);
    }
}

#[test]
fn billion_laughs_is_refused() {
    for reader in ["einvoice", "bank", "cdar"] {
        refused(&format!("{reader}_billion-laughs"), "hostile-billion-laughs.xml", &["DOCTYPE"], 8);
    }
}

#[test]
fn nesting_100_000_levels_deep_is_refused() {
    for reader in ["einvoice", "bank", "cdar"] {
        refused(&format!("{reader}_deep-nesting"), "hostile-deep-nesting.xml", &["nested more than 128"], 16);
    }
}

#[test]
fn a_100_mib_xml_is_refused_before_parsing() {
    for reader in ["einvoice", "bank", "cdar"] {
        refused(&format!("{reader}_100mb"), "hostile-100mb.xml", &["bytes"], 8);
    }
}

#[test]
fn twelve_million_elements_are_refused() {
    for reader in ["einvoice", "bank", "cdar"] {
        refused(&format!("{reader}_many-elements"), "hostile-many-elements.xml", &["elements"], 400);
    }
}

#[test]
fn unknown_and_impossible_encodings_are_refused() {
    for reader in ["einvoice", "bank", "cdar"] {
        refused(&format!("{reader}_bad-encoding"), "hostile-bad-encoding.xml", &["x-hostile-42"], 8);
        refused(&format!("{reader}_utf16-without-bom"), "hostile-utf16-without-bom.xml", &["UTF-16"], 8);
    }
}

#[test]
fn invalid_utf8_is_replaced_and_said_or_refused() {
    // Invalid bytes in a text are replaced by U+FFFD with a warning (e-invoices: the amounts are
    // ASCII, a broken accent in a name must not lose the invoice); the file is still named.
    let outcome = run("einvoice_invalid-utf8");
    match outcome.result {
        Err(m) => assert!(m.contains("hostile-invalid-utf8.xml"), "{m}"),
        Ok(s) => assert!(s.contains("diagnostics"), "{s}"),
    }
    assert!(outcome.peak_kib < 8 * 1024);
}

#[test]
fn a_100_mib_pdf_is_refused_before_parsing() {
    refused("einvoice_pdf-100mb", "hostile-pdf-100mb.pdf", &["bytes"], 8);
}

#[test]
fn pdf_decompression_bombs_stop_at_the_stream_limit() {
    refused("einvoice_pdf-flate-bomb", "hostile-pdf-flate-bomb.pdf", &["factur-x.xml"], 200);
    refused("einvoice_pdf-flate-bomb-twice", "hostile-pdf-flate-bomb-twice.pdf", &["factur-x.xml"], 300);
}

#[test]
fn pdf_reference_loops_end() {
    refused("einvoice_pdf-kids-cycle", "hostile-pdf-kids-cycle.pdf", &["no invoice XML"], 16);
    refused("einvoice_pdf-reference-loop", "hostile-pdf-reference-loop.pdf", &["factur-x.xml"], 16);
    refused("einvoice_pdf-broken-xref-loops", "hostile-pdf-broken-xref-loops.pdf", &["PDF"], 16);
}

#[test]
fn pdf_objects_nested_100_000_deep_end_without_overflowing_the_stack() {
    refused("einvoice_pdf-deep-arrays", "hostile-pdf-deep-arrays.pdf", &["PDF"], 64);
    refused("einvoice_pdf-deep-dictionaries", "hostile-pdf-deep-dictionaries.pdf", &["PDF"], 64);
}

#[test]
fn xml_statements_and_messages_of_48_mib_read_in_bounded_memory() {
    for reader in ["bank_camt-huge-line", "cdar_cdar-huge-line"] {
        let outcome = run(reader);
        assert!(outcome.peak_kib < 200 * 1024, "{reader}: {} KiB", outcome.peak_kib);
    }
}

#[test]
fn cfonb_oversized_input_and_records_are_refused() {
    refused("bank_cfonb-100mb", "hostile-cfonb-100mb.xml", &["bytes"], 8);
    refused("bank_cfonb-huge-line", "hostile-cfonb-huge-line.xml", &["line 1"], 16);
}

#[test]
fn huge_fec_and_ibm_lines_are_refused() {
    refused("fec_huge-line", "hostile-huge-line.txt", &["line 2"], 16);
    refused("ibm_huge-line", "hostile-huge-line.txt", &["line 2"], 16);
}

#[test]
fn fec_and_ibm_files_over_the_size_limit_are_refused() {
    refused("fec_over-the-size-limit", "hostile-over-the-size-limit.txt", &["bytes"], 8);
    refused("ibm_over-the-size-limit", "hostile-over-the-size-limit.txt", &["bytes"], 8);
}

#[test]
fn millions_of_tiny_lines_are_refused_in_bounded_memory() {
    // The FEC refuses the line count while splitting (before any per-line work); the IBM reader
    // stops at the first line without its columns.
    refused("fec_millions-of-lines", "hostile-millions-of-lines.txt", &["more than 1500000 lines"], 160);
    refused("ibm_millions-of-lines", "hostile-millions-of-lines.txt", &["line 2"], 16);
}

#[test]
fn random_bytes_are_refused_by_every_reader() {
    for reader in ["einvoice", "bank", "cdar", "fec", "ibm"] {
        let outcome = run(&format!("{reader}_binary"));
        let message = outcome.result.expect_err("random bytes must not read");
        assert!(message.contains("hostile-binary"), "{reader}: {message}");
        assert!(outcome.peak_kib < 64 * 1024, "{reader}: {} KiB", outcome.peak_kib);
    }
}

#[test]
fn the_largest_accepted_invoice_and_fec_read_in_bounded_memory() {
    // Not attacks: the largest files the limits let through, to know what they cost. Memory is
    // well under a CII's size (the tree borrows the text), and about 7.5 times an FEC's (its lines).
    let outcome = run("einvoice_largest-invoice");
    let read = outcome.result.expect("the 48 MiB invoice reads");
    assert!(read.contains("diagnostics"), "{read}");
    assert!(outcome.peak_kib < 160 * 1024, "invoice: {} KiB", outcome.peak_kib);
    let outcome = run("fec_largest-fec");
    let read = outcome.result.expect("the 64 MiB FEC reads");
    assert!(read.contains("lines"), "{read}");
    assert!(outcome.peak_kib < 640 * 1024, "FEC: {} KiB", outcome.peak_kib);
}
