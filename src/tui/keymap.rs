//! The keymap is data: `assets/keymap.toml` (embedded) plus the user's override file,
//! resolved into a lookup from (context, key) to [`Action`]. The `?` help and the footer
//! render from the same rows, so what is documented is what is bound.
//!
//! This module only parses and looks up; it never decides what an action does.
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use thiserror::Error;

use super::action::Action;

const DEFAULT: &str = include_str!("../../assets/keymap.toml");

/// Where a key is looked up; more specific contexts are tried first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    Inventory,
    Tree,
    Table,
    Detail,
    Log,
    Feed,
    Help,
    Confirm,
    Android,
    AndroidEdit,
    AndroidConfirm,
    /// The Checklist pane, every view.
    Checklist,
    /// Checklist: the OU tree and the selected OU's steps.
    Steps,
    /// Checklist: one step's detail.
    StepDetail,
    Waves,
    Users,
}

const CONTEXTS: [(Context, &str); 17] = [
    (Context::Global, "global"),
    (Context::Inventory, "inventory"),
    (Context::Tree, "tree"),
    (Context::Table, "table"),
    (Context::Detail, "detail"),
    (Context::Log, "log"),
    (Context::Feed, "feed"),
    (Context::Help, "help"),
    (Context::Confirm, "confirm"),
    (Context::Android, "android"),
    (Context::AndroidEdit, "android_edit"),
    (Context::AndroidConfirm, "android_confirm"),
    (Context::Checklist, "checklist"),
    (Context::Steps, "steps"),
    (Context::StepDetail, "step_detail"),
    (Context::Waves, "waves"),
    (Context::Users, "users"),
];

impl Context {
    pub fn name(self) -> &'static str {
        CONTEXTS
            .iter()
            .find(|(c, _)| *c == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }
}

#[derive(Debug, Error)]
pub enum KeymapError {
    #[error("keymap {file}: {message}")]
    Parse { file: String, message: String },
    #[error("keymap {file} line {line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read keymap {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
}

/// One documented binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub keys: Vec<Key>,
    pub labels: Vec<String>,
    pub action: Action,
    pub desc: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event: shift is implied by the character itself
    /// (terminals disagree on whether `G` carries SHIFT), so it is dropped for chars.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(ev.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key {
            code: ev.code,
            mods,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    sections: Vec<(Context, Vec<Row>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    keymap: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    keys: Vec<toml::Spanned<String>>,
    action: Action,
    #[serde(default)]
    desc: String,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn default_keymap() -> Keymap {
        parse(DEFAULT, "(built-in)").expect("the embedded keymap is valid")
    }

    /// The default keymap with the user's file (if any) applied on top.
    pub fn load(user: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut km = Self::default_keymap();
        if let Some(p) = user {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|source| KeymapError::Read {
                file: file.clone(),
                source,
            })?;
            km.apply(parse(&text, &file)?);
        }
        Ok(km)
    }

    /// Applies user rows: each replaces the default rows of its section bound to the same keys.
    pub fn apply(&mut self, user: Keymap) {
        for (ctx, rows) in user.sections {
            let pos = match self.sections.iter().position(|(c, _)| *c == ctx) {
                Some(p) => p,
                None => {
                    self.sections.push((ctx, Vec::new()));
                    self.sections.len() - 1
                }
            };
            let existing = &mut self.sections[pos].1;
            for row in &rows {
                for r in existing.iter_mut() {
                    let keep: Vec<usize> = (0..r.keys.len())
                        .filter(|i| !row.keys.contains(&r.keys[*i]))
                        .collect();
                    r.keys = keep.iter().map(|i| r.keys[*i]).collect();
                    r.labels = keep.iter().map(|i| r.labels[*i].clone()).collect();
                }
                existing.retain(|r| !r.keys.is_empty());
            }
            existing.extend(rows);
        }
    }

    /// The action bound to `key`, trying `contexts` in order.
    pub fn lookup(&self, contexts: &[Context], key: Key) -> Option<Action> {
        contexts.iter().find_map(|ctx| {
            self.rows(*ctx)
                .iter()
                .find(|r| r.keys.contains(&key))
                .map(|r| r.action)
        })
    }

    pub fn rows(&self, ctx: Context) -> &[Row] {
        self.sections
            .iter()
            .find(|(c, _)| *c == ctx)
            .map(|(_, r)| r.as_slice())
            .unwrap_or(&[])
    }

    /// The first key label bound to `action` in the given contexts, for hints.
    pub fn label_for(&self, contexts: &[Context], action: Action) -> Option<&str> {
        contexts.iter().find_map(|ctx| {
            self.rows(*ctx)
                .iter()
                .find(|r| r.action == action)
                .and_then(|r| r.labels.first())
                .map(String::as_str)
        })
    }
}

fn parse(text: &str, file: &str) -> Result<Keymap, KeymapError> {
    let raw: toml::Table = toml::from_str(text).map_err(|e| KeymapError::Parse {
        file: file.into(),
        message: e.to_string().trim_end().into(),
    })?;
    let mut km = Keymap::default();
    for name in raw.keys() {
        if !CONTEXTS.iter().any(|(_, n)| n == name) {
            let known: Vec<&str> = CONTEXTS.iter().map(|(_, n)| *n).collect();
            return Err(KeymapError::Invalid {
                file: file.into(),
                line: line_of(text, text.find(&format!("[{name}]")).unwrap_or(0)),
                message: format!(
                    "unknown section [{name}]; sections are {}",
                    known.join(", ")
                ),
            });
        }
    }
    // Second pass with spans, so a bad key names its line.
    let typed: std::collections::BTreeMap<String, RawSection> =
        toml::from_str(text).map_err(|e| KeymapError::Parse {
            file: file.into(),
            message: e.to_string().trim_end().into(),
        })?;
    for (ctx, name) in CONTEXTS {
        let Some(sec) = typed.get(name) else { continue };
        let mut rows = Vec::new();
        for r in &sec.keymap {
            let mut keys = Vec::new();
            let mut labels = Vec::new();
            for k in &r.keys {
                let key = parse_key(k.get_ref()).map_err(|message| KeymapError::Invalid {
                    file: file.into(),
                    line: line_of(text, k.span().start),
                    message,
                })?;
                keys.push(key);
                labels.push(k.get_ref().clone());
            }
            rows.push(Row {
                keys,
                labels,
                action: r.action,
                desc: r.desc.clone(),
            });
        }
        km.sections.push((ctx, rows));
    }
    Ok(km)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `j`, `G`, `?`, `<C-d>`, `<A-x>`, `<Enter>`, `<F5>`.
pub fn parse_key(s: &str) -> Result<Key, String> {
    let bad = || {
        format!("`{s}` is not a key; use a character like `j`, `<C-d>`, or a name like <Enter>, <Esc>, <Up>, <Tab>, <F1>")
    };
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        });
    }
    let inner = s
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .ok_or_else(bad)?;
    let (mods, name) = match inner.split_once('-') {
        Some(("C", n)) if !n.is_empty() => (KeyModifiers::CONTROL, n),
        Some(("A", n)) if !n.is_empty() => (KeyModifiers::ALT, n),
        _ => (KeyModifiers::NONE, inner),
    };
    let code = match name {
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Space" => KeyCode::Char(' '),
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Backspace" => KeyCode::Backspace,
        "Delete" => KeyCode::Delete,
        f if f.starts_with('F') => KeyCode::F(
            f[1..]
                .parse()
                .ok()
                .filter(|n| (1..=12).contains(n))
                .ok_or_else(bad)?,
        ),
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
        _ => return Err(bad()),
    };
    Ok(Key { code, mods })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_parses_and_looks_up() {
        let km = Keymap::default_keymap();
        let j = parse_key("j").unwrap();
        assert_eq!(
            km.lookup(&[Context::Table, Context::Inventory, Context::Global], j),
            Some(Action::Down)
        );
        assert_eq!(
            km.lookup(&[Context::Global], parse_key("<C-c>").unwrap()),
            Some(Action::Quit)
        );
    }

    #[test]
    fn user_rows_replace_defaults_and_bad_keys_name_the_line() {
        let mut km = Keymap::default_keymap();
        km.apply(
            parse(
                "[global]\nkeymap = [ { keys = [\"x\"], action = \"quit\" } ]\n",
                "u",
            )
            .unwrap(),
        );
        assert_eq!(
            km.lookup(&[Context::Global], parse_key("x").unwrap()),
            Some(Action::Quit)
        );
        let e = parse(
            "[global]\nkeymap = [\n { keys = [\"<Nope>\"], action = \"quit\" },\n]\n",
            "u.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = parse(
            "[global]\nkeymap = [\n { keys = [\"x\"], action = \"explode\" },\n]\n",
            "u.toml",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("explode") && e.to_string().contains("line 3"),
            "{e}"
        );
    }
}
