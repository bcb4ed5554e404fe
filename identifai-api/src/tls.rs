//! The TLS stack, chosen by feature: `rustls-ring` (the default),
//! `rustls-aws-lc` or `native-tls`. With several on, native-tls wins over
//! rustls-aws-lc, which wins over rustls-ring. With rustls, the crypto
//! provider is handed to reqwest in a ready-made configuration: a library
//! never installs a process-wide default that its users did not ask for.

use crate::config::ConfigError;

/// The stack this build uses, as named by its feature (`None`: built
/// without TLS, so only plain-http loopback URLs work).
pub const TLS_STACK: Option<&str> = if cfg!(feature = "native-tls") {
    Some("native-tls")
} else if cfg!(feature = "rustls-aws-lc") {
    Some("rustls-aws-lc")
} else if cfg!(feature = "rustls-ring") {
    Some("rustls-ring")
} else {
    None
};

/// Sets the chosen TLS stack on `http`.
pub(crate) fn configure(
    http: reqwest::ClientBuilder,
) -> Result<reqwest::ClientBuilder, ConfigError> {
    #[cfg(feature = "native-tls")]
    {
        Ok(http.tls_backend_native())
    }
    #[cfg(all(
        not(feature = "native-tls"),
        any(feature = "rustls-ring", feature = "rustls-aws-lc")
    ))]
    {
        rustls_config().map(|config| http.tls_backend_preconfigured(config))
    }
    #[cfg(not(any(
        feature = "native-tls",
        feature = "rustls-ring",
        feature = "rustls-aws-lc"
    )))]
    {
        Ok(http)
    }
}

/// A rustls configuration with the feature's provider, the platform's
/// trust store, and HTTP/2 offered before HTTP/1.1.
#[cfg(all(
    not(feature = "native-tls"),
    any(feature = "rustls-ring", feature = "rustls-aws-lc")
))]
fn rustls_config() -> Result<rustls::ClientConfig, ConfigError> {
    use std::sync::Arc;

    #[cfg(feature = "rustls-aws-lc")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "rustls-aws-lc"))]
    let provider = rustls::crypto::ring::default_provider();
    let provider = Arc::new(provider);
    let tls = |e: rustls::Error| ConfigError::Tls(e.to_string());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(tls)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
