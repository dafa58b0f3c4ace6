//! Rendering one certificate PDF (A4 landscape, DejaVu Serif subset, vector QR code) for a
//! holder with a diacritic name. Criterion runs on one thread, so PDFs per second here is
//! per core.
//!
//!     cargo bench -p guildhall-app --features ssr --bench certificate_pdf
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guildhall_app::server::certificates::pdf::{CertificateDocument, render};

fn bench(c: &mut Criterion) {
    let doc = CertificateDocument {
        language: "lv",
        association: "Guildhall Association of Service Professionals",
        title: "Sertifikāts",
        certifies: "Ar šo apliecina, ka",
        holder_name: "Kārlis Ēriņš-Žukovskis",
        completed: "ir pabeidzis programmu",
        programme_title: "Izcila klientu apkalpošana",
        issued_label: "Izsniegts",
        issued_on: "2026. gada 23. novembrī",
        expires_label: "Derīgs līdz",
        expires_on: "2029. gada 23. novembrim",
        serial_label: "Sērijas numurs",
        serial: "2026-000042",
        code_label: "Verifikācijas kods",
        code: "7K3M-Q9XA-R2TD-W8NP",
        verify_label: "Pārbaudiet",
        verify_url: "https://example.org/verify/7K3M-Q9XA-R2TD-W8NP",
        signatory_name: "Ilze Bērziņa",
        signatory_title: "Valdes priekšsēdētāja",
    };
    let bytes = render(&doc).expect("the certificate renders").len();
    println!(
        "certificate_pdf: {bytes} bytes per PDF ({:.1} KiB)",
        bytes as f64 / 1024.0
    );

    // The same with a name set right to left in the Arabic fallback font (issue 17, item 2).
    let arabic = CertificateDocument {
        holder_name: "فاطمة الزهراء بنت عبد الرحمن",
        ..doc
    };
    let arabic_bytes = render(&arabic).expect("the certificate renders").len();
    println!("certificate_pdf: {arabic_bytes} bytes per PDF with an Arabic name");

    let mut group = c.benchmark_group("certificate_pdf");
    group.throughput(Throughput::Elements(1));
    group.bench_function("render one certificate", |b| {
        b.iter(|| render(&doc).unwrap())
    });
    group.bench_function("render one certificate, Arabic name", |b| {
        b.iter(|| render(&arabic).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
