//! The vendored spec reads alike in every YAML reader.
//!
//! - No plain scalar of it is one that a YAML 1.1 reader (PyYAML,
//!   SnakeYAML, js-yaml's default schema) would type differently from our
//!   YAML 1.2 reading (serde, through `xtask::spec`).
//! - PyYAML's, js-yaml's and SnakeYAML's readings of the whole file equal
//!   serde's. Each runs as a small program in `xtask/tests/readers/`
//!   (`pyyaml_read.py`, `js_yaml_read.js`, `SnakeRead.java`) that prints its
//!   reading as JSON and writes what JSON has no place for (a date, a NaN,
//!   a key that is not a string) so that it equals no string: a scalar the
//!   reader retypes fails the comparison. The test on a file with the
//!   vendor's timestamps unquoted shows that it does.
//! - Under each of the four readers, the operation the project vendors
//!   exactly (POST /api/partner/send_creation_email) and the `User` and
//!   `Pricing` schemas read the same from the vendor's page (its OpenAPI
//!   block, saved under `tests/fixtures/pages/`) as from the vendored file.
//!
//! A reader that is not installed is skipped with a note, unless `CI` is
//! set (`CI=true`, as CI services set it, where `.ci/run` installs every
//! reader): then it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

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

/// A YAML reader other than ours: a program in `xtask/tests/readers/` that
/// prints, as JSON, what it reads from the file named by its last argument.
/// Each program writes a value JSON has no place for (a date, a NaN) as an
/// object that names its type, so that a scalar it types differently from
/// serde never equals serde's reading.
struct Reader {
    name: &'static str,
    /// The program and its arguments, all but the file.
    command: fn() -> Command,
    /// What its error says when its YAML library is not installed.
    missing: &'static [&'static str],
    /// How to install it, for the note when it is skipped.
    install: &'static str,
}

/// Where the reader programs are.
fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/readers")
        .join(name)
}

/// PyYAML (YAML 1.1), `safe_load`.
const PYYAML: Reader = Reader {
    name: "PyYAML",
    command: || {
        let mut python = Command::new("python3");
        python.arg(program("pyyaml_read.py"));
        python
    },
    missing: &["No module named 'yaml'"],
    install: "pip install pyyaml",
};

/// Where `.ci/run` installs js-yaml (`npm install --prefix .ci/node`).
fn js_yaml_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/node/node_modules")
}

/// js-yaml, its default schema (which resolves YAML 1.1 timestamps).
const JS_YAML: Reader = Reader {
    name: "js-yaml",
    command: || {
        let mut node = Command::new("node");
        node.arg(program("js_yaml_read.js"))
            .env("NODE_PATH", js_yaml_modules());
        node
    },
    missing: &["Cannot find module 'js-yaml'"],
    install: "npm install --prefix .ci/node js-yaml@4",
};

/// Where Debian's libyaml-snake-java puts SnakeYAML (`.ci/run` installs it).
const SNAKEYAML_JAR: &str = "/usr/share/java/snakeyaml.jar";

/// SnakeYAML (YAML 1.1, the reader of swagger-parser and
/// openapi-generator), its default `new Yaml().load`; the program is run as
/// a single-file Java source.
const SNAKEYAML: Reader = Reader {
    name: "SnakeYAML",
    command: || {
        let mut java = Command::new("java");
        java.arg("-cp")
            .arg(SNAKEYAML_JAR)
            .arg(program("SnakeRead.java"));
        java
    },
    missing: &["package org.yaml.snakeyaml does not exist"],
    install: "apt-get install libyaml-snake-java",
};

impl Reader {
    /// What the reader reads from `file`, or `None` when it is not installed
    /// (the program is not found, or its error says its library is missing)
    /// and this is not CI, where .ci/run installs it. Any other failure, or
    /// a missing reader under `CI`, fails the test.
    fn read(&self, file: &Path) -> Option<Value> {
        let Reader { name, .. } = self;
        let mut command = (self.command)();
        let output = command.arg(file).output();
        let (why, missing) = match output {
            Ok(o) if o.status.success() => {
                return Some(
                    serde_json::from_slice(&o.stdout)
                        .unwrap_or_else(|e| panic!("{name}'s JSON of {}: {e}", file.display())),
                );
            }
            Ok(o) => {
                let why = String::from_utf8_lossy(&o.stderr).into_owned();
                let missing = self.missing.iter().any(|m| why.contains(m));
                (why, missing)
            }
            Err(e) => (
                format!(
                    "cannot run {}: {e}",
                    command.get_program().to_string_lossy()
                ),
                e.kind() == std::io::ErrorKind::NotFound,
            ),
        };
        assert!(
            std::env::var_os("CI").is_none() && missing,
            "{name} could not read {}: {why}",
            file.display()
        );
        eprintln!(
            "note: {name} is not installed ({}); skipped outside CI",
            self.install
        );
        None
    }
}

/// Another reader's reading of the whole vendored file equals serde's.
fn reads_the_vendored_file_as_we_do(reader: &Reader) {
    let Some(theirs) = reader.read(&vendored()) else {
        return;
    };
    let ours = xtask::spec::load(&vendored()).expect("the vendored spec");
    assert!(
        theirs == ours,
        "{} reads other values than serde from the vendored file",
        reader.name
    );
}

/// PyYAML (YAML 1.1) reads the vendored file to the same values as serde.
#[test]
fn pyyaml_reads_the_vendored_file_as_we_do() {
    reads_the_vendored_file_as_we_do(&PYYAML);
}

/// js-yaml (its default schema, which resolves YAML 1.1 timestamps) reads
/// the vendored file to the same values as serde.
#[test]
fn js_yaml_reads_the_vendored_file_as_we_do() {
    reads_the_vendored_file_as_we_do(&JS_YAML);
}

/// SnakeYAML (YAML 1.1, as swagger-parser reads a spec) reads the vendored
/// file to the same values as serde.
#[test]
fn snakeyaml_reads_the_vendored_file_as_we_do() {
    reads_the_vendored_file_as_we_do(&SNAKEYAML);
}

/// `text` in a file of its own under the test target's temporary folder.
fn temp_yaml(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".yaml")
        .tempfile_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temporary file");
    std::io::Write::write_all(&mut file, text.as_bytes()).expect("the temporary file is written");
    file
}

/// The test that the readers' programs mark what they retype: the
/// vendor's timestamps, unquoted, are no strings to any YAML 1.1 reader,
/// not even js-yaml's when the text is its own ISO form; quoted, they are.
#[test]
fn every_other_reader_retypes_an_unquoted_timestamp() {
    let stamp = "2025-03-03T13:28:03.000000Z";
    let iso = "2025-03-03T13:28:03.000Z";
    let file = temp_yaml(&format!(
        "email_verified_at: {stamp}\niso: {iso}\nquoted: '{stamp}'\n"
    ));
    let ours = xtask::spec::load(file.path()).expect("the temporary file");
    assert_eq!(ours["email_verified_at"], stamp, "serde reads a string");
    assert_eq!(ours["iso"], iso, "serde reads a string");
    for reader in [&PYYAML, &JS_YAML, &SNAKEYAML] {
        let Some(theirs) = reader.read(file.path()) else {
            continue;
        };
        let name = reader.name;
        assert_ne!(theirs["email_verified_at"], stamp, "{name}: {theirs}");
        assert!(theirs["email_verified_at"].is_object(), "{name}: {theirs}");
        assert_ne!(theirs["iso"], iso, "{name}: {theirs}");
        assert_eq!(theirs["quoted"], stamp, "{name}: {theirs}");
    }
}

/// The vendor's page of the operation the project vendors exactly.
fn vendor_page() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pages/api-reference/partner/send-creation-email.md")
}

/// The page's OpenAPI YAML: the lines between the one that opens the
/// ````` ````yaml ````` fence and the closing `````` ```` ``````.
fn page_block() -> String {
    let page = std::fs::read_to_string(vendor_page()).expect("the vendor's page");
    let mut lines = page.lines();
    lines
        .by_ref()
        .find(|line| line.starts_with("````yaml"))
        .expect("the page has an OpenAPI block");
    let block: Vec<&str> = lines.take_while(|line| line.trim_end() != "````").collect();
    assert!(
        block.first().is_some_and(|l| l.starts_with("openapi:")),
        "the block is an OpenAPI document"
    );
    block.join("\n") + "\n"
}

/// What the vendored file takes from the page unchanged (JSON pointers).
const FROM_THE_PAGE: [&str; 3] = [
    "/paths/~1api~1partner~1send_creation_email/post",
    "/components/schemas/User",
    "/components/schemas/Pricing",
];

/// Under one reader (`read`, which returns `None` when it is skipped), the
/// page's operation, `User` and `Pricing` equal the vendored file's.
fn the_page_reads_as_vendored(name: &str, read: impl Fn(&Path) -> Option<Value>) {
    let page = temp_yaml(&page_block());
    let Some(from_page) = read(page.path()) else {
        return;
    };
    let Some(vendored) = read(&vendored()) else {
        return;
    };
    for pointer in FROM_THE_PAGE {
        let theirs = from_page
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{name}: the page has no {pointer}"));
        let ours = vendored
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{name}: the vendored file has no {pointer}"));
        assert!(
            theirs == ours,
            "{name}: {pointer} of the vendor's page differs from the vendored one:\n\
             page: {theirs}\nvendored: {ours}"
        );
    }
}

#[test]
fn serde_reads_the_page_operation_as_vendored() {
    the_page_reads_as_vendored("serde", |file| {
        Some(xtask::spec::load(file).expect("the YAML parses"))
    });
}

#[test]
fn pyyaml_reads_the_page_operation_as_vendored() {
    the_page_reads_as_vendored(PYYAML.name, |file| PYYAML.read(file));
}

#[test]
fn js_yaml_reads_the_page_operation_as_vendored() {
    the_page_reads_as_vendored(JS_YAML.name, |file| JS_YAML.read(file));
}

#[test]
fn snakeyaml_reads_the_page_operation_as_vendored() {
    the_page_reads_as_vendored(SNAKEYAML.name, |file| SNAKEYAML.read(file));
}

/// The effective spec (`cargo xtask effective`, what other tools are told
/// to read) is written by the same normal form: nothing in it is retyped
/// by YAML 1.1, and every reader reads the values we generate from.
#[test]
fn every_reader_reads_the_effective_spec_as_we_do() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let spec = xtask::spec::load(&vendored()).expect("the vendored spec");
    let overlay = xtask::spec::load(&root.join("openapi/overlay.yaml")).expect("the overlay");
    let ours = xtask::effective(&spec, &overlay).expect("the effective spec");
    let text = xtask::effective_yaml(&spec, &overlay).expect("the effective spec");
    let bad = retyped(&text);
    assert!(bad.is_empty(), "retyped by YAML 1.1:\n{}", bad.join("\n"));
    let file = temp_yaml(&text);
    for reader in [&PYYAML, &JS_YAML, &SNAKEYAML] {
        if let Some(theirs) = reader.read(file.path()) {
            assert!(
                theirs == ours,
                "{} reads other values from the effective spec",
                reader.name
            );
        }
    }
}
