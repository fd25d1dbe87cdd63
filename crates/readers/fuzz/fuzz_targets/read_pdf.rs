//! Any bytes through the PDF path: lopdf loading, the bounded name-tree and /AF walk, stream
//! decompression, XMP, then the XML reader on what was found.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = encours_readers::einvoice::embedded_xml("fuzz.pdf", data);
    let result = encours_readers::einvoice::read_bytes("fuzz.pdf", data);
    let _ = encours_readers::einvoice::inspect_json("fuzz.pdf", &result);
});
