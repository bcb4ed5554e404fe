//! Where the key and the base URL come from (flag > environment > config
//! file), the config file itself, and the client built from them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use identifai_ext::sandbox::Sandbox;
use identifai_ext::{API_KEY_VAR, Client, WaitPolicy};

use crate::args::Global;
use crate::exit::{AUTH, Failure, SERVER, USAGE};

/// What the config file says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileConfig {
    pub api_key: Option<String>,
    pub base_url: Option<String>,
}

/// The config file read when `--config` is not given:
/// `$XDG_CONFIG_HOME/identifai/config.toml`, else
/// `~/.config/identifai/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let nonempty = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = nonempty("XDG_CONFIG_HOME").map(PathBuf::from)
        && dir.is_absolute()
    {
        return Some(dir.join("identifai").join("config.toml"));
    }
    nonempty("HOME").map(|home| {
        PathBuf::from(home)
            .join(".config")
            .join("identifai")
            .join("config.toml")
    })
}

/// Reads a config file. A file named by `--config` must exist; the default
/// one may not. On unix, a file that the group or others can access is
/// refused: it holds an API key.
pub fn read(path: &Path, explicit: bool) -> Result<FileConfig, Failure> {
    let shown = path.display();
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(FileConfig::default());
        }
        Err(e) => {
            return Err(Failure::new(
                USAGE,
                format!("cannot read the config file {shown}: {e}"),
            ));
        }
    };
    check_mode(path, &metadata)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(USAGE, format!("cannot read the config file {shown}: {e}")))?;
    parse(&text).map_err(|e| Failure::new(USAGE, format!("config file {shown}: {e}")))
}

#[cfg(unix)]
fn check_mode(path: &Path, metadata: &std::fs::Metadata) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        let shown = path.display();
        return Err(Failure::new(
            AUTH,
            format!(
                "the config file {shown} can be read or changed by others (mode {mode:04o}), and \
                 it holds an API key: not read. Make it private with `chmod 600 {shown}`"
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _metadata: &std::fs::Metadata) -> Result<(), Failure> {
    Ok(())
}

/// Parses `key = "value"` lines; `#` starts a comment line.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    let mut config = FileConfig::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |problem: String| format!("line {}: {problem}", number + 1);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| at("expected `key = \"value\"`".into()))?;
        let value = unquote(value.trim()).map_err(at)?;
        let slot = match key.trim() {
            "api_key" => &mut config.api_key,
            "base_url" => &mut config.base_url,
            other => {
                return Err(at(format!(
                    "unknown key `{other}` (known: api_key, base_url)"
                )));
            }
        };
        *slot = Some(value).filter(|v| !v.trim().is_empty());
    }
    Ok(config)
}

/// A TOML basic string (`"…"` with `\"` and `\\`), a literal string
/// (`'…'`), or a bare word; a comment may follow the closing quote.
fn unquote(value: &str) -> Result<String, String> {
    let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return Ok(value
            .split(" #")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string());
    };
    let mut out = String::new();
    let mut chars = value[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => {
                let rest = chars.as_str().trim();
                if !rest.is_empty() && !rest.starts_with('#') {
                    return Err(format!("unexpected `{rest}` after the closing quote"));
                }
                return Ok(out);
            }
            '\\' if quote == '"' => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                other => return Err(format!("unsupported escape `\\{}`", other.unwrap_or(' '))),
            },
            c => out.push(c),
        }
    }
    Err("the closing quote is missing".into())
}

/// A client to run a command with, and what it runs against.
pub struct Session {
    pub client: Client,
    /// The polling to wait with (quick against the sandbox).
    pub wait: WaitPolicy,
    /// The sandbox, kept alive while the command runs.
    _sandbox: Option<Sandbox>,
}

/// Shared pacing through Redis, when `--shared-pacing` (or its variable)
/// names one.
fn shared(builder: identifai_ext::ClientBuilder, global: &Global) -> identifai_ext::ClientBuilder {
    match global
        .shared_pacing
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => builder.shared_pacing(url),
        None => builder,
    }
}

/// Sets up the client: the sandbox, or the key and base URL from the
/// flags, the environment or the config file, in that order.
pub fn session(global: &Global) -> Result<Session, Failure> {
    if global.sandbox {
        let sandbox = Sandbox::start()
            .map_err(|e| Failure::new(SERVER, format!("cannot start the sandbox: {e}")))?;
        let client = shared(sandbox.client_builder(), global).build()?;
        let wait = WaitPolicy::default()
            .initial_interval(Duration::from_millis(20))
            .max_interval(Duration::from_millis(200));
        return Ok(Session {
            client,
            wait,
            _sandbox: Some(sandbox),
        });
    }

    // clap has taken the flag, else the environment variable.
    let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let mut api_key = given(&global.api_key);
    let mut base_url = given(&global.base_url);
    // An empty IDENTIFAI_CONFIG counts as unset.
    let explicit = global
        .config
        .clone()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    let path = explicit.clone().or_else(default_path);
    if let Some(path) = &path
        && (explicit.is_some() || api_key.is_none() || base_url.is_none())
    {
        let file = read(path, explicit.is_some())?;
        api_key = api_key.or(file.api_key);
        base_url = base_url.or(file.base_url);
    }
    let Some(api_key) = api_key else {
        let file = path
            .map(|p| format!(", or put `api_key = \"…\"` in {}", p.display()))
            .unwrap_or_default();
        return Err(Failure::new(
            AUTH,
            format!(
                "no identifAI API key: set {API_KEY_VAR} or pass --api-key{file}. To try \
                 without a key, add --sandbox: it runs against a local simulation"
            ),
        ));
    };
    let mut builder = shared(Client::builder().api_key(api_key), global);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    Ok(Session {
        client: builder.build()?,
        wait: WaitPolicy::default(),
        _sandbox: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_format_is_read() {
        let text =
            "# identifai\napi_key = \"k-1\\\"2\"  # mine\n\nbase_url='http://127.0.0.1:9/'\n";
        assert_eq!(
            parse(text).unwrap(),
            FileConfig {
                api_key: Some("k-1\"2".into()),
                base_url: Some("http://127.0.0.1:9/".into()),
            }
        );
        assert!(parse("apikey = \"x\"").unwrap_err().contains("line 1"));
        assert!(
            parse("api_key = \"x")
                .unwrap_err()
                .contains("closing quote")
        );
        assert!(parse("just words").is_err());
    }
}
