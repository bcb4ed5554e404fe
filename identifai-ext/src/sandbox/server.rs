//! The sandbox's HTTP server: axum on a thread of its own, so it serves
//! whatever runtime (or none) its user has.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::handlers::{self, account, lookup, submit};
use super::state::State;
use crate::media::MediaKind;

/// The server thread and how to stop it.
#[derive(Debug)]
pub(super) struct Running {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub(super) fn address(&self) -> SocketAddr {
        self.address
    }

    pub(super) fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves on `port` of 127.0.0.1 (0: a free one).
pub(super) fn start(state: Arc<Mutex<State>>, port: u16) -> std::io::Result<Running> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("identifai-sandbox".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let app = router(state);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        })?;
    Ok(Running {
        address,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// The paths of one kind's operations; where a list has several, the
/// first is the documented path and the others its aliases.
struct KindPaths {
    kind: MediaKind,
    upload: &'static str,
    from_url: &'static str,
    result: &'static [&'static str],
    list: &'static [&'static str],
    override_verdict: &'static str,
}

const KINDS: [KindPaths; 3] = [
    KindPaths {
        kind: MediaKind::Image,
        upload: "/api/classification",
        from_url: "/api/image_fromurl",
        result: &["/api/classification/{id}", "/api/classification_image/{id}"],
        list: &["/api/classifications", "/api/classifications_image"],
        override_verdict: "/api/classification/{hash}/override",
    },
    KindPaths {
        kind: MediaKind::Video,
        upload: "/api/classification_video",
        from_url: "/api/video_fromurl",
        result: &["/api/classification_video/{id}"],
        list: &["/api/classifications_video"],
        override_verdict: "/api/classification_video/{hash}/override",
    },
    KindPaths {
        kind: MediaKind::Speech,
        upload: "/api/classification_audio",
        from_url: "/api/audio_fromurl",
        result: &["/api/classification_audio/{id}"],
        list: &["/api/classifications_audio"],
        override_verdict: "/api/classification_audio/{hash}/override",
    },
];

fn router(state: Arc<Mutex<State>>) -> Router {
    let mut router = Router::new();
    for paths in KINDS {
        let kind = paths.kind;
        router = router
            .route(
                paths.upload,
                post(move |s, h, m| submit::upload(s, h, m, kind)),
            )
            .route(
                paths.from_url,
                post(move |s, h, m| submit::from_url(s, h, m, kind)),
            )
            .route(
                paths.override_verdict,
                post(move |s, p, b| lookup::override_verdict(s, p, b, kind)),
            );
        for path in paths.result {
            router = router.route(path, get(move |s, p| lookup::get_one(s, p, kind)));
        }
        for path in paths.list {
            router = router.route(path, get(move |s, q| lookup::list(s, q, kind)));
        }
    }
    router
        .route("/api/classification/heatmap/{id}", get(lookup::heatmap))
        .route(
            "/api/classification_image/heatmap/{id}",
            get(lookup::heatmap),
        )
        .route("/api/user/credits", get(account::credits))
        .route("/api/partner/user", post(account::upsert_user))
        .route(
            "/api/partner/send_creation_email",
            post(account::send_creation_email),
        )
        .route("/api/partner/users", get(account::list_users))
        .route("/api/partner/pricings", get(account::pricings))
        .fallback(handlers::not_found)
        // Uploads are hashed as they arrive, never held whole: no body limit
        // beyond the documented ones, which the handlers check.
        .layer(DefaultBodyLimit::disable())
        // The key and the rate limits, before any body is read.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            handlers::admission,
        ))
        // Every refusal in the API's shape, whatever refused it.
        .layer(axum::middleware::map_response(json_refusals))
        .with_state(state)
}

/// A refusal that is not JSON (axum's own rejections of a missing content
/// type, a broken multipart boundary or a body that is not JSON, which are
/// plain text; an unknown method, which is empty) becomes the API's
/// `{"message": …}`, with the same status.
async fn json_refusals(response: axum::response::Response) -> axum::response::Response {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

    let status = response.status();
    let json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("Refused.").to_string()
    } else {
        text
    };
    let body = serde_json::json!({ "message": message }).to_string();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    axum::response::Response::from_parts(parts, axum::body::Body::from(body))
}
