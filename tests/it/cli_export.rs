//! The exporter behind `offsync devices` and the TUI's `:export`: exact CSV, JSON and
//! table output for a fixed set of devices and a fixed `now`.
use chrono::{DateTime, Utc};
use offsync::model::export::{self, write_devices, write_devices_fields, COLUMNS};
use offsync::model::{Device, DeviceStatus, DeviceType, ExportFormat};

fn now() -> DateTime<Utc> {
    "2025-03-10T12:00:00Z".parse().unwrap()
}

fn devices() -> Vec<Device> {
    vec![
        Device {
            resource_id: "AFiQxQ8a".into(),
            email: vec!["ann@example.com".into(), "ann.lee@example.com".into()],
            name: vec!["Ann Lee".into()],
            model: Some("iPhone 15".into()),
            os: Some("iOS 17.2".into()),
            device_type: DeviceType::GoogleSync,
            status: DeviceStatus::Approved,
            first_sync: Some("2023-05-01T08:30:00Z".parse().unwrap()),
            last_sync: Some("2025-03-07T11:00:00Z".parse().unwrap()),
            user_agent: Some("Apple-iPhone15C2/2102.60.\"quoted\", with comma".into()),
            org_unit_path: Some("/Sales/EMEA".into()),
            ..Default::default()
        },
        Device {
            resource_id: "AFiQxQ8b".into(),
            email: vec!["bob@example.com".into()],
            name: vec![],
            model: None,
            os: Some("Android 14".into()),
            device_type: DeviceType::Other("CHROME_OS_THING".into()),
            status: DeviceStatus::Other("QUARANTINED".into()),
            first_sync: None,
            last_sync: Some("2025-03-10T09:15:00Z".parse().unwrap()),
            user_agent: Some(
                "a very long user agent string that does not fit into a table column at all".into(),
            ),
            org_unit_path: None,
            ..Default::default()
        },
        Device {
            resource_id: "AFiQxQ8c".into(),
            ..Default::default()
        },
    ]
}

fn render(format: ExportFormat, fields: Option<&[&str]>) -> String {
    let mut out = Vec::new();
    let d = devices();
    match fields {
        None => write_devices(&mut out, d.iter(), format, now()).unwrap(),
        Some(f) => write_devices_fields(&mut out, d.iter(), format, f, now()).unwrap(),
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn csv_export() {
    let csv = render(ExportFormat::Csv, None);
    insta::assert_snapshot!(csv);
    // Round-trips through a CSV reader: quoting of commas and quotes is right.
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        COLUMNS.to_vec()
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        &rows[0][8],
        "Apple-iPhone15C2/2102.60.\"quoted\", with comma"
    );
    assert_eq!(&rows[0][7], "2025-03-07T11:00:00Z");
    assert_eq!(&rows[2][7], "", "never synced is empty");
}

#[test]
fn json_export() {
    let json = render(ExportFormat::Json, None);
    insta::assert_snapshot!(json);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["owner"], "ann@example.com");
    assert_eq!(rows[1]["type"], "CHROME_OS_THING");
    assert!(rows[1]["org_unit_path"].is_null());
    assert_eq!(rows[0].as_object().unwrap().len(), COLUMNS.len());
}

#[test]
fn table_export() {
    insta::assert_snapshot!(render(ExportFormat::Table, None));
}

#[test]
fn chosen_fields_in_the_given_order() {
    let fields = export::parse_fields("resource_id,owner,last_sync").unwrap();
    insta::assert_snapshot!(render(ExportFormat::Csv, Some(&fields)), @r"
    resource_id,owner,last_sync
    AFiQxQ8a,ann@example.com,2025-03-07T11:00:00Z
    AFiQxQ8b,bob@example.com,2025-03-10T09:15:00Z
    AFiQxQ8c,,
    ");
    insta::assert_snapshot!(render(ExportFormat::Table, Some(&fields)), @r"
    RESOURCE_ID  OWNER            LAST_SYNC
    AFiQxQ8a     ann@example.com  3d ago
    AFiQxQ8b     bob@example.com  2h ago
    AFiQxQ8c                      never
    ");
}

#[test]
fn empty_lists() {
    let none: Vec<Device> = vec![];
    for (format, want) in [
        (ExportFormat::Json, "[]\n".to_string()),
        (ExportFormat::Csv, format!("{}\n", COLUMNS.join(","))),
    ] {
        let mut out = Vec::new();
        write_devices(&mut out, none.iter(), format, now()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}

#[test]
fn formats_parse() {
    assert_eq!("CSV".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
    assert_eq!("json".parse::<ExportFormat>().unwrap(), ExportFormat::Json);
    assert_eq!(
        "table".parse::<ExportFormat>().unwrap(),
        ExportFormat::Table
    );
    assert!("xml".parse::<ExportFormat>().unwrap_err().contains("csv"));
}

#[test]
fn default_order_is_by_owner_then_resource_id_with_ownerless_last() {
    let mut d = devices();
    d.reverse();
    d.push(Device {
        resource_id: "AFiQxQ8_".into(),
        email: vec!["Ann@example.com".into()],
        ..Default::default()
    });
    d.sort_by(export::default_order);
    let ids: Vec<&str> = d.iter().map(|x| x.resource_id.as_str()).collect();
    assert_eq!(ids, ["AFiQxQ8_", "AFiQxQ8a", "AFiQxQ8b", "AFiQxQ8c"]);
}

/// Values from end users' devices that a spreadsheet would run as formulas: neutralised in
/// CSV by default, raw with `CsvCells::Raw` (`--csv-raw`, `:export csv-raw`), raw in JSON.
#[test]
fn formula_cells_are_neutralised_in_csv_only() {
    use offsync::model::export::{write_export, CsvCells, ExportOptions};
    let evil = Device {
        resource_id: "AFiQxQ8z".into(),
        email: vec!["@SUM(1+1)@example.com".into()],
        name: vec!["=HYPERLINK(\"http://x\",\"y\")".into()],
        model: Some("+cmd|' /C calc'!A0".into()),
        os: Some("-2+3".into()),
        user_agent: Some("\tTabbed".into()),
        ..Default::default()
    };
    let run = |format, csv| {
        let mut out = Vec::new();
        let opts = ExportOptions {
            format,
            fields: &COLUMNS,
            now: now(),
            csv,
        };
        write_export(&mut out, std::iter::once(&evil), &opts).unwrap();
        String::from_utf8(out).unwrap()
    };
    let safe = run(ExportFormat::Csv, CsvCells::Neutralised);
    let mut r = csv::Reader::from_reader(safe.as_bytes());
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'@SUM(1+1)@example.com");
    assert_eq!(&row[1], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(&row[2], "'+cmd|' /C calc'!A0");
    assert_eq!(&row[3], "'-2+3");
    assert_eq!(&row[8], "'\tTabbed");
    assert_eq!(&row[10], "AFiQxQ8z");
    let raw = run(ExportFormat::Csv, CsvCells::Raw);
    let mut r = csv::Reader::from_reader(raw.as_bytes());
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(&row[1], "=HYPERLINK(\"http://x\",\"y\")");
    let json = run(ExportFormat::Json, CsvCells::Neutralised);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["model"], "+cmd|' /C calc'!A0", "JSON stays raw");
}

/// The dashboard's `:export csv` neutralises like the CLI; `:export csv-raw` does not.
#[test]
fn the_dashboard_export_has_the_same_csv_option() {
    use offsync::tui::command::ExportKind;
    let dir = tempfile::tempdir().unwrap();
    let evil = vec![Device {
        resource_id: "AFiQxQ8z".into(),
        model: Some("=1+1".into()),
        ..Default::default()
    }];
    let read = |kind| {
        let p = dir.path().join("x.csv");
        offsync::tui::tasks::export(&p, &evil, kind).unwrap();
        std::fs::read_to_string(&p).unwrap()
    };
    assert!(read(ExportKind::Csv).contains(",'=1+1,"));
    assert!(read(ExportKind::CsvRaw).contains(",=1+1,"));
}
