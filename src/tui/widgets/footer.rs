//! The two footer lines: the active input (`/` filter, `:` command line) or the latest
//! status message, then the keys that apply right now, taken from the keymap rows.
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::tui::input::LineInput;
use crate::tui::state::{InputMode, State};

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let p = &s.palette;
    let first = match &s.input {
        InputMode::Filter(input, _) => {
            let mut spans = input_spans("/", input, s);
            if let Some(e) = &s.inv.filter_error {
                spans.push(Span::styled(format!("  {e}"), p.error));
            }
            set_cursor(f, area, input);
            Line::from(spans)
        }
        InputMode::Command(input) => {
            set_cursor(f, area, input);
            let mut spans = input_spans(":", input, s);
            // Completion candidates and command errors show beside what is being typed.
            if let Some((err, msg)) = &s.status {
                spans.push(Span::styled(
                    format!("   {msg}"),
                    if *err { p.error } else { p.dim },
                ));
            }
            Line::from(spans)
        }
        InputMode::None => match &s.status {
            Some((true, msg)) => Line::from(Span::styled(format!(" {msg}"), p.error)),
            Some((false, msg)) => Line::from(Span::styled(format!(" {msg}"), p.ok)),
            None if s.inv.filter_error.is_some() => Line::from(Span::styled(
                format!(" filter: {}", s.inv.filter_error.as_deref().unwrap_or("")),
                p.error,
            )),
            None if !s.inv.filter_text.is_empty() => Line::from(vec![
                Span::styled(" filter ", p.dim),
                Span::styled(format!("/{}", s.inv.filter_text), p.key),
                Span::styled("  (Esc clears)", p.dim),
            ]),
            None => Line::default(),
        },
    };
    let mut hints = vec![Span::raw(" ")];
    let mut used = 1;
    let mut seen = Vec::new();
    // Help and quit come first wherever they apply: they are how a newcomer gets unstuck.
    let mut contexts = s.contexts();
    if contexts.contains(&crate::tui::keymap::Context::Global) {
        contexts.insert(0, crate::tui::keymap::Context::Global);
    }
    for (n, ctx) in contexts.into_iter().enumerate() {
        for row in s.keymap.rows(ctx) {
            if n == 0 && contexts_first_only(row.action) {
                continue;
            }
            let Some(label) = row.labels.first() else {
                continue;
            };
            if seen.contains(&row.action) || row.desc.is_empty() {
                continue;
            }
            seen.push(row.action);
            let label = label
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            let item = format!("{label} {}  ", short(&row.desc));
            let w = item.chars().count();
            if used + w > area.width as usize {
                break;
            }
            used += w;
            hints.push(Span::styled(label, p.key));
            hints.push(Span::styled(format!(" {}  ", short(&row.desc)), p.dim));
        }
    }
    f.render_widget(
        Paragraph::new(vec![first, Line::from(hints)]).style(p.base),
        area,
    );
}

fn input_spans<'a>(prompt: &'a str, input: &LineInput, s: &State) -> Vec<Span<'a>> {
    vec![
        Span::styled(prompt, s.palette.key),
        Span::styled(input.text.clone(), s.palette.base),
    ]
}

fn set_cursor(f: &mut Frame, area: Rect, input: &LineInput) {
    let x = area.x.saturating_add(1).saturating_add(input.cursor as u16);
    if x < area.x + area.width {
        f.set_cursor_position(Position::new(x, area.y));
    }
}

/// The first words of a description, for the one-line hint bar.
fn short(desc: &str) -> &str {
    desc.split(" (").next().unwrap_or(desc)
}

/// In the leading global group, only help, command line and quit are shown.
fn contexts_first_only(a: crate::tui::action::Action) -> bool {
    use crate::tui::action::Action;
    !matches!(a, Action::Help | Action::Quit | Action::Command)
}
