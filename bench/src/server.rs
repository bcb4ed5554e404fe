//! The canned server: axum on 127.0.0.1:0, on a thread and runtime of its
//! own, answering prepared bodies and counting requests.
//!
//! - `GET /api/classification_video/{id}`: the large video result;
//! - `POST /api/classification_video`: reads the body, drops it, answers
//!   `{"identifier": "upload-<bytes read>"}`;
//! - `POST /api/classification`: reads the body, answers
//!   `{"identifier": "id-<n>"}`;
//! - `GET /api/classification/{id}` and `GET /api/classifications?identifiers[]=…`:
//!   each identifier is `new` at its first poll and `done` after.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::fixtures::ImageResults;

/// The API key every client sends (the server does not check it).
pub const API_KEY: &str = "bench-key";

/// What the server serves and what it counted.
pub struct Canned {
    video: Bytes,
    images: ImageResults,
    next_id: AtomicU64,
    /// Polls of each image identifier so far.
    polls: Mutex<HashMap<String, u32>>,
    /// GET requests for image results (single or list).
    pub result_gets: AtomicU64,
    /// Image submissions.
    pub submissions: AtomicU64,
}

impl Canned {
    pub fn new(video: Vec<u8>) -> Self {
        Self {
            video: Bytes::from(video),
            images: ImageResults::new(),
            next_id: AtomicU64::new(0),
            polls: Mutex::new(HashMap::new()),
            result_gets: AtomicU64::new(0),
            submissions: AtomicU64::new(0),
        }
    }

    /// Appends the state of `identifier` to `out` and counts the poll;
    /// `false` when the identifier is unknown.
    fn poll(&self, identifier: &str, out: &mut Vec<u8>) -> bool {
        let done = {
            let mut polls = self.polls.lock().unwrap_or_else(|e| e.into_inner());
            match polls.get_mut(identifier) {
                Some(n) => {
                    *n += 1;
                    *n > 1
                }
                None => return false,
            }
        };
        self.images.write(out, identifier, done);
        true
    }
}

/// The running server.
pub struct Server {
    pub base_url: String,
    pub canned: Arc<Canned>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(canned: Canned) -> std::io::Result<Self> {
        let canned = Arc::new(canned);
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let address: SocketAddr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let app = router(canned.clone());
        let thread = std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })?;
        Ok(Self {
            base_url: format!("http://{address}"),
            canned,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

type Shared = State<Arc<Canned>>;

fn router(canned: Arc<Canned>) -> Router {
    Router::new()
        .route(
            "/api/classification_video/{id}",
            get(|State(c): Shared| async move { json(c.video.clone()) }),
        )
        .route(
            "/api/classification_video",
            axum::routing::post(|body: Body| async move {
                let read = drain(body).await;
                json(format!(r#"{{"identifier":"upload-{read}"}}"#).into())
            }),
        )
        .route("/api/classification", axum::routing::post(submit_image))
        .route("/api/classification/{id}", get(get_image))
        .route("/api/classifications", get(list_images))
        .layer(DefaultBodyLimit::disable())
        .with_state(canned)
}

/// Reads a body to its end, keeping nothing; the number of bytes read.
async fn drain(body: Body) -> u64 {
    let mut stream = body.into_data_stream();
    let mut read = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len() as u64;
    }
    read
}

fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn submit_image(State(c): Shared, body: Body) -> Response {
    drain(body).await;
    let identifier = format!("id-{}", c.next_id.fetch_add(1, Ordering::Relaxed));
    c.polls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(identifier.clone(), 0);
    c.submissions.fetch_add(1, Ordering::Relaxed);
    json(format!(r#"{{"identifier":"{identifier}"}}"#).into())
}

async fn get_image(State(c): Shared, Path(id): Path<String>) -> Response {
    c.result_gets.fetch_add(1, Ordering::Relaxed);
    let mut out = Vec::with_capacity(4096);
    if c.poll(&id, &mut out) {
        json(out.into())
    } else {
        not_found()
    }
}

async fn list_images(State(c): Shared, RawQuery(query): RawQuery) -> Response {
    c.result_gets.fetch_add(1, Ordering::Relaxed);
    let query = query.unwrap_or_default();
    let ids = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| key == "identifiers[]")
        .map(|(_, value)| value);
    let mut out = Vec::with_capacity(4096 * 100);
    out.push(b'[');
    for id in ids {
        if out.len() > 1 {
            out.push(b',');
        }
        if !c.poll(&id, &mut out) {
            out.pop_if(|b| *b == b',');
        }
    }
    out.push(b']');
    json(out.into())
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"message":"Not found."}"#,
    )
        .into_response()
}
