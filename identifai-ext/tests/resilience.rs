//! Waiting through server trouble: a deadline that holds whatever the
//! server says, failures that keep their type and identifier, and pages
//! that keep their size.

use std::time::Duration;

use httpmock::MockServer;
use identifai_ext::{Client, Clock, Error, MediaKind, Submission, UserQuery, WaitPolicy};
use serde_json::json;

use crate::util::mock_client;

fn client(server: &MockServer) -> (Client, Clock) {
    mock_client(&server.base_url())
}

fn submission(id: &str) -> Submission {
    Submission {
        identifier: id.to_string(),
        kind: MediaKind::Image,
    }
}

#[tokio::test]
async fn a_busy_server_does_not_push_waiting_past_its_deadline() {
    let server = MockServer::start_async().await;
    let polls = server.mock(|when, then| {
        when.path("/api/classification/busy");
        then.status(503)
            .header("retry-after", "100")
            .body(r#"{"message":"Busy."}"#);
    });
    let (client, clock) = client(&server);
    let policy = WaitPolicy::default().timeout(Duration::from_secs(30));

    let error = client
        .wait_with(&submission("busy"), &policy)
        .await
        .unwrap_err();
    match &error {
        Error::Timeout {
            submission: waited_for,
            waited,
            last_failure,
            ..
        } => {
            assert_eq!(waited_for.as_ref(), Some(&submission("busy")), "resumable");
            assert!(*waited >= Duration::from_secs(30), "{waited:?}");
            assert!(
                matches!(
                    last_failure.as_deref(),
                    Some(Error::Server { status: 503, .. })
                ),
                "says why: {last_failure:?}"
            );
            assert!(error.to_string().contains("503"), "{error}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        clock.elapsed() < Duration::from_secs(100),
        "waited {:?}: Retry-After outran the deadline",
        clock.elapsed()
    );
    assert!(polls.calls_async().await >= 2, "it kept polling");
}

#[tokio::test]
async fn a_list_that_keeps_failing_leaves_each_item_resumable() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.path("/api/classifications");
        then.status(500).body(r#"{"message":"Down."}"#);
    });
    let (client, _) = client(&server);
    let policy = WaitPolicy::default().timeout(Duration::from_secs(20));
    let results = client
        .wait_all_with(&[submission("a"), submission("b")], &policy)
        .await;
    for (result, id) in results.iter().zip(["a", "b"]) {
        match result {
            Err(error @ Error::Timeout { .. }) => assert_eq!(error.identifier(), Some(id)),
            other => panic!("expected a resumable timeout, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_list_refused_for_good_fails_each_item_with_the_typed_error() {
    let server = MockServer::start_async().await;
    let list = server.mock(|when, then| {
        when.path("/api/classifications");
        then.status(401).body(r#"{"message":"Invalid key."}"#);
    });
    let (client, _) = client(&server);
    let results = client.wait_all(&[submission("a"), submission("b")]).await;
    for (result, id) in results.iter().zip(["a", "b"]) {
        let error = result.as_ref().expect_err("refused");
        match error.cause() {
            Error::Auth {
                status: 401,
                message,
            } => assert_eq!(message, "Invalid key."),
            other => panic!("expected the 401, got {other:?}"),
        }
        assert_eq!(error.identifier(), Some(id), "each keeps its identifier");
    }
    assert_eq!(
        list.calls_async().await,
        1,
        "one request for both, not retried"
    );
}

#[tokio::test]
async fn later_pages_keep_the_page_size_and_filter_of_the_first() {
    let server = MockServer::start_async().await;
    let user = |id: i64| json!({"id": id, "name": format!("U{id}")});
    server.mock(|when, then| {
        when.path("/api/partner/users")
            .query_param_missing("page")
            .query_param("per_page", "2")
            .query_param("pricing_id", "3");
        then.status(200).json_body(json!({
            "current_page": 1, "data": [user(1), user(2)], "last_page": 2, "per_page": 2,
            // As in the documented example: only the page number.
            "next_page_url": server.url("/api/partner/users?page=2"),
        }));
    });
    let second = server.mock(|when, then| {
        when.path("/api/partner/users").query_param("page", "2").query_param("per_page", "2").query_param("pricing_id", "3");
        then.status(200).json_body(json!({
            "current_page": 2, "data": [user(3)], "last_page": 2, "per_page": 2, "next_page_url": null,
        }));
    });
    let (client, _) = client(&server);
    let users: Vec<_> = futures_util::TryStreamExt::try_collect(
        client.partner_users(UserQuery::new().per_page(2).pricing_id(3)),
    )
    .await
    .expect("both pages");
    assert_eq!(
        users.iter().map(|u| u.id.unwrap()).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    second.assert_async().await;
}

#[tokio::test]
async fn a_list_that_404s_gives_way_to_single_gets_that_wait_out_the_grace() {
    let server = MockServer::start_async().await;
    let list = server.mock(|when, then| {
        when.path("/api/classifications");
        then.status(404).body(r#"{"message":"Not found."}"#);
    });
    // The single result is not indexed at first, then done.
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = calls.clone();
    let single = server.mock(|when, then| {
        when.path("/api/classification/fresh");
        then.respond_with(move |_req: &httpmock::HttpMockRequest| {
            let answer = if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                (404, json!({"message": "Not found."}))
            } else {
                (
                    200,
                    json!({"identifier": "fresh", "status": "done",
                        "verdict": {"classification": "human", "confidence": 0.9}}),
                )
            };
            httpmock::HttpMockResponse::builder()
                .status(answer.0)
                .header("content-type", "application/json")
                .body(answer.1.to_string())
                .build()
        });
    });
    let (client, _) = client(&server);
    let results = client.wait_all(&[submission("fresh")]).await;
    assert!(
        results[0]
            .as_ref()
            .is_ok_and(|a| a.identifier() == Some("fresh")),
        "{results:?}"
    );
    assert_eq!(list.calls_async().await, 1, "the list is not asked again");
    assert!(single.calls_async().await >= 2, "the 404 was waited out");
}

#[test]
fn trusted_c2pa_data_counts_as_valid() {
    let result = serde_json::from_value(json!({"c2pa": {"validation_state": "Trusted"}})).unwrap();
    assert_eq!(
        identifai_ext::Analysis::Image(result).c2pa_valid(),
        Some(true)
    );
    let result = serde_json::from_value(json!({"c2pa": {"validation_state": "Invalid"}})).unwrap();
    assert_eq!(
        identifai_ext::Analysis::Image(result).c2pa_valid(),
        Some(false)
    );
}
