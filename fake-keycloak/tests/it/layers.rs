//! The crate's shape, checked on its sources: each folder of `src/` is a layer that uses
//! only the layers below it, no source file imports another that imports it back
//! (directly or round a loop), and files stay readable. References are the `crate::…`
//! and `super::…` paths outside comments and `#[cfg(test)] mod tests`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// What each layer may use besides itself. Root files (`lib.rs`, `config.rs`,
/// `state.rs`) are the top: they may use anything, and nothing below may use them.
const LAYERS: &[(&str, &[&str])] = &[
    ("locks", &[]),
    ("model", &["locks"]),
    ("wire", &["locks"]),
    ("sample", &["locks", "model"]),
    ("routes", &["locks", "model", "wire"]),
];

const MAX_LINES: usize = 400;

type Module = Vec<String>;

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// Every library source file: its module path and its text (without test modules and
/// whole-line comments). `main.rs` is the binary, another crate.
fn sources() -> BTreeMap<Module, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Module = rel.iter().map(|s| s.to_string_lossy().into()).collect();
            if path.extension().is_none_or(|e| e != "rs") || module == ["main"] {
                continue;
            }
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = fs::read_to_string(&path).expect("a source file");
            out.insert(module, code_of(&text));
        }
    }
    out
}

fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths named by `crate::…` and `super::…` in `code`, made absolute.
fn paths(me: &Module, code: &str) -> Vec<Module> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (start, _) in code.char_indices() {
        let prev = bytes.get(start.wrapping_sub(1)).copied().unwrap_or(b' ');
        if prev.is_ascii_alphanumeric() || prev == b'_' || prev == b':' {
            continue;
        }
        let rest = &code[start..];
        let (mut base, mut rest) = if let Some(r) = rest.strip_prefix("crate::") {
            (Vec::new(), r)
        } else if let Some(r) = rest.strip_prefix("super::") {
            (me[..me.len().saturating_sub(1)].to_vec(), r)
        } else {
            continue;
        };
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        expand(&base, rest, &mut out);
    }
    out
}

/// `a::b::{c, d::{e}}` after `prefix`: every path it names.
fn expand(prefix: &[String], text: &str, out: &mut Vec<Module>) {
    let mut path = prefix.to_vec();
    let mut rest = text.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            for item in split_group(group) {
                expand(&path, item, out);
            }
            return;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            out.push(path);
            return;
        }
        let ident = &rest[..end];
        if ident != "self" {
            path.push(ident.to_string());
        }
        match rest[end..].strip_prefix("::") {
            Some(r) => rest = r,
            None => {
                out.push(path);
                return;
            }
        }
    }
}

/// The top-level items of a `{…}` group (the text just after its `{`).
fn split_group(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut from) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&text[from..i]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// File → the other files it uses.
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let files = sources();
    let mut graph = BTreeMap::new();
    for (me, code) in &files {
        let mut used = BTreeSet::new();
        for path in paths(me, code) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|m| files.contains_key(m));
            if let Some(target) = target.filter(|t| t != me) {
                used.insert(target);
            }
        }
        graph.insert(me.clone(), used);
    }
    graph
}

/// The layer of a module: its folder, or for a root file its own name ("crate" for lib.rs).
fn layer(m: &Module) -> String {
    m.first().cloned().unwrap_or_else(|| "crate".to_string())
}

#[test]
fn layers_use_only_the_layers_below() {
    let graph = graph();
    assert!(
        graph[&vec!["state".to_string()]].contains(&vec!["routes".into(), "router".into()]),
        "the checker must see state.rs use routes/router.rs: {graph:?}"
    );
    let mut wrong = Vec::new();
    for (me, used) in &graph {
        let mine = layer(me);
        let Some((_, allowed)) = LAYERS.iter().find(|(l, _)| *l == mine) else {
            continue; // a root file: the top
        };
        for target in used {
            let theirs = layer(target);
            if theirs != mine && !allowed.contains(&theirs.as_str()) {
                wrong.push(format!("{} uses {}", name(me), name(target)));
            }
        }
    }
    assert!(wrong.is_empty(), "layer violations:\n{}", wrong.join("\n"));
}

#[test]
fn no_import_cycles_between_files() {
    let graph = graph();
    // Depth-first search; a file met again while still on the path closes a cycle.
    fn visit(
        m: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(i) = path.iter().position(|p| p == m) {
            let lap: Vec<String> = path[i..].iter().chain([m]).map(name).collect();
            cycles.push(lap.join(" -> "));
            return;
        }
        if !done.insert(m.clone()) {
            return;
        }
        path.push(m.clone());
        for next in &graph[m] {
            visit(next, graph, path, done, cycles);
        }
        path.pop();
    }
    let (mut done, mut cycles) = (BTreeSet::new(), Vec::new());
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn source_files_stay_readable() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![src];
    let mut long = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                if !text.starts_with("//!") {
                    long.push(format!("{}: no doc comment at the top", path.display()));
                }
                let lines = text.lines().count();
                if lines > MAX_LINES {
                    long.push(format!("{}: {lines} lines", path.display()));
                }
            }
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}
