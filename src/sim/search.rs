//! Mobile-device search as documented: `field:value` clauses separated by whitespace, all
//! ANDed; values may be quoted; a trailing `*` makes a prefix match; case-insensitive; `sync:`
//! takes a day or an inclusive `a..b` range of YYYY-MM-DD days. Anything else is a 400: a query
//! that silently matched more than asked is the dangerous failure for a migration tool.

use chrono::NaiveDate;

use super::tenant::{Device, DeviceKind, Tenant};

#[derive(Debug, Clone)]
enum Field {
    Email,
    Name,
    Model,
    Os,
    Status,
    Type,
    Serial,
    Imei,
    Brand,
    Sync,
}

#[derive(Debug, Clone)]
struct Clause {
    field: Field,
    value: String,
    prefix: bool,
    /// For `sync:` — inclusive unix-second bounds.
    range: (Option<i64>, Option<i64>),
}

#[derive(Debug, Clone, Default)]
pub struct DeviceQuery {
    clauses: Vec<Clause>,
}

fn day_start(s: &str) -> Result<i64, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| {
            d.and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
                .timestamp()
        })
        .map_err(|_| format!("bad date '{s}' (expected YYYY-MM-DD)"))
}

fn tokenize(q: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in q.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote".into());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

impl DeviceQuery {
    /// Parses `q`; `google_sync_tokens` are the accepted spellings of the Google Sync type.
    pub fn parse(q: &str, google_sync_tokens: &[String]) -> Result<DeviceQuery, String> {
        let mut clauses = Vec::new();
        for token in tokenize(q)? {
            let (field, value) = token
                .split_once(':')
                .ok_or_else(|| format!("'{token}' is not field:value"))?;
            let field = match field.to_ascii_lowercase().as_str() {
                "email" => Field::Email,
                "name" => Field::Name,
                "model" => Field::Model,
                "os" => Field::Os,
                "status" => Field::Status,
                "type" => Field::Type,
                "serial" => Field::Serial,
                "imei" => Field::Imei,
                "brand" => Field::Brand,
                "sync" => Field::Sync,
                other => return Err(format!("unknown search field '{other}'")),
            };
            let mut value = value.to_lowercase();
            if value.is_empty() || value == "*" {
                return Err(format!("empty value in '{token}'"));
            }
            let prefix = value.ends_with('*');
            if prefix {
                value.pop();
            }
            let mut range = (None, None);
            match field {
                Field::Sync => {
                    if prefix {
                        return Err("sync: takes dates, not prefixes".into());
                    }
                    range = match value.split_once("..") {
                        Some((a, b)) if !a.is_empty() || !b.is_empty() => (
                            (!a.is_empty()).then(|| day_start(a)).transpose()?,
                            (!b.is_empty())
                                .then(|| day_start(b).map(|t| t + 86_399))
                                .transpose()?,
                        ),
                        Some(_) => return Err("sync: range needs at least one date".into()),
                        None => (Some(day_start(&value)?), Some(day_start(&value)? + 86_399)),
                    };
                }
                Field::Type => {
                    value = if google_sync_tokens
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(&value))
                    {
                        "google_sync".into()
                    } else if ["ios_sync", "android"].contains(&value.as_str()) {
                        value
                    } else {
                        return Err(format!("unknown device type '{value}'"));
                    };
                }
                _ => {}
            }
            clauses.push(Clause {
                field,
                value,
                prefix,
                range,
            });
        }
        Ok(DeviceQuery { clauses })
    }

    /// The only devices that can match, ascending by index, when an `email:` clause lets
    /// the search index narrow them; `None` = every device is a candidate.
    pub fn candidates(&self, t: &Tenant) -> Option<Vec<usize>> {
        let c = self
            .clauses
            .iter()
            .find(|c| matches!(c.field, Field::Email))?;
        t.search.devices(&t.users, &c.value, c.prefix)
    }

    pub fn matches(&self, t: &Tenant, d: &Device, now: i64) -> bool {
        self.clauses.iter().all(|c| c.matches(t, d, now))
    }
}

impl Clause {
    fn text(&self, field: &str) -> bool {
        let field = field.to_lowercase();
        let hit = |s: &str| {
            if self.prefix {
                s.starts_with(&self.value)
            } else {
                s == self.value
            }
        };
        hit(&field) || (field.contains(' ') && field.split_whitespace().any(hit))
    }

    fn matches(&self, t: &Tenant, d: &Device, now: i64) -> bool {
        let p = d.profile();
        match self.field {
            Field::Email => d
                .owners
                .iter()
                .any(|&u| self.text(&t.users[u as usize].email)),
            Field::Name => d
                .owners
                .iter()
                .any(|&u| self.text(&t.users[u as usize].full_name())),
            Field::Model => self.text(p.model),
            Field::Os => self.text(d.os()),
            Field::Status => self.text(d.status.wire()),
            Field::Type => match d.kind {
                DeviceKind::GoogleSync => self.value == "google_sync",
                other => self.text(other.wire()),
            },
            Field::Serial => self.text(&super::directory::serial(d)),
            Field::Imei => super::directory::imei(d).is_some_and(|i| self.text(&i)),
            Field::Brand => self.text(p.brand),
            Field::Sync => d.last_sync_at(now).is_some_and(|ls| {
                self.range.0.is_none_or(|a| ls >= a) && self.range.1.is_none_or(|b| ls <= b)
            }),
        }
    }
}
