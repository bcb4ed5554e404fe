//! Heatmaps, overrides, credits and partner users.

use std::path::Path;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use identifai_api::ClientInfo;
use identifai_api::body::read_error_body;
use identifai_api::types::{self, Classification};
use tokio::io::AsyncWriteExt;

use crate::analysis::Analysis;
use crate::client::Client;
use crate::error::{Error, InputError, Result};
use crate::media::MediaKind;
use crate::retry::Method;

/// A filter and order for [`Client::partner_users`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserQuery {
    /// Only users on this pricing plan.
    pub pricing_id: Option<i64>,
    /// The field to sort by (the server's default is `id`).
    pub order: Option<String>,
    /// Descending instead of ascending.
    pub descending: Option<bool>,
    /// Users per page (100 when not set).
    pub per_page: Option<i64>,
}

impl UserQuery {
    /// Every user, 100 a page, in the server's order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only users on this pricing plan.
    pub fn pricing_id(mut self, id: i64) -> Self {
        self.pricing_id = Some(id);
        self
    }

    /// Sorts by this field.
    pub fn order(mut self, field: impl Into<String>) -> Self {
        self.order = Some(field.into());
        self
    }

    /// Sorts in descending order.
    pub fn descending(mut self, descending: bool) -> Self {
        self.descending = Some(descending);
        self
    }

    /// Users per page.
    pub fn per_page(mut self, per_page: i64) -> Self {
        self.per_page = Some(per_page);
        self
    }
}

/// A user to create or update (see [`Client::upsert_user`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserForm {
    /// The user to update, or `None` to create one.
    pub id: Option<i64>,
    /// Full name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// The heuristic of the user's verdicts, such as `Average`.
    pub heuristic: String,
    /// The pricing plan.
    pub pricing_id: i64,
    /// The password, if set now.
    pub password: Option<String>,
    /// Whether the user may only read results.
    pub readonly: Option<bool>,
    /// Whether the user takes the newsletter.
    pub newsletter: Option<bool>,
    /// Whether the user may keep submitted files.
    pub save_files: Option<bool>,
}

impl UserForm {
    /// A new user with the required fields.
    pub fn new(
        name: impl Into<String>,
        email: impl Into<String>,
        heuristic: impl Into<String>,
        pricing_id: i64,
    ) -> Self {
        Self {
            id: None,
            name: name.into(),
            email: email.into(),
            heuristic: heuristic.into(),
            pricing_id,
            password: None,
            readonly: None,
            newsletter: None,
            save_files: None,
        }
    }
}

fn nonempty(what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(InputError::new(what, "is empty").into());
    }
    Ok(())
}

impl Client {
    /// The credits of the key's owner.
    pub async fn credits(&self) -> Result<types::GetCreditsResponse> {
        let api = self.api();
        self.call("get_credits", Method::Get, || api.get_credits().send())
            .await
    }

    /// Downloads the AI heatmap of an image submitted with `with_heatmap`.
    pub async fn heatmap(&self, identifier: &str) -> Result<Bytes> {
        nonempty("identifier", identifier)?;
        let api = self.api();
        let stream = self
            .call("get_image_heatmap", Method::Get, || {
                api.get_image_heatmap().identifier(identifier).send()
            })
            .await?;
        let chunks: Vec<Bytes> = stream
            .into_inner()
            .try_collect()
            .await
            .map_err(|e| Error::Transport(e.into()))?;
        Ok(chunks.concat().into())
    }

    /// Downloads the AI heatmap of an image into `path`, streaming it; the
    /// file appears whole or not at all. Returns its size.
    pub async fn save_heatmap(&self, identifier: &str, path: impl AsRef<Path>) -> Result<u64> {
        nonempty("identifier", identifier)?;
        let path = path.as_ref();
        let api = self.api();
        let mut stream = self
            .call("get_image_heatmap", Method::Get, || {
                api.get_image_heatmap().identifier(identifier).send()
            })
            .await?
            .into_inner();
        // Beside the target (so the rename stays on one file system), under
        // a name no other download shares.
        static DOWNLOADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = DOWNLOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let partial = path.with_file_name(format!(".{name}.{}-{n}.partial", std::process::id()));
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| Error::io("create", &partial, e))?;
        let mut size = 0;
        let copied: Result<()> = async {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| Error::Transport(e.into()))?;
                size += chunk.len() as u64;
                file.write_all(&chunk)
                    .await
                    .map_err(|e| Error::io("write", &partial, e))?;
            }
            file.sync_all()
                .await
                .map_err(|e| Error::io("write", &partial, e))
        }
        .await;
        if let Err(e) = copied {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        tokio::fs::rename(&partial, path)
            .await
            .map_err(|e| Error::io("rename", &partial, e))?;
        Ok(size)
    }

    /// Records your own verdict for a file, by its SHA-256 (`hash`): every
    /// submission of the same file takes it.
    pub async fn override_classification(
        &self,
        kind: MediaKind,
        hash: &str,
        classification: Classification,
    ) -> Result<types::OverrideResponse> {
        nonempty("hash", hash)?;
        let body = types::OverrideRequest { classification };
        let api = self.api();
        // The three operations differ only in name (and path).
        macro_rules! override_with {
            ($operation:ident) => {
                self.call(stringify!($operation), Method::Post, || {
                    api.$operation().hash(hash).body(body.clone()).send()
                })
                .await
            };
        }
        match kind {
            MediaKind::Image => override_with!(override_image_classification),
            MediaKind::Video => override_with!(override_video_classification),
            MediaKind::Speech => override_with!(override_audio_classification),
        }
    }

    /// Overrides the verdict of an analysed file.
    pub async fn override_analysis(
        &self,
        analysis: &Analysis,
        classification: Classification,
    ) -> Result<types::OverrideResponse> {
        let hash = analysis
            .hash()
            .ok_or_else(|| InputError::new("analysis", "has no hash to address the override by"))?;
        self.override_classification(analysis.kind(), hash, classification)
            .await
    }

    /// Creates a user of your partnership (`form.id` = `None`) or updates one.
    pub async fn upsert_user(&self, form: &UserForm) -> Result<types::User> {
        nonempty("name", &form.name)?;
        nonempty("email", &form.email)?;
        nonempty("heuristic", &form.heuristic)?;
        let api = self.api();
        let answer = self
            .call("upsert_partner_user", Method::Post, || {
                let mut b = api
                    .upsert_partner_user()
                    .id(form.id)
                    .name(form.name.clone())
                    .email(form.email.clone())
                    .heuristic(form.heuristic.clone())
                    .pricing_id(form.pricing_id);
                if let Some(p) = &form.password {
                    b = b.password(p.clone());
                }
                if let Some(v) = form.readonly {
                    b = b.readonly(v);
                }
                if let Some(v) = form.newsletter {
                    b = b.newsletter(v);
                }
                if let Some(v) = form.save_files {
                    b = b.save_files(v);
                }
                b.send()
            })
            .await?;
        unwrap_user(answer)
    }

    /// Sends a user the email that lets them set a password and log in.
    pub async fn send_creation_email(&self, user_id: i64) -> Result<types::User> {
        let api = self.api();
        let answer = self
            .call("send_creation_email", Method::Post, || {
                api.send_creation_email().id(user_id).send()
            })
            .await?;
        unwrap_user(answer)
    }

    /// The users of your partnership, page after page, as a stream.
    ///
    /// Every page is asked of this client's own base URL: a later page's
    /// address is the list's path on the base URL with the query of the
    /// answer's `next_page_url` (its scheme, host and path are not used, so
    /// a proxy that rewrites them, or a URL elsewhere, changes nothing and
    /// the key never leaves the base URL). A `next_page_url` that leads
    /// back to a page already read ends the stream with an error.
    ///
    /// ```no_run
    /// # async fn run(client: identifai_ext::Client) -> identifai_ext::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let users: Vec<_> = client.partner_users(Default::default()).try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn partner_users(&self, query: UserQuery) -> impl Stream<Item = Result<types::User>> + '_ {
        enum Next {
            First,
            Page(url::Url),
            // A page's users come before the error its `next_page_url` makes.
            Fail(Error),
            Done,
        }
        // The pages already asked for, by their query: a server that points
        // back to one of them would otherwise make the stream endless.
        let seen = std::sync::Arc::new(std::sync::Mutex::new(
            std::collections::HashSet::<String>::new(),
        ));
        let pages = futures_util::stream::try_unfold(Next::First, move |next| {
            let query = query.clone();
            let seen = seen.clone();
            async move {
                let page = match next {
                    Next::Done => return Ok::<_, Error>(None),
                    Next::Fail(e) => return Err(e),
                    Next::First => {
                        let first = self.users_page_url(None, &query)?;
                        remember(&seen, &first);
                        self.first_users_page(&query).await?
                    }
                    Next::Page(url) => self.users_page_at(url).await?,
                };
                let more = page
                    .next_page_url
                    .clone()
                    .filter(|u| !u.is_empty() && !page.data.is_empty());
                let next = match &more {
                    None => Next::Done,
                    Some(given) => match self.users_page_url(Some(given), &query) {
                        Err(e) => Next::Fail(e),
                        Ok(url) if !remember(&seen, &url) => Next::Fail(Error::Unexpected {
                            status: None,
                            message: format!(
                                "next_page_url `{}` leads to a page already read: the pages loop",
                                crate::media::redact_url(given)
                            ),
                        }),
                        Ok(url) => Next::Page(url),
                    },
                };
                Ok(Some((page.data, next)))
            }
        });
        pages
            .map_ok(|users| futures_util::stream::iter(users.into_iter().map(Ok)))
            .try_flatten()
    }

    async fn first_users_page(&self, query: &UserQuery) -> Result<types::PaginatedUsers> {
        let api = self.api();
        self.call("list_partner_users", Method::Get, || {
            let mut b = api
                .list_partner_users()
                .per_page(query.per_page.unwrap_or(100));
            if let Some(id) = query.pricing_id {
                b = b.pricing_id(id);
            }
            if let Some(order) = &query.order {
                b = b.order(order.clone());
            }
            if let Some(desc) = query.descending {
                b = b.direction(if desc {
                    types::SortDirection::Desc
                } else {
                    types::SortDirection::Asc
                });
            }
            b.send()
        })
        .await
    }

    /// Where a page of users is asked for: the list's path on this client's
    /// base URL, with the query of `next_page_url` (none: the first page)
    /// and the query's own parameters where it lacks them.
    fn users_page_url(&self, next_page_url: Option<&str>, query: &UserQuery) -> Result<url::Url> {
        let base = self.api().baseurl().trim_end_matches('/');
        let mut target = url::Url::parse(&format!("{base}{USERS_PATH}"))
            .map_err(|e| Error::Config(format!("base URL: {e}")))?;
        if let Some(given) = next_page_url {
            // Relative or absolute, only its query matters.
            let next = target.join(given).map_err(|e| Error::Unexpected {
                status: None,
                message: format!("next_page_url `{}`: {e}", crate::media::redact_url(given)),
            })?;
            target.set_query(next.query());
        }
        keep_query(&mut target, query);
        Ok(target)
    }

    /// A later page of users, at `target` (made by `users_page_url`, so on
    /// this client's base URL).
    async fn users_page_at(&self, target: url::Url) -> Result<types::PaginatedUsers> {
        let http = self.api().client();
        self.call("list_partner_users", Method::Get, || async {
            let response = http
                .get(target.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(self.request_timeout())
                .send()
                .await?;
            let status = response.status();
            if status.is_success() {
                // Read through the same cap as every generated call.
                let limit = self.api().inner().max_response_bytes();
                let response = identifai_api::body::capped(response, limit);
                identifai_api::ResponseValue::from_response(response).await
            } else {
                let headers = response.headers().clone();
                // Read as the generated client reads error bodies: capped,
                // and never the key.
                let body = read_error_body(response.into(), Some(self.api_key())).await;
                let text = String::from_utf8_lossy(&body).into_owned();
                let message = serde_json::from_str::<types::ErrorMessage>(&text)
                    .ok()
                    .and_then(|m| m.message)
                    .unwrap_or(text);
                let body = types::ErrorMessage {
                    message: Some(message),
                };
                Err(identifai_api::Error::ErrorResponse(
                    identifai_api::ResponseValue::new(body, status, headers),
                ))
            }
        })
        .await
    }
}

/// The path of the partner users list (`GET /api/partner/users`), where
/// every page is asked for.
const USERS_PATH: &str = "/api/partner/users";

/// Notes a page's address (by its query, in a fixed order); false when it
/// was noted before.
fn remember(seen: &std::sync::Mutex<std::collections::HashSet<String>>, url: &url::Url) -> bool {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let key = format!("{pairs:?}");
    seen.lock().map(|mut s| s.insert(key)).unwrap_or(false)
}

/// A `next_page_url` may carry only the page number (as the documented
/// example does): the query's own parameters are added where it lacks them,
/// so that every page has the same size, filter and order.
fn keep_query(url: &mut url::Url, query: &UserQuery) {
    let present: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let mut wanted: Vec<(&str, String)> =
        vec![("per_page", query.per_page.unwrap_or(100).to_string())];
    if let Some(id) = query.pricing_id {
        wanted.push(("pricing_id", id.to_string()));
    }
    if let Some(order) = &query.order {
        wanted.push(("order", order.clone()));
    }
    if let Some(desc) = query.descending {
        wanted.push(("direction", if desc { "desc" } else { "asc" }.to_string()));
    }
    let missing: Vec<(&str, String)> = wanted
        .into_iter()
        .filter(|(k, _)| !present.iter().any(|p| p == k))
        .collect();
    if !missing.is_empty() {
        url.query_pairs_mut().extend_pairs(missing);
    }
}

fn unwrap_user(envelope: types::UserEnvelope) -> Result<types::User> {
    envelope
        .data
        .map(|user| *user)
        .ok_or_else(|| Error::Unexpected {
            status: None,
            message: "the answer has no `data` user".into(),
        })
}
