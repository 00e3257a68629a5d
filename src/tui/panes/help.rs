//! The `?` help: the keymap rows of the pane underneath, most specific first, rendered
//! from the same data the keys are looked up in, plus the `:` commands.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::layout::centered;
use crate::tui::state::State;

const COMMANDS: [(&str, &str); 6] = [
    (
        ":devices type=google_sync ou=/Pilot status=approved",
        "set the filters (absent = any)",
    ),
    (
        ":export csv|csv-raw|json PATH",
        "export exactly the filtered view; in the Checklist users view, the users left behind (csv-raw: formulas not neutralised)",
    ),
    (":profile NAME", "reopen with another profile"),
    (":refresh", "list devices again"),
    (
        ":resume N  /  :abandon N",
        "finish / close interrupted change batch N",
    ),
    (":q", "quit"),
];

pub fn lines(s: &State) -> Vec<Line<'static>> {
    let p = &s.palette;
    let mut out = Vec::new();
    for ctx in s.pane_contexts() {
        let rows = s.keymap.rows(ctx);
        if rows.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(ctx.name(), p.title)));
        for r in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<18}", r.labels.join(" ")), p.key),
                Span::styled(r.desc.clone(), p.base),
            ]));
        }
        out.push(Line::default());
    }
    out.push(Line::from(Span::styled(
        "commands (Tab completes)",
        p.title,
    )));
    for (c, d) in COMMANDS {
        out.push(Line::from(Span::styled(format!("  {c}"), p.key)));
        out.push(Line::from(Span::styled(format!("      {d}"), p.base)));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        "filter: free words and field:value (email: name: model: os: status: type: sync: ou:)",
        p.dim,
    )));
    out
}

/// Where the help box sits in `area`.
fn frame_rect(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(4).min(80),
        area.height.saturating_sub(2),
    )
}

/// The largest useful scroll offset in a terminal of `size`: the state clamps to it, so
/// scrolling back up after holding `j` starts moving at once.
pub fn max_scroll(s: &State, size: Rect) -> usize {
    let main = crate::tui::layout::areas(size).main;
    let h = frame_rect(main).height.saturating_sub(2) as usize;
    lines(s).len().saturating_sub(h)
}

pub fn render(s: &State, scroll: usize, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let all = lines(s);
    let rect = frame_rect(area);
    let h = rect.height.saturating_sub(2) as usize;
    let scroll = scroll.min(all.len().saturating_sub(h));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(Span::styled(" Help (Esc closes, j/k scroll) ", p.title));
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(all)
            .block(block)
            .scroll((scroll as u16, 0))
            .style(p.base),
        rect,
    );
}
