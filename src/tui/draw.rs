//! The whole screen from the state: header, the current pane, footer, then any overlay.
//! Below the minimum size it draws one clear message instead of a broken layout.
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::panes;
use super::state::{Overlay, Pane, State};
use super::widgets::{confirm, confirm_step, footer, header};

pub fn render(s: &State, f: &mut Frame) {
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if layout::too_small(area) {
        return too_small(s, f, area);
    }
    let a = layout::areas(area);
    header::render(s, f, a.header);
    match s.pane {
        Pane::Inventory => panes::inventory::render(s, f, a.main),
        Pane::Checklist => panes::checklist::render(s, f, a.main),
        Pane::Feed => panes::feed::render(s, f, a.main),
        Pane::Log => panes::log::render(s, f, a.main),
        Pane::Android => panes::android::render(s, f, a.main),
    }
    footer::render(s, f, a.footer);
    match &s.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => panes::help::render(s, *scroll, f, a.main),
        Overlay::Confirm(c) => confirm::render(s, c, f, area),
        Overlay::ConfirmStep(c) => confirm_step::render(s, c, f, area),
    }
}

fn too_small(s: &State, f: &mut Frame, area: Rect) {
    let text = format!(
        "terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{}. Enlarge the window, or press q to quit.",
        area.width, area.height
    );
    f.render_widget(
        Paragraph::new(Line::from(text))
            .style(s.palette.warn)
            .wrap(Wrap { trim: true }),
        area,
    );
}
