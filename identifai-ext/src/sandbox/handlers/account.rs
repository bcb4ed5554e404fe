//! The account: credits, partner users (paged, created, updated, emailed)
//! and pricing plans.

use std::collections::HashMap;

use axum::extract::{Multipart, RawQuery, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use identifai_api::types;
use serde_json::json;

use super::{Answer, Shared, error, invalid, json_answer};
use crate::sandbox::form::read_form;
use crate::sandbox::results;
use crate::sandbox::state::lock;

const USER_NOT_FOUND: &str = "User not found.";

/// The credits left and spent.
pub(in crate::sandbox) async fn credits(Extract(state): Shared) -> Answer {
    let state = lock(&state);
    Ok(json_answer(
        json!({ "available_credits": state.credits, "total_spent": state.spent }),
    ))
}

/// One page of the partner users, filtered by pricing plan and ordered.
pub(in crate::sandbox) async fn list_users(
    Extract(state): Shared,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Answer {
    let state = lock(&state);
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    // The documented parameters are checked as the API's validation would:
    // an integer where one is typed, a known direction.
    for key in ["pricing_id", "per_page", "page"] {
        if query.get(key).is_some_and(|v| v.parse::<i64>().is_err()) {
            return invalid(&format!(
                "The {} must be an integer.",
                key.replace('_', " ")
            ));
        }
    }
    if query
        .get("direction")
        .is_some_and(|d| d != "asc" && d != "desc")
    {
        return invalid("The selected direction is invalid.");
    }
    // The spec sets no minimum on per_page: zero or less is "not given".
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<i64>().ok());
    let mut users: Vec<types::User> = state
        .users
        .iter()
        .filter(|u| {
            number("pricing_id").is_none_or(|p| u.pricing.as_ref().and_then(|x| x.id) == Some(p))
        })
        .cloned()
        .collect();
    if query.get("direction").map(String::as_str) == Some("desc") {
        users.reverse();
    }
    let total = users.len() as i64;
    let per_page = number("per_page")
        .filter(|n| *n > 0)
        .unwrap_or(total.max(1));
    let page = number("page").filter(|n| *n > 0).unwrap_or(1);
    // Saturating: a page size or page number near i64::MAX is past the end,
    // not an overflow.
    let last_page = (total / per_page + i64::from(total % per_page != 0)).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    let data: Vec<types::User> = users[start as usize..end as usize].to_vec();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let next = (page < last_page).then(|| {
        format!(
            "http://{host}/api/partner/users?page={}&per_page={per_page}",
            page + 1
        )
    });
    let (from, to) = if data.is_empty() {
        (None, None)
    } else {
        (Some(start + 1), Some(end))
    };
    Ok(json_answer(json!({
        "current_page": page,
        "data": data,
        "from": from,
        "last_page": last_page,
        "next_page_url": next,
        "per_page": per_page,
        "to": to,
        "total": total,
    })))
}

/// Creates a user (an empty `id`) or updates the user with that `id`.
pub(in crate::sandbox) async fn upsert_user(
    Extract(state): Shared,
    multipart: Multipart,
) -> Answer {
    let form = read_form(multipart, "", 0).await?;
    for required in ["name", "email", "heuristic", "pricing_id"] {
        if form.text.get(required).is_none_or(|v| v.is_empty()) {
            return invalid(&format!("The {required} field is required."));
        }
    }
    if !looks_like_email(&form.text["email"]) {
        return invalid("The email field must be a valid email address.");
    }
    let Some(id) = form.text.get("id") else {
        return invalid("The id field must be present.");
    };
    let Ok(pricing_id) = form.text["pricing_id"].parse::<i64>() else {
        return invalid("The pricing id must be an integer.");
    };
    let Some(pricing) = results::pricing(pricing_id) else {
        return invalid("The selected pricing id is invalid.");
    };
    let id = match id.as_str() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return invalid("The id must be an integer."),
        },
    };
    let mut state = lock(&state);
    let user = match id {
        Some(id) => match state.users.iter_mut().find(|u| u.id == Some(id)) {
            Some(user) => {
                results::fill_user(user, &form.text, pricing);
                user.clone()
            }
            None => return Err(error(StatusCode::NOT_FOUND, USER_NOT_FOUND)),
        },
        None => {
            let next = state
                .users
                .iter()
                .filter_map(|u| u.id)
                .max()
                .unwrap_or(1000)
                + 1;
            let mut user = results::seeded_user(next - 1000);
            user.id = Some(next);
            results::fill_user(&mut user, &form.text, pricing);
            state.users.push(user.clone());
            user
        }
    };
    Ok(json_answer(json!({ "data": user })))
}

/// Whether `email` has the shape of an address (`local@domain.tld`, no
/// spaces): the spec types the field `format: email`, and a user saved with
/// something else would make every later answer carrying it break the spec.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The user the creation email would go to.
pub(in crate::sandbox) async fn send_creation_email(
    Extract(state): Shared,
    multipart: Multipart,
) -> Answer {
    let form = read_form(multipart, "", 0).await?;
    let Some(Ok(id)) = form.text.get("id").map(|v| v.parse::<i64>()) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "The id field is required and must be an integer.",
        ));
    };
    let state = lock(&state);
    match state.users.iter().find(|u| u.id == Some(id)) {
        Some(user) => Ok(json_answer(json!({ "data": user }))),
        None => Err(error(StatusCode::NOT_FOUND, USER_NOT_FOUND)),
    }
}

/// The pricing plans (two, simulated).
pub(in crate::sandbox) async fn pricings() -> Answer {
    let plans: Vec<_> = results::PRICINGS
        .iter()
        .map(|(id, name, sku)| json!({ "id": id, "name": name, "sku": sku, "simulated": true }))
        .collect();
    Ok(json_answer(json!(plans)))
}
