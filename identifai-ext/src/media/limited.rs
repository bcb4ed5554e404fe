//! The upload body: bounded by its kind's limit and held to its declared
//! length.

use super::*;

/// A body stream that stops with an error once it passes `max` bytes, and
/// holds to its declared length: more bytes, or fewer at the end, are an
/// error too (the request carries that length).
pub(super) struct Limited {
    inner: ByteStream,
    sent: u64,
    max: u64,
    declared: Option<u64>,
    subject: String,
    kind: MediaKind,
    done: bool,
}

impl Limited {
    pub(super) fn new(
        inner: ByteStream,
        max: u64,
        declared: Option<u64>,
        subject: String,
        kind: MediaKind,
    ) -> Self {
        Self {
            inner,
            sent: 0,
            max,
            declared,
            subject,
            kind,
            done: false,
        }
    }

    pub(super) fn fail(
        &mut self,
        kind: io::ErrorKind,
        message: String,
    ) -> Poll<Option<io::Result<Bytes>>> {
        self.done = true;
        Poll::Ready(Some(Err(io::Error::new(kind, message))))
    }
}

impl Stream for Limited {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                this.sent = this.sent.saturating_add(chunk.len() as u64);
                if this.sent > this.max {
                    let message = format!(
                        "{}: grew past the limit for {} ({}, {} bytes); sending stopped",
                        this.subject,
                        this.kind.plural(),
                        this.kind.limit_text(),
                        this.max
                    );
                    return this.fail(io::ErrorKind::FileTooLarge, message);
                }
                if let Some(declared) = this.declared.filter(|&d| this.sent > d) {
                    let message = format!(
                        "{}: is longer than its given length of {declared} bytes; pass its \
                         exact length, or None when it is not known",
                        this.subject
                    );
                    return this.fail(io::ErrorKind::InvalidData, message);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                if let Some(declared) = this.declared.filter(|&d| this.sent < d) {
                    let message = format!(
                        "{}: ended after {} bytes, but its length was given as {declared}",
                        this.subject, this.sent
                    );
                    return this.fail(io::ErrorKind::UnexpectedEof, message);
                }
                this.done = true;
                Poll::Ready(None)
            }
        }
    }
}
