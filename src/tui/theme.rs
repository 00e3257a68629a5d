//! Colours for the dark and light themes, and a colourless palette for `NO_COLOR`
//! (https://no-color.org) that marks things with bold, reverse and underline only.
use ratatui::style::{Color, Modifier, Style};

use crate::config::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub base: Style,
    pub title: Style,
    pub dim: Style,
    pub border: Style,
    pub border_focus: Style,
    pub cursor: Style,
    pub selected: Style,
    pub header_row: Style,
    pub readonly: Style,
    pub error: Style,
    pub ok: Style,
    pub warn: Style,
    pub tab_active: Style,
    pub key: Style,
    pub sync: Style,
}

impl Palette {
    /// Chooses the palette; `no_color` wins over the theme.
    pub fn new(theme: Theme, no_color: bool) -> Palette {
        if no_color {
            return Palette::mono();
        }
        let (fg, dim, accent, sel_bg) = match theme {
            Theme::Dark => (
                Color::Gray,
                Color::DarkGray,
                Color::Cyan,
                Color::Rgb(40, 50, 70),
            ),
            Theme::Light => (
                Color::Black,
                Color::Gray,
                Color::Blue,
                Color::Rgb(210, 225, 245),
            ),
        };
        let bold = Modifier::BOLD;
        Palette {
            base: Style::new().fg(fg),
            title: Style::new().fg(accent).add_modifier(bold),
            dim: Style::new().fg(dim),
            border: Style::new().fg(dim),
            border_focus: Style::new().fg(accent),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            selected: Style::new().bg(sel_bg).fg(accent),
            header_row: Style::new().fg(accent).add_modifier(bold),
            readonly: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(bold),
            error: Style::new().fg(Color::Red).add_modifier(bold),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            tab_active: Style::new()
                .fg(accent)
                .add_modifier(bold | Modifier::UNDERLINED),
            key: Style::new().fg(accent).add_modifier(bold),
            sync: Style::new().fg(Color::Yellow),
        }
    }

    pub fn mono() -> Palette {
        let n = Style::new();
        let b = Style::new().add_modifier(Modifier::BOLD);
        Palette {
            base: n,
            title: b,
            dim: n,
            border: n,
            border_focus: b,
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            selected: Style::new().add_modifier(Modifier::UNDERLINED),
            header_row: b,
            readonly: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            error: b,
            ok: n,
            warn: b,
            tab_active: Style::new().add_modifier(Modifier::REVERSED),
            key: b,
            sync: n,
        }
    }

    /// True when the environment asks for no colour (any non-empty `NO_COLOR`).
    pub fn no_color_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}
