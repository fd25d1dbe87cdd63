//! Appends exhibit PDFs to a rendered dossier (lopdf 0.47): each exhibit's pages go right after
//! its separator page, in order. An exhibit that cannot be read fails the whole dossier with its
//! number and title — a dossier filed with a piece missing is worse than no dossier.

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::DocumentError;

/// One exhibit to insert: its PDF, its number and title (for the error), and the number of pages
/// of the dossier (from 1) after which its pages go.
pub(crate) struct Insert<'a> {
    pub number: usize,
    pub title: &'a str,
    pub pdf: &'a [u8],
    pub after_page: usize,
}

const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// The page dictionaries of a document in order, each with the attributes it inherits from the
/// page tree copied into it (moved under another tree it would lose them).
fn pages_of(doc: &mut Document) -> Result<Vec<ObjectId>, String> {
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err("the PDF has no page".to_owned());
    }
    for id in &pages {
        let mut inherited: Vec<(Vec<u8>, Object)> = Vec::new();
        let mut parent = doc.get_dictionary(*id).ok().and_then(|d| d.get(b"Parent").ok()?.as_reference().ok());
        let mut depth = 0;
        while let Some(pid) = parent {
            depth += 1;
            if depth > 64 {
                break;
            }
            let Ok(node) = doc.get_dictionary(pid) else { break };
            for key in INHERITED {
                if let Ok(v) = node.get(key) {
                    if !inherited.iter().any(|(k, _)| k == key) {
                        inherited.push((key.to_vec(), v.clone()));
                    }
                }
            }
            parent = node.get(b"Parent").ok().and_then(|p| p.as_reference().ok());
        }
        let page = doc.get_dictionary_mut(*id).map_err(|e| e.to_string())?;
        for (k, v) in inherited {
            if !page.has(&k) {
                page.set(k, v);
            }
        }
    }
    Ok(pages)
}

/// The number of pages of a PDF that [`append`] can insert, or why it cannot: unreadable,
/// encrypted, or without a page (the dispute dossier lists such a file instead of failing).
pub(crate) fn page_count(pdf: &[u8]) -> Result<usize, String> {
    let doc = Document::load_mem(pdf).map_err(|e| format!("not a readable PDF ({e})"))?;
    if doc.is_encrypted() {
        return Err("the PDF is encrypted".to_owned());
    }
    match doc.get_pages().len() {
        0 => Err("the PDF has no page".to_owned()),
        n => Ok(n),
    }
}

/// The dossier with the exhibits' pages inserted; `inserts` in order of `after_page`.
pub(crate) fn append(dossier: &[u8], inserts: &[Insert]) -> Result<Vec<u8>, DocumentError> {
    let internal = |e: lopdf::Error| DocumentError::Exhibit {
        number: 0,
        title: "dossier".to_owned(),
        reason: format!("the dossier itself cannot be reread: {e}"),
    };
    let mut main = Document::load_mem(dossier).map_err(internal)?;
    let pages_id = main.catalog().and_then(|c| c.get(b"Pages")).and_then(Object::as_reference).map_err(internal)?;
    let mut kids: Vec<Object> = main
        .get_dictionary(pages_id)
        .and_then(|d| d.get(b"Kids"))
        .and_then(Object::as_array)
        .map_err(internal)?
        .clone();
    // Insert from the last so that earlier positions stay valid.
    let mut prepared = Vec::with_capacity(inserts.len());
    for ins in inserts {
        let bad = |reason: String| DocumentError::Exhibit { number: ins.number, title: ins.title.to_owned(), reason };
        let mut doc = Document::load_mem(ins.pdf).map_err(|e| bad(format!("not a readable PDF ({e})")))?;
        if doc.is_encrypted() {
            return Err(bad("the PDF is encrypted".to_owned()));
        }
        doc.renumber_objects_with(main.max_id + 1);
        let pages = pages_of(&mut doc).map_err(bad)?;
        let tree_nodes: Vec<ObjectId> = doc
            .objects
            .iter()
            .filter(|(_, o)| {
                o.as_dict()
                    .ok()
                    .and_then(|d| d.get(b"Type").ok()?.as_name().ok())
                    .is_some_and(|t| t == b"Pages" || t == b"Catalog")
            })
            .map(|(id, _)| *id)
            .collect();
        for id in tree_nodes {
            doc.objects.remove(&id);
        }
        for id in &pages {
            if let Ok(page) = doc.get_dictionary_mut(*id) {
                page.set("Parent", Object::Reference(pages_id));
                // Links and form fields point into the exhibit's own structure: dropped.
                page.remove(b"Annots");
            }
        }
        main.max_id = doc.max_id.max(main.max_id);
        main.objects.extend(doc.objects);
        prepared.push((ins.after_page, pages));
    }
    for (after, pages) in prepared.into_iter().rev() {
        let at = after.min(kids.len());
        for (i, id) in pages.into_iter().enumerate() {
            kids.insert(at + i, Object::Reference(id));
        }
    }
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    let tree: &mut Dictionary = main.get_dictionary_mut(pages_id).map_err(internal)?;
    tree.set("Kids", Object::Array(kids));
    tree.set("Count", Object::Integer(count));
    let mut out = Vec::new();
    main.save_to(&mut out).map_err(|e| DocumentError::Exhibit {
        number: 0,
        title: "dossier".to_owned(),
        reason: format!("cannot write the merged dossier: {e}"),
    })?;
    Ok(out)
}
