//! The certificate's fonts and how a text is set in them: each character in the first font
//! that has it (DejaVu Serif, then Noto for Arabic, Hebrew and Devanagari), each run shaped
//! (Arabic joining, Devanagari conjuncts) and put in visual order (right-to-left runs
//! reversed by the Unicode bidi algorithm).
//!
//! Registration asks [`printable`] with the same code that prints, so a name that was
//! accepted can always be printed.
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use printpdf::ParsedFont;
use rustybuzz::{Direction, Script, ShapePlan, UnicodeBuffer};
use unicode_bidi::BidiInfo;

/// The fonts in the order they are tried; the first is the certificate's own face.
const FILES: [&[u8]; 4] = [
    include_bytes!("../../../assets/fonts/DejaVuSerif.ttf"),
    include_bytes!("../../../assets/fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSerifHebrew-Regular.ttf"),
    include_bytes!("../../../assets/fonts/NotoSerifDevanagari-Regular.ttf"),
];

pub struct Font {
    /// What printpdf embeds (as a subset of the glyphs used).
    pub parsed: ParsedFont,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

/// Parsed once, not per certificate; `None` if any font cannot be parsed.
pub static FONTS: LazyLock<Option<Vec<Font>>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&bytes| {
            let shaper = rustybuzz::Face::from_slice(bytes, 0)?;
            let units_per_em = shaper.units_per_em() as f32;
            let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())?;
            Some(Font {
                parsed,
                shaper,
                units_per_em,
            })
        })
        .collect()
});

impl Font {
    fn covers(&self, c: char) -> bool {
        self.shaper.glyph_index(c).is_some_and(|g| g.0 != 0)
    }

    /// The advance printpdf writes into the PDF's /W array, in thousandths of an em.
    pub fn pdf_advance(&self, gid: u16) -> f32 {
        let advance = f32::from(self.parsed.get_horizontal_advance(gid));
        (advance * 1000.0 / f32::from(self.parsed.pdf_font_metrics.units_per_em)).trunc()
    }
}

/// One shaped glyph; lengths in ems.
#[derive(Clone, Debug)]
pub struct Glyph {
    pub gid: u16,
    /// The text it stands for (several characters for a ligature, empty for the second
    /// glyph of a cluster), for copying and search.
    pub text: String,
    pub advance: f32,
    pub x_offset: f32,
    pub y_offset: f32,
}

/// Glyphs in one font, in visual order.
#[derive(Debug)]
pub struct Run {
    pub font: usize,
    pub glyphs: Vec<Glyph>,
}

/// A line of text as set: its runs from left to right and its width in ems.
#[derive(Debug)]
pub struct Line {
    pub runs: Vec<Run>,
    pub width: f32,
}

/// Why a text cannot be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unset {
    /// The fonts cannot be parsed (a build fault, not the text's).
    Fonts,
    /// No font has this character, or shaping left it without a glyph.
    Character(char),
}

/// Whether `text` can be printed on a certificate; else the first character that cannot.
pub fn printable(text: &str) -> Result<(), Unset> {
    set(text).map(|_| ())
}

/// Sets one line of `text`.
pub fn set(text: &str) -> Result<Line, Unset> {
    let fonts = FONTS.as_ref().ok_or(Unset::Fonts)?;
    let mut runs = Vec::new();
    let bidi = BidiInfo::new(text, None);
    for paragraph in &bidi.paragraphs {
        let (levels, level_runs) = bidi.visual_runs(paragraph, paragraph.range.clone());
        for range in level_runs {
            let rtl = levels[range.start].is_rtl();
            let mut pieces = by_font(fonts, text, range)?;
            if rtl {
                pieces.reverse();
            }
            for (font, range) in pieces {
                runs.push(shape(&fonts[font], font, &text[range], rtl)?);
            }
        }
    }
    let width = runs
        .iter()
        .flat_map(|run| &run.glyphs)
        .map(|g| g.advance)
        .sum();
    Ok(Line { runs, width })
}

/// Splits `range` of `text` into runs of one font each, in logical order. A letter takes
/// the first font that has it; spaces, punctuation, digits and marks stay in the font of
/// the character before them when it has them, so that a run is not broken needlessly.
fn by_font(
    fonts: &[Font],
    text: &str,
    range: Range<usize>,
) -> Result<Vec<(usize, Range<usize>)>, Unset> {
    let mut pieces: Vec<(usize, Range<usize>)> = Vec::new();
    for (i, c) in text[range.clone()].char_indices() {
        let at = range.start + i;
        let previous = pieces.last().map(|p| p.0);
        let neutral = !c.is_alphabetic() || unicode_normalization::char::is_combining_mark(c);
        let font = previous
            .filter(|&f| neutral && fonts[f].covers(c))
            .or_else(|| fonts.iter().position(|f| f.covers(c)))
            // Joiners and variation selectors have no glyph of their own: the shaper hides them.
            .or_else(|| is_default_ignorable(c).then(|| previous.unwrap_or(0)))
            .ok_or(Unset::Character(c))?;
        let end = at + c.len_utf8();
        match pieces.last_mut() {
            Some((f, r)) if *f == font => r.end = end,
            _ => pieces.push((font, at..end)),
        }
    }
    Ok(pieces)
}

fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32, 0x200C | 0x200D | 0x034F | 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
}

thread_local! {
    /// Shape plans by font, direction and script: making one costs more than shaping a name.
    static PLANS: RefCell<HashMap<(usize, bool, Script), ShapePlan>> = RefCell::default();
}

fn shape(font: &Font, index: usize, text: &str, rtl: bool) -> Result<Run, Unset> {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    let key = (index, rtl, buffer.script());
    let shaped = PLANS.with_borrow_mut(|plans| {
        let plan = plans.entry(key).or_insert_with(|| {
            let direction = buffer.direction();
            ShapePlan::new(&font.shaper, direction, Some(key.2), None, &[])
        });
        rustybuzz::shape_with_plan(&font.shaper, plan, buffer)
    });
    let (infos, positions) = (shaped.glyph_infos(), shaped.glyph_positions());

    // Each cluster's text goes to the glyph of it that comes first in logical order.
    let mut starts: Vec<usize> = infos.iter().map(|g| g.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let end_of = |start: usize| {
        let next = starts.partition_point(|&s| s <= start);
        starts.get(next).copied().unwrap_or(text.len())
    };
    let em = |units: i32| units as f32 / font.units_per_em;
    let mut named = std::collections::HashSet::new();
    let order: Box<dyn Iterator<Item = usize>> = if rtl {
        Box::new((0..infos.len()).rev())
    } else {
        Box::new(0..infos.len())
    };
    let mut texts = vec![String::new(); infos.len()];
    for i in order {
        let start = infos[i].cluster as usize;
        if named.insert(start) {
            texts[i] = text[start..end_of(start)].to_owned();
        }
    }
    let glyphs = infos
        .iter()
        .zip(positions)
        .zip(texts)
        .map(|((info, position), glyph_text)| {
            if info.glyph_id == 0 {
                let c = text[info.cluster as usize..].chars().next();
                return Err(Unset::Character(c.unwrap_or('\u{FFFD}')));
            }
            Ok(Glyph {
                gid: info.glyph_id as u16,
                text: glyph_text,
                advance: em(position.x_advance),
                x_offset: em(position.x_offset),
                y_offset: em(position.y_offset),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Run {
        font: index,
        glyphs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of each glyph, left to right as printed.
    fn visual(text: &str) -> Vec<(usize, String)> {
        let line = set(text).unwrap();
        line.runs
            .iter()
            .flat_map(|r| r.glyphs.iter().map(move |g| (r.font, g.text.clone())))
            .collect()
    }

    #[test]
    fn each_script_takes_the_first_font_that_has_it() {
        assert!(visual("Jiří Čermák").iter().all(|(f, _)| *f == 0));
        assert!(visual("فاطمة").iter().all(|(f, _)| *f == 1));
        assert!(visual("יעל כהן").iter().all(|(f, _)| *f == 2));
        assert!(visual("अर्जुन शर्मा").iter().all(|(f, _)| *f == 3));
    }

    #[test]
    fn right_to_left_text_is_set_from_its_last_letter() {
        let texts: Vec<String> = visual("יעל כהן").into_iter().map(|g| g.1).collect();
        assert_eq!(texts, ["ן", "ה", "כ", " ", "ל", "ע", "י"]);
        // Latin first, left; the Arabic words then from their last letter.
        let glyphs = visual("Layla عبد الله");
        let latin: String = glyphs[..6].iter().map(|g| g.1.as_str()).collect();
        assert_eq!(latin, "Layla ");
        // Glyph by glyph from the right (الله is one ligature).
        let arabic: String = glyphs[6..].iter().rev().map(|g| g.1.as_str()).collect();
        assert_eq!(arabic, "عبد الله");
    }

    #[test]
    fn arabic_letters_join() {
        // ف alone and ف at the start of a word are different glyphs.
        let alone = set("ف").unwrap().runs[0].glyphs[0].gid;
        let initial = set("فا").unwrap().runs[0].glyphs.last().unwrap().gid;
        assert_ne!(alone, initial);
    }

    #[test]
    fn a_script_no_font_covers_is_named() {
        assert_eq!(printable("Ana 山田"), Err(Unset::Character('山')));
        assert_eq!(printable("สมชาย"), Err(Unset::Character('ส')));
        for name in [
            "Łucja Żółkiewska",
            "Ἀλέξανδρος",
            "Пётр Ильич",
            "فاطمة",
            "יעל",
            "अर्जुन",
            "ਅਰਜਨ",
        ] {
            let expected = if name.starts_with('ਅ') {
                Err(Unset::Character('ਅ'))
            } else {
                Ok(())
            };
            assert_eq!(printable(name), expected, "{name}");
        }
    }

    #[test]
    fn joiners_do_not_make_a_name_unprintable() {
        assert_eq!(printable("क्\u{200D}ष"), Ok(()));
        assert_eq!(printable("می\u{200C}خواهم"), Ok(()));
    }
}
