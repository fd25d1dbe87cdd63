//! A small, bounded XML tree for reading e-invoices.
//!
//! Why a tree and not serde structs: diagnostics must point to the XML path of the value they talk
//! about, unknown content must be skipped without fuss, and the same reader must accept CII, the
//! ZUGFeRD 1 dialect and UBL. A tree built from [`quick_xml::Reader`] events gives all three.
//! Namespaces are resolved on demand ([`El::namespace`]) from the `xmlns` attributes kept in the
//! tree: the readers check the root's namespace and match the rest by local name, so resolving
//! every element while parsing would be wasted work.
//!
//! Safety rules, each checked by a test:
//! - the text is decoded first ([`decode`]): UTF-8 with or without a byte-order mark, UTF-16 with a
//!   byte-order mark, or any encoding `encoding_rs` knows from the XML declaration; an encoding that
//!   does not exist is an error, never a guess;
//! - a `<!DOCTYPE` is refused: e-invoices never carry one, and refusing it rules out entity tricks;
//! - only the five predefined entities and character references are expanded;
//! - nesting is bounded ([`MAX_DEPTH`]) and so is the number of elements ([`MAX_ELEMENTS`]).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deepest element nesting accepted. Real invoices stay under 20 levels.
pub(crate) const MAX_DEPTH: usize = 128;
/// Most elements accepted in one document (a 50 MB file holds fewer).
pub(crate) const MAX_ELEMENTS: usize = 4_000_000;

/// Why an XML document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// Not well-formed, or refused for safety (DOCTYPE, nesting): where and why.
    Malformed { line: usize, column: usize, reason: String },
    /// The declared encoding does not exist or cannot be honoured.
    Encoding { declared: String, reason: String },
    /// No root element at all.
    NoRoot,
}

/// Decoded text and what was learnt about its encoding.
#[derive(Debug)]
pub(crate) struct Decoded<'a> {
    /// The document as text, without byte-order mark.
    pub text: Cow<'a, str>,
    /// A byte-order mark was present.
    pub bom: bool,
    /// The encoding named in the XML declaration, as written.
    pub declared: Option<String>,
    /// Something was repaired while decoding (invalid UTF-8 replaced), in plain words.
    pub warning: Option<String>,
}

/// Decodes the bytes of an XML document to text.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded<'_>, XmlError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let declared = declared_encoding(rest)?;
        let (text, warning) = utf8(rest);
        return Ok(Decoded { text, bom: true, declared, warning });
    }
    for (bom, encoding) in [(b"\xFF\xFE", encoding_rs::UTF_16LE), (b"\xFE\xFF", encoding_rs::UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            let warning = had_errors.then(|| "invalid UTF-16 sequences were replaced by \u{FFFD}".to_owned());
            return Ok(Decoded { text, bom: true, declared: None, warning });
        }
    }
    let declared = declared_encoding(bytes)?;
    let Some(label) = declared.as_deref() else {
        let (text, warning) = utf8(bytes);
        return Ok(Decoded { text, bom: false, declared, warning });
    };
    let Some(encoding) = encoding_rs::Encoding::for_label(label.trim().as_bytes()) else {
        return Err(XmlError::Encoding {
            declared: label.to_owned(),
            reason: "this is not the name of a known character encoding".to_owned(),
        });
    };
    if encoding == encoding_rs::UTF_8 {
        let (text, warning) = utf8(bytes);
        return Ok(Decoded { text, bom: false, declared, warning });
    }
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        return Err(XmlError::Encoding {
            declared: label.to_owned(),
            reason: "UTF-16 needs a byte-order mark, and this declaration reads as single-byte text".to_owned(),
        });
    }
    if encoding == encoding_rs::REPLACEMENT || encoding == encoding_rs::X_USER_DEFINED {
        return Err(XmlError::Encoding {
            declared: label.to_owned(),
            reason: "this encoding cannot be decoded safely".to_owned(),
        });
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let warning = had_errors.then(|| format!("bytes that are not {} were replaced by \u{FFFD}", encoding.name()));
    Ok(Decoded { text, bom: false, declared, warning })
}

fn utf8(bytes: &[u8]) -> (Cow<'_, str>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), None),
        Err(e) => (
            String::from_utf8_lossy(bytes),
            Some(format!(
                "the text is not valid UTF-8 from byte {}; invalid sequences were replaced by \u{FFFD}",
                e.valid_up_to()
            )),
        ),
    }
}

/// The `encoding` pseudo-attribute of the XML declaration, read from the raw bytes (the
/// declaration is ASCII in every encoding this reader accepts without a byte-order mark).
fn declared_encoding(bytes: &[u8]) -> Result<Option<String>, XmlError> {
    let Some(after) = bytes.strip_prefix(b"<?xml") else { return Ok(None) };
    if !after.first().is_some_and(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    let window = &after[..after.len().min(1024)];
    let end = window.windows(2).position(|w| w == b"?>").ok_or_else(|| XmlError::Malformed {
        line: 1,
        column: 1,
        reason: "the XML declaration is not closed by '?>'".to_owned(),
    })?;
    let decl = &window[..end];
    let Some(at) = decl.windows(8).position(|w| w == b"encoding") else { return Ok(None) };
    let mut i = at + 8;
    let skip_ws = |i: &mut usize| {
        while decl.get(*i).is_some_and(|b| b.is_ascii_whitespace()) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let column = |i: usize| i + 6; // 5 bytes of "<?xml", 1-based
    if decl.get(i) != Some(&b'=') {
        return Err(XmlError::Malformed {
            line: 1,
            column: column(i),
            reason: "'=' expected after 'encoding' in the XML declaration".to_owned(),
        });
    }
    i += 1;
    skip_ws(&mut i);
    let quote = match decl.get(i) {
        Some(q @ (b'"' | b'\'')) => *q,
        _ => {
            return Err(XmlError::Malformed {
                line: 1,
                column: column(i),
                reason: "the encoding in the XML declaration is not quoted".to_owned(),
            })
        }
    };
    let start = i + 1;
    let Some(len) = decl[start..].iter().position(|b| *b == quote) else {
        return Err(XmlError::Malformed {
            line: 1,
            column: column(i),
            reason: "the encoding value in the XML declaration is not closed".to_owned(),
        });
    };
    Ok(Some(String::from_utf8_lossy(&decl[start..start + len]).into_owned()))
}

const NONE: u32 = u32::MAX;

/// One element of the tree. Names, attribute values and text borrow from the document text when
/// they can (no escape to resolve), so building the tree allocates little.
#[derive(Debug)]
struct Node<'a> {
    /// Qualified name as written (`ram:ID`).
    name: Cow<'a, str>,
    /// Byte offset of the local name inside `name`.
    local_at: usize,
    /// Attributes, namespace declarations included: (qualified name, value).
    attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Character data directly inside the element (entity references resolved).
    text: Cow<'a, str>,
    parent: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
}

/// A parsed document, borrowing from its text.
#[derive(Debug)]
pub(crate) struct Tree<'a> {
    nodes: Vec<Node<'a>>,
}

fn position(text: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(text.len());
    let mut cut = offset;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let before = &text[..cut];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `part` with the lifetime of `text` when it is a slice of it (quick-xml hands out names and
/// attributes borrowed from the event, which borrows from the input); a copy otherwise.
fn reborrow<'a>(text: &'a str, part: &str) -> Cow<'a, str> {
    let offset = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    match text.get(offset..offset.wrapping_add(part.len())) {
        Some(slice) if slice.as_ptr() == part.as_ptr() => Cow::Borrowed(slice),
        _ => Cow::Owned(part.to_owned()),
    }
}

fn append<'a>(to: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if to.is_empty() {
        *to = piece;
    } else {
        to.to_mut().push_str(&piece);
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

impl<'a> Tree<'a> {
    /// Parses decoded text into a tree.
    pub(crate) fn parse(text: &'a str) -> Result<Tree<'a>, XmlError> {
        let mut reader = Reader::from_str(text);
        let mut tree = Tree { nodes: Vec::new() };
        let mut stack: Vec<usize> = Vec::new();
        let mut root_closed = false;
        let malformed = |at: u64, reason: String| {
            let (line, column) = position(text, at);
            XmlError::Malformed { line, column, reason }
        };
        loop {
            let before = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => return Err(malformed(reader.error_position(), e.to_string())),
            };
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    if root_closed {
                        return Err(malformed(before, "a second root element follows the first".to_owned()));
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err(malformed(
                            before,
                            format!("elements are nested more than {MAX_DEPTH} levels deep"),
                        ));
                    }
                    if tree.nodes.len() >= MAX_ELEMENTS {
                        return Err(malformed(before, format!("more than {MAX_ELEMENTS} elements")));
                    }
                    let id = tree.push(text, e, stack.last().copied()).map_err(|r| malformed(before, r))?;
                    if matches!(event, Event::Start(_)) {
                        stack.push(id);
                    } else if stack.is_empty() {
                        root_closed = true;
                    }
                }
                Event::End(_) => {
                    stack.pop();
                    if stack.is_empty() {
                        root_closed = true;
                    }
                }
                Event::Text(t) => {
                    let content = t.xml10_content();
                    match stack.last() {
                        Some(&id) => {
                            let node = &mut tree.nodes[id];
                            // Whitespace between child elements is not text worth keeping.
                            if !(node.text.is_empty() && content.trim().is_empty()) {
                                append(&mut node.text, content);
                            }
                        }
                        None if content.trim().is_empty() => {}
                        None => return Err(malformed(before, "text found outside the root element".to_owned())),
                    }
                }
                Event::CData(t) => {
                    if let Some(&id) = stack.last() {
                        append(&mut tree.nodes[id].text, t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    let resolved: Option<char> = if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(c) => c,
                            Err(e) => return Err(malformed(before, e.to_string())),
                        }
                    } else {
                        match &*r.xml10_content() {
                            "amp" => Some('&'),
                            "lt" => Some('<'),
                            "gt" => Some('>'),
                            "quot" => Some('"'),
                            "apos" => Some('\''),
                            other => {
                                return Err(malformed(
                                    before,
                                    format!("the entity &{other}; is not defined (only the five XML entities are)"),
                                ))
                            }
                        }
                    };
                    match (resolved, stack.last()) {
                        (Some(c), Some(&id)) => tree.nodes[id].text.to_mut().push(c),
                        (None, _) => {
                            return Err(malformed(before, "a character reference names no character".to_owned()))
                        }
                        (Some(_), None) => {
                            return Err(malformed(before, "text found outside the root element".to_owned()))
                        }
                    }
                }
                Event::DocType(_) => {
                    return Err(malformed(before, "a <!DOCTYPE> declaration is not allowed in an e-invoice".to_owned()))
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !stack.is_empty() {
            return Err(malformed(
                reader.buffer_position(),
                "the document ends before its root element is closed".to_owned(),
            ));
        }
        if tree.nodes.is_empty() {
            return Err(XmlError::NoRoot);
        }
        Ok(tree)
    }

    fn push(&mut self, text: &'a str, e: &BytesStart<'_>, parent: Option<usize>) -> Result<usize, String> {
        let name = reborrow(text, e.name().as_ref());
        let local_at = name.find(':').map_or(0, |i| i + 1);
        let mut attrs = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| err.to_string())?;
            let key = attr.key.as_ref();
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| format!("attribute {key}: {err}"))?;
            attrs.push((reborrow(text, key), reborrow(text, &value)));
        }
        let id = self.nodes.len();
        let parent = parent.map_or(NONE, index);
        self.nodes.push(Node {
            name,
            local_at,
            attrs,
            text: Cow::Borrowed(""),
            parent,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
        });
        if let Some(p) = self.nodes.get_mut(parent as usize) {
            let previous = p.last_child;
            p.last_child = index(id);
            if previous == NONE {
                p.first_child = index(id);
            } else if let Some(prev) = self.nodes.get_mut(previous as usize) {
                prev.next_sibling = index(id);
            }
        }
        Ok(id)
    }

    /// The root element.
    pub(crate) fn root(&self) -> El<'_> {
        El { tree: self, id: 0 }
    }
}

/// A handle on one element.
#[derive(Clone, Copy, Debug)]
pub(crate) struct El<'t> {
    tree: &'t Tree<'t>,
    id: usize,
}

/// The children of an element, following the sibling links.
pub(crate) struct Children<'t> {
    tree: &'t Tree<'t>,
    next: u32,
}

impl<'t> Iterator for Children<'t> {
    type Item = El<'t>;

    fn next(&mut self) -> Option<El<'t>> {
        let id = self.next as usize;
        let node = self.tree.nodes.get(id)?;
        self.next = node.next_sibling;
        Some(El { tree: self.tree, id })
    }
}

impl<'t> El<'t> {
    fn node(&self) -> &'t Node<'t> {
        &self.tree.nodes[self.id]
    }

    /// Local name (`ID` for `ram:ID`).
    pub(crate) fn local(&self) -> &'t str {
        let n = self.node();
        &n.name[n.local_at..]
    }

    /// Namespace URI, empty when none: the nearest `xmlns` declaration of the element's prefix.
    pub(crate) fn namespace(&self) -> &'t str {
        let n = self.node();
        let prefix = n.local_at.checked_sub(1).map(|i| &n.name[..i]);
        if prefix == Some("xml") {
            return "http://www.w3.org/XML/1998/namespace";
        }
        let mut cur = self.id;
        loop {
            let node = &self.tree.nodes[cur];
            for (k, v) in &node.attrs {
                let declares = match prefix {
                    Some(p) => k.strip_prefix("xmlns:") == Some(p),
                    None => k == "xmlns",
                };
                if declares {
                    return v;
                }
            }
            if node.parent == NONE {
                return "";
            }
            cur = node.parent as usize;
        }
    }

    fn is_namespace_declaration(key: &str) -> bool {
        key == "xmlns" || key.starts_with("xmlns:")
    }

    /// Child elements.
    pub(crate) fn children(&self) -> Children<'t> {
        Children { tree: self.tree, next: self.node().first_child }
    }

    /// Child elements with this local name.
    pub(crate) fn all(&self, local: &'t str) -> impl Iterator<Item = El<'t>> + 't {
        self.children().filter(move |c| c.local() == local)
    }

    /// The first child element with this local name.
    pub(crate) fn child(&self, local: &str) -> Option<El<'t>> {
        self.children().find(|c| c.local() == local)
    }

    /// The first element found down a path of local names (depth first, so a later sibling is
    /// used when the first one lacks the rest of the path).
    pub(crate) fn at(&self, path: &[&str]) -> Option<El<'t>> {
        let Some((first, rest)) = path.split_first() else { return Some(*self) };
        self.children().filter(|c| c.local() == *first).find_map(|c| c.at(rest))
    }

    /// Every element found down a path of local names, in document order.
    pub(crate) fn all_at(&self, path: &[&str]) -> Vec<El<'t>> {
        let mut out = Vec::new();
        self.collect_at(path, &mut out);
        out
    }

    fn collect_at(&self, path: &[&str], out: &mut Vec<El<'t>>) {
        match path.split_first() {
            None => out.push(*self),
            Some((first, rest)) => {
                for c in self.children().filter(|c| c.local() == *first) {
                    c.collect_at(rest, out);
                }
            }
        }
    }

    /// The text content, trimmed.
    pub(crate) fn text(&self) -> &'t str {
        self.node().text.trim()
    }

    /// An attribute by local name (`currencyID`, `schemeID`).
    pub(crate) fn attr(&self, local: &str) -> Option<&'t str> {
        self.node().attrs.iter().find_map(|(k, v)| {
            let k_local = k.rsplit(':').next().unwrap_or(k);
            (k_local == local && !Self::is_namespace_declaration(k)).then_some(&**v)
        })
    }

    /// The XML path of this element with the prefixes as written, and a 1-based index where
    /// siblings share the name: `/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IncludedNote[2]`.
    pub(crate) fn path(&self) -> String {
        let nodes = &self.tree.nodes;
        let mut chain = Vec::with_capacity(16);
        let mut cur = self.id;
        loop {
            chain.push(cur);
            match nodes.get(cur).map(|n| n.parent) {
                Some(p) if p != NONE => cur = p as usize,
                _ => break,
            }
        }
        let mut out = String::with_capacity(chain.len() * 32);
        for &id in chain.iter().rev() {
            let node = &nodes[id];
            out.push('/');
            out.push_str(&node.name);
            if node.parent != NONE {
                let siblings = Children { tree: self.tree, next: nodes[node.parent as usize].first_child };
                let (mut same, mut position) = (0, 0);
                for s in siblings {
                    if s.node().name == node.name {
                        same += 1;
                        if s.id == id {
                            position = same;
                        }
                    }
                }
                if same > 1 {
                    out.push_str(&format!("[{position}]"));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Tree<'_>, XmlError> {
        let d = decode(s.as_bytes())?;
        match d.text {
            Cow::Borrowed(text) => Tree::parse(text),
            Cow::Owned(_) => unreachable!("the test documents are UTF-8"),
        }
    }

    #[test]
    fn paths_carry_prefixes_and_sibling_indexes() {
        let t = parse(r#"<r:A xmlns:r="urn:a" xmlns:x="urn:x"><x:B>1</x:B><x:B>2</x:B><x:C/></r:A>"#).unwrap();
        let root = t.root();
        assert_eq!(root.namespace(), "urn:a", "the root namespace is resolved");
        let bs: Vec<_> = root.all("B").collect();
        assert_eq!(bs.len(), 2, "both B children are found by local name");
        assert_eq!(bs[1].path(), "/r:A/x:B[2]", "the second B is indexed");
        assert_eq!(root.child("C").unwrap().path(), "/r:A/x:C", "a unique child has no index");
        assert_eq!(bs[1].text(), "2");
    }

    #[test]
    fn namespaces_are_resolved_from_the_nearest_declaration() {
        let t = parse(r#"<Invoice xmlns="urn:i" xmlns:cbc="urn:c"><cbc:ID/><x:A xmlns:x="urn:x"><B/></x:A></Invoice>"#)
            .unwrap();
        let root = t.root();
        assert_eq!(root.namespace(), "urn:i", "the default namespace");
        assert_eq!(root.child("ID").unwrap().namespace(), "urn:c");
        let a = root.child("A").unwrap();
        assert_eq!(a.namespace(), "urn:x", "declared on the element itself");
        assert_eq!(a.child("B").unwrap().namespace(), "urn:i", "the default namespace is inherited");
        assert_eq!(root.attr("cbc"), None, "namespace declarations are not attributes");
        let t = parse("<p:a/>").unwrap();
        assert_eq!(t.root().namespace(), "", "an undeclared prefix has no namespace");
    }

    #[test]
    fn entities_and_character_references_are_resolved_and_spaces_kept() {
        let t = parse("<a>Soci&#233;t&#xE9; Exemple &amp; Fils</a>").unwrap();
        assert_eq!(t.root().text(), "Société Exemple & Fils", "spaces around &amp; must survive");
    }

    #[test]
    fn a_doctype_is_refused() {
        let err = parse(r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#)
            .unwrap_err();
        assert!(
            matches!(&err, XmlError::Malformed { reason, .. } if reason.contains("DOCTYPE")),
            "a DTD must be refused, got {err:?}"
        );
    }

    #[test]
    fn undefined_entities_are_refused() {
        let err = parse("<a>&x;</a>").unwrap_err();
        assert!(matches!(&err, XmlError::Malformed { reason, .. } if reason.contains("&x;")), "{err:?}");
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        let err = parse(&deep).unwrap_err();
        assert!(matches!(&err, XmlError::Malformed { reason, .. } if reason.contains("nested")), "{err:?}");
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok(), "exactly the maximum depth is accepted");
    }

    #[test]
    fn malformed_documents_report_line_and_column() {
        let err = parse("<a>\n  <b></c>\n</a>").unwrap_err();
        match err {
            XmlError::Malformed { line, .. } => assert_eq!(line, 2, "the mismatched end tag is on line 2"),
            other => panic!("expected a malformed error, got {other:?}"),
        }
        assert!(matches!(parse("Bad XML"), Err(XmlError::Malformed { .. } | XmlError::NoRoot)), "plain text");
        assert!(matches!(parse(""), Err(XmlError::NoRoot)), "empty input has no root");
        assert!(matches!(parse("<a></a><b/>"), Err(XmlError::Malformed { .. })), "two roots");
        assert!(matches!(parse("<a>"), Err(XmlError::Malformed { .. })), "unclosed root");
    }

    #[test]
    fn encodings() {
        // UTF-8 with a byte-order mark.
        let d = decode(b"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?><a>\xC3\xA9</a>").unwrap();
        assert!(d.bom, "the BOM is noticed");
        assert_eq!(d.declared.as_deref(), Some("utf-8"), "lower-case utf-8 is fine");
        assert_eq!(Tree::parse(&d.text).unwrap().root().text(), "é");
        // ISO-8859-1 declared: decoded with encoding_rs (windows-1252 superset).
        let d = decode(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9\x80</a>").unwrap();
        assert_eq!(Tree::parse(&d.text).unwrap().root().text(), "é€");
        // An encoding that does not exist.
        let err = decode(b"<?xml version=\"1.0\" encoding=\"UTF-8-W/O-BOM\"?><a/>").unwrap_err();
        assert!(matches!(&err, XmlError::Encoding { declared, .. } if declared == "UTF-8-W/O-BOM"), "{err:?}");
        // An unclosed encoding value.
        assert!(matches!(decode(b"<?xml version=\"1.0\" encoding=\"UTF-8?><a/>"), Err(XmlError::Malformed { .. })));
        // UTF-16 with a BOM.
        let utf16: Vec<u8> =
            std::iter::once([0xFF, 0xFE]).chain("<a>é</a>".encode_utf16().map(u16::to_le_bytes)).flatten().collect();
        assert_eq!(Tree::parse(&decode(&utf16).unwrap().text).unwrap().root().text(), "é");
        // Invalid UTF-8 is repaired with a warning, not a panic.
        let d = decode(b"<a>\xFF</a>").unwrap();
        assert!(d.warning.is_some(), "invalid UTF-8 is reported");
        // UTF-16 declared without BOM is refused.
        assert!(matches!(decode(b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>"), Err(XmlError::Encoding { .. })));
    }
}
