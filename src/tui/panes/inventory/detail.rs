//! One device, every field offsync requests from the Directory API, with absolute and
//! relative sync times. Shown in place of the device table (Esc returns).
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::model::Device;
use crate::tui::state::State;
use crate::tui::widgets::text::ago;

pub fn render(s: &State, index: u32, f: &mut Frame, area: Rect) {
    let p = &s.palette;
    let Some(d) = s.inv.inventory.devices.get(index as usize) else {
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(p.border_focus)
        .title(Span::styled(format!(" Device {} ", d.resource_id), p.title));
    let lines: Vec<Line> = fields(d, s.now)
        .into_iter()
        .map(|(k, v)| {
            let style = if k == "Type" && d.is_google_sync() {
                p.sync
            } else {
                p.base
            };
            Line::from(vec![
                Span::styled(format!("{k:<19}"), p.dim),
                Span::styled(v, style),
            ])
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(p.base),
        area,
    );
}

fn when(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        Some(ts) => format!("{} ({})", ts.format("%Y-%m-%d %H:%M:%S UTC"), ago(t, now)),
        None => "never".into(),
    }
}

/// Label/value pairs, in the order an admin reads them: who, what, state, then hardware.
pub fn fields(d: &Device, now: DateTime<Utc>) -> Vec<(&'static str, String)> {
    let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    vec![
        ("Owner email", list(&d.email)),
        ("Owner name", list(&d.name)),
        (
            "OU (owner's)",
            d.org_unit_path
                .as_deref()
                .unwrap_or("? (owner not found)")
                .to_string(),
        ),
        ("Type", d.device_type.to_string()),
        ("Status", d.status.to_string()),
        ("Model", opt(d.model.as_deref())),
        ("OS", opt(d.os.as_deref())),
        ("First sync", when(d.first_sync, now)),
        ("Last sync", when(d.last_sync, now)),
        ("User agent", opt(d.user_agent.as_deref())),
        ("Resource ID", d.resource_id.clone()),
        ("Device ID", opt(d.device_id.as_deref())),
        ("Serial number", opt(d.serial_number.as_deref())),
        ("IMEI", opt(d.imei.as_deref())),
        ("Brand", opt(d.brand.as_deref())),
        ("Manufacturer", opt(d.manufacturer.as_deref())),
        ("Hardware ID", opt(d.hardware_id.as_deref())),
        ("Release version", opt(d.release_version.as_deref())),
        ("Encryption", opt(d.encryption_status.as_deref())),
        ("Password", opt(d.device_password_status.as_deref())),
        ("Compromised", opt(d.device_compromised_status.as_deref())),
        ("Other accounts", list(&d.other_accounts_info)),
    ]
}
