//! Small text formats shared by the panes: ages, counts, truncation.
use chrono::{DateTime, Utc};

/// "3d ago", "5h ago", "12m ago", "now", "never".
pub fn ago(ts: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(t) = ts else { return "never".into() };
    let secs = (now - t).num_seconds();
    match secs {
        s if s < 60 => "now".into(),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s if s < 86_400 * 365 => format!("{}d ago", s / 86_400),
        s => format!("{}y ago", s / (86_400 * 365)),
    }
}

/// 12345 → "12,345": counts are read at a glance over a slow link.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in at most 4 columns, rounded down: "9999", "12k", "999k", "1.2M", "12M".
/// For narrow table columns where `thousands` would be cut.
pub fn short_count(n: usize) -> String {
    match n {
        0..10_000 => n.to_string(),
        10_000..1_000_000 => format!("{}k", n / 1_000),
        1_000_000..10_000_000 => format!("{}.{}M", n / 1_000_000, n / 100_000 % 10),
        _ => format!("{}M", n / 1_000_000),
    }
}

/// Cuts `s` to `w` chars, marking the cut with `…`.
pub fn fit(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(w - 1).collect();
    out.push('…');
    out
}

pub const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        for (n, short) in [
            (0, "0"),
            (9_999, "9999"),
            (10_999, "10k"),
            (999_999, "999k"),
            (1_250_000, "1.2M"),
            (123_000_000, "123M"),
        ] {
            assert_eq!(short_count(n), short);
        }
        assert_eq!(fit("abcdef", 4), "abc…");
        let now: DateTime<Utc> = "2025-03-01T00:00:00Z".parse().unwrap();
        assert_eq!(ago(Some(now - chrono::Duration::days(3)), now), "3d ago");
        assert_eq!(ago(None, now), "never");
    }
}
