//! Every import points down: routes → components → api → server → context → domain
//! (ARCHITECTURE.md). This reads the sources and fails on any `crate::` path that reaches a
//! higher layer than the file it is in.
use std::path::{Path, PathBuf};

/// Layers from the top; a file may name its own layer and those below it.
const LAYERS: [&str; 7] = [
    "app",
    "routes",
    "components",
    "api",
    "server",
    "context",
    "domain",
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

/// The layer of a file, from its path under `src/` (`None` for the crate root, the tests).
fn layer_of(relative: &Path) -> Option<&'static str> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().copied().find(|l| *l == name)
}

/// The top-level modules a source names through `crate::`, with the line they are on.
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[at + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            found.push((line, ident(rest)));
            continue;
        };
        // `crate::{a::b, c::{d, e}}`: the first name of each entry at the group's top level.
        let (mut depth, mut entry_start) = (0, true);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => entry_start = true,
                c if entry_start && (c.is_alphanumeric() || c == '_') => {
                    let line = line + group[..i].matches('\n').count();
                    found.push((line, ident(&group[i..])));
                    entry_start = false;
                }
                _ => {}
            }
        }
    }
    found
}

/// Every upward reference in `source`, a file of `layer`, as "line: crate::name".
fn upward(layer: &str, source: &str) -> Vec<String> {
    let Some(own) = rank(layer) else {
        return Vec::new();
    };
    crate_paths(source)
        .into_iter()
        .filter(|(_, name)| rank(name).is_some_and(|r| r < own))
        .map(|(line, name)| format!("{line}: crate::{name}"))
        .collect()
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn no_file_imports_from_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let Some(layer) = layer_of(relative) else {
            continue;
        };
        let source = std::fs::read_to_string(file).unwrap();
        for found in upward(layer, &source) {
            wrong.push(format!("{} ({layer}) line {found}", relative.display()));
        }
    }
    assert!(
        files.len() > 50,
        "the sources were found ({} files)",
        files.len()
    );
    assert!(
        wrong.is_empty(),
        "imports from a higher layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_upward_imports_in_every_form() {
    assert_eq!(
        upward("server", "use crate::api::ErrorCode;\n"),
        ["1: crate::api"]
    );
    assert_eq!(
        upward(
            "server",
            "use crate::{\n    domain::role::Role,\n    components::page::require,\n};"
        ),
        ["3: crate::components"]
    );
    assert_eq!(
        upward(
            "api",
            "use crate::{domain::role::Role, routes::forum, server::{db, request}};"
        ),
        ["1: crate::routes"]
    );
    assert_eq!(
        upward("domain", "let x = crate::context::use_user();"),
        ["1: crate::context"]
    );
    assert!(upward("routes", "use crate::server::db; // crate::app::shell").is_empty());
    assert!(upward("context", "use crate::domain::member::UserView;").is_empty());
}
