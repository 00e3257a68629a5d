//! The waves view: the pilot, then each wave with its OUs, the stage that gates it, its
//! guards (pass, FAILED, or overridden with the reason) and exactly what blocks each one.
//! The cursor stops on waves (S starts one) and guards (o overrides one).
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::state::WaveSel;
use crate::migration::wave::override_for;
use crate::tui::state::State;
use crate::tui::widgets::text::fit;

/// Blocker lines shown under a failing guard (the rest are counted).
const BLOCKERS: usize = 3;

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let Some(b) = &c.board else { return };
    let w = area.width.saturating_sub(2) as usize;
    let h = area.height.saturating_sub(2) as usize;
    let cur = c.current_wave();
    let mark = |sel: WaveSel| if Some(sel) == cur { p.cursor } else { p.base };
    let mut lines: Vec<Line> = Vec::new();
    // The cursor line, to scroll it into view.
    let mut at = 0;
    match &b.pilot {
        Some(pilot) => {
            let o = b.ou(pilot);
            lines.push(Line::from(vec![
                Span::styled("Pilot  ", p.title),
                Span::styled(pilot.clone(), p.base),
                Span::styled(
                    o.map(|o| {
                        format!(
                            "   steps {}/{} verified · {} syncing · {} left behind",
                            o.verified, o.applicable, o.syncing, o.left_behind
                        )
                    })
                    .unwrap_or_default(),
                    p.dim,
                ),
            ]));
        }
        None => lines.push(Line::from(Span::styled(
            "No pilot OU yet: offsync wave add --pilot /Path",
            p.warn,
        ))),
    }
    if b.waves.is_empty() {
        lines.push(Line::from(Span::styled(
            "No waves yet: offsync wave add /OU … appends one",
            p.dim,
        )));
    }
    for ws in &b.waves {
        let n = ws.wave.number;
        let sel = WaveSel {
            wave: n,
            guard: None,
        };
        let (state, style) = match (ws.wave.started_at, ws.ready) {
            (Some(t), _) => (format!("started {}", t.format("%Y-%m-%d %H:%M")), p.ok),
            (None, true) => ("ready to start (S)".to_string(), p.key),
            (None, false) => ("blocked".to_string(), p.error),
        };
        lines.push(Line::default());
        if Some(sel) == cur {
            at = lines.len();
        }
        lines.push(Line::from(vec![
            Span::styled(format!("Wave {n}"), mark(sel)),
            Span::styled(format!("  {state}"), style),
        ]));
        lines.push(Line::from(Span::styled(
            fit(&format!("  OUs: {}", ws.wave.ous.join(", ")), w),
            p.base,
        )));
        lines.push(Line::from(Span::styled(
            fit(&format!("  gated by: {}", ws.gated_by.join(", ")), w),
            p.dim,
        )));
        for g in &ws.guards {
            let gsel = WaveSel {
                wave: n,
                guard: Some(g.guard),
            };
            let (word, gstyle, why) = match (g.passed, override_for(&ws.wave, g.guard)) {
                (true, _) => ("pass      ", p.ok, String::new()),
                (false, Some(o)) => (
                    "OVERRIDDEN",
                    p.warn,
                    format!(
                        "  ({}: {}, by {})",
                        serde_json::to_value(o.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default(),
                        o.reason,
                        o.by
                    ),
                ),
                (false, None) => ("FAILED    ", p.error, "  (o overrides)".into()),
            };
            if Some(gsel) == cur {
                at = lines.len();
            }
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{:<22}", g.guard.as_str()), mark(gsel)),
                Span::styled(format!(" {word}"), gstyle),
                Span::styled(fit(&why, w.saturating_sub(36)), p.dim),
            ]));
            for bl in g.blockers.iter().take(BLOCKERS) {
                lines.push(Line::from(Span::styled(
                    fit(&format!("      - {bl}"), w),
                    p.dim,
                )));
            }
            let more = g.blockers.len().saturating_sub(BLOCKERS) + g.more;
            if more > 0 {
                lines.push(Line::from(Span::styled(
                    format!("      … and {more} more"),
                    p.dim,
                )));
            }
        }
    }
    // Keep the cursor's line on screen without state: scroll the least needed.
    let scroll = at.saturating_sub(h.saturating_sub(1).min(h * 2 / 3));
    let scroll = if at < h { 0 } else { scroll };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(Span::styled(" Pilot and waves ", p.title));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(p.base)
            .scroll((scroll as u16, 0)),
        area,
    );
}
