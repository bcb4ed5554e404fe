//! The vendored spec reads alike in every YAML reader: no plain scalar that
//! a YAML 1.1 reader (PyYAML, SnakeYAML, js-yaml's default schema) would
//! type differently from our YAML 1.2 reading, and PyYAML's and js-yaml's
//! readings of the whole file equal serde's.

use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

fn vendored() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/identifai.yaml")
}

/// What a scalar's text resolves to.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Kind {
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    Merge,
    Value,
    Str,
}

/// YAML 1.1's implicit resolvers (yaml.org/type, as PyYAML implements
/// them), for a plain scalar.
fn yaml_1_1(text: &str) -> Kind {
    let rules: [(Kind, &str); 7] = [
        (
            Kind::Bool,
            r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        ),
        (Kind::Null, r"^(?:~|null|Null|NULL|)$"),
        (
            Kind::Int,
            r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        ),
        (
            Kind::Float,
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        ),
        (
            Kind::Timestamp,
            r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
        ),
        (Kind::Merge, r"^<<$"),
        (Kind::Value, r"^=$"),
    ];
    for (kind, pattern) in rules {
        if Regex::new(pattern).expect("a resolver").is_match(text) {
            return kind;
        }
    }
    Kind::Str
}

/// What our reading (serde, YAML 1.2) makes of the same plain scalar.
fn yaml_1_2(text: &str) -> Kind {
    match serde_norway::from_str::<Value>(text) {
        Ok(Value::Null) => Kind::Null,
        Ok(Value::Bool(_)) => Kind::Bool,
        Ok(Value::Number(n)) if n.is_f64() => Kind::Float,
        Ok(Value::Number(_)) => Kind::Int,
        _ => Kind::Str,
    }
}

/// Every plain scalar of a document, with its line.
#[derive(Default)]
struct Plain(Vec<(String, usize)>);

impl MarkedEventReceiver for Plain {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if let Event::Scalar(text, TScalarStyle::Plain, _, _) = event {
            self.0.push((text, mark.line()));
        }
    }
}

fn plain_scalars(text: &str) -> Vec<(String, usize)> {
    let mut plain = Plain::default();
    Parser::new_from_str(text)
        .load(&mut plain, true)
        .expect("the vendored file parses");
    plain.0
}

/// The plain scalars a YAML 1.1 reader types differently from ours.
fn retyped(text: &str) -> Vec<String> {
    plain_scalars(text)
        .into_iter()
        .filter_map(|(scalar, line)| {
            let old = yaml_1_1(&scalar);
            let new = yaml_1_2(&scalar);
            // 1.1 ints with `_` or sexagesimal are ints in neither's string
            // sense; any mismatch is a retyping.
            (old != new)
                .then(|| format!("line {line}: `{scalar}` is {old:?} in YAML 1.1, {new:?} in ours"))
        })
        .collect()
}

#[test]
fn no_plain_scalar_of_the_vendored_file_is_retyped_by_yaml_1_1() {
    let text = std::fs::read_to_string(vendored()).expect("the vendored spec");
    let scalars = plain_scalars(&text);
    assert!(
        scalars.len() > 1000,
        "the whole file is read: {}",
        scalars.len()
    );
    let bad = retyped(&text);
    assert!(
        bad.is_empty(),
        "quote these in the normal form:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_finds_what_yaml_1_1_would_retype() {
    // The defect this guards against: the vendor's timestamps, unquoted.
    let text = "a: 2025-03-03T13:28:03.000000Z\nb: yes\nc: 1_000\nd: 1:20\ne: '2025-03-03'\nf: plain\ng: 010\n";
    let bad = retyped(text);
    assert_eq!(bad.len(), 5, "{bad:#?}");
    for found in ["2025-03-03T13:28:03", "yes", "1_000", "1:20", "010"] {
        assert!(bad.iter().any(|b| b.contains(found)), "{found}: {bad:#?}");
    }
}

#[test]
fn our_normal_form_quotes_what_yaml_1_1_would_retype() {
    let tricky = [
        "2025-03-03T13:28:03.000000Z",
        "2025-03-03",
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "n",
        "~",
        "null",
        "",
        "1_000",
        "1:20",
        "0755",
        "0o17",
        "0x1F",
        ".inf",
        "-.Inf",
        ".NaN",
        "<<",
        "=",
        "12",
        "1.5",
        "1e3",
        " lead",
        "trail ",
        "- item",
        "a: b",
        "a #b",
        "#x",
        "@x",
        "`x",
        "'q'",
        "\"q\"",
        "line\nbreak",
        "true",
        "False",
    ];
    let doc = Value::Object(
        tricky
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("k{i}"), Value::String(s.to_string())))
            .collect(),
    );
    let text = xtask::yaml::to_string(&doc);
    assert!(retyped(&text).is_empty(), "{text}");
    let back: Value = serde_norway::from_str(&text).expect("our YAML parses");
    assert_eq!(back, doc, "{text}");
}

/// Another reader's JSON of the vendored file (`command` prints it), or
/// `None` when the reader is not installed (`missing` is in its error) and
/// this is not CI, where .ci/run installs it. A reading that fails (a
/// timestamp that JSON cannot write) fails the test.
fn read_by(
    reader: &str,
    mut command: std::process::Command,
    missing: &[&str],
    install: &str,
) -> Option<Value> {
    let output = command.arg(vendored()).output();
    match output {
        Ok(o) if o.status.success() => Some(
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{reader}'s JSON: {e}")),
        ),
        other => {
            let why = match other {
                Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var_os("CI").is_none() && missing.iter().any(|m| why.contains(m)),
                "{reader} could not read the vendored file: {why}"
            );
            eprintln!("note: {reader} is not installed ({install}); skipped outside CI");
            None
        }
    }
}

/// PyYAML (YAML 1.1) reads the vendored file to the same values as serde.
#[test]
fn pyyaml_reads_the_vendored_file_as_we_do() {
    let script = "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))";
    let mut python = std::process::Command::new("python3");
    python.args(["-c", script]);
    let Some(theirs) = read_by("PyYAML", python, &["No module named"], "pip install pyyaml") else {
        return;
    };
    let ours = xtask::spec::load(&vendored()).expect("the vendored spec");
    assert!(theirs == ours, "PyYAML reads other values than serde");
}

/// Where `.ci/run` installs js-yaml (`npm install --prefix .ci/node`).
fn js_yaml_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/node/node_modules")
}

/// js-yaml (its default schema, which resolves YAML 1.1 timestamps) reads
/// the vendored file to the same values as serde.
#[test]
fn js_yaml_reads_the_vendored_file_as_we_do() {
    let script = "const y = require('js-yaml'); const fs = require('fs');\
                  process.stdout.write(JSON.stringify(y.load(fs.readFileSync(process.argv[1], 'utf8'))));";
    let mut node = std::process::Command::new("node");
    node.args(["-e", script])
        .env("NODE_PATH", js_yaml_modules());
    let Some(theirs) = read_by(
        "js-yaml",
        node,
        &["Cannot find module", "No such file"],
        "npm install --prefix .ci/node js-yaml@4",
    ) else {
        return;
    };
    let ours = xtask::spec::load(&vendored()).expect("the vendored spec");
    // js-yaml makes a timestamp a Date, which JSON writes as an ISO string
    // of its own ("2025-03-03T13:28:03.000Z"), unlike the vendor's text.
    assert!(theirs == ours, "js-yaml reads other values than serde");
}
