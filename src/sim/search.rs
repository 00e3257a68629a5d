//! Mobile-device search as documented: `field:value` clauses separated by whitespace, all
//! ANDed; values may be quoted; a trailing `*` makes a prefix match; case-insensitive; `sync:`
//! takes a day or an inclusive `a..b` range of YYYY-MM-DD days. Anything else is a 400: a query
//! that silently matched more than asked is the dangerous failure for a migration tool.
//!
//! Where Google's documentation allows more than one reading, each is an option of
//! [`SimConfig`]: how `email:` matches ([`EmailMatch`]), what an unknown `type:` token does
//! ([`UnknownTypeToken`]), and the search lag (`SimConfig::search_lag`: a device created or
//! changed within it is hidden from every query; listings without `query` and `get` see it).
//! `sync:` takes days or date-times (`2016-04-26T14:23:05`, read as UTC), each bound inclusive
//! as the documentation says: a day covers its whole day, a date-time its whole second.

use chrono::{NaiveDate, NaiveDateTime};

use super::config::{EmailMatch, UnknownTypeToken};
use super::tenant::{Device, DeviceKind, Tenant};
use super::SimConfig;

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(['.', '@', '-', '_']).filter(|w| !w.is_empty())
}

/// Word-start matching: the value's first word is an address word (or, with `*`, starts
/// one). Google's example matches joe.sciarrillo@example.org for `joe@example.com`, so not
/// every word of the value has to match; the first one does.
fn word_match(address: &str, value: &str, prefix: bool) -> bool {
    let all: Vec<&str> = words(value).collect();
    let Some(first) = all.first() else {
        return false;
    };
    let as_prefix = prefix && all.len() == 1;
    words(address).any(|w| {
        if as_prefix {
            w.starts_with(first)
        } else {
            w == *first
        }
    })
}

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
    email: EmailMatch,
}

/// A `sync:` bound: a day, or a date-time to the second.
fn bound(s: &str, end: bool) -> Result<i64, String> {
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Ok(t.and_utc().timestamp());
    }
    let start = day_start(s)
        .map_err(|_| format!("bad date '{s}' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"))?;
    Ok(if end { start + 86_399 } else { start })
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
    /// Parses `q` under the readings of `cfg` (`google_sync_type_tokens` are the accepted
    /// spellings of the Google Sync type).
    pub fn parse(q: &str, cfg: &SimConfig) -> Result<DeviceQuery, String> {
        let google_sync_tokens = &cfg.google_sync_type_tokens;
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
                    let value = value.to_ascii_uppercase();
                    range = match value.split_once("..") {
                        Some((a, b)) if !a.is_empty() || !b.is_empty() => (
                            (!a.is_empty()).then(|| bound(a, false)).transpose()?,
                            (!b.is_empty()).then(|| bound(b, true)).transpose()?,
                        ),
                        Some(_) => return Err("sync: range needs at least one date".into()),
                        None => (Some(bound(&value, false)?), Some(bound(&value, true)?)),
                    };
                }
                Field::Type => {
                    value = if google_sync_tokens
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(&value))
                    {
                        "google_sync".into()
                    } else if ["ios_sync", "android"].contains(&value.as_str())
                        || cfg.unknown_type_token == UnknownTypeToken::Empty
                    {
                        value // an unknown token then matches no device
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
        Ok(DeviceQuery {
            clauses,
            email: cfg.email_match,
        })
    }

    /// Whether the query has any clause (an empty query is a plain listing).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// The only devices that can match, ascending by index, when an `email:` clause lets
    /// the search index narrow them; `None` = every device is a candidate.
    pub fn candidates(&self, t: &Tenant) -> Option<Vec<usize>> {
        if self.email == EmailMatch::WordStart {
            return None; // the index holds whole addresses only
        }
        let c = self
            .clauses
            .iter()
            .find(|c| matches!(c.field, Field::Email))?;
        t.search.devices(&t.users, &c.value, c.prefix)
    }

    pub fn matches(&self, t: &Tenant, d: &Device, now: i64) -> bool {
        self.clauses
            .iter()
            .all(|c| c.matches(t, d, now, self.email))
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

    fn matches(&self, t: &Tenant, d: &Device, now: i64, email: EmailMatch) -> bool {
        let p = d.profile();
        match self.field {
            Field::Email => d.owners.iter().any(|&u| {
                let address = t.users[u as usize].email.to_lowercase();
                match email {
                    EmailMatch::AddressPrefix => self.text(&address),
                    EmailMatch::WordStart => word_match(&address, &self.value, self.prefix),
                }
            }),
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

#[cfg(test)]
mod tests {
    use super::word_match;

    #[test]
    fn word_start_reading_matches_googles_example() {
        assert!(word_match(
            "joe.sabia@example.com",
            "joe@example.com",
            false
        ));
        assert!(word_match(
            "joe.sciarrillo@example.org",
            "joe@example",
            false
        ));
        assert!(word_match("ann.lee@example.test", "e", true));
        assert!(word_match("ann.lee@example.test", "le", true));
        assert!(!word_match("ann.lee@example.test", "nn", true));
        assert!(!word_match("bob@example.test", "joe", true));
    }
}
