//! Tests of the certificate PDF: the printed text, the embedded font, the page and its size.
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

/// Runs a poppler tool on the PDF. A missing tool fails the test: skipping would pass
/// silently on exactly the machines that never check the text.
fn poppler(tool: &str, pdf: &[u8], after: &[&str]) -> String {
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let output = Command::new(tool).arg(file.path()).args(after).output();
    let output = output.unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}): install poppler-utils (`make test-tools`)")
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{tool} failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// The page's text with every run of whitespace, line breaks included, one space, and
/// without the direction marks pdftotext puts around right-to-left words.
fn text_of(pdf: &[u8]) -> String {
    let text = poppler("pdftotext", pdf, &["-"]);
    let text = text.replace(|c| matches!(c, '\u{202A}'..='\u{202E}'), "");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const LONG_NAME: &str = "Maria Magdalena Aleksandra Konstancja Wiśniewska-Grzybowska-Żółtowska";

#[test]
fn every_name_is_printed_exactly() {
    let names = [
        "Łucja Żółkiewska-Świątek",
        "Jiří Čermák",
        "Kārlis Ēriņš",
        "Žiga Šušteršič",
        "Ondřej Dvořák-Šťastný",
        "Zoë Ångström",
        "Ştefan Ţîrlea",
        "Dvořáková",
        "Ģirts Ķēniņš-Ļaudaks",
        "Zdzisław Gęślą Jaźń",
        "Ōdön Ŗůžička Ŀŀ Ħħ ß",
        "Ana María Fernández de Córdoba y Gutiérrez de la Concha-Villaseñor",
        LONG_NAME,
    ];
    for name in names {
        let text = text_of(&render(&certificate(name)).unwrap());
        assert!(
            text.contains(name),
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
        doc.certifies,
        doc.completed,
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
fn the_font_is_embedded_as_a_subset() {
    let pdf = render(&certificate("Žiga Šušteršič")).unwrap();
    let fonts = poppler("pdffonts", &pdf, &[]);
    let rows: Vec<Vec<&str>> = fonts
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 1, "one font:\n{fonts}");
    // name, type (two words), encoding, emb, sub, uni, object, generation
    let row = &rows[0];
    let (tag, family) = row[0].split_once('+').expect("a subset tag");
    assert!(
        tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
        "{fonts}"
    );
    assert_eq!(family, "DejaVuSerif", "{fonts}");
    assert_eq!(
        row[row.len() - 5..row.len() - 2],
        ["yes", "yes", "yes"],
        "{fonts}"
    );
}

#[test]
fn one_small_a4_landscape_page_with_title_and_language() {
    let pdf = render(&certificate("Łucja Żółkiewska-Świątek")).unwrap();
    let info = poppler("pdfinfo", &pdf, &[]);
    let field = |name: &str| {
        let line = info.lines().find(|l| l.starts_with(&format!("{name}:")));
        line.map_or("", |l| l[name.len() + 1..].trim())
    };
    assert_eq!(field("Pages"), "1");
    let size: Vec<f32> = field("Page size")
        .split(' ')
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        (size[0] - 841.89).abs() < 0.01 && (size[1] - 595.28).abs() < 0.01,
        "{info}"
    );
    assert_eq!(field("Title"), "Osvědčení — Łucja Żółkiewska-Świątek");
    assert!(!info.contains("PDF/X"), "claims PDF/X:\n{info}");
    assert!(pdf.windows(10).any(|w| w == b"/Lang(cs)>"), "no /Lang");
    assert!(pdf.len() <= 30 * 1024, "{} bytes", pdf.len());
}

#[test]
fn the_longest_name_stays_small() {
    let pdf = render(&certificate(LONG_NAME)).unwrap();
    assert!(pdf.len() <= 30 * 1024, "{} bytes", pdf.len());
}

#[test]
fn long_texts_shrink_then_wrap_and_never_overflow() {
    let face = Face { ids: Vec::new() };
    let fit = |text| face.fit_block(text, NAME.1, NAME_MIN, TEXT_W).unwrap();
    let fits = |(size, lines): &(f32, Vec<&str>)| {
        lines
            .iter()
            .all(|l| face.width(l).unwrap() * size <= TEXT_W + 0.01)
    };

    assert_eq!(fit("Jiří Čermák"), (NAME.1, vec!["Jiří Čermák"]));

    let name = "Ana María Fernández de Córdoba y Gutiérrez";
    let (size, lines) = fit(name);
    assert!(
        (NAME_MIN..NAME.1).contains(&size) && lines == [name],
        "{size} {lines:?}"
    );

    let set = fit(LONG_NAME);
    let lines = vec![
        "Maria Magdalena Aleksandra Konstancja",
        "Wiśniewska-Grzybowska-Żółtowska",
    ];
    assert_eq!(set, (NAME_MIN, lines));
    assert!(fits(&set));

    // Only hyphens to break at: split after one.
    let set = fit("Wolfeschlegelsteinhausen-Bergerdorffwelchevoralternwaren-Gewissenhaftschafer");
    assert!(
        set.1.len() == 2 && set.1[0].ends_with('-') && fits(&set),
        "{set:?}"
    );

    // Nowhere to break: one line, below the minimum size.
    let set = fit("Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschafers");
    assert!(
        set.0 < NAME_MIN && set.1.len() == 1 && fits(&set),
        "{set:?}"
    );
}

#[test]
fn a_character_outside_the_font_is_refused() {
    let err = render(&certificate("山田 太郎")).err().unwrap();
    assert!(matches!(err, PdfError::UnsupportedCharacter('山')), "{err}");
}

/// The fonts of the PDF by family (the subset tag taken off), sorted, from pdffonts.
fn embedded_fonts(pdf: &[u8]) -> Vec<String> {
    let table = poppler("pdffonts", pdf, &[]);
    let mut fonts = table
        .lines()
        .skip(2)
        .map(|l| {
            let row: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(
                row[row.len() - 5..row.len() - 2],
                ["yes", "yes", "yes"],
                "{table}"
            );
            row[0].split_once('+').expect("a subset tag").1.to_owned()
        })
        .collect::<Vec<_>>();
    fonts.sort();
    fonts
}

const ARABIC: &str = "فاطمة الزهراء";
const HEBREW: &str = "יעל בן־דוד";
// Without ligatures such as لا or الله: pdftotext reverses the letters a ligature stands
// for in right-to-left text (fonts::tests checks what the PDF maps each glyph to).
const MIXED: &str = "Layla فاطمة الزهراء";
const DEVANAGARI: &str = "अर्जुन शर्मा";

#[test]
fn right_to_left_names_are_printed_in_their_fonts_and_read_in_logical_order() {
    for (name, font) in [
        (ARABIC, "NotoNaskhArabic-Regular"),
        (HEBREW, "NotoSerifHebrew-Regular"),
    ] {
        let pdf = render(&certificate(name)).unwrap();
        assert!(pdf.len() <= 30 * 1024, "{name}: {} bytes", pdf.len());
        assert_eq!(embedded_fonts(&pdf), ["DejaVuSerif", font], "{name}");
        let text = text_of(&pdf);
        assert!(
            text.contains(name),
            "{name:?} not in the extracted text: {text}"
        );
    }
}

#[test]
fn a_name_of_latin_and_arabic_words_is_printed_in_logical_order() {
    let pdf = render(&certificate(MIXED)).unwrap();
    assert_eq!(
        embedded_fonts(&pdf),
        ["DejaVuSerif", "NotoNaskhArabic-Regular"]
    );
    let text = text_of(&pdf);
    // The name's words as typed: Latin first, then the Arabic words.
    assert!(text.contains(MIXED), "{text}");
}

#[test]
fn a_devanagari_name_is_printed() {
    let pdf = render(&certificate(DEVANAGARI)).unwrap();
    assert_eq!(
        embedded_fonts(&pdf),
        ["DejaVuSerif", "NotoSerifDevanagari-Regular"]
    );
    assert!(pdf.len() <= 30 * 1024, "{} bytes", pdf.len());
}

#[test]
fn a_latin_name_embeds_only_dejavu() {
    let pdf = render(&certificate("Jiří Čermák")).unwrap();
    assert_eq!(embedded_fonts(&pdf), ["DejaVuSerif"]);
}

#[test]
fn names_in_every_script_stay_small() {
    let long_arabic = "ثابت ضياء غسان ظافر خليل جعفر صقر شذى زينب طه قاسم يحيى فؤاد ذكاء هشام مصطفى عثمان بن عبد الله الثقفي الحجازي";
    for name in [long_arabic, "Ana יעל अर्जुन فاطمة", DEVANAGARI, HEBREW] {
        let pdf = render(&certificate(name)).unwrap();
        assert!(pdf.len() <= 30 * 1024, "{name}: {} bytes", pdf.len());
    }
}
