//! The blocking client mirrors the async one, and refuses to run inside an
//! async runtime.

use super::Client;
use crate::{BatchOptions, Error, Media};

/// The public methods of `impl Client` blocks in `source`, each with its
/// parameters after `&self` (whitespace collapsed).
fn methods(source: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find("\nimpl Client {") {
        let block = &rest[start..];
        // The block ends at the first line that is a lone `}`.
        let end = block.find("\n}\n").unwrap_or(block.len());
        for item in block[..end].split("\n    pub ").skip(1) {
            let item = item.trim_start_matches("async ");
            let Some(item) = item.strip_prefix("fn ") else {
                continue;
            };
            let name: String = item
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let Some(open) = item.find('(') else { continue };
            let close = item[open..].find(')').map_or(item.len(), |c| open + c);
            let params: String = item[open + 1..close]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let Some(params) = params.strip_prefix("&self") else {
                continue; // associated functions (builder, from_env) differ
            };
            found.push((
                name,
                params
                    .trim_start_matches(',')
                    .trim()
                    .trim_end_matches(',')
                    .to_string(),
            ));
        }
        rest = &block[end..];
    }
    found
}

#[test]
fn every_public_async_method_has_a_blocking_twin_with_the_same_arguments() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut asynchronous = Vec::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("blocking.rs") {
            asynchronous.extend(methods(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    let blocking = methods(&std::fs::read_to_string(format!("{src}/blocking.rs")).unwrap());
    assert!(
        asynchronous.len() >= 20,
        "too few methods found: {asynchronous:?}"
    );
    for (name, params) in &asynchronous {
        let twin = blocking.iter().find(|(n, _)| n == name);
        assert!(twin.is_some(), "crate::Client::{name} has no blocking twin");
        assert_eq!(
            &twin.unwrap().1,
            params,
            "blocking::Client::{name} takes other arguments than the async one"
        );
    }
}

#[test]
fn the_method_finder_sees_what_it_looks_for() {
    let source = "\nimpl Client {\n    pub async fn a(&self, x: u8) -> u8 {\n    }\n\n    pub fn b(\n        &self,\n        y: &str,\n    ) {}\n    pub fn new() -> Self {}\n}\n";
    assert_eq!(
        methods(source),
        [
            ("a".to_string(), "x: u8".to_string()),
            ("b".to_string(), "y: &str".to_string())
        ]
    );
}

fn client() -> Client {
    let inner = crate::Client::builder()
        .api_key("blocking-test-key")
        .base_url("http://127.0.0.1:9")
        .pacing(None)
        .build()
        .unwrap();
    Client::new(inner).unwrap()
}

fn says_async_runtime(error: &Error) {
    assert!(
        matches!(error, Error::Config(text) if text.contains("inside an async runtime")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_blocking_call_inside_a_runtime_is_an_error_not_a_panic() {
    let client = client();
    says_async_runtime(&client.credits().unwrap_err());
    says_async_runtime(
        &client
            .classify(Media::bytes(b"x".to_vec(), "a.png"))
            .unwrap_err(),
    );
    let each = client.classify_batch(
        [
            Media::bytes(b"x".to_vec(), "a.png"),
            Media::bytes(b"y".to_vec(), "b.png"),
        ],
        &BatchOptions::default(),
    );
    assert_eq!(each.len(), 2, "one result per input");
    each.iter()
        .for_each(|r| says_async_runtime(r.as_ref().unwrap_err()));
    says_async_runtime(
        &client
            .classify_stream(Vec::new(), &BatchOptions::default())
            .unwrap_err(),
    );
    says_async_runtime(&client.partner_users(crate::UserQuery::new()).unwrap_err());
    // Dropped here, inside the runtime: no panic either.
}

#[test]
fn the_wait_policy_is_the_clients_own() {
    let policy = crate::WaitPolicy::default().timeout(std::time::Duration::from_secs(7));
    let inner = crate::Client::builder()
        .api_key("blocking-test-key")
        .base_url("http://127.0.0.1:9")
        .wait(policy.clone())
        .build()
        .unwrap();
    let client = Client::new(inner).unwrap();
    assert_eq!(client.wait_policy(), &policy);
}
