//! One poll of one source, in three steps the poller sequences: [`load`] the state to diff
//! against (and its generation), [`fetch`] from Google, [`commit`] the diff.
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};

use super::sources::{self, Directory};
use super::{burndown, diff};
use crate::google::{self, Clients};
use crate::listing::{ListEvent, Listed};
use crate::model::feed_state::{
    AndroidSeen, AuditRecord, DeviceSeen, Seen, SettingSeen, SyncOffs, UsageDay,
};
use crate::model::{Event, Interner, Source};
use crate::store::{Commit, SourceState, Store, StoreError};

/// Audit events can reach the Reports API late: each poll reads this far back again (the
/// events' IDs make the overlap harmless).
const AUDIT_OVERLAP: Duration = Duration::hours(1);
/// How far back the first audit poll reads.
const AUDIT_FIRST: Duration = Duration::hours(24);
/// The Android policies' content, diffed for drift next to the devices.
const ANDROID_POLICIES: &str = "android-policies";

pub(super) enum Loaded {
    Directory(SourceState<DeviceSeen>),
    Policy(SourceState<SettingSeen>),
    Android(SourceState<AndroidSeen>, SourceState<SettingSeen>),
    /// Audit and usage keep only a cursor.
    Cursor(Source, SourceState<serde_json::Value>),
}

pub(super) enum Fetched {
    /// The listing itself rides along for [`super::poll::ListingHooks`] (taken before commit).
    Directory(Seen<DeviceSeen>, Directory, Option<Box<Listed>>),
    Policy(Seen<SettingSeen>),
    Android(Seen<AndroidSeen>, Seen<SettingSeen>),
    Audit(Vec<AuditRecord>),
    Usage(Option<UsageDay>),
}

pub(super) fn load(store: &Store, source: Source) -> Result<Loaded, StoreError> {
    let name = source.as_str();
    Ok(match source {
        Source::Directory => {
            let mut shared = Interner::default();
            Loaded::Directory(
                store.feed_state_with(name, |d: &mut DeviceSeen| d.intern(&mut shared))?,
            )
        }
        Source::Policy => Loaded::Policy(store.feed_state(name)?),
        Source::Android => {
            Loaded::Android(store.feed_state(name)?, store.feed_state(ANDROID_POLICIES)?)
        }
        Source::Audit | Source::Usage => Loaded::Cursor(source, store.feed_state(name)?),
    })
}

fn cursor_time(st: &SourceState<serde_json::Value>) -> Option<DateTime<Utc>> {
    let c = st.cursor.as_deref()?;
    DateTime::parse_from_rfc3339(c)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn cursor_day(st: &SourceState<serde_json::Value>) -> Option<UsageDay> {
    serde_json::from_str(st.cursor.as_deref()?).ok()
}

/// `today` is the server's date. Directory pages and progress go to `on_listing`.
pub(super) async fn fetch(
    clients: &Clients,
    dir: &Directory,
    source: Source,
    loaded: &Loaded,
    today: NaiveDate,
    mode: google::Listing,
    on_listing: impl FnMut(ListEvent) + Send,
) -> Result<Fetched, google::Error> {
    Ok(match loaded {
        Loaded::Directory(_) => {
            let (devices, dir, listed) = sources::directory(clients, mode, on_listing).await?;
            Fetched::Directory(devices, dir, Some(Box::new(listed)))
        }
        Loaded::Policy(_) => Fetched::Policy(sources::policies(clients, dir).await?),
        Loaded::Android(..) => {
            let amapi = clients.amapi.as_ref().ok_or_else(|| {
                google::Error::Invalid(
                    "the profile names no Android Management enterprise (endpoints.enterprise)"
                        .into(),
                )
            })?;
            let (devices, policies) = sources::android(amapi, dir).await?;
            Fetched::Android(devices, policies)
        }
        Loaded::Cursor(Source::Audit, st) => {
            let now = clients.client.server_now();
            let start = cursor_time(st).map_or(now - AUDIT_FIRST, |c| c - AUDIT_OVERLAP);
            Fetched::Audit(sources::audit(clients, start).await?)
        }
        Loaded::Cursor(_, st) => {
            debug_assert_eq!(source, Source::Usage);
            let known = cursor_day(st).map(|d| d.day);
            Fetched::Usage(sources::usage(clients, today, known).await?)
        }
    })
}

/// Diffs what was fetched against what was loaded and commits it. Returns new events.
#[allow(clippy::too_many_arguments)] // the poller's disjoint fields, borrowed apart
pub(super) fn commit(
    store: &mut Store,
    holder: &str,
    sync_off: &SyncOffs,
    dir: &mut Directory,
    loaded: Loaded,
    fetched: Fetched,
    now: DateTime<Utc>,
    requests: u64,
) -> Result<usize, StoreError> {
    let ctx = Ctx {
        holder,
        now_ms: super::poll::local_ms(),
        at: now,
        requests,
    };
    match (loaded, fetched) {
        (Loaded::Directory(st), Fetched::Directory(new, new_dir, _)) => {
            let d = diff::devices(st.seen.as_ref(), &new, sync_off, now);
            let counts = burndown::counts(&new, new_dir.ous.iter().map(String::as_str), now);
            let mut c = ctx.commit("directory", st.generation, &d.events, None);
            (c.upsert, c.remove, c.counts) = (&d.upsert, &d.remove, Some(&counts));
            let n = store.feed_commit(c)?;
            *dir = new_dir;
            Ok(n)
        }
        (Loaded::Policy(st), Fetched::Policy(new)) => {
            let d = diff::settings(Source::Policy, st.seen.as_ref(), &new, now);
            let mut c = ctx.commit("policy", st.generation, &d.events, None);
            (c.upsert, c.remove) = (&d.upsert, &d.remove);
            store.feed_commit(c)
        }
        (Loaded::Android(st, pst), Fetched::Android(devices, policies)) => {
            let p = diff::settings(Source::Android, pst.seen.as_ref(), &policies, now);
            let mut c = ctx.commit(ANDROID_POLICIES, pst.generation, &p.events, None);
            (c.upsert, c.remove) = (&p.upsert, &p.remove);
            let mut n = store.feed_commit(c)?;
            let d = diff::android(st.seen.as_ref(), &devices, now);
            let mut c = ctx.commit("android", st.generation, &d.events, None);
            (c.upsert, c.remove) = (&d.upsert, &d.remove);
            n += store.feed_commit(c)?;
            Ok(n)
        }
        (Loaded::Cursor(_, st), Fetched::Audit(records)) => {
            let first = (st.generation == 0).then(|| now - AUDIT_FIRST);
            let events = diff::audit(&records, first, now);
            let cursor = now.to_rfc3339_opts(SecondsFormat::Secs, true);
            store.feed_commit(ctx.commit::<()>("audit", st.generation, &events, Some(&cursor)))
        }
        (Loaded::Cursor(_, st), Fetched::Usage(day)) => {
            let prev = cursor_day(&st);
            let events: Vec<Event> = day
                .as_ref()
                .and_then(|d| diff::usage(prev.as_ref(), d, now))
                .into_iter()
                .collect();
            let cursor = day
                .or(prev)
                .map(|d| serde_json::to_string(&d).expect("serialisable"));
            store.feed_commit(ctx.commit::<()>("usage", st.generation, &events, cursor.as_deref()))
        }
        _ => unreachable!("fetch answers the source that was loaded"),
    }
}

/// What every commit of one poll shares.
struct Ctx<'a> {
    holder: &'a str,
    now_ms: i64,
    at: DateTime<Utc>,
    requests: u64,
}

impl<'a> Ctx<'a> {
    /// A commit with no state change; sources with state set `upsert`/`remove`/`counts`.
    fn commit<T>(
        &self,
        state: &'a str,
        generation: i64,
        events: &'a [Event],
        cursor: Option<&'a str>,
    ) -> Commit<'a, T> {
        Commit {
            state,
            holder: self.holder,
            now_ms: self.now_ms,
            generation,
            events,
            upsert: &[],
            remove: &[],
            cursor,
            counts: None,
            at: self.at,
            requests: self.requests,
        }
    }
}
