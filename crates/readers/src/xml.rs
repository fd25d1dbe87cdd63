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

/// Deepest element nesting accepted ([`crate::limits::MAX_XML_DEPTH`]).
pub(crate) const MAX_DEPTH: usize = crate::limits::MAX_XML_DEPTH;
/// Most elements accepted in one document ([`crate::limits::MAX_XML_ELEMENTS`]).
pub(crate) const MAX_ELEMENTS: usize = crate::limits::MAX_XML_ELEMENTS;

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

/// One element of the tree. Names always borrow from the document text; attribute values and
/// text borrow too unless a reference or a line end had to be resolved, so building the tree
/// allocates little.
#[derive(Debug)]
struct Node<'a> {
    /// Qualified name as written (`ram:ID`).
    name: &'a str,
    /// Byte offset of the local name inside `name`.
    local_at: u32,
    /// This element's attributes (namespace declarations included) are `Tree::attrs[attrs.0..attrs.1]`.
    attrs: (u32, u32),
    /// Character data directly inside the element (references resolved, line ends normalised).
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
    /// Every element's attributes, in document order: (qualified name, value).
    attrs: Vec<(&'a str, Cow<'a, str>)>,
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut cut = offset;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let before = &text[..cut];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
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

/// Bytes that need no attention inside an element name: all but white space, `>`, `/`, `:` and
/// quotes.
const NAME_BYTE: [bool; 256] = {
    let mut table = [true; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = !matches!(i as u8, b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/' | b':' | b'"' | b'\'');
        i += 1;
    }
    table
};

/// What a byte of character data is to the scanner: [`LT`], [`AMP`], [`SPACE`], or anything else.
const TEXT_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'<' as usize] = LT;
    table[b'&' as usize] = AMP;
    table[b' ' as usize] = SPACE;
    table[b'\t' as usize] = SPACE;
    table[b'\n' as usize] = SPACE;
    table[b'\r' as usize] = SPACE;
    table
};
const LT: u8 = 1;
const AMP: u8 = 2;
const SPACE: u8 = 3;

/// XML white space (production S).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Where `needle` starts in `haystack` at or after `from`.
fn find_from(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while let Some(rel) = haystack.get(at..)?.iter().position(|b| *b == first) {
        let candidate = at + rel;
        if haystack.get(candidate..candidate + needle.len()) == Some(needle) {
            return Some(candidate);
        }
        at = candidate + 1;
    }
    None
}

/// Line ends normalised as XML 1.0 §2.11 says: `\r\n` and a lone `\r` become `\n`.
fn normalise_line_ends(raw: &str) -> Cow<'_, str> {
    let bytes = raw.as_bytes();
    let Some(first) = bytes.iter().position(|b| *b == b'\r') else { return Cow::Borrowed(raw) };
    let mut out = String::with_capacity(raw.len());
    let mut last = 0;
    let mut i = first;
    while i < bytes.len() {
        if bytes[i] == b'\r' {
            out.push_str(&raw[last..i]);
            out.push('\n');
            i += if bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&raw[last..]);
    Cow::Owned(out)
}

/// Only white space (as `str::trim` sees it: Unicode white space included).
fn is_blank(s: &str) -> bool {
    s.bytes().all(is_space) || s.trim().is_empty()
}

/// The character a character reference (`#233`, `#xE9`, without `&` and `;`) names.
fn char_reference(num: &str) -> Result<char, String> {
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(format!("the character reference &#{num}; is not a number"));
    }
    let code =
        u32::from_str_radix(digits, radix).map_err(|_| format!("the character reference &#{num}; is not a number"))?;
    match char::from_u32(code) {
        Some(c) if code != 0 => Ok(c),
        _ => Err(format!("the character reference &#{num}; names no character")),
    }
}

/// The replacement of a reference (`amp`, `#233`; without `&` and `;`): the five predefined
/// entities and character references, nothing else (no DTD, so no other entity exists).
fn reference(name: &str) -> Result<char, String> {
    if let Some(num) = name.strip_prefix('#') {
        return char_reference(num);
    }
    match name {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(format!("the entity &{other}; is not defined (only the five XML entities are)")),
    }
}

/// An attribute value normalised as XML 1.0 §3.3.3 says: references replaced, and each tab, line
/// feed, carriage return (or CR LF pair) written in the value replaced by a space.
fn attribute_value(raw: &str) -> Result<Cow<'_, str>, String> {
    let bytes = raw.as_bytes();
    if !bytes.iter().any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r')) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let (mut i, mut last) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        match b {
            b'&' => {
                out.push_str(&raw[last..i]);
                let semi = bytes[i..].iter().position(|c| *c == b';').map(|p| i + p);
                let semi = semi.ok_or_else(|| "a reference is not closed by ';'".to_owned())?;
                out.push(reference(&raw[i + 1..semi])?);
                i = semi + 1;
                last = i;
            }
            b'\t' | b'\n' | b'\r' => {
                out.push_str(&raw[last..i]);
                out.push(' ');
                i += if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                last = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&raw[last..]);
    Ok(Cow::Owned(out))
}

/// Builds a [`Tree`] from the text in one pass over its bytes. Every markup the XML 1.0
/// grammar allows in a document without DTD is read; anything else is an error with its
/// position, never a guess.
struct Builder<'a> {
    text: &'a str,
    bytes: &'a [u8],
    tree: Tree<'a>,
    stack: Vec<u32>,
    root_closed: bool,
}

impl<'a> Builder<'a> {
    fn error(&self, at: usize, reason: impl Into<String>) -> XmlError {
        let (line, column) = position(self.text, at);
        XmlError::Malformed { line, column, reason: reason.into() }
    }

    fn run(mut self) -> Result<Tree<'a>, XmlError> {
        let len = self.bytes.len();
        let mut pos = 0;
        while pos < len {
            // Up to the next markup, noting on the way whether the text is blank or has references.
            let (mut lt, mut blank, mut amp) = (pos, true, false);
            for &b in &self.bytes[pos..] {
                let class = TEXT_BYTE[usize::from(b)];
                if class == LT {
                    break;
                }
                blank &= class == SPACE;
                amp |= class == AMP;
                lt += 1;
            }
            if lt > pos {
                if blank && !amp {
                    self.blank_run(pos, lt);
                } else if amp {
                    self.text_run(pos, lt)?;
                } else {
                    self.text_piece(pos, lt)?;
                }
            }
            if lt >= len {
                break;
            }
            let rest = &self.bytes[lt..];
            pos = if rest.starts_with(b"</") {
                self.end_tag(lt)?
            } else if rest.starts_with(b"<?") {
                let end = find_from(self.bytes, lt + 2, b"?>")
                    .ok_or_else(|| self.error(lt, "a processing instruction is not closed by '?>'"))?;
                end + 2
            } else if rest.starts_with(b"<!--") {
                let end = find_from(self.bytes, lt + 4, b"-->")
                    .ok_or_else(|| self.error(lt, "a comment is not closed by '-->'"))?;
                end + 3
            } else if rest.starts_with(b"<![CDATA[") {
                let end = find_from(self.bytes, lt + 9, b"]]>")
                    .ok_or_else(|| self.error(lt, "a CDATA section is not closed by ']]>'"))?;
                if let Some(&id) = self.stack.last() {
                    let content = normalise_line_ends(&self.text[lt + 9..end]);
                    append(&mut self.tree.nodes[id as usize].text, content);
                }
                end + 3
            } else if rest.starts_with(b"<!") {
                let doctype = rest.get(2..9).is_some_and(|w| w.eq_ignore_ascii_case(b"DOCTYPE"));
                return Err(if doctype {
                    self.error(
                        lt,
                        "a <!DOCTYPE> declaration is refused: entities and external references are never processed",
                    )
                } else {
                    self.error(lt, "'<!' starts neither a comment nor a CDATA section")
                });
            } else {
                self.start_tag(lt)?
            };
        }
        if !self.stack.is_empty() {
            return Err(self.error(len, "the document ends before its root element is closed"));
        }
        if self.tree.nodes.is_empty() {
            return Err(XmlError::NoRoot);
        }
        Ok(self.tree)
    }

    /// White space between two markups: kept only after some text of the same element (before,
    /// or outside the root, it is layout).
    fn blank_run(&mut self, start: usize, end: usize) {
        if let Some(&id) = self.stack.last() {
            let node = &mut self.tree.nodes[id as usize];
            if !node.text.is_empty() {
                append(&mut node.text, normalise_line_ends(&self.text[start..end]));
            }
        }
    }

    /// Character data between two markups: pieces of text and references.
    fn text_run(&mut self, start: usize, end: usize) -> Result<(), XmlError> {
        let mut piece = start;
        while let Some(amp) = self.bytes[piece..end].iter().position(|b| *b == b'&').map(|p| piece + p) {
            self.text_piece(piece, amp)?;
            let semi = self.bytes[amp..end].iter().position(|b| *b == b';').map(|p| amp + p);
            let semi = semi.ok_or_else(|| self.error(amp, "a reference is not closed by ';'"))?;
            let c = reference(&self.text[amp + 1..semi]).map_err(|reason| self.error(amp, reason))?;
            match self.stack.last() {
                Some(&id) => self.tree.nodes[id as usize].text.to_mut().push(c),
                None => return Err(self.error(amp, "text found outside the root element")),
            }
            piece = semi + 1;
        }
        self.text_piece(piece, end)
    }

    fn text_piece(&mut self, start: usize, end: usize) -> Result<(), XmlError> {
        if start >= end {
            return Ok(());
        }
        let raw = &self.text[start..end];
        match self.stack.last() {
            Some(&id) => {
                let node = &mut self.tree.nodes[id as usize];
                // Whitespace between child elements is not text worth keeping.
                if !(node.text.is_empty() && is_blank(raw)) {
                    append(&mut node.text, normalise_line_ends(raw));
                }
                Ok(())
            }
            None if is_blank(raw) => Ok(()),
            None => Err(self.error(start, "text found outside the root element")),
        }
    }

    /// At `</`; returns the position after the tag.
    fn end_tag(&mut self, at: usize) -> Result<usize, XmlError> {
        // The usual case: the name of the open element, then `>`.
        if let Some(&id) = self.stack.last() {
            let open = self.tree.nodes[id as usize].name.as_bytes();
            let after = at + 2 + open.len();
            if self.bytes.get(at + 2..after) == Some(open) {
                let mut gt = after;
                while self.bytes.get(gt).is_some_and(|b| is_space(*b)) {
                    gt += 1;
                }
                if self.bytes.get(gt) == Some(&b'>') {
                    self.stack.pop();
                    if self.stack.is_empty() {
                        self.root_closed = true;
                    }
                    return Ok(gt + 1);
                }
            }
        }
        let gt = self.bytes[at..].iter().position(|b| *b == b'>').map(|p| at + p);
        let gt = gt.ok_or_else(|| self.error(at, "an end tag is not closed by '>'"))?;
        let name = self.text[at + 2..gt].trim_end_matches(|c: char| c.is_ascii() && is_space(c as u8));
        match self.stack.pop() {
            None => return Err(self.error(at, format!("the end tag </{name}> closes no element"))),
            Some(id) => {
                let open = self.tree.nodes[id as usize].name;
                if open != name {
                    return Err(self.error(at, format!("the end tag </{name}> does not close <{open}>")));
                }
            }
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
        Ok(gt + 1)
    }

    /// At `<` followed by a name; returns the position after the tag.
    fn start_tag(&mut self, at: usize) -> Result<usize, XmlError> {
        let bytes = self.bytes;
        if self.root_closed {
            return Err(self.error(at, "a second root element follows the first"));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(at, format!("elements are nested more than {MAX_DEPTH} levels deep")));
        }
        if self.tree.nodes.len() >= MAX_ELEMENTS {
            return Err(self.error(at, format!("more than {MAX_ELEMENTS} elements")));
        }
        let name_start = at + 1;
        let mut i = name_start;
        // One pass over the name: where it ends, where its prefix ends, whether it holds a quote.
        let (mut colon, mut quote) = (None, false);
        while let Some(&b) = bytes.get(i) {
            if NAME_BYTE[usize::from(b)] {
                i += 1;
                continue;
            }
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'>' => break,
                b'/' if bytes.get(i + 1) == Some(&b'>') => break,
                b':' if colon.is_none() => colon = Some(i - name_start),
                b'"' | b'\'' => quote = true,
                _ => {}
            }
            i += 1;
        }
        if i == name_start {
            return Err(self.error(at, "'<' is not followed by an element name"));
        }
        let name = &self.text[name_start..i];
        if quote {
            return Err(self.error(at, format!("a quote inside the element name {name}")));
        }
        let attrs_start = self.tree.attrs.len();
        let empty = loop {
            while bytes.get(i).is_some_and(|b| is_space(*b)) {
                i += 1;
            }
            match bytes.get(i) {
                None => return Err(self.error(at, format!("the start tag <{name}> is not closed by '>'"))),
                Some(b'>') => {
                    i += 1;
                    break false;
                }
                Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {
                    i += 2;
                    break true;
                }
                Some(_) => i = self.attribute(name, attrs_start, i)?,
            }
        };
        let id = self.tree.nodes.len();
        let parent = self.stack.last().copied().unwrap_or(NONE);
        let local_at = colon.map_or(0, |c| c + 1);
        self.tree.nodes.push(Node {
            name,
            local_at: index(local_at),
            attrs: (index(attrs_start), index(self.tree.attrs.len())),
            text: Cow::Borrowed(""),
            parent,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
        });
        if let Some(p) = self.tree.nodes.get_mut(parent as usize) {
            let previous = p.last_child;
            p.last_child = index(id);
            if previous == NONE {
                p.first_child = index(id);
            } else if let Some(prev) = self.tree.nodes.get_mut(previous as usize) {
                prev.next_sibling = index(id);
            }
        }
        if !empty {
            self.stack.push(index(id));
        } else if self.stack.is_empty() {
            self.root_closed = true;
        }
        Ok(i)
    }

    /// One attribute `name = "value"` starting at `i`; returns the position after it.
    fn attribute(&mut self, element: &str, attrs_start: usize, mut i: usize) -> Result<usize, XmlError> {
        let bytes = self.bytes;
        let key_start = i;
        // The first byte belongs to the name whatever it is (as quick-xml reads it, so a stray
        // `=` makes a strange name rather than an empty one).
        let mut quoted = matches!(bytes.get(i), Some(b'"' | b'\''));
        i += 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | b'=' | b'>' => break,
                b'"' | b'\'' => quoted = true,
                _ => {}
            }
            i += 1;
        }
        let key = &self.text[key_start..i];
        if quoted {
            return Err(self.error(key_start, format!("a quote inside the attribute name {key} of <{element}>")));
        }
        while bytes.get(i).is_some_and(|b| is_space(*b)) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err(self.error(key_start, format!("the attribute {key} of <{element}> has no value")));
        }
        i += 1;
        while bytes.get(i).is_some_and(|b| is_space(*b)) {
            i += 1;
        }
        let quote = match bytes.get(i) {
            Some(q @ (b'"' | b'\'')) => *q,
            _ => return Err(self.error(i, format!("the value of the attribute {key} of <{element}> is not quoted"))),
        };
        let value_start = i + 1;
        let close = bytes[value_start..].iter().position(|b| *b == quote).map(|p| value_start + p);
        let close = close.ok_or_else(|| self.error(i, format!("the value of the attribute {key} is not closed")))?;
        if self.tree.attrs[attrs_start..].iter().any(|(k, _)| *k == key) {
            return Err(self.error(key_start, format!("the attribute {key} appears twice in <{element}>")));
        }
        let value = attribute_value(&self.text[value_start..close])
            .map_err(|reason| self.error(value_start, format!("attribute {key}: {reason}")))?;
        self.tree.attrs.push((key, value));
        Ok(close + 1)
    }
}

impl<'a> Tree<'a> {
    /// Parses decoded text into a tree.
    pub(crate) fn parse(text: &'a str) -> Result<Tree<'a>, XmlError> {
        // About one element per 40 bytes in e-invoices: enough room for most without waste.
        let estimate = text.len() / 40 + 16;
        let builder = Builder {
            text,
            bytes: text.as_bytes(),
            tree: Tree { nodes: Vec::with_capacity(estimate), attrs: Vec::with_capacity(estimate / 2) },
            stack: Vec::with_capacity(32),
            root_closed: false,
        };
        builder.run()
    }

    /// The root element.
    pub(crate) fn root(&self) -> El<'_> {
        El { tree: self, id: 0 }
    }
}

fn attributes_of<'t>(tree: &'t Tree<'t>, node: &Node<'t>) -> &'t [(&'t str, Cow<'t, str>)] {
    tree.attrs.get(node.attrs.0 as usize..node.attrs.1 as usize).unwrap_or(&[])
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

    fn attributes(&self) -> &'t [(&'t str, Cow<'t, str>)] {
        attributes_of(self.tree, self.node())
    }

    /// Local name (`ID` for `ram:ID`).
    pub(crate) fn local(&self) -> &'t str {
        let n = self.node();
        n.name.get(n.local_at as usize..).unwrap_or(n.name)
    }

    /// Namespace URI, empty when none: the nearest `xmlns` declaration of the element's prefix.
    pub(crate) fn namespace(&self) -> &'t str {
        let n = self.node();
        let prefix = (n.local_at as usize).checked_sub(1).and_then(|i| n.name.get(..i));
        if prefix == Some("xml") {
            return "http://www.w3.org/XML/1998/namespace";
        }
        let mut cur = self.id;
        loop {
            let node = &self.tree.nodes[cur];
            for (k, v) in attributes_of(self.tree, node) {
                let declares = match prefix {
                    Some(p) => k.strip_prefix("xmlns:") == Some(p),
                    None => *k == "xmlns",
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
        self.attributes().iter().find_map(|(k, v)| {
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
            out.push_str(node.name);
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

/// The quick-xml event reader this module used before its own parser, kept to check that both
/// read every document alike (`the_parser_agrees_with_quick_xml`).
#[cfg(test)]
mod reference {
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// An element in a comparable form: name, attributes, text, parent index.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Flat {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub text: String,
        pub parent: Option<usize>,
    }

    /// The elements of a document, in document order, or why quick-xml refused it.
    pub(super) fn parse(text: &str) -> Result<Vec<Flat>, String> {
        let mut reader = Reader::from_str(text);
        let mut nodes: Vec<Flat> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut root_closed = false;
        loop {
            let event = reader.read_event().map_err(|e| e.to_string())?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    if root_closed {
                        return Err("second root".into());
                    }
                    let mut attrs = Vec::new();
                    for attr in e.attributes() {
                        let attr = attr.map_err(|err| err.to_string())?;
                        let value =
                            attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
                        attrs.push((attr.key.as_ref().to_owned(), value.into_owned()));
                    }
                    nodes.push(Flat {
                        name: e.name().as_ref().to_owned(),
                        attrs,
                        text: String::new(),
                        parent: stack.last().copied(),
                    });
                    if matches!(event, Event::Start(_)) {
                        stack.push(nodes.len() - 1);
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
                            if !(nodes[id].text.is_empty() && content.trim().is_empty()) {
                                nodes[id].text.push_str(&content);
                            }
                        }
                        None if content.trim().is_empty() => {}
                        None => return Err("text outside the root".into()),
                    }
                }
                Event::CData(t) => {
                    if let Some(&id) = stack.last() {
                        nodes[id].text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        r.resolve_char_ref().map_err(|e| e.to_string())?.ok_or("no char")?
                    } else {
                        match &*r.xml10_content() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            _ => return Err("entity".into()),
                        }
                    };
                    let id = *stack.last().ok_or("reference outside the root")?;
                    nodes[id].text.push(c);
                }
                Event::DocType(_) => return Err("doctype".into()),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !stack.is_empty() {
            return Err("unclosed".into());
        }
        if nodes.is_empty() {
            return Err("no root".into());
        }
        Ok(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(t: &Tree<'_>) -> Vec<reference::Flat> {
        t.nodes
            .iter()
            .map(|n| reference::Flat {
                name: n.name.to_owned(),
                attrs: attributes_of(t, n).iter().map(|(k, v)| ((*k).to_owned(), v.to_string())).collect(),
                text: n.text.to_string(),
                parent: (n.parent != NONE).then_some(n.parent as usize),
            })
            .collect()
    }

    /// Every XML document of the corpus (invoices, those embedded in the PDFs, bank statements,
    /// lifecycle messages), as is and mutated many times over (seeded), is accepted or refused
    /// alike by this parser and by quick-xml, and when accepted gives the same elements,
    /// attributes and text.
    #[test]
    fn the_parser_agrees_with_quick_xml() {
        let corpus = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus"));
        let mut documents: Vec<(String, String)> = Vec::new();
        for folder in ["cii", "ubl", "bank", "lifecycle", "facturx"] {
            let dir = corpus.join(folder);
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("the corpus is missing at {}: {e}", dir.display()))
                .map(|e| e.expect("a directory entry").path())
                .collect();
            paths.sort();
            for path in paths {
                let bytes = std::fs::read(&path).expect("a corpus file");
                let xml = if folder == "facturx" {
                    match crate::einvoice::embedded_xml("x.pdf", &bytes) {
                        Ok(e) => e.bytes,
                        Err(_) => continue,
                    }
                } else {
                    bytes
                };
                if let Ok(d) = decode(&xml) {
                    documents.push((path.display().to_string(), d.text.into_owned()));
                }
            }
        }
        assert!(documents.len() >= 140, "the corpus gives {} XML documents", documents.len());
        // Bytes that matter to the grammar, to mutate with.
        const MARKUP: &[u8] = b"<>&;/=\"'?!-[]\r\n \tx#:";
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut compared, mut disagreements) = (0, Vec::new());
        for (name, text) in &documents {
            for round in 0..25 {
                let mut bytes = text.clone().into_bytes();
                if round > 0 && !bytes.is_empty() {
                    for _ in 0..=(next() % 3) {
                        let at = (next() as usize) % bytes.len();
                        let b = MARKUP[(next() as usize) % MARKUP.len()];
                        match next() % 4 {
                            0 => bytes[at] = b,
                            1 => bytes.insert(at, b),
                            2 => {
                                bytes.remove(at);
                            }
                            _ => bytes.truncate(at),
                        }
                        if bytes.is_empty() {
                            break;
                        }
                    }
                }
                let Ok(mut mutant) = String::from_utf8(bytes) else { continue };
                // Non-ASCII text too: white space that only Unicode calls so, accents.
                if round % 3 == 1 && !mutant.is_empty() {
                    let mut at = (next() as usize) % mutant.len();
                    while !mutant.is_char_boundary(at) {
                        at -= 1;
                    }
                    mutant.insert(at, ['\u{a0}', '\u{2028}', 'é', '\u{3000}'][(next() as usize) % 4]);
                }
                compared += 1;
                let ours = Tree::parse(&mutant).map(|t| flat(&t));
                let theirs = reference::parse(&mutant);
                match (&ours, &theirs) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (Err(_), Err(_)) => {}
                    _ => disagreements.push(format!(
                        "{name} round {round}: ours {:?} / quick-xml {:?}",
                        ours.as_ref().map(|t| t.len()),
                        theirs.as_ref().map(|t| t.len())
                    )),
                }
            }
        }
        assert!(
            disagreements.is_empty(),
            "{} of {compared} documents read differently:\n{}",
            disagreements.len(),
            disagreements.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
        );
    }

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
