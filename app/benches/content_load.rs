//! Start-up cost of the content: loading and checking a generated corpus of 50 modules in
//! 5 languages, each with its quiz (12-14 questions) in the same 5, against merely reading the
//! same 500 files (the floor any loader pays).
//!
//!     cargo bench -p guildhall-app --features ssr --bench content_load
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use guildhall_app::server::content::Catalogue;

const MODULES: usize = 50;
const LANGUAGES: [&str; 5] = ["cs", "en", "lv", "pl", "sl"];

/// 50 modules cut from the real ones (each file a real lesson, each quiz a real quiz), every
/// one in five languages.
fn generate_corpus(dir: &Path) {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/modules");
    let read =
        |slug: &str, file: &str| std::fs::read_to_string(real.join(slug).join(file)).unwrap();
    let slugs = [
        "service-excellence",
        "performance-standards",
        "service-quality",
        "service-operations",
        "great-service-qualities",
    ];
    let sources: Vec<String> = slugs.iter().map(|slug| read(slug, "en.md")).collect();
    let quizzes: Vec<String> = slugs.iter().map(|slug| read(slug, "quiz.en.md")).collect();
    for i in 0..MODULES {
        let module = dir.join("modules").join(format!("module-{i:02}"));
        std::fs::create_dir_all(&module).unwrap();
        // Links between real modules point at slugs that do not exist here: make them external.
        let text = sources[i % sources.len()]
            .replace("](/training/", "](https://example.org/training/")
            .lines()
            .map(|l| {
                if l.starts_with("order = ") {
                    format!("order = {}", i + 1)
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        for lang in LANGUAGES {
            std::fs::write(module.join(format!("{lang}.md")), &text).unwrap();
        }
        // The settings stay in quiz.en.md; the other languages carry only their title.
        let quiz =
            quizzes[i % quizzes.len()].replace("](/training/", "](https://example.org/training/");
        let body_start = quiz[3..].find("\n+++").expect("quiz front matter") + 3;
        let body = &quiz[body_start..];
        for lang in LANGUAGES {
            let text = if lang == "en" {
                quiz.clone()
            } else {
                format!("+++\ntitle = \"Quiz ({lang})\"{body}")
            };
            std::fs::write(module.join(format!("quiz.{lang}.md")), text).unwrap();
        }
    }
}

fn read_all(dir: &Path) -> usize {
    let mut bytes = 0;
    for module in std::fs::read_dir(dir.join("modules")).unwrap() {
        for file in std::fs::read_dir(module.unwrap().path()).unwrap() {
            bytes += std::fs::read_to_string(file.unwrap().path()).unwrap().len();
        }
    }
    bytes
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate_corpus(dir.path());
    let catalogue = Catalogue::load(dir.path())
        .unwrap_or_else(|e| panic!("generated corpus must load: {:?}", &e[..e.len().min(3)]));
    assert_eq!(catalogue.modules().len(), MODULES);
    assert!(catalogue.modules().iter().all(|m| m.quiz.is_some()));

    let mut group = c.benchmark_group("content_load_50x5");
    group.sample_size(20);
    group.bench_function("baseline: read the 500 files", |b| {
        b.iter(|| read_all(dir.path()))
    });
    group.bench_function("load, check and render", |b| {
        b.iter(|| Catalogue::load(dir.path()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
