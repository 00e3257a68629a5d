//! Google's mobile-device search syntax (`field:value` clauses separated by spaces, ANDed;
//! a trailing `*` is a prefix; `sync:` takes dates and `a..b` ranges), parsed and checked
//! before anything is sent, because a malformed query can silently match far too much.
//!
//! The same parser serves the TUI's `/` filter in *local* mode, which also accepts free
//! words (matched as substrings) and the local-only `ou:` field; those never reach Google.
use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use super::{Device, DeviceStatus, DeviceType, OuPath};

/// Searchable fields. All but `Ou` are Google's documented mobile-device operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Name,
    Model,
    Os,
    Status,
    Type,
    Sync,
    Serial,
    Imei,
    Brand,
    /// Local only: the joined owner OU (and its children).
    Ou,
}

const FIELDS: [(&str, Field); 11] = [
    ("email", Field::Email),
    ("name", Field::Name),
    ("model", Field::Model),
    ("os", Field::Os),
    ("status", Field::Status),
    ("type", Field::Type),
    ("sync", Field::Sync),
    ("serial", Field::Serial),
    ("imei", Field::Imei),
    ("brand", Field::Brand),
    ("ou", Field::Ou),
];

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
    fn google(self) -> bool {
        self != Field::Ou
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// `field:value`, `field:value*` (prefix).
    Match {
        field: Field,
        value: String,
        prefix: bool,
    },
    /// `sync:` with inclusive day bounds; `None` means open.
    SyncRange {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    /// A free word (local filters only): substring of owner, name, model, OS, user agent.
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QueryError {
    #[error("unknown search field `{field}` in `{clause}`; known fields: {known}")]
    UnknownField {
        field: String,
        clause: String,
        known: String,
    },
    #[error("`{0}` is not a `field:value` clause; Google's device search has no free text (quote values with spaces: name:\"Ann Lee\")")]
    FreeText(String),
    #[error("`{0}` has no value after the colon")]
    EmptyValue(String),
    #[error("bad date in `{clause}`: expected YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, YYYY-MM-DD.. or ..YYYY-MM-DD")]
    BadDate { clause: String },
    #[error("unterminated quote in `{0}`")]
    Unterminated(String),
    #[error("`{0}` is a local filter field and cannot be sent to Google")]
    LocalOnly(String),
    #[error("`*` is only allowed at the end of a value, in `{0}`")]
    BadWildcard(String),
}

impl Query {
    /// Parses a query that will be sent to Google: every term must be a known field.
    pub fn parse_google(s: &str) -> Result<Query, QueryError> {
        let q = Self::parse(s, false)?;
        Ok(q)
    }

    /// Parses a local filter: free words and `ou:` are allowed too.
    pub fn parse_local(s: &str) -> Result<Query, QueryError> {
        Self::parse(s, true)
    }

    fn parse(s: &str, local: bool) -> Result<Query, QueryError> {
        let mut clauses = Vec::new();
        for raw in tokenize(s)? {
            let Some((field_name, value)) = split_clause(&raw) else {
                if local {
                    clauses.push(Clause::Text(unquote(&raw).to_lowercase()));
                    continue;
                }
                return Err(QueryError::FreeText(raw));
            };
            let field = FIELDS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(field_name))
                .map(|(_, f)| *f)
                .ok_or_else(|| QueryError::UnknownField {
                    field: field_name.to_string(),
                    clause: raw.clone(),
                    known: FIELDS
                        .iter()
                        .filter(|(_, f)| local || f.google())
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            if !local && !field.google() {
                return Err(QueryError::LocalOnly(raw));
            }
            let value = unquote(value);
            if value.is_empty() || value == "*" {
                return Err(QueryError::EmptyValue(raw));
            }
            if field == Field::Sync {
                clauses.push(parse_sync(&value, &raw)?);
                continue;
            }
            let (value, prefix) = match value.strip_suffix('*') {
                Some(v) => (v.to_string(), true),
                None => (value.clone(), false),
            };
            if value.contains('*') {
                return Err(QueryError::BadWildcard(raw));
            }
            clauses.push(Clause::Match {
                field,
                value,
                prefix,
            });
        }
        Ok(Query { clauses })
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The query string for Google. `GOOGLE_SYNC` is written with `google_sync_token`,
    /// because the exact Directory token is unverified (configurable).
    pub fn to_google(&self, google_sync_token: &str) -> String {
        let mut parts = Vec::new();
        for c in &self.clauses {
            match c {
                Clause::Match {
                    field: Field::Type,
                    value,
                    prefix: false,
                } if DeviceType::parse(value) == DeviceType::GoogleSync => {
                    parts.push(format!("type:{google_sync_token}"))
                }
                Clause::Match {
                    field,
                    value,
                    prefix,
                } => {
                    let star = if *prefix { "*" } else { "" };
                    parts.push(format!("{}:{}{star}", field.name(), quote(value)))
                }
                Clause::SyncRange { from, to } => parts.push(match (from, to) {
                    (Some(a), Some(b)) if a == b => format!("sync:{a}"),
                    (a, b) => format!(
                        "sync:{}..{}",
                        a.map(|d| d.to_string()).unwrap_or_default(),
                        b.map(|d| d.to_string()).unwrap_or_default()
                    ),
                }),
                Clause::Text(_) => {}
            }
        }
        parts.join(" ")
    }

    /// Evaluates the query against a device locally (the same semantics the simulator
    /// implements from Google's documentation, plus free text and `ou:`).
    pub fn matches(&self, d: &Device) -> bool {
        self.clauses.iter().all(|c| clause_matches(c, d))
    }
}

fn clause_matches(c: &Clause, d: &Device) -> bool {
    match c {
        Clause::Text(t) => text_haystack(d).contains(t.as_str()),
        Clause::SyncRange { from, to } => match d.last_sync {
            None => false,
            Some(ts) => {
                let day = ts.date_naive();
                from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
            }
        },
        Clause::Match {
            field,
            value,
            prefix,
        } => {
            let m = |s: &str| text_match(s, value, *prefix);
            match field {
                Field::Email => d.email.iter().any(|e| m(e)),
                Field::Name => d.name.iter().any(|n| m(n)),
                Field::Model => d.model.as_deref().is_some_and(m),
                Field::Os => d.os.as_deref().is_some_and(m),
                Field::Serial => d.serial_number.as_deref().is_some_and(m),
                Field::Imei => d.imei.as_deref().is_some_and(m),
                Field::Brand => d.brand.as_deref().is_some_and(m),
                Field::Status if !prefix => d.status == DeviceStatus::parse(value),
                Field::Status => m(d.status.as_str()),
                Field::Type if !prefix => d.device_type == DeviceType::parse(value),
                Field::Type => m(d.device_type.as_str()),
                Field::Ou => d.org_unit_path.as_deref().is_some_and(|p| {
                    OuPath::is_within(p, &OuPath::normalize(value))
                        || (*prefix && p.to_lowercase().starts_with(&value.to_lowercase()))
                }),
                Field::Sync => false,
            }
        }
    }
}

/// What a free word is matched against: owner emails, names, model, OS, user agent and
/// type, lower-cased and joined by a separator nobody types (so a word never matches
/// across two fields). The TUI precomputes this once per device for its `/` filter.
pub fn text_haystack(d: &Device) -> String {
    let parts = [
        d.email.join(" "),
        d.name.join(" "),
        d.model.as_deref().unwrap_or_default().to_string(),
        d.os.as_deref().unwrap_or_default().to_string(),
        d.user_agent.as_deref().unwrap_or_default().to_string(),
        d.device_type.as_str().to_string(),
    ];
    parts.join("\u{1}").to_lowercase()
}

fn text_match(have: &str, want: &str, prefix: bool) -> bool {
    if prefix {
        have.to_lowercase().starts_with(&want.to_lowercase())
    } else {
        have.eq_ignore_ascii_case(want)
    }
}

fn parse_sync(value: &str, raw: &str) -> Result<Clause, QueryError> {
    let bad = || QueryError::BadDate {
        clause: raw.to_string(),
    };
    let date = |s: &str| -> Result<Option<NaiveDate>, QueryError> {
        if s.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad())
    };
    match value.split_once("..") {
        None => {
            let d = date(value)?.ok_or_else(bad)?;
            Ok(Clause::SyncRange {
                from: Some(d),
                to: Some(d),
            })
        }
        Some((a, b)) => {
            let (from, to) = (date(a)?, date(b)?);
            if from.is_none() && to.is_none() {
                return Err(bad());
            }
            Ok(Clause::SyncRange { from, to })
        }
    }
}

/// Splits on whitespace outside quotes.
fn tokenize(s: &str) -> Result<Vec<String>, QueryError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for ch in s.chars() {
        match (quote, ch) {
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, '"' | '\'') => {
                quote = Some(ch);
                cur.push(ch);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(ch);
            }
            _ => cur.push(ch),
        }
    }
    if quote.is_some() {
        return Err(QueryError::Unterminated(cur));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn split_clause(raw: &str) -> Option<(&str, &str)> {
    let (field, value) = raw.split_once(':')?;
    if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some((field, value))
}

fn unquote(v: &str) -> String {
    let t = v.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

fn quote(v: &str) -> String {
    if v.chars().any(char::is_whitespace) {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

/// Days since `ts`, for "last sync" columns; `None` when never synced.
pub fn age_days(ts: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    ts.map(|t| (now - t).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(email: &[&str], ty: &str, sync: Option<&str>) -> Device {
        Device {
            resource_id: "r".into(),
            email: email.iter().map(|s| s.to_string()).collect(),
            device_type: DeviceType::parse(ty),
            last_sync: sync.map(|s| s.parse().unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn google_queries_reject_what_would_widen_the_match() {
        assert!(matches!(
            Query::parse_google("fred"),
            Err(QueryError::FreeText(_))
        ));
        assert!(matches!(
            Query::parse_google("emial:fred*"),
            Err(QueryError::UnknownField { .. })
        ));
        assert!(matches!(
            Query::parse_google("email:"),
            Err(QueryError::EmptyValue(_))
        ));
        assert!(matches!(
            Query::parse_google("email:*"),
            Err(QueryError::EmptyValue(_))
        ));
        assert!(matches!(
            Query::parse_google("sync:2025-13-01"),
            Err(QueryError::BadDate { .. })
        ));
        assert!(matches!(
            Query::parse_google("sync:.."),
            Err(QueryError::BadDate { .. })
        ));
        assert!(matches!(
            Query::parse_google("name:\"Ann"),
            Err(QueryError::Unterminated(_))
        ));
        assert!(matches!(
            Query::parse_google("ou:/Pilot"),
            Err(QueryError::LocalOnly(_))
        ));
        assert!(matches!(
            Query::parse_google("email:f*d"),
            Err(QueryError::BadWildcard(_))
        ));
    }

    #[test]
    fn round_trips_to_google_with_the_configured_sync_token() {
        let q = Query::parse_google("type:google-sync email:fred* sync:2025-01-01..").unwrap();
        assert_eq!(
            q.to_google("googlesync"),
            "type:googlesync email:fred* sync:2025-01-01.."
        );
        let q = Query::parse_google("name:\"Ann Lee\" sync:2025-02-03").unwrap();
        assert_eq!(
            q.to_google("google_sync"),
            "name:\"Ann Lee\" sync:2025-02-03"
        );
    }

    #[test]
    fn local_matching() {
        let d = dev(
            &["Fred@x.com", "f2@y.com"],
            "GOOGLE_SYNC",
            Some("2025-01-05T10:00:00Z"),
        );
        let ok = |q: &str| Query::parse_local(q).unwrap().matches(&d);
        assert!(ok("email:fred*"));
        assert!(ok("email:f2@y.com"));
        assert!(!ok("email:fre"));
        assert!(ok("type:googlesync"));
        assert!(ok("type:google_sync sync:2025-01-01..2025-01-31"));
        assert!(!ok("sync:..2025-01-04"));
        assert!(ok("FRED"));
        let never = dev(&["a@x.com"], "ANDROID", None);
        assert!(!Query::parse_local("sync:2000-01-01..")
            .unwrap()
            .matches(&never));
    }
}
