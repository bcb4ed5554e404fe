//! Authentication and transport: where the API key goes and where it never
//! goes, which base URLs are accepted, deadlines, and how error answers
//! reach the caller.

use std::time::{Duration, Instant};

use httpmock::MockServer;
use identifai_api::mock::MockServerExt;
use identifai_api::{Client, ClientConfig, ConfigError, Error, types};

const KEY: &str = "sk-test-0123456789abcdef";

fn client(server: &MockServer) -> Client {
    Client::with_api_key(&server.base_url(), KEY).expect("a loopback URL is accepted")
}

fn credits() -> types::GetCreditsResponse {
    types::GetCreditsResponse {
        available_credits: Some(3.0),
        total_spent: Some(1.0),
    }
}

#[test]
fn the_key_never_shows_in_debug_output() {
    let config = ClientConfig::new(KEY).base_url("http://127.0.0.1:9");
    assert!(!format!("{config:?}").contains(KEY));
    let client = config.build().unwrap();
    let debug = format!("{client:?}");
    assert!(
        !debug.contains(KEY),
        "Debug of the client shows the key: {debug}"
    );
    assert!(!format!("{:?}", identifai_api::ApiKey::new(KEY)).contains(KEY));
}

#[tokio::test]
async fn the_key_travels_as_x_api_key_with_the_sdk_user_agent() {
    let server = MockServer::start_async().await;
    let mock = server.get_credits(|when, then| {
        when.into_inner()
            .header("x-api-key", KEY)
            .header_matches("user-agent", "^identifai-api-rs/[0-9]+\\.[0-9]+\\.[0-9]+$");
        then.ok(&credits());
    });
    client(&server).get_credits().send().await.expect("credits");
    mock.assert_async().await;
}

#[tokio::test]
async fn progenitors_api_version_header_is_not_sent() {
    let server = MockServer::start_async().await;
    let mock = server.get_credits(|when, then| {
        when.into_inner()
            .is_true(|req| !req.headers().contains_key("api-version"));
        then.ok(&credits());
    });
    client(&server).get_credits().send().await.expect("credits");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_so_the_key_stays_home() {
    let elsewhere = MockServer::start_async().await;
    let stolen = elsewhere.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });
    let server = MockServer::start_async().await;
    let target = elsewhere.url("/api/user/credits");
    server.get_credits(|_, then| {
        then.into_inner()
            .status(302)
            .header("location", target.as_str());
    });

    let error = client(&server).get_credits().send().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302), "{error:?}");
    assert_eq!(
        stolen.calls_async().await,
        0,
        "the other origin was contacted"
    );
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_key() {
    let server = MockServer::start_async().await;
    server.get_credits(|_, then| {
        then.into_inner()
            .status(307)
            .header("location", "/api/v2/user/credits");
    });
    let moved = server.mock(|when, then| {
        when.path("/api/v2/user/credits").header("x-api-key", KEY);
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"available_credits": 3, "total_spent": 1}"#);
    });
    let credits = client(&server)
        .get_credits()
        .send()
        .await
        .expect("the redirect is followed");
    assert_eq!(credits.available_credits, Some(3.0));
    moved.assert_async().await;
}

#[cfg(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
))] // https
#[test]
fn plain_http_is_refused_unless_the_host_is_loopback() {
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:80/",
        "https://backend.identifai.net",
    ] {
        assert!(Client::with_api_key(url, KEY).is_ok(), "{url} is refused");
    }
    let error = Client::with_api_key("http://backend.identifai.net", KEY).unwrap_err();
    assert!(
        matches!(error, ConfigError::InsecureBaseUrl { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("use https"), "{error}");
    assert!(!error.to_string().contains(KEY));

    for (url, says) in [
        ("ftp://example.com", "scheme"),
        ("not a url", "relative URL"),
        ("https://user:pw@example.com", "credentials"),
        ("https://example.com/?x=1", "query"),
    ] {
        let error = Client::with_api_key(url, KEY).unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidBaseUrl { .. }),
            "{url}: {error:?}"
        );
        assert!(error.to_string().contains(says), "{url}: {error}");
    }
}

#[test]
fn an_empty_or_malformed_key_is_refused_without_echoing_it() {
    for key in ["", "   "] {
        let error = Client::with_api_key("https://backend.identifai.net", key).unwrap_err();
        assert!(matches!(error, ConfigError::EmptyApiKey), "{error:?}");
        assert!(error.to_string().contains("API key is empty"));
    }
    let bad = "sk-secret\nInjected: header";
    let error = Client::with_api_key("https://backend.identifai.net", bad).unwrap_err();
    assert!(matches!(error, ConfigError::InvalidApiKey), "{error:?}");
    assert!(!error.to_string().contains("sk-secret"));
    // Non-ASCII would be sent as raw bytes: refused, as the message says.
    for key in ["sk-séc", "sk-\u{201c}quoted\u{201d}", "sk-\u{a0}nbsp"] {
        let error = Client::with_api_key("https://backend.identifai.net", key).unwrap_err();
        assert!(
            matches!(error, ConfigError::InvalidApiKey),
            "{key}: {error:?}"
        );
        assert!(error.to_string().contains("non-ASCII"), "{error}");
        assert!(!error.to_string().contains("sk-"), "{error}");
    }
}

#[tokio::test]
async fn a_trailing_slash_in_the_base_url_does_not_double_the_slash() {
    let server = MockServer::start_async().await;
    let mock = server.get_credits(|when, then| {
        when.into_inner().path("/api/user/credits");
        then.ok(&credits());
    });
    let client = Client::with_api_key(&format!("{}/", server.base_url()), KEY).unwrap();
    client.get_credits().send().await.expect("credits");
    mock.assert_async().await;
}

#[tokio::test]
async fn a_429_is_a_typed_error_with_the_servers_message() {
    let server = MockServer::start_async().await;
    server.get_credits(|_, then| {
        then.client_error(
            429,
            &types::ErrorMessage {
                message: Some("Too Many Attempts.".into()),
            },
        );
    });
    match client(&server).get_credits().send().await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status().as_u16(), 429);
            assert_eq!(answer.message.as_deref(), Some("Too Many Attempts."));
        }
        other => panic!("expected a typed 429, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_on_a_multipart_submission_is_typed_too() {
    let server = MockServer::start_async().await;
    server.classify_image(|_, then| {
        then.into_inner()
            .status(429)
            .header("content-type", "application/json")
            .header("retry-after", "2")
            .body(r#"{"message": "Too Many Attempts."}"#);
    });
    let result = client(&server)
        .classify_image()
        .image(b"png".to_vec())
        .send()
        .await;
    match result {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status().as_u16(), 429);
            assert_eq!(answer.message.as_deref(), Some("Too Many Attempts."));
            assert_eq!(answer.headers().get("retry-after").unwrap(), "2");
        }
        other => panic!("expected a typed 429, got {other:?}"),
    }
}

#[tokio::test]
async fn an_error_answer_that_is_not_json_keeps_its_status_and_text() {
    let server = MockServer::start_async().await;
    server.get_image_classification(|when, then| {
        when.identifier("bad-gateway");
        then.into_inner()
            .status(502)
            .header("content-type", "text/html")
            .body("<html><body>502 Bad Gateway</body></html>");
    });
    server.get_image_classification(|when, then| {
        when.identifier("no-body");
        then.into_inner().status(401);
    });
    let client = client(&server);

    match client
        .get_image_classification()
        .identifier("bad-gateway")
        .send()
        .await
    {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status().as_u16(), 502);
            assert!(
                answer
                    .message
                    .as_deref()
                    .unwrap()
                    .contains("502 Bad Gateway")
            );
        }
        other => panic!("expected a typed 502, got {other:?}"),
    }
    match client
        .get_image_classification()
        .identifier("no-body")
        .send()
        .await
    {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status().as_u16(), 401);
            assert_eq!(answer.message.as_deref(), Some("Unauthorized"));
        }
        other => panic!("expected a typed 401, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_that_does_not_answer_fails_at_the_request_timeout() {
    let server = MockServer::start_async().await;
    server.get_credits(|_, then| {
        then.ok(&credits())
            .into_inner()
            .delay(Duration::from_secs(30));
    });
    let client = ClientConfig::new(KEY)
        .base_url(server.base_url())
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get_credits().send().await.unwrap_err();
    match &error {
        Error::CommunicationError(e) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the deadline was not kept"
    );
}

#[test]
fn an_upload_may_take_the_time_its_size_needs_within_the_cap() {
    let transport = identifai_api::config::Transport::default();
    // 60 s for the request, plus 50 MiB at 256 KiB/s.
    assert_eq!(
        transport.deadline(Some(50 * 1024 * 1024)),
        Duration::from_secs(60 + 200)
    );
    assert_eq!(transport.deadline(Some(0)), Duration::from_secs(60));
    // 5 GiB at 256 KiB/s: 5.7 hours, within the 6-hour cap.
    assert_eq!(
        transport.deadline(Some(5 * 1024 * 1024 * 1024)),
        Duration::from_secs(60 + 20480)
    );
    // 10 GiB would need 11.4 hours: capped.
    assert_eq!(
        transport.deadline(Some(10 * 1024 * 1024 * 1024)),
        Duration::from_secs(6 * 3600)
    );
    assert_eq!(transport.deadline(None), Duration::from_secs(6 * 3600));
}

#[tokio::test]
async fn an_enormous_timeout_does_not_overflow_on_a_request_with_a_body() {
    let server = MockServer::start_async().await;
    let mock = server.classify_image(|_, then| {
        then.success(
            200,
            &types::IdentifierResponse {
                identifier: Some("x".into()),
            },
        );
    });
    let client = ClientConfig::new(KEY)
        .base_url(server.base_url())
        .request_timeout(Duration::MAX)
        .max_upload_time(Duration::MAX)
        .build()
        .unwrap();
    client
        .classify_image()
        .image(vec![1u8; 1000])
        .send()
        .await
        .expect("no overflow");
    mock.assert_async().await;
}

#[test]
fn swapped_arguments_do_not_echo_the_key() {
    let error = Client::with_api_key(KEY, "https://backend.identifai.net").unwrap_err();
    assert!(
        matches!(error, ConfigError::InvalidBaseUrl { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains(KEY), "{error}");
    assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    assert!(error.to_string().contains("swapped"), "{error}");

    let error = Client::with_api_key("http://user:hunter2@example.com", KEY).unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[cfg(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
))] // https
#[test]
fn a_builder_holding_a_password_does_not_show_it() {
    let client = Client::with_api_key("https://backend.identifai.net", KEY).unwrap();
    let builder = client.upsert_partner_user().password("hunter2").name("Ada");
    let debug = format!("{builder:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("Ada"),
        "{debug}"
    );
    assert!(debug.contains("UpsertPartnerUser"), "{debug}");
}

#[tokio::test]
async fn a_server_that_echoes_the_key_in_an_error_does_not_put_it_in_the_error() {
    let server = MockServer::start_async().await;
    server.get_credits(|_, then| {
        then.into_inner()
            .status(401)
            .header("content-type", "application/json")
            .body(format!(r#"{{"message": "Invalid API key {KEY}."}}"#));
    });
    let error = client(&server).get_credits().send().await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(KEY), "{shown}");
    match error {
        Error::ErrorResponse(answer) => {
            assert_eq!(
                answer.message.as_deref(),
                Some("Invalid API key [redacted].")
            )
        }
        other => panic!("expected a typed 401, got {other:?}"),
    }
}

/// What a server on loopback receives first from a client of
/// `https://127.0.0.1:…`: the TLS ClientHello, read raw. The server then
/// hangs up, so the request fails (with no key sent in clear).
async fn client_hello() -> (Vec<u8>, Result<(), String>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut hello = vec![0; 4096];
        let n = socket.read(&mut hello).await.unwrap();
        hello.truncate(n);
        hello
    });
    let client = Client::with_api_key(&format!("https://127.0.0.1:{port}"), KEY).unwrap();
    let sent = client
        .get_credits()
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    (server.await.unwrap(), sent)
}

#[cfg(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
))]
#[tokio::test]
async fn https_speaks_tls_and_offers_http2_first() {
    assert!(identifai_api::TLS_STACK.is_some());
    let (hello, sent) = client_hello().await;
    // A TLS record of type handshake (22), then a ClientHello (1).
    assert_eq!(hello.first(), Some(&22), "not TLS: {hello:?}");
    assert_eq!(hello.get(5), Some(&1), "not a ClientHello: {hello:?}");
    let offers = |protocol: &[u8]| hello.windows(protocol.len()).any(|w| w == protocol);
    assert!(
        offers(b"h2") && offers(b"http/1.1"),
        "ALPN offers h2 and http/1.1"
    );
    assert!(!offers(KEY.as_bytes()), "the key is not in the handshake");
    assert!(sent.is_err(), "the server hung up");
}

#[cfg(not(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
)))]
#[test]
fn without_a_tls_feature_https_is_refused_when_the_client_is_built() {
    let error = Client::with_api_key("https://backend.identifai.net", KEY).unwrap_err();
    assert!(matches!(error, ConfigError::Tls(_)), "{error:?}");
    assert!(error.to_string().contains("rustls-ring"), "{error}");
}
