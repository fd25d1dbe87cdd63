//! A small page composer: positioned text in two faces, lines, filled
//! rectangles, images, word wrapping with real glyph widths, and page breaks; each page is a list
//! of printpdf operations (`Op`), which printpdf turns into the page's content stream when
//! `pdf.rs` saves the document.
//!
//! Positions are in millimetres from the TOP-left corner of an A4 page (the way a letter's layout
//! is specified); they are turned into PDF points from the bottom-left when an operation is
//! written. Geometry is `f32` (points on paper); no amount of money is ever a float here:
//! amounts arrive already formatted as text.

use printpdf::{
    Color, CurTransMat, FontId, Greyscale, Line, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, Rect, TextItem,
    WindingOrder, XObjectId, XObjectTransform,
};

use crate::fonts::{Face, FontSet};

/// A4 width in mm.
pub(crate) const PAGE_W: f32 = 210.0;
/// A4 height in mm.
pub(crate) const PAGE_H: f32 = 297.0;
/// Left margin (20 mm, the usual French business letter margin).
pub(crate) const LEFT: f32 = 20.0;
/// Right edge of the text (20 mm right margin).
pub(crate) const RIGHT: f32 = 190.0;
/// Lowest baseline of the content; the footer lives below (rule at 281 mm, text at 286 mm).
pub(crate) const CONTENT_BOTTOM: f32 = 276.0;
/// First baseline on continuation pages (below the running header at 14 mm).
pub(crate) const CONTINUATION_TOP: f32 = 24.0;

const PT_PER_MM: f32 = 72.0 / 25.4;

/// How a piece of text is set.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    /// Size in points.
    pub size: f32,
    pub bold: bool,
    /// 0 = black, 1 = white.
    pub grey: f32,
}

impl Style {
    pub(crate) const fn regular(size: f32) -> Style {
        Style { size, bold: false, grey: 0.0 }
    }
    pub(crate) const fn bold(size: f32) -> Style {
        Style { size, bold: true, grey: 0.0 }
    }
    pub(crate) const fn grey(self, grey: f32) -> Style {
        Style { grey, ..self }
    }
    /// Baseline-to-baseline distance in mm (1.3 × the size).
    pub(crate) fn line_height(self) -> f32 {
        self.size * 1.3 / PT_PER_MM
    }
}

/// A count (modules, rows, pixels) as geometry: exact up to 65 535, clamped above (a page never
/// needs more), without the lossy `as f32` cast clippy warns about for money's sake.
pub(crate) fn count(n: usize) -> f32 {
    f32::from(u16::try_from(n).unwrap_or(u16::MAX))
}

/// Millimetres to points, rounded to hundredths of a point (far below what a printer shows): the
/// content stream then carries "56.69", not "56.692913".
fn pt(mm: f32) -> f32 {
    (mm * PT_PER_MM * 100.0).round() / 100.0
}

fn point(x_mm: f32, y_top_mm: f32) -> Point {
    Point { x: Pt(pt(x_mm)), y: Pt(pt(PAGE_H - y_top_mm)) }
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale { percent: level, icc_profile: None })
}

/// The resource names of the two faces. Fixed (printpdf's own ids are random) so that the same
/// input gives the same bytes; printpdf writes the first six letters as the subset tag
/// (`/BaseFont /ENCREG+EncoursSans-Regular`, PDF 32000 9.6.4: six upper-case letters).
pub(crate) const REGULAR_ID: &str = "ENCREG";
/// See [`REGULAR_ID`].
pub(crate) const BOLD_ID: &str = "ENCBLD";

/// The resource name of the `index`-th image of a document, fixed for the same reason.
pub(crate) fn image_id(index: usize) -> XObjectId {
    XObjectId(format!("Im{index}"))
}

/// An image placed on the pages (logo, QR code); `pdf.rs` adds it once as `/Im{index}`.
pub(crate) struct Placed {
    pub image: std::sync::Arc<crate::image::Image>,
}

/// Lays out pages one after the other.
pub(crate) struct Composer<'a> {
    fonts: &'a FontSet,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    /// Images drawn so far (`/Im0`, `/Im1`, …).
    pub images: Vec<Placed>,
    /// Current vertical position (mm from the top): the next baseline goes at or below it.
    pub y: f32,
    /// The graphics state the page's operations have set so far, so that a font, colour or line
    /// width is written only when it changes (they persist across text objects, PDF 32000 9.3.1;
    /// fewer operations make a smaller page, faster to write). `None`: not known.
    state: State,
}

/// See [`Composer::state`].
#[derive(Clone, Copy, Default)]
struct State {
    /// Bold, size.
    font: Option<(bool, f32)>,
    fill: Option<f32>,
    stroke: Option<f32>,
    thickness: Option<f32>,
}

impl<'a> Composer<'a> {
    pub(crate) fn new(fonts: &'a FontSet) -> Composer<'a> {
        Composer {
            fonts,
            pages: Vec::new(),
            ops: Vec::with_capacity(512),
            images: Vec::new(),
            y: 0.0,
            state: State::default(),
        }
    }

    fn face(&self, style: Style) -> &'a Face {
        if style.bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        }
    }

    /// Width of a text in mm.
    pub(crate) fn width(&self, text: &str, style: Style) -> f32 {
        self.face(style).width_pt(text, style.size) / PT_PER_MM
    }

    /// Writes a text with its baseline at `y` (mm from the top), starting at `x`.
    pub(crate) fn text(&mut self, x: f32, y: f32, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        let face = self.face(style);
        self.ops.push(Op::StartTextSection);
        if self.state.font != Some((style.bold, style.size)) {
            self.state.font = Some((style.bold, style.size));
            let font = FontId(if style.bold { BOLD_ID } else { REGULAR_ID }.to_owned());
            self.ops.push(Op::SetFont { font: PdfFontHandle::External(font), size: Pt(style.size) });
        }
        self.set_fill(style.grey);
        self.ops.extend([
            Op::SetTextCursor { pos: point(x, y) },
            Op::ShowText { items: vec![TextItem::Text(face.printed(text))] },
            Op::EndTextSection,
        ]);
    }

    fn set_fill(&mut self, level: f32) {
        if self.state.fill != Some(level) {
            self.state.fill = Some(level);
            self.ops.push(Op::SetFillColor { col: grey(level) });
        }
    }

    fn set_stroke(&mut self, level: f32, thickness_pt: f32) {
        if self.state.stroke != Some(level) {
            self.state.stroke = Some(level);
            self.ops.push(Op::SetOutlineColor { col: grey(level) });
        }
        if self.state.thickness != Some(thickness_pt) {
            self.state.thickness = Some(thickness_pt);
            self.ops.push(Op::SetOutlineThickness { pt: Pt(thickness_pt) });
        }
    }

    /// Writes a text ending at `x_right`.
    pub(crate) fn text_right(&mut self, x_right: f32, y: f32, text: &str, style: Style) {
        let w = self.width(text, style);
        self.text(x_right - w, y, text, style);
    }

    /// Writes a text centred on `x_center`.
    pub(crate) fn text_center(&mut self, x_center: f32, y: f32, text: &str, style: Style) {
        let w = self.width(text, style);
        self.text(x_center - w / 2.0, y, text, style);
    }

    /// The text, shortened with "…" when wider than `width` mm (a cell never spills over the next).
    pub(crate) fn fit(&self, text: &str, width: f32, style: Style) -> String {
        if self.width(text, style) <= width {
            return text.to_owned();
        }
        let mut chars: Vec<char> = text.chars().collect();
        while !chars.is_empty() {
            chars.pop();
            let candidate: String = chars.iter().collect::<String>().trim_end().to_owned() + "…";
            if self.width(&candidate, style) <= width {
                return candidate;
            }
        }
        String::new()
    }

    /// Splits a paragraph into lines no wider than `width` mm. Breaks at ordinary spaces only (the
    /// no-break spaces of "1 234,56 €" hold); a word longer than the line is cut where it must be;
    /// "\n" forces a line break.
    pub(crate) fn wrap(&self, text: &str, width: f32, style: Style) -> Vec<String> {
        let mut lines = Vec::new();
        let space = self.width(" ", style);
        for hard_line in text.split('\n') {
            let mut current = String::new();
            let mut current_w = 0.0;
            for word in hard_line.split(' ').filter(|w| !w.is_empty()) {
                // Widths add up (no kerning): measure each word once, not the growing line.
                let word_w = self.width(word, style);
                let candidate_w = if current.is_empty() { word_w } else { current_w + space + word_w };
                if candidate_w <= width {
                    if !current.is_empty() {
                        current.push(' ');
                    }
                    current.push_str(word);
                    current_w = candidate_w;
                    continue;
                }
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                if word_w <= width {
                    current.push_str(word);
                    current_w = word_w;
                    continue;
                }
                // The word alone is too wide: cut it into pieces that fit.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, style) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                current_w = self.width(&piece, style);
                current = piece;
            }
            lines.push(current);
        }
        lines
    }

    /// A horizontal rule at `y` from `x1` to `x2`.
    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness_pt: f32, level: f32) {
        self.line(x1, y, x2, y, thickness_pt, level);
    }

    /// A vertical rule at `x` from `y1` to `y2`.
    pub(crate) fn vline(&mut self, x: f32, y1: f32, y2: f32, thickness_pt: f32, level: f32) {
        self.line(x, y1, x, y2, thickness_pt, level);
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thickness_pt: f32, level: f32) {
        self.set_stroke(level, thickness_pt);
        self.ops.extend([Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint { p: point(x1, y1), bezier: false },
                    LinePoint { p: point(x2, y2), bezier: false },
                ],
                is_closed: false,
            },
        }]);
    }

    /// A rectangle given from its top-left corner, in mm.
    fn rect(x: f32, y_top: f32, w: f32, h: f32, mode: PaintMode) -> Rect {
        Rect {
            x: Pt(pt(x)),
            y: Pt(pt(PAGE_H - y_top - h)),
            width: Pt(pt(w)),
            height: Pt(pt(h)),
            mode: Some(mode),
            winding_order: Some(WindingOrder::NonZero),
        }
    }

    /// A filled rectangle whose top-left corner is at (`x`, `y_top`).
    pub(crate) fn fill_rect(&mut self, x: f32, y_top: f32, w: f32, h: f32, level: f32) {
        self.set_fill(level);
        self.ops.push(Op::DrawRectangle { rectangle: Self::rect(x, y_top, w, h, PaintMode::Fill) });
    }

    /// A rectangle outline.
    pub(crate) fn stroke_rect(&mut self, x: f32, y_top: f32, w: f32, h: f32, thickness_pt: f32, level: f32) {
        self.set_stroke(level, thickness_pt);
        self.ops.push(Op::DrawRectangle { rectangle: Self::rect(x, y_top, w, h, PaintMode::Stroke) });
    }

    /// A QR code (`modules` rows of dark/light) top-left at (`x`, `y_top`), `size` mm wide: a
    /// one-bit image XObject drawn without interpolation, so the modules stay sharp squares
    /// (ISO/IEC 18004 readers need crisp edges; see `image::Image::qr`).
    pub(crate) fn qr(&mut self, x: f32, y_top: f32, size: f32, modules: &[Vec<bool>]) {
        let image = std::sync::Arc::new(crate::image::Image::qr(modules));
        self.image(image, x, y_top, size, size);
    }

    /// Draws an image with its top-left corner at (`x`, `y_top`), `w` × `h` mm. An image is
    /// painted in a unit square (PDF 32000 8.9.4): the matrix scales it to `w` × `h` points.
    pub(crate) fn image(&mut self, image: std::sync::Arc<crate::image::Image>, x: f32, y_top: f32, w: f32, h: f32) {
        let index = self.images.len();
        self.images.push(Placed { image });
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw([pt(w), 0.0, 0.0, pt(h), pt(x), pt(PAGE_H - y_top - h)]),
            },
            // `no_auto_scale`: the matrix above already places the unit square; printpdf's own
            // scaling assumes a pixel size at a dpi.
            Op::UseXobject {
                id: image_id(index),
                transform: XObjectTransform { no_auto_scale: true, ..Default::default() },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// Room left on the page below the current position, in mm.
    pub(crate) fn room(&self) -> f32 {
        CONTENT_BOTTOM - self.y
    }

    /// Starts a new page when less than `height` mm are left; true when it did.
    pub(crate) fn ensure(&mut self, height: f32) -> bool {
        if self.room() < height {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// Pages started so far, the current one included.
    pub(crate) fn pages_so_far(&self) -> usize {
        self.pages.len() + 1
    }

    /// Closes the page and starts the next one at the continuation top.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        // A new content stream starts from the default graphics state.
        self.state = State::default();
        self.y = CONTINUATION_TOP;
    }

    /// Sets a paragraph from the current position, breaking pages between lines, and leaves
    /// `after` mm of space below it. The spaces before French punctuation hold
    /// ([`crate::format::french_spacing`]).
    pub(crate) fn paragraph(&mut self, text: &str, x: f32, width: f32, style: Style, after: f32) {
        let lh = style.line_height();
        for line in self.wrap(&crate::format::french_spacing(text), width, style) {
            self.ensure(lh);
            self.y += lh;
            self.text(x, self.y, &line, style);
        }
        self.y += after;
    }

    /// The pages composed so far, the current one included, each with `decorate(page, count)`
    /// applied (footer and running header: they need the page count, known only now).
    pub(crate) fn finish(mut self, mut decorate: impl FnMut(&mut Composer<'a>, usize, usize)) -> Composed {
        self.pages.push(std::mem::take(&mut self.ops));
        let bodies = std::mem::take(&mut self.pages);
        let count = bodies.len();
        let pages = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                self.ops = body;
                // Whatever the body left set is not tracked: write the state again.
                self.state = State::default();
                decorate(&mut self, i + 1, count);
                std::mem::take(&mut self.ops)
            })
            .collect();
        Composed { pages, images: self.images }
    }
}

/// Laid-out pages: their operations and the images they draw.
pub(crate) struct Composed {
    pub pages: Vec<Vec<Op>>,
    pub images: Vec<Placed>,
}
