//! Page 1 of every document as an image (pdftoppm -r 60), for a human look and for the README
//! (the reviewed ones are copied to docs/letters/): target/documents-tests/pages/<document>.png.

mod common;

use std::process::Command;

use common::*;
use encours_documents::{
    render_declaration, render_injonction, render_letter, render_statement, Delivery, Letter, LetterKind, Tone,
};

/// The letters as a company with its profile filled sends them: logo, VAT number, RF reference.
fn dressed(mut letter: Letter) -> Letter {
    letter.letterhead = letterhead();
    letter.payment = Some(payment_with_rf());
    letter
}

#[test]
fn page_one_of_every_document_renders_at_60_dpi() {
    let docs: Vec<(&str, Vec<u8>)> = vec![
        ("relance-courtoise", render_letter(&dressed(reminder(Tone::Courtois))).unwrap()),
        ("relance-ferme", render_letter(&dressed(reminder(Tone::Ferme))).unwrap()),
        ("relance-dernier-avis", render_letter(&dressed(reminder(Tone::DernierAvis))).unwrap()),
        (
            "mise-en-demeure",
            render_letter(&dressed(Letter {
                kind: LetterKind::MiseEnDemeure { deadline_days: 8 },
                delivery: Delivery::RegisteredPaper { tracking_number: None },
                ..mise_en_demeure(None)
            }))
            .unwrap(),
        ),
        ("releve-de-compte", render_statement(&statement()).unwrap()),
        ("injonction-de-payer", render_injonction(&injonction()).unwrap()),
        ("declaration-de-creance", render_declaration(&declaration()).unwrap()),
    ];
    let dir = out_dir().join("pages");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, pdf) in docs {
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        if !have("pdftoppm") {
            return;
        }
        let out = Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&path)
            .arg(dir.join(name))
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000, "{name}: page 1 did not render");
    }
}
