//! The users view: the funnel of the selected OU (children included), the users left
//! behind first (the contact list) with their devices, and the instructions that fit the
//! user under the cursor. Space selects, m / K mark, x / X export.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::state::Side;
use crate::migration::Funnel;
use crate::tui::scroll::ScrollList;
use crate::tui::state::State;
use crate::tui::widgets::text::fit;

/// Lines kept under the list for the cursor user's devices and instructions.
const FOOT: u16 = 6;

pub fn render(s: &State, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let c = &s.checklist;
    let Some(o) = c.current_ou() else { return };
    let focused = c.side == Side::Right;
    let users = c.listed_users();
    let n = |k: Funnel| users.iter().filter(|u| u.funnel == k).count();
    let list_h = area.height.saturating_sub(FOOT);
    let list_area = Rect {
        height: list_h,
        ..area
    };
    let foot = Rect {
        y: area.y + list_h,
        height: area.height.saturating_sub(list_h),
        ..area
    };
    let w = area.width.saturating_sub(2) as usize;
    let h = list_h.saturating_sub(3) as usize;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { p.border_focus } else { p.border })
        .title(Span::styled(format!(" Users · {} ", o.ou), p.title))
        .title_bottom(Span::styled(
            format!(" {} selected ", c.selected.len()),
            p.dim,
        ));
    let mut lines = vec![Line::from(Span::styled(
        fit(
            &format!(
                "still on Google Sync {} · not seen {} · switched {} · Gmail app {}",
                n(Funnel::StillOnGoogleSync),
                n(Funnel::NotSeen),
                n(Funnel::Switched),
                n(Funnel::GmailAppOnly)
            ),
            w,
        ),
        p.header_row,
    ))];
    let cur_email = c.current_user();
    let cur = cur_email
        .as_ref()
        .and_then(|e| users.iter().position(|u| &u.email == e))
        .unwrap_or(0);
    if users.is_empty() {
        lines.push(Line::from(Span::styled(
            "no user here has a Google Sync device",
            p.dim,
        )));
    }
    let list = ScrollList {
        cursor: cur,
        offset: c.users.offset,
    };
    for (i, u) in users
        .iter()
        .enumerate()
        .skip(list.window(users.len(), h).start)
        .take(h)
    {
        let sel = if c.selected.contains(&u.email) {
            "●"
        } else {
            " "
        };
        let marks = match (u.acknowledged, u.reminded_at) {
            (true, _) => " ack".to_string(),
            (false, Some(t)) => format!(" reminded {}", t.format("%m-%d")),
            _ => String::new(),
        };
        let style = if i == cur && focused {
            p.cursor
        } else if i == cur {
            p.selected
        } else {
            p.base
        };
        let fstyle = if u.funnel.is_left_behind() && !u.acknowledged {
            p.error
        } else {
            p.dim
        };
        let sync = u
            .last_google_sync
            .map(|t| t.format("%m-%d").to_string())
            .unwrap_or_else(|| "never".into());
        let email_w = w.saturating_sub(2 + 21 + 6 + marks.chars().count()).max(8);
        lines.push(Line::from(vec![
            Span::styled(format!("{sel} {:<email_w$}", fit(&u.email, email_w)), style),
            Span::styled(format!(" {:<20}", u.funnel.as_str()), fstyle),
            Span::styled(format!(" {sync:>5}"), p.dim),
            Span::styled(marks, p.warn),
        ]));
    }
    f.render_widget(Paragraph::new(lines).block(block).style(p.base), list_area);
    let mut info = Vec::new();
    if let Some(u) = cur_email.and_then(|e| users.iter().find(|u| u.email == e).copied()) {
        let devices = u
            .devices
            .iter()
            .map(|d| format!("{} {} ({})", d.device_type, d.model, d.status))
            .collect::<Vec<_>>()
            .join(", ");
        info.push(Line::from(vec![
            Span::styled("devices: ", p.title),
            Span::styled(devices, p.base),
        ]));
        info.push(Line::from(vec![
            Span::styled("do: ", p.title),
            Span::styled(u.instructions.clone(), p.base),
        ]));
    }
    f.render_widget(
        Paragraph::new(info)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(p.border)
                    .title(Span::styled(" Instructions that fit ", p.title)),
            )
            .wrap(Wrap { trim: true })
            .style(p.base),
        foot,
    );
}
