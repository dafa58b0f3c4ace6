//! The certificate PDF: one A4 landscape page in DejaVu Serif, with Noto for the scripts
//! it lacks (see [`super::fonts`]), each embedded as a subset (the standard PDF fonts cannot
//! print č, ł, ā or ž), with the verification link also as a QR code drawn from vector
//! rectangles.
//!
//! One weight only: a second subset font would add ~13 KB to a file that must stay within
//! 30 KB; size and colour carry the hierarchy instead.
use printpdf::{
    Codepoint, Color, CurTransMat, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Polygon, PolygonRing, Pt,
    Rect, Rgb, TextItem, WindingOrder,
};
use qrcode::{EcLevel, QrCode};

use super::fonts::{self, FONTS, Unset};

/// Everything printed on a certificate, already translated and formatted for the holder's language.
pub struct CertificateDocument<'a> {
    /// BCP 47, e.g. "lv": the document's /Lang, for screen readers.
    pub language: &'a str,
    pub association: &'a str,
    pub title: &'a str,
    pub certifies: &'a str,
    /// As on the member's profile, in NFC: printpdf does not position combining marks.
    pub holder_name: &'a str,
    pub completed: &'a str,
    pub programme_title: &'a str,
    pub issued_label: &'a str,
    pub issued_on: &'a str,
    pub expires_label: &'a str,
    pub expires_on: &'a str,
    pub serial_label: &'a str,
    pub serial: &'a str,
    pub code_label: &'a str,
    pub code: &'a str,
    pub verify_label: &'a str,
    /// Printed, and encoded in the QR code.
    pub verify_url: &'a str,
    pub signatory_name: &'a str,
    pub signatory_title: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded certificate fonts cannot be parsed")]
    Font,
    /// Printing it would show an empty box, so the certificate is refused instead.
    #[error("no certificate font has a glyph for {0:?}")]
    UnsupportedCharacter(char),
    #[error("cannot encode the verification URL as a QR code: {0}")]
    QrCode(#[from] qrcode::types::QrError),
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

impl From<Unset> for PdfError {
    fn from(unset: Unset) -> Self {
        match unset {
            Unset::Fonts => PdfError::Font,
            Unset::Character(c) => PdfError::UnsupportedCharacter(c),
        }
    }
}

// The page, in points from the lower left corner.
const PAGE_W: f32 = 297.0 * 72.0 / 25.4;
const PAGE_H: f32 = 210.0 * 72.0 / 25.4;
const CENTRE: f32 = PAGE_W / 2.0;
const MARGIN: f32 = 80.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
// The bottom band: the facts on the left, the signature in the middle, the QR code on the right.
const FACTS_W: f32 = 232.0;
const SIGNATURE_W: f32 = 190.0;
const QR_SIZE: f32 = 124.0;
const QR_QUIET_MODULES: usize = 4;

type Colour = [f32; 3];
const INK: Colour = [0.10, 0.11, 0.14];
const NAVY: Colour = [0.11, 0.19, 0.34];
const GOLD: Colour = [0.60, 0.47, 0.22];
const MUTED: Colour = [0.38, 0.40, 0.45];
const BLACK: Colour = [0.0, 0.0, 0.0];

/// How a text is set: its colour and the largest size it may have.
#[derive(Clone, Copy)]
struct Style(Colour, f32);

const ASSOCIATION: Style = Style(GOLD, 13.0);
const TITLE: Style = Style(NAVY, 44.0);
const PROSE: Style = Style(INK, 14.0);
const NAME: Style = Style(NAVY, 36.0);
const NAME_MIN: f32 = 24.0;
const PROGRAMME: Style = Style(NAVY, 22.0);
const PROGRAMME_MIN: f32 = 15.0;
const LABEL: Style = Style(MUTED, 8.0);
const VALUE: Style = Style(INK, 11.0);
const URL: Style = Style(INK, 9.0);
const SIGNATORY: Style = Style(INK, 12.0);
const SIGNATORY_TITLE: Style = Style(MUTED, 9.5);

pub fn render(doc: &CertificateDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let fonts = FONTS.as_ref().ok_or(PdfError::Font)?;
    let mut pdf = PdfDocument::new(&format!("{} — {}", doc.title, doc.holder_name));
    let info = &mut pdf.metadata.info;
    info.author = doc.association.to_owned();
    info.subject = doc.programme_title.to_owned();
    info.creator = "Guildhall".to_owned();
    info.creation_date = printpdf::OffsetDateTime::now_utc();
    info.modification_date = info.creation_date;
    let face = Face {
        ids: fonts.iter().map(|_| FontId::new()).collect(),
    };
    let mut page = Canvas {
        used: vec![false; fonts.len()],
        face,
        ops: Vec::with_capacity(128),
    };
    page.draw(doc)?;
    // Only the fonts the page uses: each is a copy of the whole font until it is subset.
    for (i, font) in fonts.iter().enumerate().filter(|(i, _)| page.used[*i]) {
        let font = printpdf::PdfFont::new(font.parsed.clone());
        pdf.resources
            .fonts
            .map
            .insert(page.face.ids[i].clone(), font);
    }
    pdf.with_pages(vec![PdfPage::new(Mm(297.0), Mm(210.0), page.ops)]);

    let mut warnings = Vec::new();
    // Streams are compressed below, at flate's fastest level: printpdf's best level took
    // half the time of a whole certificate for about 3 KB less.
    let options = PdfSaveOptions {
        optimize: false,
        ..PdfSaveOptions::default()
    };
    let mut file = pdf.to_lopdf_document(&options, &mut warnings);
    // An error here means a degraded file, e.g. the whole font embedded when subsetting failed.
    let errors: Vec<_> = warnings
        .into_iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg)
        .collect();
    if !errors.is_empty() {
        return Err(PdfError::Write(errors.join("; ")));
    }
    // printpdf has no setter for /Lang; its own string encoder makes the value.
    let language = printpdf::encode_text_items(&[TextItem::Text(doc.language.to_owned())]).pop();
    if let (Ok(catalog), Some(language)) = (file.catalog_mut(), language) {
        catalog.set("Lang", language);
    }
    // printpdf always writes an empty /GTS_PDFXVersion, which claims PDF/X conformance.
    let info = file
        .trailer
        .get(b"Info")
        .and_then(|info| info.as_reference());
    if let Ok(info) = info.and_then(|id| file.get_object_mut(id)?.as_dict_mut()) {
        info.remove(b"GTS_PDFXVersion");
    }
    compress_fast(&mut file);
    let mut bytes = Vec::with_capacity(24 * 1024);
    file.save_to(&mut bytes)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

/// Deflates every stream that is not yet compressed, at the fastest level.
fn compress_fast(file: &mut lopdf::Document) {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::ZlibEncoder;

    for object in file.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        let compressed = encoder
            .write_all(&stream.content)
            .and_then(|()| encoder.finish());
        if let Ok(compressed) = compressed
            && compressed.len() < stream.content.len()
        {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

struct Face {
    /// One per font in [`FONTS`], whether used or not.
    ids: Vec<FontId>,
}

impl Face {
    /// Width of `text` at 1 pt, from its shaped advances.
    fn width(&self, text: &str) -> Result<f32, PdfError> {
        Ok(fonts::set(text)?.width)
    }

    /// The size that fits `text` into `width`, at most `max`.
    fn fit_line(&self, text: &str, max: f32, width: f32) -> Result<f32, PdfError> {
        Ok(fit(self.width(text)?, max, width))
    }

    /// Sets `text` into `width`: one line, shrunk from `max` down to `min`; below that two
    /// lines at `min`, split where the longer line is shortest (at a space if one will do,
    /// else after a hyphen); smaller than `min` only if even that does not fit.
    fn fit_block<'t>(
        &self,
        text: &'t str,
        max: f32,
        min: f32,
        width: f32,
    ) -> Result<(f32, Vec<&'t str>), PdfError> {
        let em = self.width(text)?;
        if em * min <= width {
            return Ok((self.fit_line(text, max, width)?, vec![text]));
        }
        type Split<'t> = Option<(f32, &'t str, &'t str)>;
        let (mut at_space, mut anywhere): (Split, Split) = (None, None);
        for (i, c) in text.char_indices() {
            let (first, second) = match c {
                ' ' => (&text[..i], &text[i + 1..]),
                '-' => (&text[..=i], &text[i + 1..]),
                _ => continue,
            };
            let (first, second) = (first.trim_end(), second.trim_start());
            if first.is_empty() || second.is_empty() {
                continue;
            }
            let longest = self.width(first)?.max(self.width(second)?);
            let split = Some((longest, first, second));
            if c == ' ' && at_space.is_none_or(|best| longest < best.0) {
                at_space = split;
            }
            if anywhere.is_none_or(|best| longest < best.0) {
                anywhere = split;
            }
        }
        Ok(match at_space.filter(|s| s.0 * min <= width).or(anywhere) {
            Some((longest, first, second)) => (min.min(width / longest), vec![first, second]),
            None => (width / em, vec![text]),
        })
    }
}

/// The size at which a text `em` ems wide fits into `width`, at most `max`.
fn fit(em: f32, max: f32, width: f32) -> f32 {
    if em > 0.0 { max.min(width / em) } else { max }
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Centre,
}

struct Canvas {
    face: Face,
    /// Which of [`FONTS`] the page has set text in.
    used: Vec<bool>,
    ops: Vec<Op>,
}

impl Canvas {
    fn draw(&mut self, d: &CertificateDocument<'_>) -> Result<(), PdfError> {
        self.border();

        // Who, and for what.
        let centred = |y| ((CENTRE, y), Align::Centre, TEXT_W);
        self.line(ASSOCIATION, centred(524.0), d.association)?;
        self.line(TITLE, centred(466.0), d.title)?;
        self.rule(GOLD, 0.8, (CENTRE - 45.0, CENTRE + 45.0), 448.0);
        self.line(PROSE, centred(418.0), d.certifies)?;
        self.block(NAME, NAME_MIN, 362.0, d.holder_name)?;
        self.line(PROSE, centred(316.0), d.completed)?;
        self.block(PROGRAMME, PROGRAMME_MIN, 280.0, d.programme_title)?;
        self.rule(GOLD, 0.5, (MARGIN, PAGE_W - MARGIN), 236.0);

        // The facts, each label over its value.
        let facts = [
            (d.issued_label, d.issued_on, VALUE),
            (d.expires_label, d.expires_on, VALUE),
            (d.serial_label, d.serial, VALUE),
            (d.code_label, d.code, VALUE),
            (d.verify_label, d.verify_url, URL),
        ];
        for (i, (label, value, style)) in facts.into_iter().enumerate() {
            let y = 208.0 - 27.0 * i as f32;
            self.line(LABEL, ((MARGIN, y), Align::Left, FACTS_W), label)?;
            self.line(style, ((MARGIN, y - 11.5), Align::Left, FACTS_W), value)?;
        }

        // The signature: the name over the line, the title under it.
        let signature = |y| ((CENTRE, y), Align::Centre, SIGNATURE_W);
        self.line(SIGNATORY, signature(148.0), d.signatory_name)?;
        let half = SIGNATURE_W / 2.0;
        self.rule(NAVY, 0.6, (CENTRE - half, CENTRE + half), 141.0);
        self.line(SIGNATORY_TITLE, signature(128.0), d.signatory_title)?;

        self.qr_code(d.verify_url, (PAGE_W - MARGIN - QR_SIZE, 76.0))
    }

    /// A double frame: a gold line and a hairline inside it.
    fn border(&mut self) {
        for (inset, thickness) in [(22.0, 1.2), (28.0, 0.4)] {
            let (width, height) = (PAGE_W - 2.0 * inset, PAGE_H - 2.0 * inset);
            let rectangle = Rect {
                mode: Some(PaintMode::Stroke),
                ..Rect::from_xywh(Pt(inset), Pt(inset), Pt(width), Pt(height))
            };
            self.ops.extend([
                Op::SetOutlineColor { col: rgb(GOLD) },
                Op::SetOutlineThickness { pt: Pt(thickness) },
                Op::DrawRectangle { rectangle },
            ]);
        }
    }

    fn rule(&mut self, colour: Colour, thickness: f32, (from, to): (f32, f32), y: f32) {
        let point = |x| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        let line = Line {
            points: vec![point(from), point(to)],
            is_closed: false,
        };
        self.ops.extend([
            Op::SetOutlineColor { col: rgb(colour) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine { line },
        ]);
    }

    /// One line at the style's size, smaller if it would be wider than `width`.
    fn line(
        &mut self,
        style: Style,
        (at, align, width): ((f32, f32), Align, f32),
        text: &str,
    ) -> Result<(), PdfError> {
        let line = fonts::set(text)?;
        let size = fit(line.width, style.1, width);
        self.text(style.0, size, at, align, &line)
    }

    /// A centred text that shrinks to `min`, then wraps (see [`Face::fit_block`]); its lines
    /// are centred vertically on `y`, the baseline of a single line.
    fn block(&mut self, style: Style, min: f32, y: f32, text: &str) -> Result<(), PdfError> {
        let (size, lines) = self.face.fit_block(text, style.1, min, TEXT_W)?;
        let leading = 1.2 * size;
        let top = y + leading * (lines.len() - 1) as f32 / 2.0;
        for (i, line) in lines.into_iter().enumerate() {
            let at = (CENTRE, top - leading * i as f32);
            self.text(style.0, size, at, Align::Centre, &fonts::set(line)?)?;
        }
        Ok(())
    }

    /// Draws a set `line` with its baseline starting (or centred) at `x`. Each run of glyphs in one
    /// font at one height is its own text object at its own position; within it, the
    /// shaped advances and offsets become TJ adjustments against the widths printpdf writes.
    fn text(
        &mut self,
        colour: Colour,
        size: f32,
        (x, y): (f32, f32),
        align: Align,
        line: &fonts::Line,
    ) -> Result<(), PdfError> {
        let fonts = FONTS.as_ref().ok_or(PdfError::Font)?;
        let mut pen = match align {
            Align::Left => x,
            Align::Centre => x - line.width * size / 2.0,
        };
        self.ops.push(Op::SetFillColor { col: rgb(colour) });
        for run in &line.runs {
            let font = &fonts[run.font];
            self.used[run.font] = true;
            let mut glyphs = run.glyphs.iter().peekable();
            while let Some(first) = glyphs.next() {
                // The piece at `first`'s height: it and the glyphs after it at the same height.
                let start = (pen + first.x_offset * size, y + first.y_offset * size);
                let mut piece = Vec::new();
                let mut glyph = first;
                // What the adjustments left out so far: under one unit (a thousandth of an
                // em) each is carried on, not written, which keeps the stream small.
                let mut carry = 0.0;
                loop {
                    pen += glyph.advance * size;
                    let next = glyphs.next_if(|g| g.y_offset == first.y_offset);
                    let next_offset = next.map_or(0.0, |g| g.x_offset);
                    let wanted = glyph.advance + next_offset - glyph.x_offset;
                    let exact = font.pdf_advance(glyph.gid) - wanted * 1000.0 + carry;
                    let offset = if exact.abs() >= 1.0 {
                        exact.round()
                    } else {
                        0.0
                    };
                    carry = exact - offset;
                    piece.push(Codepoint {
                        gid: glyph.gid,
                        offset,
                        cid: Some(glyph.text.clone()),
                    });
                    match next {
                        Some(g) => glyph = g,
                        None => break,
                    }
                }
                let handle = PdfFontHandle::External(self.face.ids[run.font].clone());
                self.ops.extend([
                    Op::StartTextSection,
                    Op::SetFont {
                        font: handle,
                        size: Pt(size),
                    },
                    Op::SetTextCursor {
                        pos: Point {
                            x: Pt(start.0),
                            y: Pt(start.1),
                        },
                    },
                    Op::ShowText {
                        items: vec![TextItem::GlyphIds(piece)],
                    },
                    Op::EndTextSection,
                ]);
            }
        }
        Ok(())
    }

    /// The QR code in a `QR_SIZE` square whose edge is the quiet zone. Drawn in module units
    /// (small integers compress well), each run of dark modules in a row one rectangle, all
    /// filled as one path so that no hairline seams show between modules.
    fn qr_code(&mut self, url: &str, (x, y): (f32, f32)) -> Result<(), PdfError> {
        let code = QrCode::with_error_correction_level(url, EcLevel::M)?;
        let modules = code.width();
        let module = QR_SIZE / (modules + 2 * QR_QUIET_MODULES) as f32;
        let quiet = QR_QUIET_MODULES as f32 * module;
        // Module (column, row) is the unit square at (column, row), rows running down.
        let grid = [module, 0.0, 0.0, -module, x + quiet, y + QR_SIZE - quiet];
        let corner = |column: usize, row: usize| LinePoint {
            p: Point {
                x: Pt(column as f32),
                y: Pt(row as f32),
            },
            bezier: false,
        };
        let mut rings = Vec::new();
        for row in 0..modules {
            let mut column = 0;
            while column < modules {
                let start = column;
                while column < modules && code[(column, row)] == qrcode::Color::Dark {
                    column += 1;
                }
                if column > start {
                    let points = vec![
                        corner(start, row),
                        corner(column, row),
                        corner(column, row + 1),
                        corner(start, row + 1),
                    ];
                    rings.push(PolygonRing { points });
                }
                // `column` is now light (or past the edge).
                column += 1;
            }
        }
        let polygon = Polygon {
            rings,
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        };
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw(grid),
            },
            Op::SetFillColor { col: rgb(BLACK) },
            Op::DrawPolygon { polygon },
            Op::RestoreGraphicsState,
        ]);
        Ok(())
    }
}

fn rgb([r, g, b]: Colour) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;
