//! Nothing but tests: `tests/readme.rs` is the README's "Testing your code"
//! example, exactly, run as a downstream crate runs it (with only the
//! dev-dependencies the README lists), and `tests/readme_is_current.rs`
//! fails when the two drift apart.
