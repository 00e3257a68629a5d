//! The one request path every Google call goes through. It owns, in this order: read-only
//! enforcement (before anything is sent), quota pacing, the in-flight limit, the bearer
//! token (refreshed on 401 within the retry budget), the per-request timeout, retries with backoff, Google's
//! error envelope, accounting (counters + a [`CallRecord`] per call for the Log pane).
//!
//! It must not know any API's resources: typed clients build a [`Call`] and decode the JSON.
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use super::auth::{Auth, KeyInfo, Warning};
use super::pace::{Api, Pacer};
use super::retry::{self, Backoff};
use super::Error;
use crate::config::Profile;

/// One finished call, for the TUI's Log pane. `path` has the query but never a token.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    pub duration: Duration,
    pub tries: u32,
    pub bytes: u64,
}

pub type CallObserver = Arc<dyn Fn(&CallRecord) + Send + Sync>;

tokio::task_local! {
    /// Requests sent by the future running in [`spent_by`]: one process shares one client
    /// (one pacer for Google's per-minute quota) between the dashboard and the feed's
    /// poller, yet each budget counts only what its own work sent.
    static SPENT: Arc<AtomicU64>;
}

/// Runs `fut` and counts the HTTP requests (retries included) it sent through any
/// [`Client`], however many other tasks use the same client meanwhile. Requests sent from
/// tasks `fut` spawns are not counted: no request path spawns.
pub async fn spent_by<F: std::future::Future>(fut: F) -> (F::Output, u64) {
    let n = Arc::new(AtomicU64::new(0));
    let out = SPENT.scope(n.clone(), fut).await;
    (out, n.load(Ordering::Relaxed))
}

/// What the innermost [`spent_by`] around the caller has counted so far (`None` outside one).
pub fn spent_so_far() -> Option<u64> {
    SPENT.try_with(|n| n.load(Ordering::Relaxed)).ok()
}

/// Totals since the client was built (for progress lines and the benchmark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    pub retries: u64,
    /// Response body bytes received (after gzip decoding).
    pub bytes: u64,
}

/// A request as typed clients describe it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub api: Api,
    pub url: url::Url,
    pub body: Option<serde_json::Value>,
    /// The minimal scope(s) for this method: the token is requested for exactly these.
    pub scopes: &'static [&'static str],
    /// Impersonate this user instead of the admin (Gmail settings).
    pub subject: Option<String>,
    /// What the call is about, for 404 and read-only messages ("device AFi…", "customer C0…").
    pub what: Option<String>,
}

impl Call {
    pub fn get(api: Api, url: url::Url, scopes: &'static [&'static str]) -> Call {
        Call {
            method: Method::GET,
            api,
            url,
            body: None,
            scopes,
            subject: None,
            what: None,
        }
    }

    pub fn about(mut self, what: impl Into<String>) -> Call {
        self.what = Some(what.into());
        self
    }

    fn request_line(&self) -> String {
        let q = self
            .url
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        format!("{} {}{q}", self.method, self.url.path())
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    bytes: AtomicU64,
    /// Server round trips only (after pacing and the in-flight permit), for
    /// [`Client::mean_round_trip`].
    round_trip_micros: AtomicU64,
    round_trips: AtomicU64,
}

/// The server's clock as its `Date` headers tell it, kept as an offset from this machine's
/// clock (milliseconds), so "now" for comparisons with server data is the server's.
#[derive(Default)]
struct ServerClock {
    known: AtomicBool,
    offset_ms: AtomicI64,
}

impl ServerClock {
    fn observe(&self, date: &str) {
        let Ok(at) = httpdate::parse_http_date(date) else {
            return;
        };
        let server: DateTime<Utc> = at.into();
        // `Date` has whole seconds: the server's clock is somewhere in [date, date + 1 s).
        let offset = server + chrono::Duration::milliseconds(500) - Utc::now();
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
        self.known.store(true, Ordering::Release);
    }

    fn offset(&self) -> Option<chrono::Duration> {
        self.known
            .load(Ordering::Acquire)
            .then(|| chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed)))
    }
}

struct Inner {
    http: reqwest::Client,
    auth: Auth,
    pacer: Pacer,
    admin_per_minute: u32,
    concurrency: usize,
    inflight: Semaphore,
    timeout: Duration,
    max_tries: u32,
    backoff: Backoff,
    readonly: bool,
    observer: Option<CallObserver>,
    counters: Counters,
    server_clock: ServerClock,
}

/// Cheap to clone; every clone shares the token cache, pacers, limits and counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Builds the client for a profile; the key file is read and checked now.
    pub fn new(
        profile: &Profile,
        observer: Option<CallObserver>,
    ) -> Result<(Client, Vec<Warning>), Error> {
        let h = &profile.http;
        let (auth, warnings) = Auth::new(&profile.key_file, &profile.subject, h.timeout)?;
        let http = reqwest::Client::builder()
            .gzip(true)
            .connect_timeout(h.timeout)
            .user_agent(concat!("offsync/", env!("CARGO_PKG_VERSION"), " (gzip)"))
            .build()
            .map_err(|e| Error::Invalid(format!("cannot build the HTTP client: {e}")))?;
        let inner = Inner {
            http,
            auth,
            pacer: Pacer::new(h.directory_requests_per_minute, h.amapi_requests_per_100s),
            admin_per_minute: h.directory_requests_per_minute.max(1),
            concurrency: h.concurrency.max(1),
            inflight: Semaphore::new(h.concurrency.max(1)),
            timeout: h.timeout,
            max_tries: h.max_tries.max(1),
            backoff: Backoff {
                base: h.backoff_base,
                max: h.backoff_max,
            },
            readonly: profile.readonly,
            observer,
            counters: Counters::default(),
            server_clock: ServerClock::default(),
        };
        Ok((
            Client {
                inner: Arc::new(inner),
            },
            warnings,
        ))
    }

    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        ClientStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
        }
    }

    /// The Admin SDK requests per second the quota allows on average (the ceiling ÷ 60).
    pub fn admin_rate_per_sec(&self) -> f64 {
        self.inner.admin_per_minute as f64 / 60.0
    }

    /// The Admin SDK rate the adaptive pacer allows right now, per second.
    pub fn admin_pace(&self) -> f64 {
        self.inner.pacer.admin_rate()
    }

    /// How many requests may be in flight at once.
    pub fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// The mean server round trip so far, pacing and queueing excluded (`None` before the
    /// first answer). Partitioned listings use it to tell a quota-bound run from a
    /// latency-bound one.
    pub fn mean_round_trip(&self) -> Option<Duration> {
        let c = &self.inner.counters;
        let n = c.round_trips.load(Ordering::Relaxed);
        (n > 0).then(|| Duration::from_micros(c.round_trip_micros.load(Ordering::Relaxed) / n))
    }

    /// The server's clock minus this machine's, from the `Date` header of the latest answer;
    /// `None` before the first answer (or from a server that sends no `Date`).
    pub fn server_offset(&self) -> Option<chrono::Duration> {
        self.inner.server_clock.offset()
    }

    /// "Now" on the server's clock: compare server data (sync times, report dates) with this,
    /// never with the machine's clock. Falls back to the machine's clock before any answer.
    pub fn server_now(&self) -> DateTime<Utc> {
        Utc::now() + self.server_offset().unwrap_or_default()
    }

    pub fn readonly(&self) -> bool {
        self.inner.readonly
    }

    pub fn key_info(&self) -> &KeyInfo {
        self.inner.auth.key_info()
    }

    pub fn subject(&self) -> &str {
        self.inner.auth.subject()
    }

    /// A token for `scopes` (used by `offsync check` to test each grant on its own).
    pub async fn token_for(&self, scope: &'static [&'static str]) -> Result<(), Error> {
        self.inner.auth.token(None, scope, None).await.map(|_| ())
    }

    /// Sends `call` and decodes the JSON answer (an empty body decodes as `{}`).
    pub async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let request = call.request_line();
        let body = self.send(call).await?;
        let body = if body.is_empty() {
            &b"{}"[..]
        } else {
            &body[..]
        };
        serde_json::from_slice(body).map_err(|e| Error::Decode {
            request,
            message: e.to_string(),
        })
    }

    /// Sends `call` through pacing, auth and retries; returns the body of a 2xx answer.
    pub async fn send(&self, call: Call) -> Result<Vec<u8>, Error> {
        if self.inner.readonly && call.method != Method::GET {
            let what = call.what.clone().unwrap_or_else(|| call.request_line());
            return Err(Error::ReadOnly {
                what: format!("{} {what}", call.method),
            });
        }
        let started = Instant::now();
        let at = Utc::now();
        let mut rec = Outcome::default();
        let result = self.run(&call, &mut rec).await;
        if let Some(obs) = &self.inner.observer {
            obs(&CallRecord {
                at,
                method: call.method.to_string(),
                path: call
                    .request_line()
                    .split_once(' ')
                    .map(|(_, p)| p.to_string())
                    .unwrap_or_default(),
                status: rec.status,
                duration: started.elapsed(),
                tries: rec.tries,
                bytes: rec.bytes,
            });
        }
        result
    }

    async fn run(&self, call: &Call, out: &mut Outcome) -> Result<Vec<u8>, Error> {
        let me = &self.inner;
        let mut failures = 0u32;
        // The token the server last answered 401 to. An expired or revoked token is routine
        // (tokens die early, servers restart, and one revocation refuses every request in
        // flight with that token): the next attempt uses a newer one. Refreshes have their
        // own budget of the same size, so a burst of refusals never eats the budget that
        // server errors need, and a token refused every time (a disabled service account)
        // still ends the request.
        let mut refused: Option<String> = None;
        let mut refreshes = 0u32;
        loop {
            me.pacer.wait(call.api).await;
            let before = out.tries;
            let attempt = self.attempt(call, refused.as_deref(), out).await;
            // The pacer adapts to every answer the server gave (not to transport failures).
            if out.tries > before && out.status.is_some() {
                me.pacer.answered(call.api, out.quota_error);
            }
            let (retryable, retry_after, err) = match attempt {
                Ok(body) => return Ok(body),
                Err(Failure::Unauthorized { error, token }) => {
                    // Refused although it was obtained after an earlier refusal: this is
                    // the one case where the credentials themselves may be at fault.
                    let fresh = refused.is_some();
                    refused = Some(token);
                    refreshes += 1;
                    if refreshes >= me.max_tries {
                        let error = with_hint(error, unauthorized_hint(fresh, refreshes));
                        return Err(with_tries(error, out.tries));
                    }
                    me.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!("{}: 401, refreshing the token", call.request_line());
                    if fresh {
                        // Do not hammer the token endpoint when new tokens keep failing.
                        tokio::time::sleep(me.backoff.wait(refreshes, None)).await;
                    }
                    continue;
                }
                Err(Failure::Retryable { error, retry_after }) => (true, retry_after, error),
                Err(Failure::Fatal(e)) => (false, None, e),
            };
            failures += 1;
            if !retryable || failures >= me.max_tries {
                return Err(with_tries(err, out.tries));
            }
            let wait = me.backoff.wait(failures, retry_after);
            tracing::debug!(
                "{}: {err}; retry {failures} in {wait:?}",
                call.request_line()
            );
            me.counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        call: &Call,
        refused: Option<&str>,
        out: &mut Outcome,
    ) -> Result<Vec<u8>, Failure> {
        let me = &self.inner;
        let request = call.request_line();
        let token = match me
            .auth
            .token(call.subject.as_deref(), call.scopes, refused)
            .await
        {
            Ok(t) => t,
            Err(e @ Error::Transport { .. }) => {
                return Err(Failure::Retryable {
                    error: e,
                    retry_after: None,
                })
            }
            Err(e) => return Err(Failure::Fatal(e)),
        };
        let _permit = me.inflight.acquire().await.expect("semaphore never closed");
        let sent = Instant::now();
        out.tries += 1;
        out.status = None;
        me.counters.requests.fetch_add(1, Ordering::Relaxed);
        let _ = SPENT.try_with(|n| n.fetch_add(1, Ordering::Relaxed));
        let mut rb = me
            .http
            .request(call.method.clone(), call.url.clone())
            .bearer_auth(&token)
            .timeout(me.timeout);
        if let Some(b) = &call.body {
            rb = rb.json(b);
        } else if call.method != Method::GET {
            rb = rb.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let transport = |e: reqwest::Error| Failure::Retryable {
            error: Error::Transport {
                request: request.clone(),
                message: transport_message(&e),
                tries: 1,
            },
            retry_after: None,
        };
        let resp = rb.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        out.status = Some(status);
        out.quota_error = false;
        if let Some(date) = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
        {
            me.server_clock.observe(date);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
        let body = resp.bytes().await.map_err(transport)?;
        me.counters
            .round_trip_micros
            .fetch_add(sent.elapsed().as_micros() as u64, Ordering::Relaxed);
        me.counters.round_trips.fetch_add(1, Ordering::Relaxed);
        out.bytes += body.len() as u64;
        me.counters
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        if (200..300).contains(&status) {
            return Ok(body.to_vec());
        }
        let g = GoogleError::parse(&body);
        let reason = g.reason.clone();
        out.quota_error =
            status == 429 || (status == 403 && retry::is_retryable(403, reason.as_deref()));
        let error = api_error(call, request.clone(), status, g);
        if status == 401 {
            return Err(Failure::Unauthorized { error, token });
        }
        if retry::is_retryable(status, reason.as_deref()) {
            return Err(Failure::Retryable { error, retry_after });
        }
        Err(Failure::Fatal(error))
    }
}

#[derive(Default)]
struct Outcome {
    status: Option<u16>,
    /// The latest answer was a quota error (429, or 403 with a rate-limit reason).
    quota_error: bool,
    tries: u32,
    bytes: u64,
}

enum Failure {
    /// The server refused `token` (never shown: it is only compared with the cache).
    Unauthorized {
        error: Error,
        token: String,
    },
    Retryable {
        error: Error,
        retry_after: Option<Duration>,
    },
    Fatal(Error),
}

/// Why a request ended on 401, once the retry budget is spent.
fn unauthorized_hint(fresh: bool, refusals: u32) -> String {
    if fresh {
        format!(
            "a newly minted access token was refused too ({refusals} tries): check the service \
             account is enabled, its key not deleted, and domain-wide delegation still granted"
        )
    } else {
        "the access token had expired or was revoked and http.max_tries leaves no try to \
         refresh it: raise http.max_tries"
            .into()
    }
}

fn with_hint(mut e: Error, text: String) -> Error {
    if let Error::Api { hint, .. } = &mut e {
        *hint = Some(text);
    }
    e
}

fn with_tries(mut e: Error, n: u32) -> Error {
    match &mut e {
        Error::Api { tries, .. } | Error::Transport { tries, .. } => *tries = n.max(1),
        _ => {}
    }
    e
}

fn transport_message(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL (which never carries a token) and the cause.
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    let mut msg = kind.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

/// Google's error envelope: `{"error":{"code","message","errors":[{"reason",…}],"status"}}`.
#[derive(Debug, Default)]
struct GoogleError {
    message: String,
    reason: Option<String>,
    status: Option<String>,
}

impl GoogleError {
    fn parse(body: &[u8]) -> GoogleError {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let e = &v["error"];
        if e.is_string() {
            // OAuth-style `{"error": "...", "error_description": "..."}`.
            return GoogleError {
                message: v["error_description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                reason: e.as_str().map(str::to_string),
                status: None,
            };
        }
        let message = e["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| {
                let text = String::from_utf8_lossy(body);
                text.chars()
                    .take(200)
                    .collect::<String>()
                    .trim()
                    .to_string()
            });
        GoogleError {
            message,
            reason: e["errors"][0]["reason"].as_str().map(str::to_string),
            status: e["status"].as_str().map(str::to_string),
        }
    }
}

fn api_error(call: &Call, request: String, status: u16, g: GoogleError) -> Error {
    if status == 403 && g.reason.as_deref() == Some("insufficientPermissions") {
        return Error::MissingScopes {
            scopes: call.scopes.to_vec(),
            request,
        };
    }
    let what = call.what.as_deref();
    let hint = match (status, g.reason.as_deref()) {
        (404, _) => Some(match what {
            Some(w) => format!("{w} does not exist, or the admin subject cannot see it"),
            None => "the resource does not exist".to_string(),
        }),
        (403, Some("forbidden")) | (403, None) => Some(
            "the admin subject lacks the admin privilege for this API (use a super admin as `subject`), \
             or the API is not enabled in the Cloud project"
                .into(),
        ),
        (403, Some(r)) if retry::is_retryable(403, Some(r)) => {
            Some("Google's quota is exhausted; lower http.directory_requests_per_minute or try later".into())
        }
        (429, _) => Some("Google's quota is exhausted; lower http.directory_requests_per_minute or try later".into()),
        (500..=599, _) => Some("Google kept failing; items already fetched are kept, run it again later".into()),
        _ => None,
    };
    Error::Api {
        status,
        reason: g.reason.or(g.status),
        message: g.message,
        request,
        tries: 1,
        hint,
    }
}
