//! Any bytes to the IBM accounts-receivable CSV reader (the scoring benchmark), or bytes after its
//! header (first byte odd), so that most runs reach the cells, dates and amounts.
#![no_main]

use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = b"countryCode,customerID,PaperlessDate,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,\
Disputed,SettledDate,PaperlessBill,DaysToSettle,DaysLate\n";

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let input = if choice % 2 == 0 { data.to_vec() } else { [HEADER, rest].concat() };
    let _ = encours_readers::ibm_ar::read("fuzz.csv", &input);
});
