//! `[profiles.NAME.feed]`: how often each feed source polls and how many requests it may
//! spend per hour. Defaults keep a 100,000-device tenant well inside Google's quotas (see
//! the README's feed section for the arithmetic).
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::settings::{invalid, ConfigError};
use crate::model::Source;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    pub lease_secs: Option<u64>,
    /// When Google Sync must be gone: `2026-06-30` (end of that day, UTC) or RFC 3339.
    pub deadline: Option<String>,
    pub directory: Option<RawFeedSource>,
    pub policy: Option<RawFeedSource>,
    pub android: Option<RawFeedSource>,
    pub audit: Option<RawFeedSource>,
    pub usage: Option<RawFeedSource>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeedSource {
    /// 0 turns the source off.
    pub interval_secs: Option<u64>,
    pub requests_per_hour: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceSettings {
    /// `None`: the source is off.
    pub interval: Option<Duration>,
    /// The most requests the source may spend in any hour; a poll that would exceed it
    /// waits (a listing is never cut short: a partial listing would read as removals).
    pub requests_per_hour: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSettings {
    /// How long the poller lease lasts without renewal (a dead poller is replaced after it).
    pub lease: Duration,
    /// Indexed like [`Source::ALL`].
    pub sources: [SourceSettings; 5],
    /// When every Google Sync device must be gone: the burndown draws it as a line.
    pub deadline: Option<DateTime<Utc>>,
}

const fn every(secs: u64, requests_per_hour: u32) -> SourceSettings {
    SourceSettings {
        interval: Some(Duration::from_secs(secs)),
        requests_per_hour,
    }
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            lease: Duration::from_secs(90),
            sources: [
                every(900, 6_000),  // directory: ~1,100 requests per listing at 100k devices
                every(300, 240),    // policy
                every(900, 2_400),  // android: ~300 pages at 30k Android devices
                every(300, 240),    // audit
                every(86_400, 200), // usage: daily, ~51 pages at 50k users
            ],
            deadline: None,
        }
    }
}

impl FeedSettings {
    pub fn source(&self, s: Source) -> SourceSettings {
        self.sources[Source::ALL
            .iter()
            .position(|x| *x == s)
            .expect("known source")]
    }

    pub fn source_mut(&mut self, s: Source) -> &mut SourceSettings {
        &mut self.sources[Source::ALL
            .iter()
            .position(|x| *x == s)
            .expect("known source")]
    }
}

/// The shortest interval each source accepts: faster only burns quota (and Gmail usage
/// changes once a day).
fn min_interval(s: Source) -> u64 {
    match s {
        Source::Usage => 86_400,
        _ => 60,
    }
}

pub(super) fn resolve(
    raw: &RawFeed,
    file: &Path,
    key: &dyn Fn(&str) -> String,
) -> Result<FeedSettings, ConfigError> {
    let mut out = FeedSettings::default();
    if let Some(s) = raw.lease_secs {
        if s < 10 {
            return Err(invalid(
                file,
                key("feed.lease_secs"),
                format!("is {s}; use at least 10"),
            ));
        }
        out.lease = Duration::from_secs(s);
    }
    if let Some(d) = &raw.deadline {
        out.deadline = Some(parse_deadline(d).ok_or_else(|| {
            invalid(
                file,
                key("feed.deadline"),
                format!("is `{d}`; use a date (2026-06-30, meaning the end of that day in UTC) or an RFC 3339 instant (2026-06-30T17:00:00Z)"),
            )
        })?);
    }
    for (source, r) in [
        (Source::Directory, &raw.directory),
        (Source::Policy, &raw.policy),
        (Source::Android, &raw.android),
        (Source::Audit, &raw.audit),
        (Source::Usage, &raw.usage),
    ] {
        let Some(r) = r else { continue };
        let slot = out.source_mut(source);
        if let Some(secs) = r.interval_secs {
            let min = min_interval(source);
            if secs != 0 && secs < min {
                return Err(invalid(
                    file,
                    key(&format!("feed.{source}.interval_secs")),
                    format!("is {secs}; use 0 (off) or at least {min}"),
                ));
            }
            slot.interval = (secs != 0).then(|| Duration::from_secs(secs));
        }
        if let Some(n) = r.requests_per_hour {
            if n == 0 {
                return Err(invalid(
                    file,
                    key(&format!("feed.{source}.requests_per_hour")),
                    "is 0; turn the source off with interval_secs = 0 instead",
                ));
            }
            slot.requests_per_hour = n;
        }
    }
    Ok(out)
}

/// A date means the end of that day (UTC): the deadline is the last moment allowed.
fn parse_deadline(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(23, 59, 59)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_dates_or_instants() {
        assert_eq!(
            parse_deadline("2026-06-30").map(|t| t.to_rfc3339()),
            Some("2026-06-30T23:59:59+00:00".into())
        );
        assert_eq!(
            parse_deadline("2026-06-30T17:00:00+02:00").map(|t| t.to_rfc3339()),
            Some("2026-06-30T15:00:00+00:00".into())
        );
        assert_eq!(parse_deadline("June 30"), None);
        assert_eq!(parse_deadline("2026-02-30"), None);
    }
}
