//! Pacing shared through Redis (feature `redis`): every process that names
//! the same Redis and API key is held to the key's windows together.
//!
//! Each admission is one Lua script, run atomically by Redis: it reads
//! Redis's own clock (`TIME`), forgets the entries of the kind's sorted-set
//! log that no window can hold any more, honours the kind's pause key,
//! checks every window exactly as [`SlidingLog`](super::SlidingLog) does
//! (same limits, same margin), and either reserves the slot (adds a member)
//! or answers how long to wait. The client sleeps that long, bounded by the
//! deadline, then asks once more: no loop hammers Redis.
//!
//! Keys are `{identifai:<hash>}:…`, the hash a SHA-256 prefix of the API
//! key (never the key), the braces a hash tag that keeps every key of one
//! API key on one Redis Cluster slot; every key expires by itself.
//!
//! When Redis fails or is slow during a run the pacer falls back to a
//! [`LocalPacer`] at the key's limits divided by the last number of live
//! workers seen (a heartbeat sorted set refreshed by every admission), warns
//! once, and tries Redis again about every second, rejoining when it answers.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};

use super::{Limit, LocalPacer, NotBefore, Pacer, RateLimits};
use crate::retry::Method;
use crate::time::Clock;

/// How long one Redis call may take before the pacer falls back.
const CALL_TIMEOUT: Duration = Duration::from_millis(250);
/// How often a fallen-back pacer tries Redis again.
const REJOIN_EVERY: Duration = Duration::from_secs(1);
/// How long a worker that admitted nothing still counts as live.
const HEARTBEAT_MIN: Duration = Duration::from_secs(5);

/// KEYS: the kind's log, the kind's pause, the heartbeat set.
/// ARGV: member, worker id, heartbeat ms, n, then n pairs (count, window
/// plus margin in µs). Answers {wait µs (0: admitted), live workers}.
const ADMIT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local beat = tonumber(ARGV[3])
redis.call('ZADD', KEYS[3], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - beat * 1000)
redis.call('PEXPIRE', KEYS[3], beat)
local workers = redis.call('ZCARD', KEYS[3])
local n = tonumber(ARGV[4])
local longest = 0
for i = 0, n - 1 do
  local w = tonumber(ARGV[6 + 2 * i])
  if w > longest then longest = w end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
local pttl = redis.call('PTTL', KEYS[2])
if pttl > 0 then wait = pttl * 1000 end
local len = redis.call('ZCARD', KEYS[1])
for i = 0, n - 1 do
  local count = tonumber(ARGV[5 + 2 * i])
  local w = tonumber(ARGV[6 + 2 * i])
  if len >= count then
    local base = redis.call('ZRANGE', KEYS[1], len - count, len - count, 'WITHSCORES')
    local slot = tonumber(base[2]) + w - now
    if slot > wait then wait = slot end
  end
end
if wait <= 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.floor(longest / 1000) + 1000)
  return {0, workers}
end
return {math.ceil(wait), workers}
"#;

/// KEYS: the kind's pause. ARGV: ms. Lengthens the pause, never shortens it.
const PAUSE: &str = r#"
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 0
"#;

/// The key prefix of one API key: a hash tag around a SHA-256 prefix.
pub(crate) fn namespace(api_key: &str) -> String {
    let digest = Sha256::digest(api_key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{{identifai:{hex}}}")
}

/// Checks that Redis answers, with a synchronous connection (so `build()`
/// needs no runtime). The error says what to do, the URL redacted.
pub(crate) fn probe(url: &str, timeout: Duration) -> Result<redis::Client, String> {
    let shown = crate::media::redact_url(url);
    let fail = |why: String| {
        format!(
            "shared pacing: Redis at {shown} cannot be reached ({why}); start it, fix the URL \
             given to ClientBuilder::shared_pacing or IDENTIFAI_SHARED_PACING, or leave shared \
             pacing off to pace this process alone"
        )
    };
    let client = redis::Client::open(url).map_err(|e| fail(scrub(&e.to_string(), url)))?;
    let mut conn = client
        .get_connection_with_timeout(timeout)
        .map_err(|e| fail(scrub(&e.to_string(), url)))?;
    let _ = conn.set_read_timeout(Some(timeout));
    redis::cmd("PING")
        .query::<String>(&mut conn)
        .map_err(|e| fail(scrub(&e.to_string(), url)))?;
    Ok(client)
}

/// A Redis error's text with the URL's password taken out, should it ever
/// quote it.
/// The fixed part of shared pacing's default margin.
const SHARED_MARGIN: Duration = Duration::from_millis(5);

fn scrub(text: &str, url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(password) if !password.is_empty() => text.replace(&password, "***"),
        _ => text.to_owned(),
    }
}

/// The state of the connection: on Redis, or fallen back.
struct State {
    conn: Option<redis::aio::MultiplexedConnection>,
    /// Live workers in the last answer (at least 1).
    workers: u64,
    /// Set while fallen back: the local pacer, and when Redis was last tried.
    fallback: Option<(std::sync::Arc<LocalPacer>, std::time::Instant)>,
}

/// Pacing shared by every process that names the same Redis and key.
pub(crate) struct RedisPacer {
    client: redis::Client,
    shown_url: String,
    limits: RateLimits,
    namespace: String,
    worker: String,
    admit: redis::Script,
    pause: redis::Script,
    clock: Clock,
    serial: AtomicU64,
    state: Mutex<State>,
    /// When this process's own requests went (client clock), GETs then
    /// POSTs: a fallback starts from them, so it does not burst.
    own: Mutex<[std::collections::VecDeque<Duration>; 2]>,
}

impl std::fmt::Debug for RedisPacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPacer")
            .field("url", &self.shown_url)
            .field("namespace", &self.namespace)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

enum Answer {
    Admitted,
    Wait(Duration),
}

impl RedisPacer {
    pub(crate) fn new(
        client: redis::Client,
        url: &str,
        api_key: &str,
        limits: RateLimits,
        clock: Clock,
    ) -> Self {
        Self {
            client,
            shown_url: crate::media::redact_url(url),
            limits,
            namespace: namespace(api_key),
            worker: format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
            admit: redis::Script::new(ADMIT),
            pause: redis::Script::new(PAUSE),
            clock,
            serial: AtomicU64::new(0),
            state: Mutex::new(State {
                conn: None,
                workers: 1,
                fallback: None,
            }),
            own: Mutex::new(Default::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn kind_name(kind: Method) -> &'static str {
        match kind {
            Method::Get => "get",
            Method::Post => "post",
        }
    }

    /// The margin past each window. By default wider than one process's
    /// (5 ms and a thousandth of the window): processes reach the server
    /// with more spread than one process's tasks (benchmark (g) drew a 429
    /// with four processes at one process's 2 ms, none at 5 ms).
    fn margin(&self, limit: &Limit) -> Duration {
        self.limits
            .margin
            .unwrap_or_else(|| SHARED_MARGIN + limit.window() / 1000)
    }

    fn heartbeat(&self) -> Duration {
        let longest = [Method::Get, Method::Post]
            .into_iter()
            .flat_map(|k| {
                self.limits
                    .of(k)
                    .iter()
                    .map(|l| l.window() + self.margin(l))
            })
            .max()
            .unwrap_or_default();
        longest.max(HEARTBEAT_MIN)
    }

    /// A connection: the one held, or a new one (within the call timeout).
    async fn connection(&self) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        if let Some(conn) = self.state().conn.clone() {
            return Ok(conn);
        }
        let conn =
            tokio::time::timeout(CALL_TIMEOUT, self.client.get_multiplexed_async_connection())
                .await
                .map_err(|_| timed_out())??;
        self.state().conn = Some(conn.clone());
        Ok(conn)
    }

    /// One admission script.
    async fn ask(&self, kind: Method) -> redis::RedisResult<Answer> {
        let mut conn = self.connection().await?;
        let name = Self::kind_name(kind);
        let ns = &self.namespace;
        let member = format!(
            "{}:{}",
            self.worker,
            self.serial.fetch_add(1, Ordering::Relaxed)
        );
        let mut invocation = self.admit.prepare_invoke();
        invocation
            .key(format!("{ns}:log:{name}"))
            .key(format!("{ns}:pause:{name}"))
            .key(format!("{ns}:workers"))
            .arg(member)
            .arg(&self.worker)
            .arg(self.heartbeat().as_millis() as u64)
            .arg(self.limits.of(kind).len());
        for limit in self.limits.of(kind) {
            invocation
                .arg(limit.count())
                .arg((limit.window() + self.margin(limit)).as_micros() as u64);
        }
        let (wait, workers): (u64, u64) =
            tokio::time::timeout(CALL_TIMEOUT, invocation.invoke_async(&mut conn))
                .await
                .map_err(|_| timed_out())??;
        self.state().workers = workers.max(1);
        Ok(if wait == 0 {
            Answer::Admitted
        } else {
            Answer::Wait(Duration::from_micros(wait))
        })
    }

    /// The local pacer while Redis is away, or `None` on Redis. Tries
    /// Redis again when a second has passed since the last try.
    fn fallback(&self) -> Option<std::sync::Arc<LocalPacer>> {
        let state = self.state();
        let (pacer, tried) = state.fallback.as_ref()?;
        if tried.elapsed() >= REJOIN_EVERY {
            return None;
        }
        Some(pacer.clone())
    }

    /// Redis failed: fall back (warning on the way down) and drop the
    /// connection.
    fn fall_back(&self, error: &redis::RedisError) -> std::sync::Arc<LocalPacer> {
        let mut state = self.state();
        state.conn = None;
        if let Some((pacer, tried)) = &mut state.fallback {
            *tried = std::time::Instant::now();
            return pacer.clone();
        }
        let workers = state.workers;
        tracing::warn!(
            redis = %self.shown_url,
            workers,
            error = %scrub(&error.to_string(), &self.shown_url),
            "shared pacing: Redis does not answer; pacing this process alone at the key's \
             limits divided by {workers} worker(s) until it is back"
        );
        let divided = divide(&self.limits, workers);
        let pacer = std::sync::Arc::new(LocalPacer::new(&divided, self.clock.clone()));
        let own = self.own.lock().unwrap_or_else(|p| p.into_inner());
        for kind in [Method::Get, Method::Post] {
            let mut log = pacer.log(kind);
            for at in &own[usize::from(kind == Method::Post)] {
                log.record(*at);
            }
        }
        drop(own);
        state.fallback = Some((pacer.clone(), std::time::Instant::now()));
        pacer
    }

    /// Notes a request admitted through Redis, forgetting those no window
    /// can hold any more.
    fn went(&self, kind: Method) {
        let now = self.clock.elapsed();
        let longest = self
            .limits
            .of(kind)
            .iter()
            .map(|l| l.window() + self.margin(l))
            .max()
            .unwrap_or_default();
        let mut own = self.own.lock().unwrap_or_else(|p| p.into_inner());
        let times = &mut own[usize::from(kind == Method::Post)];
        while times.front().is_some_and(|t| *t + longest <= now) {
            times.pop_front();
        }
        times.push_back(now);
    }

    fn rejoined(&self) {
        let mut state = self.state();
        if state.fallback.take().is_some() {
            tracing::info!(redis = %self.shown_url, "shared pacing: Redis answers again; pacing shared once more");
        }
    }

    async fn admit_shared(
        &self,
        kind: Method,
        deadline: Option<Duration>,
    ) -> Result<Duration, NotBefore> {
        let start = self.clock.elapsed();
        // At most two asks: the first, and one after the wait it told.
        let mut waited_once = false;
        loop {
            if let Some(local) = self.fallback() {
                let paced = local.admit(kind, deadline).await?;
                return Ok(self.clock.elapsed().saturating_sub(start).max(paced));
            }
            match self.ask(kind).await {
                Ok(Answer::Admitted) => {
                    self.rejoined();
                    self.went(kind);
                    return Ok(self.clock.elapsed().saturating_sub(start));
                }
                Ok(Answer::Wait(wait)) => {
                    self.rejoined();
                    let now = self.clock.elapsed();
                    let slot = now + wait;
                    if deadline.is_some_and(|d| slot > d) {
                        return Err(NotBefore(slot));
                    }
                    self.clock.sleep(wait).await;
                    if waited_once {
                        // Another process took the slot: wait its turn
                        // again, as told (each ask follows a wait).
                        continue;
                    }
                    waited_once = true;
                }
                Err(error) => {
                    self.fall_back(&error);
                }
            }
        }
    }
}

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "Redis did not answer in time",
    ))
}

/// The limits each of `workers` gets when they share them without Redis.
fn divide(limits: &RateLimits, workers: u64) -> RateLimits {
    let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
    let share = |l: &Limit| Limit::new((l.count() / workers).max(1), l.window());
    RateLimits {
        get: limits.get.iter().map(share).collect(),
        post: limits.post.iter().map(share).collect(),
        margin: limits.margin,
    }
}

impl Pacer for RedisPacer {
    fn admit(
        &self,
        kind: Method,
        deadline: Option<Duration>,
    ) -> BoxFuture<'_, Result<Duration, NotBefore>> {
        Box::pin(self.admit_shared(kind, deadline))
    }

    fn pause(&self, kind: Method, until: Duration) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let left = until.saturating_sub(self.clock.elapsed());
            let local = self.state().fallback.as_ref().map(|(p, _)| p.clone());
            if let Some(local) = local {
                local.pause(kind, until).await;
            }
            let ms = left.as_millis().max(1) as u64;
            let Ok(mut conn) = self.connection().await else {
                return;
            };
            let key = format!("{}:pause:{}", self.namespace, Self::kind_name(kind));
            let mut invocation = self.pause.prepare_invoke();
            invocation.key(key).arg(ms);
            let done =
                tokio::time::timeout(CALL_TIMEOUT, invocation.invoke_async::<i64>(&mut conn)).await;
            if !matches!(done, Ok(Ok(_))) {
                self.state().conn = None;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_namespace_hides_the_key_and_is_one_hash_tag() {
        let ns = namespace("secret-key-123");
        assert!(!ns.contains("secret"));
        assert!(ns.starts_with("{identifai:") && ns.ends_with('}'), "{ns}");
        assert_eq!(ns, namespace("secret-key-123"));
        assert_ne!(ns, namespace("another-key"));
    }

    #[test]
    fn divided_limits_keep_at_least_one() {
        let d = divide(&RateLimits::default(), 4);
        assert_eq!(d.post[1].count(), 7);
        assert_eq!(d.post[0].count(), 1);
        assert_eq!(d.get[1].count(), 15);
    }
}
