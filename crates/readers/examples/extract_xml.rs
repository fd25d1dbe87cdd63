//! Writes the invoice XML embedded in a hybrid PDF to standard output:
//! `cargo run -p encours-readers --example extract_xml -- FILE.pdf > factur-x.xml`.
use std::io::Write;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: extract_xml FILE.pdf");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    match encours_readers::einvoice::embedded_xml(&path, &bytes) {
        Ok(xml) => {
            eprintln!("{path}: {} ({} bytes)", xml.name, xml.bytes.len());
            let _ = std::io::stdout().write_all(&xml.bytes);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
