//! A faithful simulator of the Google APIs offsync talks to: OAuth (JWT-bearer, refresh token
//! with an OpenID ID token and the published certs, self-signed JWT), Admin SDK Directory and
//! Reports, Cloud Identity Policy, Gmail IMAP settings and the Android Management API, all on
//! one local port under Google's real URL paths. GAM7 runs against it unchanged (see `gam`).
//!
//! It exists because the real APIs cannot be reached from a test machine, and because a fake that
//! merely echoes what offsync expects would prove nothing. So this module shares no types with
//! `crate::google`: every wire shape here is written from Google's discovery documents
//! (`assets/discovery`), and the conformance test checks every response against them.
//!
//! Shape (mini-redis style): [`Tenant::generate`] builds a seeded, deterministic organisation;
//! [`serve`] runs the HTTP server on a listener until a shutdown future resolves; [`start`] binds
//! `127.0.0.1:0` and returns a [`SimHandle`] for tests and `offsync demo`.

mod amapi;
mod auth;
mod behaviour;
mod clock;
mod config;
mod console;
mod data;
mod directory;
mod discovery;
mod error;
mod faults;
mod fields;
mod gam;
mod gmail;
mod oauth;
mod oidc;
mod paging;
mod params;
mod policy;
mod quota;
mod reports;
mod search;
mod server;
mod state;
mod stats;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use clock::{ClockConfig, SimClock};
pub use config::{
    Behaviour, EmailMatch, PilotShape, SimConfig, UnknownTypeToken, DEMO_EMM_OU, DEMO_TIME_SCALE,
};
pub use data::amapi::{
    AmDevice, AmapiSimConfig, AwaitingReading, Behaviour as AmapiBehaviour, Enterprise,
    EnterpriseType, Phase,
};
pub use data::console::Persona;
pub use data::policy::{ImapRestrictionShape, PolicyReadback};
pub use faults::FaultSpec;
pub use gam::{config_files as gam_config_files, GamFile};
pub use quota::QuotaWindow;
/// The quota windows themselves, for the client's pacer to be tested against.
#[cfg(test)]
pub(crate) use quota::{Bucket as QuotaBucket, Quotas};
pub use stats::Stats;
pub use tenant::{AdminRole, Device, DeviceKind, DeviceStatus, OrgUnit, Tenant, User};

use data::{email_index, tenant, tenant_data};
use state::Shared;

/// What a client needs to reach the simulator, exactly as a real tenant would hand it out.
#[derive(Debug, Clone)]
pub struct SimCredentials {
    /// A service-account key file (JSON) whose `token_uri` is the simulator's `/token`.
    pub key_json: String,
    /// A super admin of the tenant: the subject for domain-wide delegation.
    pub admin_email: String,
    pub customer_id: String,
    pub domains: Vec<String>,
    /// An "authorized_user" JSON (installed-app client + refresh token) for the refresh grant.
    pub authorized_user_json: String,
    /// The Android Management enterprise name, `enterprises/…`.
    pub enterprise: String,
}

/// A running simulator. Dropping it leaves the server running until the process ends; call
/// [`SimHandle::shutdown`] to stop it.
pub struct SimHandle {
    pub base_url: String,
    pub credentials: SimCredentials,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl SimHandle {
    /// Request counts by route and status, and bytes sent.
    pub fn stats(&self) -> Stats {
        self.shared.stats.lock().expect("stats lock").clone()
    }

    /// The whole tenant as JSON, at the current sim time: the ground truth tests compare against.
    pub fn tenant_snapshot(&self) -> serde_json::Value {
        let (t, now) = amapi::current(&self.shared);
        t.dump(now)
    }

    /// The sim clock's current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        clock::to_datetime(self.shared.clock.now())
    }

    /// Moves the sim clock forward (syncing devices and users catch up lazily).
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
        behaviour::settle(&self.shared, self.shared.clock.now());
    }

    /// Makes one device sync now, as if the phone had just polled. False if no such device.
    pub fn sync_device_now(&self, resource_id: &str) -> bool {
        let now = self.shared.clock.now();
        let mut t = self.shared.tenant.write().expect("tenant lock");
        t.sync_now(resource_id, now)
    }

    /// Runs `f` on the tenant under the write lock: for tests that need a precise situation.
    pub fn with_tenant<R>(&self, f: impl FnOnce(&mut Tenant, i64) -> R) -> R {
        let (mut t, now) = amapi::current(&self.shared);
        let out = f(&mut t, now);
        // `f` may have changed emails or owners.
        t.reindex();
        out
    }

    /// Forgets every issued access token, as if they had all expired (clients must re-grant).
    pub fn expire_all_tokens(&self) {
        self.shared.tokens.lock().expect("token lock").clear();
    }

    /// Stops the server; in-flight requests get a moment to finish, then are dropped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(2), &mut self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// Serves the simulated APIs on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tenant: Tenant,
    cfg: SimConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let base_url = format!("http://{}", listener.local_addr()?);
    let shared = Arc::new(Shared::new(tenant, cfg, base_url));
    server::run(listener, shared, shutdown).await
}

/// Generates the tenant, binds `127.0.0.1:0` and serves in the background.
pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let tenant = Tenant::generate(&cfg);
    let shared = Arc::new(Shared::new(tenant, cfg, base_url.clone()));
    let credentials = shared.credentials();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::run(listener, shared.clone(), async move {
        let _ = stopped.await;
    }));
    Ok(SimHandle {
        base_url,
        credentials,
        shared,
        stop: Some(stop),
        task,
    })
}

/// Credentials for a tenant served at `base_url`, without starting a server (for `--write-config`
/// when serving through [`serve`]).
pub fn credentials_for(tenant: &Tenant, cfg: &SimConfig, base_url: &str) -> SimCredentials {
    oauth::credentials(tenant, cfg, base_url)
}

/// The sim clock's start (unix seconds) for `cfg`: the instant a freshly generated tenant is
/// described at. Unpinned, that is the real now: compare with [`Tenant::epoch`] instead.
pub fn clock_start(cfg: &SimConfig) -> i64 {
    clock::start_of(&cfg.clock)
}
