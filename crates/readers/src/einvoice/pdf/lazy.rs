//! A lazy PDF reader: the cross-reference data, then only the objects asked for.
//!
//! Why: a Factur-X PDF carries fonts, images and page content that the invoice does not need;
//! loading every object (what `lopdf::Document::load_mem` does) costs far more than following
//! catalog → names → file spec → embedded stream. This reader parses the PDF object syntax itself
//! into `lopdf::Object` values, reuses lopdf for stream filters and object streams, and gives up
//! (returns an error) on anything unusual: encrypted files, damaged cross-reference data, an object
//! that is not where the table says. The caller then falls back to lopdf's full, repairing load.
//!
//! Every loop is bounded: nesting depth, `/Prev` chain length, reference chains, stream lengths.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use lopdf::{Dictionary, Object, ObjectId, ObjectStream, Stream, StringFormat};

/// Deepest nesting of arrays and dictionaries accepted.
const MAX_DEPTH: usize = crate::limits::MAX_PDF_OBJECT_DEPTH;
/// Longest `/Prev` chain followed.
const MAX_XREF_SECTIONS: usize = crate::limits::MAX_PDF_XREF_SECTIONS;
/// Most bytes a stream may decompress to.
const MAX_STREAM_BYTES: usize = crate::limits::MAX_PDF_STREAM_BYTES;
/// Longest chain of references followed to reach a value.
const MAX_REFERENCE_CHAIN: usize = crate::limits::MAX_PDF_REFERENCE_CHAIN;
/// Most objects accepted in the cross-reference data (a 50 MB file holds fewer).
const MAX_OBJECTS: u64 = 8_000_000;

/// Why the lazy reader gave up; the caller falls back to the full load. The reason is for
/// whoever debugs a fallback (`{:?}`).
#[derive(Debug)]
pub(crate) struct GiveUp(#[allow(dead_code)] pub &'static str);

type Result<T> = std::result::Result<T, GiveUp>;

/// A PDF object that borrows from the file where it can: names, strings without escapes and
/// stream contents are slices of the file, so reading the few objects an invoice needs allocates
/// little (lopdf's objects own every name and hash every dictionary key).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Obj<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Real(f32),
    /// A name, `#xx` escapes resolved.
    Name(Cow<'a, [u8]>),
    /// A string, escapes resolved, with the way it was written.
    Str(Cow<'a, [u8]>, StringFormat),
    Array(Vec<Obj<'a>>),
    Dict(Dict<'a>),
    Ref(ObjectId),
    /// A stream: its dictionary and its raw (still encoded) content.
    Stream(Dict<'a>, Cow<'a, [u8]>),
}

/// A dictionary: its entries in the order written. A key written twice keeps its last value,
/// as in lopdf.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Dict<'a>(pub Vec<(Cow<'a, [u8]>, Obj<'a>)>);

impl<'a> Dict<'a> {
    /// The value of a key.
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Obj<'a>> {
        self.0.iter().rev().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v)
    }

    fn set(&mut self, key: Cow<'a, [u8]>, value: Obj<'a>) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// `/Type` is this name.
    pub(crate) fn has_type(&self, name: &[u8]) -> bool {
        matches!(self.get(b"Type"), Some(Obj::Name(n)) if n.as_ref() == name)
    }

    /// The same dictionary as lopdf writes it.
    pub(crate) fn to_lopdf(&self) -> Dictionary {
        let mut d = Dictionary::new();
        for (k, v) in &self.0 {
            d.set(k.as_ref(), v.to_lopdf());
        }
        d
    }

    /// A dictionary owning its data.
    pub(crate) fn from_lopdf(d: &Dictionary) -> Dict<'static> {
        Dict(d.iter().map(|(k, v)| (Cow::Owned(k.clone()), Obj::from_lopdf(v))).collect())
    }
}

impl<'a> Obj<'a> {
    /// An integer.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Obj::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// A reference.
    pub(crate) fn as_ref_id(&self) -> Option<ObjectId> {
        match self {
            Obj::Ref(id) => Some(*id),
            _ => None,
        }
    }

    /// The same object as lopdf writes it (streams keep their raw content).
    pub(crate) fn to_lopdf(&self) -> Object {
        match self {
            Obj::Null => Object::Null,
            Obj::Bool(b) => Object::Boolean(*b),
            Obj::Int(i) => Object::Integer(*i),
            Obj::Real(r) => Object::Real(*r),
            Obj::Name(n) => Object::Name(n.to_vec()),
            Obj::Str(s, f) => Object::String(s.to_vec(), *f),
            Obj::Array(a) => Object::Array(a.iter().map(Obj::to_lopdf).collect()),
            Obj::Dict(d) => Object::Dictionary(d.to_lopdf()),
            Obj::Ref(id) => Object::Reference(*id),
            Obj::Stream(d, content) => Object::Stream(raw_stream(d, content)),
        }
    }

    /// An object owning its data, from lopdf's.
    pub(crate) fn from_lopdf(o: &Object) -> Obj<'static> {
        match o {
            Object::Null => Obj::Null,
            Object::Boolean(b) => Obj::Bool(*b),
            Object::Integer(i) => Obj::Int(*i),
            Object::Real(r) => Obj::Real(*r),
            Object::Name(n) => Obj::Name(Cow::Owned(n.clone())),
            Object::String(s, f) => Obj::Str(Cow::Owned(s.clone()), *f),
            Object::Array(a) => Obj::Array(a.iter().map(Obj::from_lopdf).collect()),
            Object::Dictionary(d) => Obj::Dict(Dict::from_lopdf(d)),
            Object::Reference(id) => Obj::Ref(*id),
            Object::Stream(s) => Obj::Stream(Dict::from_lopdf(&s.dict), Cow::Owned(s.content.clone())),
        }
    }
}

/// A lopdf stream with this dictionary and raw content, for lopdf to decode.
fn raw_stream(dict: &Dict<'_>, content: &[u8]) -> Stream {
    let mut stream = Stream::new(dict.to_lopdf(), content.to_vec());
    stream.allows_compression = false;
    stream
}

/// The decoded content of a stream (lopdf's filters), at most `limit` bytes. A stream without
/// filter is its raw content, borrowed.
pub(crate) fn stream_content<'c>(
    dict: &Dict<'_>,
    content: &'c [u8],
    limit: usize,
) -> std::result::Result<Cow<'c, [u8]>, String> {
    if dict.get(b"Filter").is_none() {
        if content.len() > limit {
            return Err(format!("the stream holds {} bytes, more than the {limit} accepted", content.len()));
        }
        return Ok(Cow::Borrowed(content));
    }
    raw_stream(dict, content).decompressed_content_with_limit(limit).map(Cow::Owned).map_err(|e| describe_decode(&e))
}

/// lopdf says only "couldn't decompress stream" for every decoding failure; the user is told the
/// one that matters most, a stream that decompresses past the limit (a decompression bomb).
fn describe_decode(e: &lopdf::Error) -> String {
    match e {
        lopdf::Error::Decompress(inner) => {
            match inner {
                lopdf::DecompressError::MemoryLimitExceeded { limit } => {
                    format!("it decompresses to more than the {limit} bytes accepted for one stream (a decompression bomb?)")
                }
                other => format!("it cannot be decompressed: {other}"),
            }
        }
        other => other.to_string(),
    }
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    /// Byte offset of `N G obj`, and the generation.
    Offset(usize, u16),
    /// Inside the object stream `container`.
    InStream(u32),
}

/// Object numbers below this are looked up in a vector; larger ones (never seen in invoices, but a
/// hostile file may declare them) in a map, so no declaration can make the vector huge.
const DENSE_IDS: u32 = 1 << 16;

/// Where each object is, newest cross-reference section first.
#[derive(Default)]
struct Entries {
    dense: Vec<Option<Entry>>,
    sparse: HashMap<u32, Entry>,
}

impl Entries {
    fn get(&self, id: u32) -> Option<Entry> {
        if id < DENSE_IDS {
            self.dense.get(id as usize).copied().flatten()
        } else {
            self.sparse.get(&id).copied()
        }
    }

    /// Records an entry unless a newer section already gave one.
    fn add_if_absent(&mut self, id: u32, entry: Entry) {
        if id < DENSE_IDS {
            let i = id as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, None);
            }
            if self.dense[i].is_none() {
                self.dense[i] = Some(entry);
            }
        } else {
            self.sparse.entry(id).or_insert(entry);
        }
    }
}

/// A PDF opened lazily.
pub(crate) struct LazyPdf<'a> {
    data: &'a [u8],
    /// The version from the header (`1.7`).
    pub version: String,
    entries: Entries,
    trailer: Dict<'a>,
    object_streams: RefCell<HashMap<u32, Rc<ObjectStream>>>,
    /// An object asked for could not be read: what was found may be incomplete.
    failed: Cell<bool>,
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0C' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

/// A cursor over the bytes of the file.
struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn at(data: &'a [u8], pos: usize) -> Parser<'a> {
        Parser { data, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// Skips white space and comments.
    fn skip(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A keyword or number token (regular characters up to a delimiter or white space).
    fn token(&mut self) -> &'a [u8] {
        self.skip();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    fn expect_keyword(&mut self, word: &[u8]) -> Result<()> {
        if self.token() == word {
            Ok(())
        } else {
            Err(GiveUp("a keyword is missing"))
        }
    }

    fn unsigned(&mut self) -> Result<u64> {
        let t = self.token();
        if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
            return Err(GiveUp("a number was expected"));
        }
        std::str::from_utf8(t).ok().and_then(|s| s.parse().ok()).ok_or(GiveUp("a number was expected"))
    }

    /// One direct object, or a reference `N G R`.
    fn object(&mut self, depth: usize) -> Result<Obj<'a>> {
        if depth > MAX_DEPTH {
            return Err(GiveUp("objects are nested too deeply"));
        }
        self.skip();
        match self.peek().ok_or(GiveUp("the file ends inside an object"))? {
            b'<' if self.rest().starts_with(b"<<") => {
                self.pos += 2;
                self.dictionary(depth).map(Obj::Dict)
            }
            b'<' => self.hex_string(),
            b'(' => self.literal_string(),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Obj::Array(items));
                        }
                        Some(_) => items.push(self.object(depth + 1)?),
                        None => return Err(GiveUp("an array is not closed")),
                    }
                }
            }
            b'/' => self.name().map(Obj::Name),
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_reference(),
            _ => match self.token() {
                b"true" => Ok(Obj::Bool(true)),
                b"false" => Ok(Obj::Bool(false)),
                b"null" => Ok(Obj::Null),
                _ => Err(GiveUp("an unknown token")),
            },
        }
    }

    /// After `<<`.
    fn dictionary(&mut self, depth: usize) -> Result<Dict<'a>> {
        let mut dict = Dict::default();
        loop {
            self.skip();
            if self.rest().starts_with(b">>") {
                self.pos += 2;
                return Ok(dict);
            }
            if self.peek() != Some(b'/') {
                return Err(GiveUp("a dictionary key is not a name"));
            }
            let key = self.name()?;
            let value = self.object(depth + 1)?;
            dict.set(key, value);
        }
    }

    /// At `/`.
    fn name(&mut self) -> Result<Cow<'a, [u8]>> {
        self.pos += 1;
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delimiter(b) {
                break;
            }
            self.pos += 1;
        }
        let raw = &self.data[start..self.pos];
        if !raw.contains(&b'#') {
            return Ok(Cow::Borrowed(raw));
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while let Some(&b) = raw.get(i) {
            i += 1;
            if b == b'#' {
                let hex = raw.get(i..i + 2).ok_or(GiveUp("a bad name escape"))?;
                let value = std::str::from_utf8(hex).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(value.ok_or(GiveUp("a bad name escape"))?);
                i += 2;
            } else {
                out.push(b);
            }
        }
        Ok(Cow::Owned(out))
    }

    /// At `<` (not `<<`).
    fn hex_string(&mut self) -> Result<Obj<'a>> {
        self.pos += 1;
        let mut digits = Vec::new();
        loop {
            let b = self.peek().ok_or(GiveUp("a hex string is not closed"))?;
            self.pos += 1;
            match b {
                b'>' => break,
                b if is_white(b) => {}
                b if b.is_ascii_hexdigit() => digits.push(b),
                _ => return Err(GiveUp("a bad hex string")),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(b'0');
        }
        let bytes = digits
            .chunks(2)
            .map(|pair| {
                let hi = char::from(pair[0]).to_digit(16).unwrap_or(0);
                let lo = char::from(pair[1]).to_digit(16).unwrap_or(0);
                u8::try_from(hi * 16 + lo).unwrap_or(0)
            })
            .collect();
        Ok(Obj::Str(Cow::Owned(bytes), StringFormat::Hexadecimal))
    }

    /// At `(`.
    fn literal_string(&mut self) -> Result<Obj<'a>> {
        self.pos += 1;
        // Without escapes the string is the bytes between its parentheses.
        let start = self.pos;
        let mut nesting = 0usize;
        let mut i = start;
        while let Some(&b) = self.data.get(i) {
            match b {
                b'\\' => break,
                b'(' => nesting += 1,
                b')' if nesting == 0 => {
                    self.pos = i + 1;
                    return Ok(Obj::Str(Cow::Borrowed(&self.data[start..i]), StringFormat::Literal));
                }
                b')' => nesting -= 1,
                _ => {}
            }
            i += 1;
        }
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            let b = self.peek().ok_or(GiveUp("a string is not closed"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' if nesting == 0 => break,
                b')' => {
                    nesting -= 1;
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek().ok_or(GiveUp("a string is not closed"))?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(u8::try_from(value & 0xFF).unwrap_or(0));
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        Ok(Obj::Str(Cow::Owned(out), StringFormat::Literal))
    }

    fn number_or_reference(&mut self) -> Result<Obj<'a>> {
        let start = self.pos;
        let t = self.token();
        let text = std::str::from_utf8(t).map_err(|_| GiveUp("a bad number"))?;
        if let Ok(n) = text.parse::<i64>() {
            // `N G R`: look ahead without consuming unless it is a reference.
            if n >= 0 {
                let save = self.pos;
                let generation = self.token();
                if !generation.is_empty() && generation.iter().all(u8::is_ascii_digit) && self.token() == b"R" {
                    let id = u32::try_from(n).map_err(|_| GiveUp("an object number out of range"))?;
                    let generation = std::str::from_utf8(generation).ok().and_then(|g| g.parse::<u16>().ok());
                    return Ok(Obj::Ref((id, generation.ok_or(GiveUp("a bad generation"))?)));
                }
                self.pos = save;
            }
            return Ok(Obj::Int(n));
        }
        // Reals: PDF writes no exponent; a lone sign or dot is not a number.
        let valid = text.bytes().filter(|b| *b == b'.').count() <= 1
            && text.bytes().skip(1).all(|b| b.is_ascii_digit() || b == b'.')
            && text.bytes().any(|b| b.is_ascii_digit());
        match text.parse::<f32>() {
            Ok(r) if valid => Ok(Obj::Real(r)),
            _ => {
                self.pos = start;
                Err(GiveUp("a bad number"))
            }
        }
    }
}

/// A fixed-width cross-reference table entry at the start of `rest` (`oooooooooo ggggg n`,
/// followed by white space): offset, generation, kind. `None` when it is written otherwise (the
/// tokenizer then reads it).
fn table_entry(rest: &[u8]) -> Option<(u64, u64, &[u8])> {
    let e = rest.get(..18)?;
    let digits =
        |d: &[u8]| d.iter().try_fold(0u64, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0')));
    if e[10] != b' ' || e[16] != b' ' || !matches!(e[17], b'n' | b'f') {
        return None;
    }
    if !rest.get(18).is_none_or(|b| is_white(*b)) {
        return None;
    }
    Some((digits(&e[..10])?, digits(&e[11..16])?, &e[17..18]))
}

impl<'a> LazyPdf<'a> {
    /// Reads the header, the cross-reference data and the trailer.
    pub(crate) fn open(bytes: &'a [u8]) -> Result<LazyPdf<'a>> {
        let start = bytes.windows(5).take(1024).position(|w| w == b"%PDF-").ok_or(GiveUp("no PDF header"))?;
        let data = &bytes[start..];
        let version: String = data[5..]
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .map(|b| char::from(*b))
            .collect();
        let mut pdf = LazyPdf {
            data,
            version,
            entries: Entries::default(),
            trailer: Dict::default(),
            object_streams: RefCell::new(HashMap::new()),
            failed: Cell::new(false),
        };
        let mut offset = pdf.startxref()?;
        let mut seen = HashSet::new();
        let mut first = true;
        while seen.insert(offset) {
            if seen.len() > MAX_XREF_SECTIONS {
                return Err(GiveUp("too many cross-reference sections"));
            }
            let trailer = pdf.xref_section(offset)?;
            // A hybrid file: the table's entries, then its cross-reference stream's.
            if let Some(stream_at) = trailer.get(b"XRefStm").and_then(Obj::as_i64) {
                let at = usize::try_from(stream_at).map_err(|_| GiveUp("a bad /XRefStm"))?;
                pdf.xref_section(at)?;
            }
            let prev = trailer.get(b"Prev").and_then(Obj::as_i64);
            if first {
                pdf.trailer = trailer;
                first = false;
            }
            match prev {
                Some(p) => offset = usize::try_from(p).map_err(|_| GiveUp("a bad /Prev"))?,
                None => break,
            }
        }
        if pdf.trailer.get(b"Encrypt").is_some() {
            return Err(GiveUp("the file is encrypted"));
        }
        Ok(pdf)
    }

    /// The offset written after the last `startxref`.
    fn startxref(&self) -> Result<usize> {
        let tail_start = self.data.len().saturating_sub(2048);
        let tail = &self.data[tail_start..];
        let at = tail.windows(9).rposition(|w| w == b"startxref").ok_or(GiveUp("no startxref"))?;
        let mut p = Parser::at(self.data, tail_start + at + 9);
        let offset = p.unsigned()?;
        usize::try_from(offset).ok().filter(|o| *o < self.data.len()).ok_or(GiveUp("startxref points outside the file"))
    }

    /// Reads one cross-reference section (table or stream) at `offset`; entries already known
    /// (from a newer section) are kept. Returns the section's trailer dictionary.
    fn xref_section(&mut self, offset: usize) -> Result<Dict<'a>> {
        let mut p = Parser::at(self.data, offset);
        p.skip();
        if p.rest().starts_with(b"xref") {
            p.pos += 4;
            loop {
                p.skip();
                if p.rest().starts_with(b"trailer") {
                    p.pos += 7;
                    p.skip();
                    if !p.rest().starts_with(b"<<") {
                        return Err(GiveUp("the trailer is not a dictionary"));
                    }
                    p.pos += 2;
                    return p.dictionary(0);
                }
                let first = p.unsigned()?;
                let count = p.unsigned()?;
                if first.saturating_add(count) > MAX_OBJECTS {
                    return Err(GiveUp("too many objects"));
                }
                for i in 0..count {
                    p.skip();
                    let (offset, generation, kind) = match table_entry(p.rest()) {
                        // The usual fixed-width entry `oooooooooo ggggg n`.
                        Some(entry) => {
                            p.pos += 18;
                            entry
                        }
                        None => {
                            let offset = p.unsigned()?;
                            let generation = p.unsigned()?;
                            (offset, generation, p.token())
                        }
                    };
                    let id = u32::try_from(first + i).map_err(|_| GiveUp("an object number out of range"))?;
                    if kind == b"n" && offset > 0 {
                        let offset = usize::try_from(offset).map_err(|_| GiveUp("a bad offset"))?;
                        let generation = u16::try_from(generation).map_err(|_| GiveUp("a bad generation"))?;
                        self.entries.add_if_absent(id, Entry::Offset(offset, generation));
                    } else if kind != b"f" && kind != b"n" {
                        return Err(GiveUp("a bad cross-reference entry"));
                    }
                }
            }
        }
        // A cross-reference stream.
        let (_, object) = self.indirect_at(offset, 0)?;
        let Obj::Stream(dict, raw) = object else { return Err(GiveUp("the cross-reference is not a stream")) };
        if !dict.has_type(b"XRef") {
            return Err(GiveUp("the cross-reference stream has no /Type /XRef"));
        }
        let content = stream_content(&dict, &raw, MAX_STREAM_BYTES)
            .map_err(|_| GiveUp("the cross-reference stream cannot be decoded"))?;
        let Some(Obj::Array(widths)) = dict.get(b"W") else { return Err(GiveUp("no /W")) };
        let widths: Vec<usize> = widths
            .iter()
            .map(|w| w.as_i64().and_then(|w| usize::try_from(w).ok()).filter(|w| *w <= 8))
            .collect::<Option<Vec<_>>>()
            .ok_or(GiveUp("a bad /W"))?;
        let [w1, w2, w3] = widths[..] else { return Err(GiveUp("a bad /W")) };
        let row = w1 + w2 + w3;
        if row == 0 {
            return Err(GiveUp("a bad /W"));
        }
        let size = dict.get(b"Size").and_then(Obj::as_i64).ok_or(GiveUp("no /Size"))?;
        let index: Vec<i64> = match dict.get(b"Index") {
            Some(Obj::Array(a)) => a.iter().map(|i| i.as_i64().ok_or(GiveUp("a bad /Index"))).collect::<Result<_>>()?,
            _ => vec![0, size],
        };
        let field = |bytes: &[u8]| bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut rows = content.chunks_exact(row);
        for pair in index.chunks(2) {
            let [first, count] = *pair else { break };
            let (Ok(first), Ok(count)) = (u64::try_from(first), u64::try_from(count)) else {
                return Err(GiveUp("a bad /Index"));
            };
            if first.saturating_add(count) > MAX_OBJECTS {
                return Err(GiveUp("too many objects"));
            }
            for i in 0..count {
                let Some(r) = rows.next() else { break };
                let kind = if w1 == 0 { 1 } else { field(&r[..w1]) };
                let f2 = field(&r[w1..w1 + w2]);
                let f3 = field(&r[w1 + w2..]);
                let id = u32::try_from(first + i).map_err(|_| GiveUp("an object number out of range"))?;
                let entry = match kind {
                    1 => Entry::Offset(
                        usize::try_from(f2).map_err(|_| GiveUp("a bad offset"))?,
                        u16::try_from(f3).map_err(|_| GiveUp("a bad generation"))?,
                    ),
                    2 => Entry::InStream(u32::try_from(f2).map_err(|_| GiveUp("a bad container"))?),
                    _ => continue,
                };
                self.entries.add_if_absent(id, entry);
            }
        }
        Ok(dict)
    }

    /// The indirect object `N G obj … endobj` at `offset` (a stream included).
    fn indirect_at(&self, offset: usize, depth: usize) -> Result<(ObjectId, Obj<'a>)> {
        if offset >= self.data.len() {
            return Err(GiveUp("an offset points outside the file"));
        }
        let mut p = Parser::at(self.data, offset);
        let id = u32::try_from(p.unsigned()?).map_err(|_| GiveUp("a bad object number"))?;
        let generation = u16::try_from(p.unsigned()?).map_err(|_| GiveUp("a bad generation"))?;
        p.expect_keyword(b"obj")?;
        let object = p.object(0)?;
        let Obj::Dict(dict) = object else { return Ok(((id, generation), object)) };
        if p.token() != b"stream" {
            return Ok(((id, generation), Obj::Dict(dict)));
        }
        // The data starts after the end of line that follows `stream`.
        if p.rest().starts_with(b"\r\n") {
            p.pos += 2;
        } else if p.rest().starts_with(b"\n") || p.rest().starts_with(b"\r") {
            p.pos += 1;
        }
        let start = p.pos;
        let declared = match dict.get(b"Length") {
            Some(Obj::Int(n)) => usize::try_from(*n).ok(),
            Some(Obj::Ref(r)) if depth < MAX_REFERENCE_CHAIN => {
                self.get_at_depth(*r, depth + 1).ok().and_then(|o| o.as_i64()).and_then(|n| usize::try_from(n).ok())
            }
            _ => None,
        };
        let ends_well = |len: usize| {
            let end = start.checked_add(len)?;
            let after = self.data.get(end..)?;
            let mut q = Parser::at(after, 0);
            q.skip();
            q.rest().starts_with(b"endstream").then_some(end)
        };
        let end = match declared.and_then(ends_well) {
            Some(end) => end,
            None => return Err(GiveUp("a stream's /Length does not end at endstream")),
        };
        Ok(((id, generation), Obj::Stream(dict, Cow::Borrowed(&self.data[start..end]))))
    }

    /// The object with this id, parsed on demand.
    pub(crate) fn get(&self, id: ObjectId) -> Result<Obj<'a>> {
        let result = self.get_at_depth(id, 0);
        if result.is_err() {
            self.failed.set(true);
        }
        result
    }

    /// Some object asked for could not be read.
    pub(crate) fn had_failures(&self) -> bool {
        self.failed.get()
    }

    fn get_at_depth(&self, id: ObjectId, depth: usize) -> Result<Obj<'a>> {
        if depth > MAX_REFERENCE_CHAIN {
            return Err(GiveUp("references nest too deeply"));
        }
        match self.entries.get(id.0) {
            None => Err(GiveUp("an object is missing from the cross-reference data")),
            Some(Entry::Offset(offset, generation)) => {
                let (found, object) = self.indirect_at(offset, depth)?;
                if found != (id.0, generation) {
                    return Err(GiveUp("an object is not where the cross-reference data says"));
                }
                Ok(object)
            }
            Some(Entry::InStream(container)) => {
                let cached = self.object_streams.borrow().get(&container).cloned();
                let objects = match cached {
                    Some(o) => o,
                    None => {
                        let Obj::Stream(dict, raw) = self.get_at_depth((container, 0), depth + 1)? else {
                            return Err(GiveUp("an object stream is not a stream"));
                        };
                        let parsed = ObjectStream::new_with_limit(&raw_stream(&dict, &raw), Some(MAX_STREAM_BYTES))
                            .map_err(|_| GiveUp("an object stream cannot be read"))?;
                        let parsed = Rc::new(parsed);
                        self.object_streams.borrow_mut().insert(container, Rc::clone(&parsed));
                        parsed
                    }
                };
                objects
                    .objects
                    .get(&(id.0, 0))
                    .map(Obj::from_lopdf)
                    .ok_or(GiveUp("an object is missing from its object stream"))
            }
        }
    }

    /// The document catalog.
    pub(crate) fn catalog(&self) -> Result<Dict<'a>> {
        let root = self.trailer.get(b"Root").and_then(Obj::as_ref_id).ok_or(GiveUp("no /Root"))?;
        match self.get(root)? {
            Obj::Dict(d) => Ok(d),
            _ => Err(GiveUp("the catalog is not a dictionary")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Object> {
        Parser::at(s.as_bytes(), 0).object(0).map(|o| o.to_lopdf())
    }

    #[test]
    fn objects() {
        assert_eq!(parse("12 0 R").unwrap(), Object::Reference((12, 0)));
        assert_eq!(parse("12 0 obj").unwrap(), Object::Integer(12), "not a reference");
        assert_eq!(parse("-3.5").unwrap(), Object::Real(-3.5));
        assert_eq!(parse("/F#20x").unwrap(), Object::Name(b"F x".to_vec()));
        assert_eq!(parse("/Plain").unwrap(), Object::Name(b"Plain".to_vec()));
        assert_eq!(parse("(a\\(b\\)\\101(c))").unwrap(), Object::String(b"a(b)A(c)".to_vec(), StringFormat::Literal));
        assert_eq!(parse("(a(b)c)").unwrap(), Object::String(b"a(b)c".to_vec(), StringFormat::Literal), "balanced");
        assert_eq!(parse("<48 65 6C6C 6F>").unwrap(), Object::String(b"Hello".to_vec(), StringFormat::Hexadecimal));
        let d = parse("<< /Type /Filespec /F (factur-x.xml) /EF << /F 5 0 R >> /K [1 2 3] % comment\n>>").unwrap();
        let d = d.as_dict().unwrap();
        assert_eq!(d.get(b"F").unwrap().as_str().unwrap(), b"factur-x.xml");
        assert_eq!(d.get(b"EF").unwrap().as_dict().unwrap().get(b"F").unwrap(), &Object::Reference((5, 0)));
        let twice = Parser::at(b"<< /A 1 /B 2 /A 3 >>", 0).object(0).unwrap();
        let Obj::Dict(twice) = twice else { panic!("a dictionary") };
        assert_eq!(twice.get(b"A"), Some(&Obj::Int(3)), "the last value of a repeated key, as lopdf keeps it");
        assert_eq!(twice.0.len(), 2);
        for bad in ["", "<<", "[1 2", "(open", "(open\\)", "<4G>", "/N#Z", "+", ".", "-.", "1.2.3", "@"] {
            assert!(parse(bad).is_err(), "{bad:?} is not an object");
        }
        assert!(parse(&"[".repeat(MAX_DEPTH + 2)).is_err(), "nesting is bounded");
    }

    #[test]
    fn lopdf_round_trip() {
        let text = "<< /N /F#20x /S (s\\)) /H <00FF> /A [1 2.5 true null 3 0 R] /D << /K /V >> >>";
        let o = Parser::at(text.as_bytes(), 0).object(0).unwrap();
        assert_eq!(Obj::from_lopdf(&o.to_lopdf()), o, "nothing lost either way");
    }

    #[test]
    fn fixed_width_table_entries() {
        assert_eq!(table_entry(b"0000012345 00002 n \r"), Some((12345, 2, &b"n"[..])));
        assert_eq!(table_entry(b"0000000000 65535 f"), Some((0, 65535, &b"f"[..])), "at the end of the data");
        assert_eq!(table_entry(b"12345 0 n\n0000000000 65535 f"), None, "a short entry is left to the tokenizer");
        assert_eq!(table_entry(b"00000123x5 00000 n \n"), None);
        assert_eq!(table_entry(b"0000012345 00000 nx"), None);
    }

    #[test]
    fn a_small_file_with_a_table() {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        let o1 = pdf.len();
        pdf.extend_from_slice(b"1 0 obj << /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >> endobj\n");
        let o2 = pdf.len();
        pdf.extend_from_slice(b"2 0 obj << /Names [(a.xml) 3 0 R] >> endobj\n");
        let o3 = pdf.len();
        pdf.extend_from_slice(b"3 0 obj << /Length 5 >>\nstream\nhello\nendstream\nendobj\n");
        let xref = pdf.len();
        // Entries written both ways: fixed width, and shorter (read by the tokenizer).
        pdf.extend_from_slice(format!("xref\n0 4\n0000000000 65535 f \n{o1:010} 00000 n \n{o2} 0 n\n{o3:010} 00000 n \ntrailer << /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        let lazy = LazyPdf::open(&pdf).unwrap();
        assert_eq!(lazy.version, "1.4");
        assert!(lazy.catalog().unwrap().has_type(b"Catalog"));
        assert!(matches!(lazy.get((2, 0)), Ok(Obj::Dict(_))), "the shorter entry is read too");
        let Obj::Stream(_, content) = lazy.get((3, 0)).unwrap() else { panic!("object 3 is a stream") };
        assert_eq!(content.as_ref(), b"hello");
        assert!(lazy.get((9, 0)).is_err(), "an unknown object");
        // A wrong offset is noticed, not followed.
        let broken = String::from_utf8_lossy(&pdf)
            .replace(&format!("{o1:010} 00000 n"), &format!("{o3:010} 00000 n"))
            .into_bytes();
        let lazy = LazyPdf::open(&broken).unwrap();
        assert!(lazy.get((1, 0)).is_err(), "object 3 found where 1 was expected");
    }

    #[test]
    fn large_object_numbers_are_kept_apart() {
        let mut e = Entries::default();
        e.add_if_absent(3, Entry::InStream(7));
        e.add_if_absent(3, Entry::InStream(8));
        e.add_if_absent(7_999_999, Entry::InStream(9));
        assert!(matches!(e.get(3), Some(Entry::InStream(7))), "the newest section wins");
        assert!(matches!(e.get(7_999_999), Some(Entry::InStream(9))));
        assert!(e.dense.len() <= 4, "a huge object number does not grow the vector");
        assert!(e.get(4).is_none() && e.get(70_000).is_none());
    }
}
