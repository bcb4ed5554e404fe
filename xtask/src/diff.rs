//! Semantic diff of two OpenAPI 3.0 documents, as seen by a user of a client
//! generated from them.
//!
//! Operations are matched by method and path, parameters by location and
//! name, fields by name; `$ref`s to `#/…` are followed. Each difference is a
//! [`Change`], breaking or not for code written against the old client.

use ChangeKind as K;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The differences between two documents: breaking changes first, then the
/// others, each group ordered by operation (path, then method) and location.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Every change found.
    pub changes: Vec<Change>,
}

/// One difference between the old and the new document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Whether code written against the old client may fail with the new API.
    pub breaking: bool,
    /// What kind of change this is.
    pub kind: ChangeKind,
    /// The operation concerned, as `METHOD /path`.
    pub operation: Option<String>,
    /// Where in the operation, e.g. "request field `with_heatmap`".
    pub location: String,
    /// What changed, e.g. "changed type: integer -> string".
    pub detail: String,
}

/// The kinds of [`Change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new method and path.
    OperationAdded,
    /// A method and path that no longer exists.
    OperationRemoved,
    /// A new path, query, header or cookie parameter.
    ParameterAdded,
    /// A parameter that no longer exists.
    ParameterRemoved,
    /// A parameter whose type, requiredness or nullability changed.
    ParameterChanged,
    /// A new request body or request body field.
    RequestFieldAdded,
    /// A request body or request body field that no longer exists.
    RequestFieldRemoved,
    /// A request body or field whose type, content type, requiredness or nullability changed.
    RequestFieldChanged,
    /// A new response status.
    ResponseStatusAdded,
    /// A response status that is no longer documented.
    ResponseStatusRemoved,
    /// A new response body schema or response field.
    ResponseFieldAdded,
    /// A response body schema or response field that no longer exists.
    ResponseFieldRemoved,
    /// A response field whose type, presence or nullability changed.
    ResponseFieldChanged,
    /// A new value of an enum.
    EnumValueAdded,
    /// A value of an enum that no longer exists.
    EnumValueRemoved,
}

impl Change {
    /// "OPERATION: location detail", the operation quoted with `quote`.
    fn sentence(&self, quote: &str) -> String {
        let (location, detail) = (&self.location, &self.detail);
        match &self.operation {
            Some(op) => format!("{quote}{op}{quote}: {location} {detail}"),
            None => format!("{location} {detail}"),
        }
    }
}

impl Report {
    /// Whether any change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.changes.iter().any(|change| change.breaking)
    }

    /// Whether the documents are equivalent for a client.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// A plain-text list, for a terminal.
    pub fn to_text(&self) -> String {
        let heading = |title: &str, count: usize| format!("{title} ({count}):\n");
        self.render("", heading, |c| format!("  - {}\n", c.sentence("")))
    }

    /// Markdown, for a pull-request description.
    pub fn to_markdown(&self) -> String {
        let heading = |title: &str, count: usize| format!("## {title} ({count})\n\n");
        self.render("\n", heading, |c| format!("- {}\n", c.sentence("`")))
    }

    /// Pretty-printed JSON of the report.
    pub fn to_json(&self) -> String {
        // Strings, booleans and unit variants always serialize.
        let json = serde_json::to_string_pretty(self);
        json.unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
    }

    /// The two groups of changes, each under its heading, `between` them;
    /// "No changes." when there are none.
    fn render(
        &self,
        between: &str,
        heading: impl Fn(&str, usize) -> String,
        line: impl Fn(&Change) -> String,
    ) -> String {
        if self.is_empty() {
            return "No changes.\n".to_owned();
        }
        let (breaking, other): (Vec<_>, Vec<_>) = self.changes.iter().partition(|c| c.breaking);
        let mut out = String::new();
        for (title, group) in [("Breaking changes", breaking), ("Other changes", other)] {
            if !group.is_empty() {
                if !out.is_empty() {
                    out.push_str(between);
                }
                out.push_str(&heading(title, group.len()));
                out.extend(group.into_iter().map(&line));
            }
        }
        out
    }
}

/// Compares two OpenAPI 3.0 documents (YAML or JSON already parsed).
pub fn diff(old: &Value, new: &Value) -> Report {
    let mut differ = Differ::new(old, new);
    differ.operations();
    let mut changes = differ.changes;
    changes.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    Report { changes }
}

/// Breaking first, then by path, method and location.
fn order_key(change: &Change) -> (bool, Option<(&str, &str)>, &str) {
    let operation = change.operation.as_deref().map(|op| {
        let (method, path) = op.split_once(' ').unwrap_or((op, ""));
        (path, method)
    });
    (!change.breaking, operation, &change.location)
}

use crate::openapi::METHODS;
const JSON: &str = "application/json";
/// What a missing schema is compared as: any value.
static NULL: Value = Value::Null;
/// Why a new value in a response enum breaks a client.
const CLOSED_ENUM: &str =
    "a client generated with a closed enum fails to decode a value it does not know";
/// How many `$ref`s or nested `allOf`s are followed before giving up.
const MAX_DEPTH: usize = 32;

/// Where a schema sits, which decides what breaks a client.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Site {
    Parameter,
    Request,
    Response,
}

impl Site {
    /// Whether a change that lets more values through breaks a client (a
    /// response may now hold what it cannot decode), or else one that lets
    /// fewer through (a request it builds may now be refused).
    fn breaks(self, widens: bool) -> bool {
        match self {
            Site::Response => widens,
            Site::Parameter | Site::Request => !widens,
        }
    }
}

/// What happened at a location, made a [`ChangeKind`] by the [`Site`].
#[derive(Debug, Clone, Copy)]
enum Edit {
    Added,
    Removed,
    Changed,
    EnumAdded,
    EnumRemoved,
}

impl Edit {
    fn kind(self, site: Site) -> ChangeKind {
        match (self, site) {
            (Edit::Added, Site::Parameter) => K::ParameterAdded,
            (Edit::Removed, Site::Parameter) => K::ParameterRemoved,
            (Edit::Changed, Site::Parameter) => K::ParameterChanged,
            (Edit::Added, Site::Request) => K::RequestFieldAdded,
            (Edit::Removed, Site::Request) => K::RequestFieldRemoved,
            (Edit::Changed, Site::Request) => K::RequestFieldChanged,
            (Edit::Added, Site::Response) => K::ResponseFieldAdded,
            (Edit::Removed, Site::Response) => K::ResponseFieldRemoved,
            (Edit::Changed, Site::Response) => K::ResponseFieldChanged,
            (Edit::EnumAdded, _) => K::EnumValueAdded,
            (Edit::EnumRemoved, _) => K::EnumValueRemoved,
        }
    }
}

/// Where the schemas being compared are: the operation, the site and the
/// words that start a location ("request", "response 2XX", "query parameter").
struct Scope<'s> {
    operation: &'s str,
    site: Site,
    prefix: &'s str,
}

impl<'s> Scope<'s> {
    fn new(operation: &'s str, site: Site, prefix: &'s str) -> Self {
        Scope {
            operation,
            site,
            prefix,
        }
    }

    fn location(&self, path: &str) -> String {
        match (self.site, path) {
            (_, "") => format!("{} body", self.prefix),
            (Site::Parameter, _) => format!("{} `{path}`", self.prefix),
            _ => format!("{} field `{path}`", self.prefix),
        }
    }
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
    /// The schemas (by name) being compared further up, to stop at cycles.
    refs: Vec<String>,
}

impl<'a> Differ<'a> {
    fn new(old: &'a Value, new: &'a Value) -> Self {
        let (changes, refs) = (Vec::new(), Vec::new());
        Differ {
            old,
            new,
            changes,
            refs,
        }
    }

    /// Records a change; `at` is its location, `what` its detail.
    fn record(&mut self, op: &str, at: impl Into<String>, kind: K, breaking: bool, what: &str) {
        let (operation, location, detail) = (Some(op.to_owned()), at.into(), what.to_owned());
        let change = Change {
            breaking,
            kind,
            operation,
            location,
            detail,
        };
        self.changes.push(change);
    }

    /// Records a change at `path` in `scope`.
    fn push(&mut self, scope: &Scope, path: &str, edit: Edit, breaking: bool, detail: &str) {
        let (location, kind) = (scope.location(path), edit.kind(scope.site));
        self.record(scope.operation, location, kind, breaking, detail);
    }

    fn operations(&mut self) {
        let (old, new) = (operations(self.old), operations(self.new));
        for (key, old_op) in &old {
            match new.get(key) {
                Some(new_op) => self.operation(key, old_op, new_op),
                None => self.record(key, "operation", K::OperationRemoved, true, "removed"),
            }
        }
        for key in new.keys().filter(|key| !old.contains_key(*key)) {
            self.record(key, "operation", K::OperationAdded, false, "added");
        }
    }

    fn operation(&mut self, key: &str, old: &Operation<'a>, new: &Operation<'a>) {
        self.parameters(key, &parameters(self.old, old), &parameters(self.new, new));
        let (old_body, new_body) = (
            request_body(self.old, old.op),
            request_body(self.new, new.op),
        );
        self.request_body(
            &Scope::new(key, Site::Request, "request"),
            (old_body, new_body),
        );
        self.responses(key, old.op, new.op);
    }

    fn parameters(&mut self, key: &str, old: &[Parameter<'a>], new: &[Parameter<'a>]) {
        let find = |list: &[Parameter<'a>], p: &Parameter| list.iter().find(|q| q.same(p)).copied();
        for o in old {
            let prefix = format!("{} parameter", o.place);
            let scope = Scope::new(key, Site::Parameter, &prefix);
            let Some(n) = find(new, o) else {
                self.push(&scope, o.name, Edit::Removed, true, "removed");
                continue;
            };
            let required = Some((o.required, n.required));
            self.schema(&scope, o.name, (o.schema, n.schema), required);
        }
        for n in new.iter().filter(|n| find(old, n).is_none()) {
            let prefix = format!("{} parameter", n.place);
            let scope = Scope::new(key, Site::Parameter, &prefix);
            self.push(&scope, n.name, Edit::Added, n.required, &added(n.required));
        }
    }

    fn request_body(&mut self, scope: &Scope, bodies: (Option<Body<'a>>, Option<Body<'a>>)) {
        let (old, new) = match bodies {
            (None, None) => return,
            (Some(_), None) => return self.push(scope, "", Edit::Removed, true, "removed"),
            (None, Some(n)) => {
                return self.push(scope, "", Edit::Added, n.required, &added(n.required));
            }
            (Some(o), Some(n)) => (o, n),
        };
        if old.media != new.media {
            let detail = format!("changed content type: {} -> {}", old.media, new.media);
            self.push(scope, "", Edit::Changed, true, &detail);
        }
        self.required(scope, "", (old.required, new.required));
        self.schema(scope, "", (old.schema, new.schema), None);
    }

    fn responses(&mut self, key: &str, old: &'a Value, new: &'a Value) {
        let (old, new) = (responses(self.old, old), responses(self.new, new));
        for (status, old_response) in &old {
            let prefix = format!("response {status}");
            let Some(new_response) = new.get(status) else {
                let success = status.starts_with('2') || status == "default";
                self.record(key, prefix, K::ResponseStatusRemoved, success, "removed");
                continue;
            };
            let scope = Scope::new(key, Site::Response, &prefix);
            let schemas = (json_schema(old_response), json_schema(new_response));
            self.response_body(&scope, schemas);
        }
        for status in new.keys().filter(|status| !old.contains_key(*status)) {
            let location = format!("response {status}");
            self.record(key, location, K::ResponseStatusAdded, false, "added");
        }
    }

    fn response_body(&mut self, scope: &Scope, schemas: (Option<&'a Value>, Option<&'a Value>)) {
        match schemas {
            (Some(o), Some(n)) => self.schema(scope, "", (o, n), None),
            (Some(_), None) => self.push(scope, "", Edit::Removed, true, "lost its JSON schema"),
            (None, Some(_)) => self.push(scope, "", Edit::Added, false, "gained a JSON schema"),
            (None, None) => {}
        }
    }

    /// Compares the (old, new) schemas at `path`; `required` is the field's
    /// requiredness in its parent (old, new), `None` for a body or array items.
    fn schema(&mut self, scope: &Scope, path: &str, schemas: Pair<'a>, required: Option<Flags>) {
        let (old, new) = schemas;
        if let Some(required) = required {
            self.required(scope, path, required);
        }
        let nullable = (is_nullable(self.old, old, 0), is_nullable(self.new, new, 0));
        self.nullable(scope, path, nullable);
        let (old_type, new_type) = (describe(old), describe(new));
        if old_type != new_type {
            let detail = format!("changed type: {old_type} -> {new_type}");
            return self.push(scope, path, Edit::Changed, true, &detail);
        }
        let enums = (enum_values(self.old, old), enum_values(self.new, new));
        // An enum our overlay makes open decodes values it does not know.
        let open = new.get(OPEN_ENUM).is_some() || resolve(self.new, new).get(OPEN_ENUM).is_some();
        self.enum_values(scope, path, enums, open);
        let names: Vec<String> = [old, new].into_iter().filter_map(ref_name).collect();
        if names.iter().any(|name| self.refs.contains(name)) {
            return;
        }
        let depth = self.refs.len();
        self.refs.extend(names);
        let shapes = (Shape::of(self.old, old, 0), Shape::of(self.new, new, 0));
        self.children(scope, path, shapes);
        self.refs.truncate(depth);
    }

    fn children(&mut self, scope: &Scope, path: &str, (old, new): (Shape<'a>, Shape<'a>)) {
        for &(name, o) in &old.properties {
            let child = join(path, name);
            let Some(n) = new.property(name) else {
                self.push(scope, &child, Edit::Removed, true, "removed");
                continue;
            };
            let required = Some((old.requires(name), new.requires(name)));
            self.schema(scope, &child, (o, n), required);
        }
        let is_new = |name: &&str| old.property(name).is_none();
        for name in new.properties.iter().map(|&(name, _)| name).filter(is_new) {
            let required = new.requires(name);
            let (child, breaking) = (join(path, name), scope.site != Site::Response && required);
            self.push(scope, &child, Edit::Added, breaking, &added(required));
        }
        if let (Some(o), Some(n)) = (old.items, new.items) {
            self.schema(scope, &join(path, "[]"), (o, n), None);
        }
    }

    fn required(&mut self, scope: &Scope, path: &str, (old, new): Flags) {
        if old == new {
            return;
        }
        let detail = match (scope.site, new) {
            (Site::Response, true) => {
                "is now always present (was optional): its generated field changes from Option<T> to T"
            }
            (Site::Response, false) => "may now be absent (was required)",
            (_, true) => "became required (was optional)",
            (_, false) => "became optional (was required)",
        };
        // In a response, either way changes the generated Rust type.
        let breaking = scope.site == Site::Response || scope.site.breaks(!new);
        self.push(scope, path, Edit::Changed, breaking, detail);
    }

    fn nullable(&mut self, scope: &Scope, path: &str, (old, new): Flags) {
        if old == new {
            return;
        }
        let detail = match (scope.site, new) {
            (Site::Response, true) => {
                "became nullable: a value that was always present may now be null"
            }
            (_, true) => "became nullable",
            (_, false) => "is no longer nullable",
        };
        self.push(scope, path, Edit::Changed, scope.site.breaks(new), detail);
    }

    fn enum_values(&mut self, scope: &Scope, path: &str, values: Enums, open: bool) {
        let (Some(old), Some(new)) = values else {
            return;
        };
        let site = scope.site;
        for value in old.iter().filter(|v| !new.contains(v)) {
            let detail = format!("lost enum value `{}`", show(value));
            self.push(scope, path, Edit::EnumRemoved, site.breaks(false), &detail);
        }
        for value in new.iter().filter(|v| !old.contains(v)) {
            let mut detail = format!("gained enum value `{}`", show(value));
            let breaking = site.breaks(true) && !open;
            if site == Site::Response {
                let why = if open {
                    "the enum is open: it decodes as a known value from now on"
                } else {
                    CLOSED_ENUM
                };
                detail = format!("{detail}: {why}");
            }
            self.push(scope, path, Edit::EnumAdded, breaking, &detail);
        }
    }
}

/// Old and new schemas.
type Pair<'a> = (&'a Value, &'a Value);
/// Old and new values of a flag (required, nullable).
type Flags = (bool, bool);
/// Old and new enum values, when the schemas have some.
type Enums<'a> = (Option<&'a [Value]>, Option<&'a [Value]>);

/// The overlay's mark of an enum that accepts values it does not list.
const OPEN_ENUM: &str = "x-identifai-open-enum";

fn added(required: bool) -> String {
    format!("added ({})", if required { "required" } else { "optional" })
}

fn join(path: &str, name: &str) -> String {
    match (path, name) {
        ("", _) => name.to_owned(),
        (_, "[]") => format!("{path}[]"),
        _ => format!("{path}.{name}"),
    }
}

/// The members of the array at `key`, if any.
fn members<'a>(node: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    node.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The entries of the object at `key`, if any.
fn entries<'a>(node: &'a Value, key: &str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    node.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

fn is_true(node: &Value, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// An enum value as written in the spec: a string bare, anything else as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

use crate::openapi::resolve;

/// The only member of `allOf: [member]`, a wrapper that changes no type.
fn single_all_of(node: &Value) -> Option<&Value> {
    match node.get("allOf")?.as_array()?.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

/// The name of the schema a node refers to, directly or as `allOf: [$ref]`.
fn ref_name(node: &Value) -> Option<String> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(target) => Some(crate::openapi::ref_name(target).to_owned()),
        None => single_all_of(node).and_then(ref_name),
    }
}

/// A schema's type as a client sees it: a `$ref` by its target's name, an
/// array by its items, with its format and whether it is an inline enum.
fn describe(node: &Value) -> String {
    if let Some(name) = ref_name(node) {
        return name;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(members) = node.get(key).and_then(Value::as_array) {
            let members: Vec<String> = members.iter().map(describe).collect();
            return format!("{key}[{}]", members.join(", "));
        }
    }
    let mut text = match node.get("type") {
        Some(Value::String(ty)) => ty.clone(),
        Some(Value::Array(types)) => {
            let types = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null");
            types.collect::<Vec<_>>().join(" | ")
        }
        _ if node.get("properties").is_some() => "object".to_owned(),
        _ if node.get("items").is_some() => "array".to_owned(),
        _ => "any".to_owned(),
    };
    if let Some(format) = node.get("format").and_then(Value::as_str) {
        text = format!("{text} ({format})");
    }
    if text == "array" {
        text = format!("array of {}", describe(node.get("items").unwrap_or(&NULL)));
    }
    if node.get("enum").is_some() {
        text.push_str(" enum");
    }
    text
}

/// `nullable: true` (or a 3.1 `type` listing `"null"`), on the node or on
/// the schema it refers to.
fn is_nullable(doc: &Value, node: &Value, depth: usize) -> bool {
    let types = node.get("type").and_then(Value::as_array);
    if is_true(node, "nullable") || types.is_some_and(|t| t.contains(&Value::from("null"))) {
        return true;
    }
    if depth >= MAX_DEPTH {
        return false;
    }
    if node.get("$ref").is_some() {
        return is_nullable(doc, resolve(doc, node), depth + 1);
    }
    single_all_of(node).is_some_and(|only| is_nullable(doc, only, depth + 1))
}

fn enum_values<'a>(doc: &'a Value, node: &'a Value) -> Option<&'a [Value]> {
    let node = resolve(doc, node);
    match node.get("enum").and_then(Value::as_array) {
        Some(values) => Some(values),
        None => single_all_of(node).and_then(|only| enum_values(doc, only)),
    }
}

/// An object's properties and an array's items, `allOf` members merged.
#[derive(Default)]
struct Shape<'a> {
    properties: Vec<(&'a str, &'a Value)>,
    required: Vec<&'a str>,
    items: Option<&'a Value>,
}

impl<'a> Shape<'a> {
    fn of(doc: &'a Value, node: &'a Value, depth: usize) -> Self {
        let node = resolve(doc, node);
        let properties = entries(node, "properties").map(|(name, schema)| (name.as_str(), schema));
        let required = members(node, "required").filter_map(Value::as_str);
        let items = node.get("items");
        let (properties, required) = (properties.collect(), required.collect());
        let mut shape = Shape {
            properties,
            required,
            items,
        };
        for member in members(node, "allOf").filter(|_| depth < MAX_DEPTH) {
            shape.merge(Shape::of(doc, member, depth + 1));
        }
        shape
    }

    fn merge(&mut self, other: Shape<'a>) {
        for (name, schema) in other.properties {
            if self.property(name).is_none() {
                self.properties.push((name, schema));
            }
        }
        self.required.extend(other.required);
        self.items = self.items.or(other.items);
    }

    fn property(&self, name: &str) -> Option<&'a Value> {
        let found = self.properties.iter().find(|(n, _)| *n == name);
        found.map(|&(_, schema)| schema)
    }

    fn requires(&self, name: &str) -> bool {
        self.required.contains(&name)
    }
}

struct Operation<'a> {
    path_item: &'a Value,
    op: &'a Value,
}

/// The operations of a document, by `METHOD /path`.
fn operations(doc: &Value) -> BTreeMap<String, Operation<'_>> {
    let mut found = BTreeMap::new();
    for (path, item) in entries(doc, "paths") {
        let path_item = resolve(doc, item);
        for method in METHODS {
            if let Some(op) = path_item.get(method) {
                let key = format!("{} {path}", method.to_uppercase());
                found.insert(key, Operation { path_item, op });
            }
        }
    }
    found
}

#[derive(Clone, Copy)]
struct Parameter<'a> {
    place: &'a str,
    name: &'a str,
    required: bool,
    schema: &'a Value,
}

impl Parameter<'_> {
    /// The same parameter: same location and name (any case for a header).
    fn same(&self, other: &Parameter) -> bool {
        let header = self.place == "header";
        self.place == other.place
            && (self.name == other.name || header && self.name.eq_ignore_ascii_case(other.name))
    }
}

/// The parameters of an operation, those of its path item included unless
/// the operation overrides them.
fn parameters<'a>(doc: &'a Value, operation: &Operation<'a>) -> Vec<Parameter<'a>> {
    let mut found: Vec<Parameter<'a>> = Vec::new();
    for node in [operation.path_item, operation.op] {
        for parameter in members(node, "parameters").map(|p| parameter(resolve(doc, p))) {
            found.retain(|p| !p.same(&parameter));
            found.push(parameter);
        }
    }
    found
}

fn parameter(node: &Value) -> Parameter<'_> {
    let place = node.get("in").and_then(Value::as_str).unwrap_or("");
    let schema = node.get("schema").or_else(|| {
        let content = node.get("content").and_then(Value::as_object)?;
        content.values().find_map(|media| media.get("schema"))
    });
    Parameter {
        place,
        name: node.get("name").and_then(Value::as_str).unwrap_or(""),
        required: place == "path" || is_true(node, "required"),
        schema: schema.unwrap_or(&NULL),
    }
}

struct Body<'a> {
    media: &'a str,
    required: bool,
    schema: &'a Value,
}

/// The request body of an operation, by its preferred media type: JSON,
/// then forms, then any other JSON, then whatever comes first.
fn request_body<'a>(doc: &'a Value, op: &'a Value) -> Option<Body<'a>> {
    let body = resolve(doc, op.get("requestBody")?);
    let content = body.get("content").and_then(Value::as_object)?;
    let preferred = [
        JSON,
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ];
    let (media, entry) = preferred
        .iter()
        .find_map(|m| content.get_key_value(*m))
        .or_else(|| content.iter().find(|(m, _)| m.contains("json")))
        .or_else(|| content.iter().next())?;
    let schema = entry.get("schema").unwrap_or(&NULL);
    Some(Body {
        media,
        required: is_true(body, "required"),
        schema,
    })
}

/// The responses of an operation by status, `$ref`s resolved.
fn responses<'a>(doc: &'a Value, op: &'a Value) -> BTreeMap<String, &'a Value> {
    let responses = entries(op, "responses");
    responses
        .map(|(status, r)| (status.clone(), resolve(doc, r)))
        .collect()
}

/// The schema of a response's JSON body, if it has one.
fn json_schema(response: &Value) -> Option<&Value> {
    let content = response.get("content").and_then(Value::as_object)?;
    let other_json = || content.iter().find(|(m, _)| m.contains("json"));
    content
        .get(JSON)
        .or_else(|| other_json().map(|(_, v)| v))?
        .get("schema")
}
