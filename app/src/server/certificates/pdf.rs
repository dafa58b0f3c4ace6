//! The certificate PDF: one A4 landscape page in DejaVu Serif (embedded and subset, so every
//! European name prints and the file stays small), with the verification link as a QR code
//! drawn from vector rectangles.
use std::sync::LazyLock;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rect, Rgb,
    TextItem, WindingOrder,
};
use qrcode::{EcLevel, QrCode};

/// Everything printed on a certificate, already translated and formatted for the holder's language.
pub struct CertificateDocument<'a> {
    /// BCP 47, e.g. "lv": the document language (/Lang), for screen readers.
    pub language: &'a str,
    pub association: &'a str,
    pub title: &'a str,
    pub certifies: &'a str,
    /// Exactly as on the member's profile (NFC, as the font has no mark positioning).
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
    /// Printed and encoded in the QR code.
    pub verify_url: &'a str,
    pub signatory_name: &'a str,
    pub signatory_title: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font {0} cannot be parsed")]
    Font(&'static str),
    #[error("the certificate font has no glyph for {0:?}")]
    UnsupportedCharacter(char),
    #[error("cannot encode the verification URL as a QR code: {0}")]
    QrCode(#[from] qrcode::types::QrError),
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

static REGULAR: LazyLock<Option<ParsedFont>> = LazyLock::new(|| {
    let bytes = include_bytes!("../../../assets/fonts/DejaVuSerif.ttf");
    ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
});
static BOLD: LazyLock<Option<ParsedFont>> = LazyLock::new(|| {
    let bytes = include_bytes!("../../../assets/fonts/DejaVuSerif-Bold.ttf");
    ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
});

// The page, in points from the lower left corner: A4 landscape.
const PAGE_W: f32 = 297.0 * 72.0 / 25.4;
const PAGE_H: f32 = 210.0 * 72.0 / 25.4;
const CENTRE: f32 = PAGE_W / 2.0;
const TEXT_W: f32 = PAGE_W - 2.0 * 80.0;
/// The bottom band: facts on the left, signature in the middle, QR code on the right.
const LEFT: f32 = 80.0;
const LEFT_W: f32 = 232.0;
const SIGNATURE_W: f32 = 190.0;
const QR_SIZE: f32 = 124.0;
const QR_QUIET_MODULES: usize = 4;

type Colour = [f32; 3];
const INK: Colour = [0.10, 0.11, 0.14];
const NAVY: Colour = [0.11, 0.19, 0.34];
const GOLD: Colour = [0.60, 0.47, 0.22];
const MUTED: Colour = [0.38, 0.40, 0.45];
const BLACK: Colour = [0.0, 0.0, 0.0];

fn rgb([r, g, b]: Colour) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

pub fn render(doc: &CertificateDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let regular = REGULAR.as_ref().ok_or(PdfError::Font("DejaVuSerif.ttf"))?;
    let bold = BOLD
        .as_ref()
        .ok_or(PdfError::Font("DejaVuSerif-Bold.ttf"))?;
    let mut pdf = PdfDocument::new(&format!("{} — {}", doc.title, doc.holder_name));
    let info = &mut pdf.metadata.info;
    info.author = doc.association.to_owned();
    info.subject = doc.programme_title.to_owned();
    info.creator = "Guildhall".to_owned();
    info.creation_date = printpdf::OffsetDateTime::now_utc();
    info.modification_date = info.creation_date;
    let mut page = Canvas {
        regular: Face {
            font: regular,
            id: pdf.add_font(regular),
        },
        bold: Face {
            font: bold,
            id: pdf.add_font(bold),
        },
        ops: Vec::with_capacity(160),
    };
    page.draw(doc)?;
    pdf.with_pages(vec![PdfPage::new(Mm(297.0), Mm(210.0), page.ops)]);

    let options = PdfSaveOptions::default();
    let mut warnings = Vec::new();
    let mut lopdf = pdf.to_lopdf_document(&options, &mut warnings);
    // An error here means a degraded file (e.g. the whole font embedded when subsetting failed).
    let errors: Vec<_> = warnings
        .into_iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg)
        .collect();
    if !errors.is_empty() {
        return Err(PdfError::Write(errors.join("; ")));
    }
    // printpdf has no setter for the catalog's /Lang; its own string encoder makes the value.
    let lang = printpdf::encode_text_items(&[TextItem::Text(doc.language.to_owned())]).pop();
    if let (Ok(catalog), Some(lang)) = (lopdf.catalog_mut(), lang) {
        catalog.set("Lang", lang);
    }
    lopdf.compress();
    let mut bytes = Vec::with_capacity(16 * 1024);
    lopdf
        .save_to(&mut bytes)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

struct Face {
    font: &'static ParsedFont,
    id: FontId,
}

impl Face {
    /// Width of `text` at 1 pt from the font's own advances. Exact: printpdf sets text glyph
    /// by glyph, without kerning.
    fn width(&self, text: &str) -> Result<f32, PdfError> {
        let units_per_em = f32::from(self.font.pdf_font_metrics.units_per_em);
        text.chars().try_fold(0.0, |width, c| {
            let glyph = self
                .font
                .lookup_glyph_index(u32::from(c))
                .filter(|&glyph| glyph != 0)
                .ok_or(PdfError::UnsupportedCharacter(c))?;
            Ok(width + f32::from(self.font.get_horizontal_advance(glyph)) / units_per_em)
        })
    }

    /// The size that fits `text` into `width`, at most `max`.
    fn fit_line(&self, text: &str, max: f32, width: f32) -> Result<f32, PdfError> {
        let em = self.width(text)?;
        Ok(if em > 0.0 { max.min(width / em) } else { max })
    }

    /// Sets `text` into `width`: one line shrunk from `max` down to `min`; below that two
    /// lines at `min`, broken where the longer line is shortest (at a space if one will do,
    /// else after a hyphen); smaller than `min` only if even that cannot fit.
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
        let (mut at_space, mut anywhere): (Option<(f32, &str, &str)>, Option<(f32, &str, &str)>) =
            (None, None);
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
            let better = |best: &Option<(f32, &str, &str)>| best.is_none_or(|b| longest < b.0);
            if c == ' ' && better(&at_space) {
                at_space = Some((longest, first, second));
            }
            if better(&anywhere) {
                anywhere = Some((longest, first, second));
            }
        }
        let split = at_space.filter(|s| s.0 * min <= width).or(anywhere);
        Ok(match split {
            Some((longest, first, second)) => (min.min(width / longest), vec![first, second]),
            None => (width / em, vec![text]),
        })
    }
}

/// How a text is set; `size` is the largest it may be.
#[derive(Clone, Copy)]
struct Style {
    bold: bool,
    colour: Colour,
    size: f32,
}

const fn style(bold: bool, colour: Colour, size: f32) -> Style {
    Style { bold, colour, size }
}

const ASSOCIATION: Style = style(false, GOLD, 13.0);
const TITLE: Style = style(true, NAVY, 42.0);
const PROSE: Style = style(false, INK, 14.0);
const NAME: Style = style(true, NAVY, 36.0);
const PROGRAMME: Style = style(true, NAVY, 22.0);
const LABEL: Style = style(false, MUTED, 8.0);
const VALUE: Style = style(false, INK, 11.0);
const CODE: Style = style(true, INK, 11.0);
const URL: Style = style(false, INK, 9.0);
const SIGNATORY: Style = style(false, INK, 12.0);
const SIGNATORY_TITLE: Style = style(false, MUTED, 9.5);

#[derive(Clone, Copy)]
enum Align {
    Left,
    Centre,
}

struct Canvas {
    regular: Face,
    bold: Face,
    ops: Vec<Op>,
}

impl Canvas {
    fn draw(&mut self, d: &CertificateDocument<'_>) -> Result<(), PdfError> {
        self.border();

        // The centre: who, and what for.
        let centre = |y| ((CENTRE, y), Align::Centre, TEXT_W);
        self.line(ASSOCIATION, centre(528.0), d.association)?;
        self.line(TITLE, centre(474.0), d.title)?;
        self.rule(GOLD, 0.8, (CENTRE - 45.0, CENTRE + 45.0), 458.0);
        self.line(PROSE, centre(426.0), d.certifies)?;
        self.block(NAME, 24.0, 368.0, d.holder_name)?;
        self.line(PROSE, centre(322.0), d.completed)?;
        self.block(PROGRAMME, 15.0, 284.0, d.programme_title)?;
        self.rule(GOLD, 0.5, (LEFT, PAGE_W - LEFT), 238.0);

        // The facts, label over value.
        let facts = [
            (d.issued_label, d.issued_on, VALUE),
            (d.expires_label, d.expires_on, VALUE),
            (d.serial_label, d.serial, VALUE),
            (d.code_label, d.code, CODE),
            (d.verify_label, d.verify_url, URL),
        ];
        for (i, (label, value, style)) in facts.into_iter().enumerate() {
            let y = 212.0 - 27.0 * i as f32;
            self.line(LABEL, ((LEFT, y), Align::Left, LEFT_W), label)?;
            self.line(style, ((LEFT, y - 11.5), Align::Left, LEFT_W), value)?;
        }

        // The signature: name over the line, title under it.
        let signature = |y| ((CENTRE, y), Align::Centre, SIGNATURE_W);
        self.line(SIGNATORY, signature(130.0), d.signatory_name)?;
        let half = SIGNATURE_W / 2.0;
        self.rule(NAVY, 0.6, (CENTRE - half, CENTRE + half), 123.0);
        self.line(SIGNATORY_TITLE, signature(110.0), d.signatory_title)?;

        self.qr_code(d.verify_url, PAGE_W - LEFT - QR_SIZE, 80.0)
    }

    fn face(&self, style: Style) -> &Face {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    /// A double frame: a gold line and a hairline inside it.
    fn border(&mut self) {
        for (inset, thickness) in [(22.0, 1.2), (28.0, 0.4)] {
            self.ops.extend([
                Op::SetOutlineColor { col: rgb(GOLD) },
                Op::SetOutlineThickness { pt: Pt(thickness) },
                Op::DrawRectangle {
                    rectangle: Rect {
                        mode: Some(PaintMode::Stroke),
                        ..Rect::from_xywh(
                            Pt(inset),
                            Pt(inset),
                            Pt(PAGE_W - 2.0 * inset),
                            Pt(PAGE_H - 2.0 * inset),
                        )
                    },
                },
            ]);
        }
    }

    fn rule(&mut self, colour: Colour, thickness: f32, (from, to): (f32, f32), y: f32) {
        let point = |x| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops.extend([
            Op::SetOutlineColor { col: rgb(colour) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(from), point(to)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// One line at `style.size`, shrunk if it would be wider than `width`.
    fn line(
        &mut self,
        style: Style,
        (at, align, width): ((f32, f32), Align, f32),
        text: &str,
    ) -> Result<(), PdfError> {
        let size = self.face(style).fit_line(text, style.size, width)?;
        self.text(style, size, at, align, text)
    }

    /// A centred text that shrinks to `min` and then wraps (see [`Face::fit_block`]), its
    /// lines centred vertically on `y`, the baseline of a single line.
    fn block(&mut self, style: Style, min: f32, y: f32, text: &str) -> Result<(), PdfError> {
        let (size, lines) = self.face(style).fit_block(text, style.size, min, TEXT_W)?;
        let leading = 1.2 * size;
        let top = y + leading * (lines.len() - 1) as f32 / 2.0;
        for (i, line) in lines.into_iter().enumerate() {
            let y = top - leading * i as f32;
            self.text(style, size, (CENTRE, y), Align::Centre, line)?;
        }
        Ok(())
    }

    fn text(
        &mut self,
        style: Style,
        size: f32,
        (x, y): (f32, f32),
        align: Align,
        text: &str,
    ) -> Result<(), PdfError> {
        let face = self.face(style);
        let x = match align {
            Align::Left => x,
            Align::Centre => x - face.width(text)? * size / 2.0,
        };
        let font = PdfFontHandle::External(face.id.clone());
        self.ops.extend([
            Op::SetFillColor {
                col: rgb(style.colour),
            },
            Op::StartTextSection,
            Op::SetFont {
                font,
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
        Ok(())
    }

    /// The QR code in a `QR_SIZE` square whose edge is the quiet zone, each row's runs of dark
    /// modules one rectangle, all filled as one path (no hairline seams between modules).
    fn qr_code(&mut self, url: &str, x: f32, y: f32) -> Result<(), PdfError> {
        let code = QrCode::with_error_correction_level(url, EcLevel::M)?;
        let modules = code.width();
        let module = QR_SIZE / (modules + 2 * QR_QUIET_MODULES) as f32;
        let origin = |column: usize, row: usize| Point {
            x: Pt(x + (QR_QUIET_MODULES + column) as f32 * module),
            // Rows run down from the top.
            y: Pt(y + QR_SIZE - (QR_QUIET_MODULES + row) as f32 * module),
        };
        let mut rings = Vec::new();
        for row in 0..modules {
            let mut column = 0;
            while column < modules {
                if code[(column, row)] == qrcode::Color::Light {
                    column += 1;
                    continue;
                }
                let start = column;
                while column < modules && code[(column, row)] == qrcode::Color::Dark {
                    column += 1;
                }
                let corners = [
                    (start, row),
                    (column, row),
                    (column, row + 1),
                    (start, row + 1),
                ];
                let points = corners.map(|(c, r)| LinePoint {
                    p: origin(c, r),
                    bezier: false,
                });
                rings.push(PolygonRing {
                    points: points.to_vec(),
                });
            }
        }
        self.ops.extend([
            Op::SetFillColor { col: rgb(BLACK) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings,
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    fn certificate(holder_name: &str) -> CertificateDocument<'_> {
        CertificateDocument {
            language: "cs",
            association: "Guildhall Association of Service Professionals",
            title: "Osvědčení",
            certifies: "Tímto se osvědčuje, že",
            holder_name,
            completed: "absolvoval(a) program",
            programme_title: "Vynikající služby zákazníkům",
            issued_label: "Vydáno",
            issued_on: "23. listopadu 2026",
            expires_label: "Platnost do",
            expires_on: "23. listopadu 2029",
            serial_label: "Sériové číslo",
            serial: "2026-000042",
            code_label: "Ověřovací kód",
            code: "7K3M-Q9XA-R2TD-W8NP",
            verify_label: "Ověřte na",
            verify_url: "https://example.org/verify/7K3M-Q9XA-R2TD-W8NP",
            signatory_name: "Věra Procházková",
            signatory_title: "Předsedkyně sdružení",
        }
    }

    /// Runs a poppler tool on the PDF; a missing tool fails the test rather than skipping it.
    fn poppler(tool: &str, pdf: &[u8], after: &[&str]) -> String {
        let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(file.path(), pdf).unwrap();
        let output = Command::new(tool)
            .arg(file.path())
            .args(after)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {tool} ({e}): install poppler-utils (apt-get install poppler-utils, or `make test-tools`)")
            });
        assert!(
            output.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn text_of(pdf: &[u8]) -> String {
        poppler("pdftotext", pdf, &["-"])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    const NAMES: [&str; 12] = [
        "Łucja Żółkiewska-Świątek",
        "Jiří Čermák",
        "Kārlis Ēriņš",
        "Žiga Šušteršič",
        "Ondřej Dvořák-Šťastný",
        "Zoë Ångström",
        "Ştefan Ţîrlea",
        "Dvořáková",
        "Gęśla Jaźń Ćwierć",
        "Ģirts Ķēniņš-Ļaudaks",
        "Maria Magdalena Aleksandra Konstancja Wiśniewska-Grzybowska-Żółtowska",
        "Ana María Fernández de Córdoba y Gutiérrez de la Concha-Villaseñor Olavarría",
    ];

    #[test]
    fn every_name_is_printed_exactly() {
        for name in NAMES {
            let text = text_of(&render(&certificate(name)).unwrap());
            // A name wrapped after a hyphen comes back as "Wiśniewska- Grzybowska".
            assert!(
                text.contains(name) || text.replace("- ", "-").contains(name),
                "{name:?} not in the extracted text: {text}"
            );
        }
    }

    #[test]
    fn the_facts_are_printed() {
        let doc = certificate("Jiří Čermák");
        let text = text_of(&render(&doc).unwrap());
        for fact in [
            doc.association,
            doc.title,
            doc.programme_title,
            doc.issued_on,
            doc.expires_on,
            doc.serial,
            doc.code,
            doc.verify_url,
            doc.signatory_name,
            doc.signatory_title,
        ] {
            assert!(
                text.contains(fact),
                "{fact:?} not in the extracted text: {text}"
            );
        }
    }

    #[test]
    fn the_fonts_are_embedded_as_subsets() {
        let fonts = poppler(
            "pdffonts",
            &render(&certificate("Žiga Šušteršič")).unwrap(),
            &[],
        );
        let rows: Vec<Vec<&str>> = fonts
            .lines()
            .skip(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows.len(), 2, "regular and bold:\n{fonts}");
        for row in rows {
            // name ... emb sub uni object generation
            let (name, n) = (row[0], row.len());
            let (tag, family) = name.split_once('+').unwrap_or(("", name));
            assert!(
                tag.len() == 6 && family.starts_with("DejaVuSerif"),
                "{fonts}"
            );
            assert_eq!(
                row[n - 5..n - 2],
                ["yes", "yes", "yes"],
                "emb sub uni:\n{fonts}"
            );
        }
    }

    #[test]
    fn a4_landscape_with_title_and_small() {
        let pdf = render(&certificate("Łucja Żółkiewska-Świątek")).unwrap();
        let info = poppler("pdfinfo", &pdf, &[]);
        assert!(
            info.contains("Page size:      841.89 x 595.28 pts (A4)"),
            "{info}"
        );
        assert!(info.contains("Pages:          1"), "{info}");
        assert!(
            info.contains("Title:          Osvědčení — Łucja Żółkiewska-Świątek"),
            "{info}"
        );
        assert!(pdf.len() <= 30 * 1024, "{} bytes", pdf.len());
    }

    #[test]
    fn long_texts_shrink_then_wrap_and_never_overflow() {
        let face = Face {
            font: BOLD.as_ref().unwrap(),
            id: FontId("F".into()),
        };
        let fits = |size: f32, lines: &[&str]| {
            lines
                .iter()
                .all(|l| face.width(l).unwrap() * size <= TEXT_W + 0.01)
        };

        let (size, lines) = face.fit_block("Jiří Čermák", 36.0, 24.0, TEXT_W).unwrap();
        assert_eq!((size, lines), (36.0, vec!["Jiří Čermák"]));

        let name = "Ana María Fernández de Córdoba y Gutiérrez";
        let (size, lines) = face.fit_block(name, 36.0, 24.0, TEXT_W).unwrap();
        assert!(
            size < 36.0 && size >= 24.0 && lines == [name],
            "{size} {lines:?}"
        );

        let name = NAMES[10];
        let (size, lines) = face.fit_block(name, 36.0, 24.0, TEXT_W).unwrap();
        assert_eq!(
            (size, lines.clone()),
            (
                24.0,
                vec![
                    "Maria Magdalena Aleksandra Konstancja",
                    "Wiśniewska-Grzybowska-Żółtowska"
                ]
            )
        );
        assert!(fits(size, &lines));

        // No space, no hyphen, far too long: one line, smaller than the minimum.
        let name = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegeundsorgfaltigkeit";
        let (size, lines) = face.fit_block(name, 36.0, 24.0, TEXT_W).unwrap();
        assert!(
            size < 24.0 && lines == [name] && fits(size, &lines),
            "{size}"
        );

        // Only hyphens: broken after one.
        let name =
            "Wolfeschlegelsteinhausen-Bergerdorffwelchevoralternwaren-Gewissenhaftschaferswessen";
        let (size, lines) = face.fit_block(name, 36.0, 24.0, TEXT_W).unwrap();
        assert!(
            lines.len() == 2 && lines[0].ends_with('-') && fits(size, &lines),
            "{lines:?}"
        );
    }

    #[test]
    fn a_character_outside_the_font_is_an_error() {
        let err = render(&certificate("山田 太郎")).err().unwrap();
        assert!(matches!(err, PdfError::UnsupportedCharacter('山')), "{err}");
    }
}
