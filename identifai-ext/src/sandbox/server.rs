//! The sandbox's HTTP server: axum on a thread of its own, so it serves
//! whatever runtime (or none) its user has.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::state::{self, State};

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

pub(super) fn start(state: Arc<Mutex<State>>) -> std::io::Result<Running> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
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

fn router(state: Arc<Mutex<State>>) -> Router {
    Router::new()
        .route("/api/classification", post(state::classify_image))
        .route("/api/image_fromurl", post(state::classify_image_url))
        .route("/api/classification_video", post(state::classify_video))
        .route("/api/video_fromurl", post(state::classify_video_url))
        .route("/api/classification_audio", post(state::classify_audio))
        .route("/api/audio_fromurl", post(state::classify_audio_url))
        .route("/api/classification/{id}", get(state::get_image))
        .route("/api/classification_image/{id}", get(state::get_image))
        .route("/api/classification_video/{id}", get(state::get_video))
        .route("/api/classification_audio/{id}", get(state::get_audio))
        .route("/api/classifications", get(state::list_images))
        .route("/api/classifications_image", get(state::list_images))
        .route("/api/classifications_video", get(state::list_videos))
        .route("/api/classifications_audio", get(state::list_audios))
        .route("/api/classification/heatmap/{id}", get(state::heatmap))
        .route(
            "/api/classification_image/heatmap/{id}",
            get(state::heatmap),
        )
        .route(
            "/api/classification/{hash}/override",
            post(state::override_image),
        )
        .route(
            "/api/classification_video/{hash}/override",
            post(state::override_video),
        )
        .route(
            "/api/classification_audio/{hash}/override",
            post(state::override_audio),
        )
        .route("/api/user/credits", get(state::credits))
        .route("/api/partner/user", post(state::upsert_user))
        .route(
            "/api/partner/send_creation_email",
            post(state::send_creation_email),
        )
        .route("/api/partner/users", get(state::list_users))
        .route("/api/partner/pricings", get(state::pricings))
        .fallback(state::not_found)
        // Uploads are hashed as they arrive, never held whole: no body limit
        // beyond the documented ones, which the handlers check.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}
