//! The two header lines: who/where (profile, tenant, READ-ONLY badge, INCOMPLETE when a
//! listing failed part way), the Google Sync funnel and refresh time; then the pane tabs
//! and loading progress.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::text::{thousands, SPINNER};
use crate::tui::state::{State, PANES};

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let p = &s.palette;
    // The widest form that fits: over SSH at 80 columns the short one is the common case.
    // Drop the domain first, then the device total (the table title repeats it), and
    // only then shorten words, so the Google Sync figures stay readable.
    let top = (0..=3)
        .map(|level| top_line(s, level))
        .find(|l| l.width() <= area.width as usize)
        .unwrap_or_else(|| top_line(s, 3));
    let mut tabs = vec![Span::raw(" ")];
    for (i, pane) in PANES.iter().enumerate() {
        let style = if *pane == s.pane { p.tab_active } else { p.dim };
        tabs.push(Span::styled(format!("{} {}", i + 1, pane.title()), style));
        tabs.push(Span::raw("  "));
    }
    if s.inv.loading.active {
        tabs.push(Span::styled(progress(s), p.warn));
    } else if let Some(e) = &s.inv.loading.error {
        let what = if e.starts_with("poll failed") {
            format!("STALE: {e} (r retries)")
        } else {
            format!("listing failed: {e} (r retries)")
        };
        tabs.push(Span::styled(what, p.error));
    } else if let Some((text, error)) = feed_state(s) {
        // At 80 columns the tabs leave little room: the clock time must stay readable.
        let room = (area.width as usize).saturating_sub(Line::from(tabs.clone()).width());
        let text = if text.chars().count() > room {
            compact(&text)
        } else {
            text
        };
        tabs.push(Span::styled(text, if error { p.warn } else { p.dim }));
    }
    let lines = vec![top, Line::from(tabs)];
    f.render_widget(Paragraph::new(lines).style(p.base), area);
}

/// `level` 0 is the full line; each level up drops or shortens one part.
fn top_line(s: &State, level: u8) -> Line<'static> {
    let compact = level >= 3;
    let p = &s.palette;
    let mut top = vec![Span::styled(" offsync ", p.title)];
    // First, so no width can cut it: what is on screen is not every device.
    if s.inv.loading.incomplete() {
        top.push(Span::styled(
            if compact {
                " INCOMPLETE "
            } else {
                " INCOMPLETE LISTING "
            },
            p.readonly,
        ));
        top.push(Span::raw(" "));
    }
    top.push(Span::styled(format!("{} ", s.profile.name), p.base));
    if let (Some(d), 0) = (s.profile.domains.first(), level) {
        top.push(Span::styled(format!("({d}) "), p.dim));
    }
    if s.profile.readonly {
        top.push(Span::styled(" READ-ONLY ", p.readonly));
        top.push(Span::raw(" "));
    }
    let fu = s.inv.funnel;
    top.push(Span::styled(
        if compact {
            "│ Sync "
        } else {
            "│ Google Sync "
        },
        p.dim,
    ));
    top.push(Span::styled(
        format!("{} active", thousands(fu.sync_active)),
        p.sync,
    ));
    top.push(Span::styled(
        format!(" / {} ", thousands(fu.sync_total)),
        p.base,
    ));
    if level < 2 {
        top.push(Span::styled(
            format!("of {} devices ", thousands(fu.total)),
            p.dim,
        ));
    }
    // A clock time, not "3m ago": nothing redraws while idle (an idle offsync writes no
    // bytes), so a relative age would go stale on screen. Times are UTC, like the Log pane.
    match (s.inv.inventory.fetched_at, s.inv.loading.from_cache) {
        (Some(t), false) if s.sim_clock_scale.is_some() => {
            top.push(Span::styled(format!("│ sim {}", sim_clock(t, s)), p.warn))
        }
        (Some(t), true) => top.push(Span::styled(format!("│ cached {}", clock(t, s)), p.warn)),
        (Some(t), false) if compact => top.push(Span::styled(format!("│ {}", clock(t, s)), p.dim)),
        (Some(t), false) => top.push(Span::styled(format!("│ refreshed {}", clock(t, s)), p.dim)),
        (None, _) => {}
    }
    Line::from(top)
}

/// How fresh the data is and why, from the feed: who polls, when the Directory source last
/// polled, and what went wrong. `true` when the data is stale.
pub fn feed_state(s: &State) -> Option<(String, bool)> {
    use crate::feed::watch::Role;
    use crate::model::Source;
    let feed = &s.feed;
    if let Some(why) = &feed.status.stopped {
        return Some((format!("STALE: feed stopped: {why}"), true));
    }
    if !feed.live {
        return None;
    }
    if let Some((source, e)) = &feed.status.failure {
        return Some((format!("STALE: {source} poll failed: {e}"), true));
    }
    if let Some((source, spent)) = &feed.status.deferred {
        return Some((
            format!("STALE: {source} budget spent ({spent} requests this hour)"),
            true,
        ));
    }
    let last = feed
        .status
        .source(Source::Directory)
        .and_then(|d| d.last_ok_at);
    // Overdue: no good poll for two intervals (the poller is stuck or gone).
    let overdue = match (last, feed.directory_interval) {
        (Some(t), Some(every)) => {
            let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
            s.now - t > every + every
        }
        _ => false,
    };
    let when = last.map_or("never".to_string(), |t| clock(t, s));
    let text = match &feed.status.role {
        None => return None,
        Some(Role::Polling) if overdue => format!("STALE: last poll {when}"),
        Some(Role::Polling) => format!("feed polling · last poll {when}"),
        Some(Role::Reading { .. }) if overdue => {
            format!("STALE: another offsync process polls; last poll {when}")
        }
        Some(Role::Reading { .. }) => format!("another offsync process polls · last {when}"),
    };
    Some((text, overdue))
}

/// The same words, shortened: "feed polling · last poll 14:32" → "polling 14:32",
/// "another offsync process polls · last 14:32" → "other polls 14:32"; STALE stays first.
fn compact(text: &str) -> String {
    let time = text.rsplit(' ').next().unwrap_or("");
    if text.starts_with("STALE") {
        return format!("STALE {}", text.trim_start_matches("STALE: "));
    }
    if text.starts_with("feed polling") {
        format!("polling {time}")
    } else if text.starts_with("another") {
        format!("other polls {time}")
    } else {
        text.to_string()
    }
}

/// `fetched_at` (the server's clock) as this machine's clock time: "14:32" today, else
/// "11-28 14:32".
fn clock(fetched_at: chrono::DateTime<chrono::Utc>, s: &State) -> String {
    let local = fetched_at - s.inv.inventory.server_offset;
    if local.date_naive() == s.now.date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%m-%d %H:%M").to_string()
    }
}

/// The demo's simulated time as of the last redraw: the server's time at the listing plus the
/// local time since then, sped up by the simulator's scale. "11-28 14:32", always with the
/// date, since simulated days pass in minutes.
fn sim_clock(fetched_at: chrono::DateTime<chrono::Utc>, s: &State) -> String {
    let scale = s.sim_clock_scale.unwrap_or(1.0);
    let since_ms = (s.now - fetched_at).num_milliseconds().max(0) as f64 * scale;
    let sim = fetched_at + chrono::Duration::milliseconds(since_ms as i64);
    sim.format("%m-%d %H:%M").to_string()
}

/// "⠙ loading 12 pages · 1,200 devices · 3,400/s · ETA 5s"; once the fast (index-only)
/// view is complete and a plain listing confirms it, "confirming" instead of "loading".
pub fn progress(s: &State) -> String {
    let l = &s.inv.loading;
    let spin = SPINNER[l.spinner % SPINNER.len()];
    let verb = if l.progress.confirming {
        "confirming"
    } else {
        "loading"
    };
    let mut out = format!(
        "{spin} {verb} {} pages · {} devices",
        l.progress.pages,
        thousands(l.progress.devices)
    );
    let elapsed = l
        .started
        .map(|t| (s.now - t).num_milliseconds())
        .unwrap_or(0);
    if elapsed > 500 && l.progress.devices > 0 {
        let rate = l.progress.devices as f64 * 1000.0 / elapsed as f64;
        out.push_str(&format!(" · {}/s", thousands(rate as usize)));
        if let Some(exp) = l.progress.expected.filter(|e| *e > l.progress.devices) {
            let eta = (exp - l.progress.devices) as f64 / rate.max(1.0);
            out.push_str(&format!(" · ETA {}s", eta.ceil() as u64));
        }
    }
    out
}
