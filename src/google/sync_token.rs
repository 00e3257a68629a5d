//! Which `type:` spelling of Google Sync a profile's queries use: the configured one, or
//! with `auto` the one this tenant was proven to accept ([`partition::token`]). A proven
//! spelling is remembered per tenant through a [`TokenMemory`] the caller supplies (the
//! database, outside this layer), so later runs skip the probe; a remembered spelling that
//! stops working is forgotten and the tenant probed again ([`Clients::recheck_sync_token`]).
use std::sync::Arc;

use super::partition::token::{self, Verdict};
use super::{Clients, Error};
use crate::model::Tenant;

/// Where the spelling each tenant accepts is kept between runs. Implementations are
/// best-effort: a memory that cannot be read or written answers `None` and says so once;
/// discovery then works as if nothing were remembered.
pub trait TokenMemory: Send + Sync {
    /// The spelling remembered for a tenant `tenant` accepts (see [`Tenant::accepts`]).
    fn recall(&self, tenant: &Tenant) -> Option<String>;
    /// Remembers `token` as proven for `tenant` (resolved when it could be).
    fn remember(&self, tenant: &Tenant, token: &str);
    /// Forgets what `tenant` would recall.
    fn forget(&self, tenant: &Tenant);
}

/// Where the spelling in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `google_sync_query_token` names it; used as is.
    Configured,
    /// Remembered from an earlier run; not probed in this one.
    Remembered,
    /// Remembered, and accepted again by a probe in this run.
    Rechecked,
    /// Probed in this run (nothing was remembered, or what was no longer works).
    Probed,
}

/// The spelling queries use, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryToken {
    /// `None`: no spelling is proven; queries leave the type out and filter client-side.
    pub token: Option<String>,
    pub source: TokenSource,
    /// What each spelling got when the tenant was probed in this run (empty otherwise).
    pub verdicts: Vec<(&'static str, Verdict)>,
    /// A remembered spelling this run found no longer works (and forgot).
    pub forgotten: Option<String>,
}

impl Clients {
    /// Remembers proven spellings in `memory` and recalls them instead of probing.
    pub fn with_token_memory(mut self, memory: Arc<dyn TokenMemory>) -> Clients {
        self.token_memory = Some(memory);
        self
    }

    /// How to write the Google Sync type in a query: the configured token, or with `auto`
    /// the spelling this tenant accepts (remembered, or probed on first use, then kept).
    /// `None`: no spelling is proven; leave the type out and filter client-side.
    pub async fn google_sync_token(&self) -> Result<Option<String>, Error> {
        Ok(self.query_token().await?.token)
    }

    /// [`Clients::google_sync_token`] with where it came from.
    pub async fn query_token(&self) -> Result<QueryToken, Error> {
        if let Some(t) = self.profile.google_sync_query_token.explicit() {
            return Ok(QueryToken {
                token: Some(t.to_string()),
                source: TokenSource::Configured,
                verdicts: Vec::new(),
                forgotten: None,
            });
        }
        let mut known = self.sync_token.lock().await;
        if let Some(k) = &*known {
            return Ok(k.clone());
        }
        let recalled = self
            .recall()
            .await
            .filter(|t| token::CANDIDATES.contains(&t.as_str()));
        let k = match recalled {
            Some(t) => QueryToken {
                token: Some(t),
                source: TokenSource::Remembered,
                verdicts: Vec::new(),
                forgotten: None,
            },
            None => self.discover(None).await?,
        };
        *known = Some(k.clone());
        Ok(k)
    }

    /// Called when an answer built on the remembered spelling `used` may be hiding devices
    /// (a 400, or no device at all): probes `used` alone, with the probe's own test. Still
    /// accepted: it stays ([`TokenSource::Rechecked`]) and the answer stands. Otherwise it
    /// is forgotten and the tenant probed afresh. Returns what queries use from now on.
    pub async fn recheck_sync_token(&self, used: &str) -> Result<QueryToken, Error> {
        let mut known = self.sync_token.lock().await;
        if let Some(k) = &*known {
            // Checked already in this run (another listing got here first).
            if k.token.as_deref() != Some(used) || k.source != TokenSource::Remembered {
                return Ok(k.clone());
            }
        }
        let k = if token::verdict(&self.directory, used).await? == Verdict::Accepted {
            QueryToken {
                token: Some(used.to_string()),
                source: TokenSource::Rechecked,
                verdicts: Vec::new(),
                forgotten: None,
            }
        } else {
            tracing::warn!(
                "the remembered Google Sync token type:{used} no longer works on this tenant; \
                 probing again"
            );
            if let Some(m) = self.token_memory.clone() {
                let tenant = self.configured_tenant();
                blocking(move || m.forget(&tenant)).await;
            }
            self.discover(Some(used.to_string())).await?
        };
        *known = Some(k.clone());
        Ok(k)
    }

    /// Probes every spelling and remembers the first accepted one for this tenant.
    async fn discover(&self, forgotten: Option<String>) -> Result<QueryToken, Error> {
        let verdicts = token::probe(&self.directory).await?;
        let found = token::first_accepted(&verdicts);
        match (found, self.token_memory.clone()) {
            (Some(t), Some(m)) => {
                let tenant = self.resolved_tenant().await;
                blocking(move || m.remember(&tenant, t)).await;
            }
            (Some(_), None) => {}
            (None, _) => tracing::info!(
                "no type: token for Google Sync is proven on this tenant; \
                 filtering a full listing client-side"
            ),
        }
        Ok(QueryToken {
            token: found.map(str::to_string),
            source: TokenSource::Probed,
            verdicts,
            forgotten,
        })
    }

    async fn recall(&self) -> Option<String> {
        let m = self.token_memory.clone()?;
        let tenant = self.configured_tenant();
        blocking(move || m.recall(&tenant)).await.flatten()
    }

    /// The tenant the profile names (`my_customer` unresolved): what a recall matches.
    fn configured_tenant(&self) -> Tenant {
        Tenant::configured(&self.profile.customer_id, &self.profile.subject)
    }

    /// The tenant with its customer ID resolved when the customer read allows (one request,
    /// only after a probe); otherwise keyed by the subject alone, like the inventory cache.
    async fn resolved_tenant(&self) -> Tenant {
        let mut t = self.configured_tenant();
        if t.customer_id.is_none() {
            match self.directory.customer().await {
                Ok(c) if !c.id.is_empty() => t.customer_id = Some(c.id),
                Ok(_) => {}
                Err(e) => tracing::debug!("customer read for the token memory: {e}"),
            }
        }
        t
    }
}

/// Runs a memory operation (a small SQLite read or write) off the async workers; `None`
/// if it panicked.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}
