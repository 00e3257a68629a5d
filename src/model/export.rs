//! Writing a device list as a table, CSV or JSON: the one exporter behind both
//! `offsync devices` and the TUI's `:export`, so the same filter gives byte-identical files.
//!
//! Pure: it writes to any `io::Write` and takes `now` for relative times; it never opens
//! files, reads the clock or decides which devices to include (the caller filters).
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};

use super::Device;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// Fixed-width text for people; last sync shown relative ("3d ago").
    #[default]
    Table,
    Csv,
    Json,
}

impl FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" | "text" => Ok(ExportFormat::Table),
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            other => Err(format!("unknown format `{other}`; use table, csv or json")),
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExportFormat::Table => "table",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        })
    }
}

/// Every exportable column, in default output order. Names are the CSV header and JSON keys.
pub const COLUMNS: [&str; 11] = [
    "owner",
    "name",
    "model",
    "os",
    "type",
    "status",
    "first_sync",
    "last_sync",
    "user_agent",
    "org_unit_path",
    "resource_id",
];

/// Parses a comma list of column names (`owner,type,last_sync`), rejecting unknown ones
/// so a typo is an error rather than a silently missing column.
pub fn parse_fields(list: &str) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let name = COLUMNS
            .iter()
            .find(|c| c.eq_ignore_ascii_case(raw))
            .ok_or_else(|| format!("unknown field `{raw}`; known fields: {}", COLUMNS.join(",")))?;
        out.push(*name);
    }
    if out.is_empty() {
        return Err(format!(
            "no fields given; known fields: {}",
            COLUMNS.join(",")
        ));
    }
    Ok(out)
}

/// How CSV cells are written. Device names, models and user agents come from end users'
/// devices, so a value such as `=HYPERLINK(…)` or `+cmd|' /C calc'!A0` would run as a
/// formula when the CSV is opened in a spreadsheet. By default such cells are neutralised
/// (OWASP "CSV injection"): a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`, which spreadsheets show as text. `Raw` is for scripts that
/// need the exact values (`--csv-raw`). JSON and the table are always raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvCells {
    #[default]
    Neutralised,
    Raw,
}

/// Everything that shapes an export besides the devices.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions<'a> {
    pub format: ExportFormat,
    /// Column names from [`COLUMNS`], in output order.
    pub fields: &'a [&'a str],
    /// "Now" for relative times in the table (the server's clock).
    pub now: DateTime<Utc>,
    pub csv: CsvCells,
}

/// Writes every column of `devices` in `format` (CSV cells neutralised).
pub fn write_devices<'a, W: Write>(
    w: W,
    devices: impl Iterator<Item = &'a Device>,
    format: ExportFormat,
    now: DateTime<Utc>,
) -> io::Result<()> {
    write_devices_fields(w, devices, format, &COLUMNS, now)
}

/// Writes the chosen `fields` (names from [`COLUMNS`], in the given order; CSV cells
/// neutralised).
pub fn write_devices_fields<'a, W: Write>(
    w: W,
    devices: impl Iterator<Item = &'a Device>,
    format: ExportFormat,
    fields: &[&str],
    now: DateTime<Utc>,
) -> io::Result<()> {
    let opts = ExportOptions {
        format,
        fields,
        now,
        csv: CsvCells::Neutralised,
    };
    write_export(w, devices, &opts)
}

/// Writes `devices` as `opts` says.
pub fn write_export<'a, W: Write>(
    mut w: W,
    devices: impl Iterator<Item = &'a Device>,
    opts: &ExportOptions<'_>,
) -> io::Result<()> {
    let fields = opts.fields;
    match opts.format {
        ExportFormat::Csv => {
            let mut out = csv::Writer::from_writer(&mut w);
            out.write_record(fields).map_err(csv_io)?;
            for d in devices {
                out.write_record(fields.iter().map(|f| match opts.csv {
                    CsvCells::Neutralised => neutralise(cell(d, f)),
                    CsvCells::Raw => cell(d, f),
                }))
                .map_err(csv_io)?;
            }
            out.flush()?;
        }
        ExportFormat::Json => write_json(&mut w, devices, fields)?,
        ExportFormat::Table => write_table(&mut w, devices, fields, opts.now)?,
    }
    w.flush()
}

/// A cell a spreadsheet would read as a formula, prefixed with `'` so it reads as text.
pub fn neutralise(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Keeps the `io::ErrorKind` of a write failure (csv's own conversion turns every error into
/// `Other`), so a closed pipe is still recognisable as `BrokenPipe` by the binary.
pub(crate) fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("CSV: {other:?}")),
    }
}

/// The order exports use unless the caller sorted the view itself (the TUI exports its
/// visible order): by owner (case-insensitive; devices without one last), then resource ID.
/// Listings arrive in whatever order concurrent pages complete, so an unsorted export
/// would differ from run to run.
pub fn default_order(a: &Device, b: &Device) -> std::cmp::Ordering {
    let key = |d: &Device| (d.owner().is_none(), d.owner().map(str::to_lowercase));
    key(a)
        .cmp(&key(b))
        .then_with(|| a.resource_id.cmp(&b.resource_id))
}

/// One column's value for CSV and JSON: timestamps in RFC 3339 (UTC, seconds), empty when
/// absent. Several owner names are joined with "; " so nothing is dropped.
fn cell(d: &Device, field: &str) -> String {
    let opt = |o: &Option<crate::model::Shared>| o.as_deref().unwrap_or_default().to_string();
    match field {
        "owner" => d.owner().unwrap_or("").to_string(),
        "name" => d.name.join("; "),
        "model" => opt(&d.model),
        "os" => opt(&d.os),
        "type" => d.device_type.as_str().to_string(),
        "status" => d.status.as_str().to_string(),
        "first_sync" => rfc3339(d.first_sync),
        "last_sync" => rfc3339(d.last_sync),
        "user_agent" => opt(&d.user_agent),
        "org_unit_path" => opt(&d.org_unit_path),
        "resource_id" => d.resource_id.clone(),
        _ => String::new(),
    }
}

fn rfc3339(ts: Option<DateTime<Utc>>) -> String {
    ts.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// A JSON array with one object per line: valid JSON that still diffs and greps well,
/// and streams without building the whole document in memory. Absent values are `null`.
fn write_json<'a>(
    w: &mut impl Write,
    devices: impl Iterator<Item = &'a Device>,
    fields: &[&str],
) -> io::Result<()> {
    w.write_all(b"[")?;
    let mut first = true;
    for d in devices {
        w.write_all(if first { b"\n  {" } else { b",\n  {" })?;
        first = false;
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            serde_json::to_writer(&mut *w, f)?;
            w.write_all(b":")?;
            let v = cell(d, f);
            if v.is_empty() && is_optional(f) {
                w.write_all(b"null")?;
            } else {
                serde_json::to_writer(&mut *w, &v)?;
            }
        }
        w.write_all(b"}")?;
    }
    w.write_all(if first { b"]\n" } else { b"\n]\n" })
}

/// Columns that can be genuinely absent (as opposed to present but empty, like a name list).
fn is_optional(field: &str) -> bool {
    matches!(
        field,
        "owner" | "model" | "os" | "first_sync" | "last_sync" | "user_agent" | "org_unit_path"
    )
}

/// Widest a table column may get; longer values are cut with "…" (user agents are long).
const MAX_WIDTH: usize = 40;

fn write_table<'a>(
    w: &mut impl Write,
    devices: impl Iterator<Item = &'a Device>,
    fields: &[&str],
    now: DateTime<Utc>,
) -> io::Result<()> {
    // Widths depend on every row. Rather than holding 100k rows of cells in memory, the
    // devices are measured in a first pass and formatted again in the second.
    let devices: Vec<&Device> = devices.collect();
    let mut widths: Vec<usize> = fields.iter().map(|f| f.chars().count()).collect();
    for d in &devices {
        for (wd, f) in widths.iter_mut().zip(fields) {
            *wd = (*wd).max(truncate(&table_cell(d, f, now)).chars().count());
        }
    }
    let header: Vec<String> = fields.iter().map(|f| f.to_ascii_uppercase()).collect();
    write_row(w, &header, &widths)?;
    for d in &devices {
        let row: Vec<String> = fields
            .iter()
            .map(|f| truncate(&table_cell(d, f, now)))
            .collect();
        write_row(w, &row, &widths)?;
    }
    Ok(())
}

fn write_row(w: &mut impl Write, cells: &[String], widths: &[usize]) -> io::Result<()> {
    let mut line = String::new();
    for (i, (c, wd)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == cells.len() {
            line.push_str(c); // no trailing padding on the last column
        } else {
            line.push_str(c);
            line.extend(std::iter::repeat_n(' ', wd - c.chars().count() + 2));
        }
    }
    line.push('\n');
    w.write_all(line.as_bytes())
}

fn table_cell(d: &Device, field: &str, now: DateTime<Utc>) -> String {
    match field {
        "first_sync" => d
            .first_sync
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        "last_sync" => relative(d.last_sync, now),
        // Control characters from a device's user agent must not move the cursor.
        _ => cell(d, field)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= MAX_WIDTH {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_WIDTH - 1).collect();
    t.push('…');
    t
}

/// "never", "just now", "12m ago", "5h ago", "3d ago"; a future time (clock skew) is "just now".
pub fn relative(ts: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = ts else { return "never".into() };
    let secs = (now - t).num_seconds();
    match secs {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_validated() {
        assert_eq!(parse_fields("owner, TYPE").unwrap(), vec!["owner", "type"]);
        assert!(parse_fields("owner,ownr").unwrap_err().contains("ownr"));
        assert!(parse_fields(" , ").is_err());
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in [
            "=HYPERLINK(\"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(bad.to_string()), format!("'{bad}"));
        }
        for ok in ["iPhone 15", "", "a=b", "'quoted", "2025-01-01T00:00:00Z"] {
            assert_eq!(neutralise(ok.to_string()), ok);
        }
    }

    #[test]
    fn relative_times() {
        let now: DateTime<Utc> = "2025-03-10T12:00:00Z".parse().unwrap();
        let ago = |s: &str| relative(Some(s.parse().unwrap()), now);
        assert_eq!(relative(None, now), "never");
        assert_eq!(ago("2025-03-10T11:59:30Z"), "just now");
        assert_eq!(ago("2025-03-10T11:48:00Z"), "12m ago");
        assert_eq!(ago("2025-03-10T07:00:00Z"), "5h ago");
        assert_eq!(ago("2025-03-07T12:00:00Z"), "3d ago");
        assert_eq!(ago("2025-03-11T12:00:00Z"), "just now");
    }
}
