//! The burndown: active Google Sync devices over time, in total and per OU, read from the
//! per-OU counts the feed stores at each Directory poll (so it survives restarts), with the
//! configured deadline as a vertical line and the pace that would meet it.
//!
//! Lines differ by marker as well as colour, so the chart reads without colour too.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Dataset, GraphType, LegendPosition, Paragraph, Wrap,
};
use ratatui::Frame;

use crate::store::CountRow;
use crate::tui::state::State;
use crate::tui::widgets::text::thousands;

/// OUs drawn beside the total when no OU filter picks one.
pub const TOP_OUS: usize = 3;

/// One OU's active count over time as (seconds since `start`, count) steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub ou: String,
    pub points: Vec<(f64, f64)>,
    pub latest: i64,
}

/// What the chart draws, computed apart from drawing so it can be tested.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub series: Vec<Series>,
    pub deadline: Option<f64>,
    pub y_max: f64,
}

/// The total, then the filtered OU or the top-level OUs with the most active devices.
pub fn plan(
    counts: &[CountRow],
    ou: Option<&str>,
    deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Plan> {
    let start = counts.iter().map(|c| c.at).min()?;
    let last = counts.iter().map(|c| c.at).max()?.max(now);
    let end = deadline.map_or(last, |d| d.max(last));
    let secs = |t: DateTime<Utc>| (t - start).num_seconds() as f64;
    let mut by_ou: BTreeMap<&str, Vec<&CountRow>> = BTreeMap::new();
    for c in counts {
        by_ou.entry(c.ou.as_str()).or_default().push(c);
    }
    let series_of = |name: &str| {
        let rows = by_ou.get(name)?;
        let mut points = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                // Counts are stored only when they change: hold the previous value until then.
                points.push((secs(r.at), rows[i - 1].active as f64));
            }
            points.push((secs(r.at), r.active as f64));
        }
        let latest = rows.last()?.active;
        points.push((secs(last), latest as f64));
        Some(Series {
            ou: name.to_string(),
            points,
            latest,
        })
    };
    let mut series: Vec<Series> = series_of("/").into_iter().collect();
    match ou.filter(|o| *o != "/") {
        Some(o) => series.extend(series_of(o)),
        None => {
            let mut top: Vec<Series> = by_ou
                .keys()
                .filter(|k| k.matches('/').count() == 1 && **k != "/")
                .filter_map(|k| series_of(k))
                .filter(|s| s.latest > 0)
                .collect();
            top.sort_by(|a, b| b.latest.cmp(&a.latest).then(a.ou.cmp(&b.ou)));
            series.extend(top.into_iter().take(TOP_OUS));
        }
    }
    let y_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(1.0, f64::max);
    Some(Plan {
        start,
        end,
        series,
        deadline: deadline.map(secs),
        y_max,
    })
}

const MARKERS: [Marker; 4] = [Marker::Braille, Marker::Dot, Marker::Block, Marker::Bar];

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let feed = &s.feed;
    let title = match feed.deadline {
        Some(d) => format!(
            " Burndown: active Google Sync devices · deadline {} ",
            d.format("%Y-%m-%d")
        ),
        None => " Burndown: active Google Sync devices · no deadline (feed.deadline) ".into(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border)
        .title(Span::styled(title, p.title));
    let Some(plan) = plan(
        &feed.counts,
        feed.filter.ou.as_deref(),
        feed.deadline,
        s.now,
    ) else {
        let text = "No burndown yet: each Directory poll of the feed records the active Google Sync devices per OU.";
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {text}"), p.dim)))
                .block(block)
                .wrap(Wrap { trim: false }),
            area,
        );
        return;
    };
    let styles = [p.sync, p.title, p.ok, p.key];
    let mut datasets: Vec<Dataset> = plan
        .series
        .iter()
        .enumerate()
        .map(|(i, sr)| {
            let name = if sr.ou == "/" {
                format!("total {}", thousands(sr.latest as usize))
            } else {
                format!("{} {}", sr.ou, thousands(sr.latest as usize))
            };
            Dataset::default()
                .name(name)
                .marker(MARKERS[i % MARKERS.len()])
                .graph_type(GraphType::Line)
                .style(styles[i % styles.len()])
                .data(&sr.points)
        })
        .collect();
    let deadline_line: Vec<(f64, f64)>;
    let pace: Vec<(f64, f64)>;
    if let (Some(x), Some(total)) = (plan.deadline, plan.series.first()) {
        deadline_line = vec![(x, 0.0), (x, plan.y_max)];
        datasets.push(
            Dataset::default()
                .name("deadline")
                .marker(Marker::Bar)
                .graph_type(GraphType::Line)
                .style(p.error)
                .data(&deadline_line),
        );
        // The straight line from now to zero at the deadline: above it is behind schedule.
        let now = total.points.last().copied().unwrap_or((0.0, 0.0));
        if x > now.0 && now.1 > 0.0 {
            pace = vec![now, (x, 0.0)];
            datasets.push(
                Dataset::default()
                    .name("pace needed")
                    .marker(Marker::Dot)
                    .graph_type(GraphType::Line)
                    .style(p.dim)
                    .data(&pace),
            );
        }
    }
    let span = (plan.end - plan.start).num_seconds().max(1) as f64;
    let fmt = |t: DateTime<Utc>| {
        if span > 3.0 * 86_400.0 {
            t.format("%m-%d").to_string()
        } else {
            t.format("%m-%d %H:%M").to_string()
        }
    };
    let mid = plan.start + chrono::Duration::seconds(span as i64 / 2);
    let x_axis = Axis::default().style(p.dim).bounds([0.0, span]).labels([
        fmt(plan.start),
        fmt(mid),
        fmt(plan.end),
    ]);
    let y_max = (plan.y_max * 1.1).ceil();
    let y_axis = Axis::default().style(p.dim).bounds([0.0, y_max]).labels([
        "0".to_string(),
        thousands((y_max / 2.0) as usize),
        thousands(y_max as usize),
    ]);
    let chart = Chart::new(datasets)
        .block(block)
        .style(Style::default())
        .x_axis(x_axis)
        .y_axis(y_axis)
        .legend_position(Some(LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(80)));
    f.render_widget(chart, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ou: &str, mins: i64, active: i64) -> CountRow {
        let t0: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        CountRow {
            ou: ou.into(),
            at: t0 + chrono::Duration::minutes(mins),
            active,
            total: active,
        }
    }

    #[test]
    fn steps_hold_until_the_next_stored_change_and_the_deadline_extends_the_axis() {
        let counts = vec![
            row("/", 0, 10),
            row("/A", 0, 6),
            row("/B", 0, 4),
            row("/A/x", 0, 6),
            row("/", 60, 7),
            row("/A", 60, 3),
        ];
        let now = counts[4].at + chrono::Duration::minutes(30);
        let deadline = now + chrono::Duration::hours(10);
        let p = plan(&counts, None, Some(deadline), now).unwrap();
        let names: Vec<&str> = p.series.iter().map(|s| s.ou.as_str()).collect();
        assert_eq!(names, ["/", "/B", "/A"], "top-level OUs by active devices");
        assert_eq!(
            p.series[0].points,
            [(0.0, 10.0), (3600.0, 10.0), (3600.0, 7.0), (5400.0, 7.0)]
        );
        assert_eq!(p.deadline, Some(5400.0 + 36_000.0));
        assert_eq!(p.end, deadline);
        let only = plan(&counts, Some("/A/x"), None, now).unwrap();
        let names: Vec<&str> = only.series.iter().map(|s| s.ou.as_str()).collect();
        assert_eq!(names, ["/", "/A/x"]);
        assert!(plan(&[], None, None, now).is_none());
    }
}
