//! Reading `multipart/form-data` bodies that a mock server received, so
//! that the typed mocks (and tests) can match parts by name.

use httpmock::prelude::HttpMockRequest;

/// One part of a multipart body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormPart {
    /// The part's field name.
    pub name: String,
    /// The file name, for a file part.
    pub file_name: Option<String>,
    /// The part's own `Content-Type`, when it has one.
    pub content_type: Option<String>,
    /// The part's content, exactly as sent.
    pub data: Vec<u8>,
}

/// The parts of the request's multipart body, in order; empty when the
/// request is not `multipart/form-data` or its body does not parse.
pub fn form_parts(request: &HttpMockRequest) -> Vec<FormPart> {
    let headers = request.headers();
    let Some(content_type) = headers.get("content-type").and_then(|v| v.to_str().ok()) else {
        return Vec::new();
    };
    match boundary(content_type) {
        Some(boundary) => parse(request.body_ref(), &boundary).unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The first part named `name`, if any.
pub fn form_part(request: &HttpMockRequest, name: &str) -> Option<FormPart> {
    form_parts(request).into_iter().find(|p| p.name == name)
}

fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(body: &[u8], boundary: &str) -> Option<Vec<FormPart>> {
    let delimiter = format!("--{boundary}");
    let mut rest = &body[find(body, delimiter.as_bytes())? + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        rest = &rest[header_end + 4..];
        let next = find(rest, format!("\r\n{delimiter}").as_bytes())?;
        let data = rest[..next].to_vec();
        rest = &rest[next + 2 + delimiter.len()..];

        let mut part = FormPart {
            name: String::new(),
            file_name: None,
            content_type: None,
            data,
        };
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = disposition_param(value, "name")?;
                part.file_name = disposition_param(value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_string());
            }
        }
        parts.push(part);
    }
}

fn disposition_param(value: &str, key: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}
