//! The users-left-behind contact list as CSV or JSON: one writer for `offsync users` and the
//! Checklist pane's export, so both produce the same bytes. CSV cells are neutralised by
//! default (device models and names come from end users' phones; see
//! [`crate::model::export::CsvCells`]).
use std::io::{self, Write};

use super::funnel::UserRow;
use crate::model::export::{csv_io, neutralise, CsvCells};

pub const USER_COLUMNS: [&str; 9] = [
    "email",
    "ou",
    "funnel",
    "devices",
    "last_google_sync",
    "emm",
    "acknowledged",
    "reminded_at",
    "instructions",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserFormat {
    Csv(CsvCells),
    Json,
}

fn cells(r: &UserRow) -> [String; 9] {
    let devices = r
        .devices
        .iter()
        .map(|d| format!("{} {} {}", d.device_type, d.model, d.resource_id))
        .collect::<Vec<_>>()
        .join("; ");
    [
        r.email.clone(),
        r.ou.clone(),
        r.funnel.as_str().to_string(),
        devices,
        r.last_google_sync
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        r.emm.clone().unwrap_or_default(),
        if r.acknowledged { "yes" } else { "no" }.to_string(),
        r.reminded_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        r.instructions.clone(),
    ]
}

/// Writes `rows` as `format` says.
pub fn write_users<'a, W: Write>(
    mut w: W,
    rows: impl Iterator<Item = &'a UserRow>,
    format: UserFormat,
) -> io::Result<()> {
    match format {
        UserFormat::Json => {
            let rows: Vec<&UserRow> = rows.collect();
            serde_json::to_writer_pretty(&mut w, &rows)?;
            writeln!(w)?;
        }
        UserFormat::Csv(mode) => {
            let mut out = csv::Writer::from_writer(&mut w);
            out.write_record(USER_COLUMNS).map_err(csv_io)?;
            for r in rows {
                let row = cells(r).map(|c| match mode {
                    CsvCells::Neutralised => neutralise(c),
                    CsvCells::Raw => c,
                });
                out.write_record(row).map_err(csv_io)?;
            }
            out.flush()?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::funnel::{DeviceLine, Funnel};

    #[test]
    fn csv_neutralises_formula_cells_and_json_keeps_them() {
        let row = UserRow {
            email: "ann@example.com".into(),
            ou: "/Pilot".into(),
            funnel: Funnel::StillOnGoogleSync,
            devices: vec![DeviceLine {
                resource_id: "R1".into(),
                device_type: "GOOGLE_SYNC".into(),
                model: "=HYPERLINK(1)".into(),
                status: "APPROVED".into(),
                last_sync: None,
            }],
            last_google_sync: None,
            emm: Some("=cmd".into()),
            instructions: "remove Exchange".into(),
            acknowledged: false,
            reminded_at: None,
        };
        let mut csv = Vec::new();
        write_users(
            &mut csv,
            [&row].into_iter(),
            UserFormat::Csv(CsvCells::Neutralised),
        )
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with("email,ou,funnel,"), "{text}");
        assert!(text.contains(",'=cmd,"), "{text}");
        let mut json = Vec::new();
        write_users(&mut json, [&row].into_iter(), UserFormat::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v[0]["emm"], "=cmd");
    }
}
