//! Any bytes to the FEC reader (`fec::looks_like_fec`, `fec::read_fec_bytes`), then to the
//! receivables rebuild: never a panic, and whenever the bytes read as an FEC, every client's open
//! items sum exactly to its balance in the file (`Rebuilt::check_balances`).
//!
//! The first byte chooses the input: the bytes as they are (sniffing, encodings, line ends, the
//! header), or the bytes after a valid tab or pipe header, so that most runs reach the zones,
//! the entries, the clients and the lettrage.
#![no_main]

use encours_readers::fec::{looks_like_fec, read_fec_bytes, rebuild, RebuildOptions};
use libfuzzer_sys::fuzz_target;

const TAB: &[u8] =
    b"JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\tCompAuxLib\t\
PieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\tValidDate\tMontantdevise\tIdevise\n";
const PIPE: &[u8] = b"JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|\
PieceRef|PieceDate|EcritureLib|Montant|Sens|EcritureLet|DateLet|ValidDate|MontantDevise|Idevise|DateRglt|ModeRglt|\
NatOp|IdClient|\r\n";

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let input: Vec<u8> = match choice % 3 {
        0 => data.to_vec(),
        1 => [TAB, rest].concat(),
        _ => [PIPE, rest].concat(),
    };
    let _ = looks_like_fec(&input);
    if let Ok(fec) = read_fec_bytes("fuzz.txt", &input) {
        let rebuilt = rebuild(&fec, &RebuildOptions::default());
        let bad: Vec<_> = rebuilt.check_balances().into_iter().filter(|c| !c.agrees()).collect();
        assert!(bad.is_empty(), "balance check fails: {bad:?}");
    }
});
