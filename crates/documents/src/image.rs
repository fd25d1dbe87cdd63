//! Logos and QR codes made into PDF image XObjects (`pdf.rs` hands them to printpdf as external
//! image streams, already encoded: printpdf's own image path would decode and re-encode them for
//! every document).
//!
//! A JPEG goes in as it is (`/DCTDecode`: the PDF reader decodes it); a PNG is decoded (the `png`
//! crate) to 8-bit grey or RGB samples, compressed once, with its alpha channel as a soft mask.
//! The last logo decoded is kept (a batch of letters has one company, one logo): decoding a PNG
//! per letter would cost more than setting the letter.

use std::sync::{Arc, Mutex};

use crate::DocumentError;

/// How the samples are stored.
#[derive(Debug)]
pub(crate) enum Encoding {
    /// JPEG bytes, `/DCTDecode`.
    Dct,
    /// zlib-compressed samples, `/FlateDecode`.
    Flate,
}

/// An image ready for a PDF.
#[derive(Debug)]
pub(crate) struct Image {
    pub width: u32,
    pub height: u32,
    /// 1 (grey), 3 (RGB) or 4 (CMYK JPEG).
    pub components: u8,
    /// Bits per sample: 8, or 1 for a QR code.
    pub bits: u8,
    pub encoding: Encoding,
    pub data: Vec<u8>,
    /// The alpha channel, zlib-compressed 8-bit grey samples.
    pub smask: Option<Vec<u8>>,
}

/// Pixels a QR module is drawn with. The image is drawn without interpolation (`pdf.rs`), but
/// poppler smooths an image enlarged less than four times whatever the flag says: with one pixel
/// a module, a 26 mm code rendered at 150 dpi came out blurred. With four, each module keeps a
/// sharp square core at screen and print resolutions (at most a pixel of soft edge), and the
/// image stays under 1 KB compressed.
const QR_PIXELS: usize = 4;

impl Image {
    /// A QR code's modules as a one-bit grey image (dark = 0, black), [`QR_PIXELS`] pixels a
    /// module.
    pub(crate) fn qr(modules: &[Vec<bool>]) -> Image {
        let height = modules.len() * QR_PIXELS;
        let width = modules.iter().map(Vec::len).max().unwrap_or(0) * QR_PIXELS;
        // Rows are padded to whole bytes (PDF 32000 8.9.3); padding bits are light.
        let row_bytes = width.div_ceil(8);
        let mut samples = vec![0xFFu8; row_bytes * height];
        for (row, line) in modules.iter().enumerate() {
            let first = row * QR_PIXELS * row_bytes;
            for (col, _) in line.iter().enumerate().filter(|(_, dark)| **dark) {
                for x in col * QR_PIXELS..(col + 1) * QR_PIXELS {
                    if let Some(byte) = samples.get_mut(first + x / 8) {
                        *byte &= !(0x80 >> (x % 8));
                    }
                }
            }
            // The other pixel rows of the module row are copies of the first.
            for copy in 1..QR_PIXELS {
                samples.copy_within(first..first + row_bytes, first + copy * row_bytes);
            }
        }
        Image {
            width: u32::try_from(width).unwrap_or(u32::MAX),
            height: u32::try_from(height).unwrap_or(u32::MAX),
            components: 1,
            bits: 1,
            encoding: Encoding::Flate,
            data: miniz_oxide::deflate::compress_to_vec_zlib(&samples, 6),
            smask: None,
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The image of these bytes, decoded once and kept while the same logo comes again.
pub(crate) fn logo(bytes: &[u8]) -> Result<Arc<Image>, DocumentError> {
    static LAST: Mutex<Option<(u64, usize, Arc<Image>)>> = Mutex::new(None);
    let key = (fnv(bytes), bytes.len());
    if let Ok(last) = LAST.lock() {
        if let Some((h, n, image)) = last.as_ref() {
            if (*h, *n) == key {
                return Ok(Arc::clone(image));
            }
        }
    }
    let image = Arc::new(decode(bytes)?);
    if let Ok(mut last) = LAST.lock() {
        *last = Some((key.0, key.1, Arc::clone(&image)));
    }
    Ok(image)
}

fn decode(bytes: &[u8]) -> Result<Image, DocumentError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_image(bytes)
    } else {
        Err(DocumentError::Logo("not a PNG or JPEG image".to_owned()))
    }
}

/// Width, height and components from the JPEG's start-of-frame segment.
fn jpeg(bytes: &[u8]) -> Result<Image, DocumentError> {
    let bad = || DocumentError::Logo("a JPEG without a readable frame header".to_owned());
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes.get(i) != Some(&0xFF) {
            return Err(bad());
        }
        let marker = *bytes.get(i + 1).ok_or_else(bad)?;
        let len =
            usize::from(u16::from_be_bytes([*bytes.get(i + 2).ok_or_else(bad)?, *bytes.get(i + 3).ok_or_else(bad)?]));
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let seg = bytes.get(i + 4..i + 2 + len).ok_or_else(bad)?;
            let height = u32::from(u16::from_be_bytes([*seg.get(1).ok_or_else(bad)?, *seg.get(2).ok_or_else(bad)?]));
            let width = u32::from(u16::from_be_bytes([*seg.get(3).ok_or_else(bad)?, *seg.get(4).ok_or_else(bad)?]));
            let components = *seg.get(5).ok_or_else(bad)?;
            if width == 0 || height == 0 || !matches!(components, 1 | 3 | 4) {
                return Err(bad());
            }
            return Ok(Image {
                width,
                height,
                components,
                bits: 8,
                encoding: Encoding::Dct,
                data: bytes.to_vec(),
                smask: None,
            });
        }
        i += 2 + len;
    }
    Err(bad())
}

fn png_image(bytes: &[u8]) -> Result<Image, DocumentError> {
    let err = |e: png::DecodingError| DocumentError::Logo(format!("PNG: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    // Palette → RGB, 16-bit → 8-bit, tRNS → alpha: only grey, grey+alpha, RGB, RGBA come out.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(err)?;
    let size = reader.output_buffer_size().ok_or_else(|| DocumentError::Logo("PNG too large".to_owned()))?;
    if size > 64 * 1024 * 1024 {
        return Err(DocumentError::Logo("PNG too large for a logo".to_owned()));
    }
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(err)?;
    let samples = buf.get(..info.buffer_size()).unwrap_or(&buf);
    let (components, alpha) = match info.color_type {
        png::ColorType::Grayscale => (1u8, false),
        png::ColorType::GrayscaleAlpha => (1, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (3, true),
        png::ColorType::Indexed => return Err(DocumentError::Logo("PNG palette not expanded".to_owned())),
    };
    let (colour, mask) = if alpha {
        let step = usize::from(components) + 1;
        let mut colour = Vec::with_capacity(samples.len());
        let mut mask = Vec::with_capacity(samples.len() / step);
        for px in samples.chunks_exact(step) {
            let (c, a) = px.split_at(usize::from(components));
            colour.extend_from_slice(c);
            mask.extend_from_slice(a);
        }
        (colour, Some(mask))
    } else {
        (samples.to_vec(), None)
    };
    Ok(Image {
        width: info.width,
        height: info.height,
        components,
        bits: 8,
        encoding: Encoding::Flate,
        data: miniz_oxide::deflate::compress_to_vec_zlib(&colour, 6),
        smask: mask.filter(|m| m.iter().any(|a| *a != 255)).map(|m| miniz_oxide::deflate::compress_to_vec_zlib(&m, 6)),
    })
}
