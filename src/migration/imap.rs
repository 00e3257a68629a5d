//! The value of `settings/gmail.imap_access`. `enableImapAccess` is documented; how the
//! "restrict which mail clients users can use" list appears in the API is not. offsync reads
//! every candidate shape and writes the one the profile names; with [`RestrictionShape::None`]
//! (the default: nothing is guessed) the restriction is a guided console step.
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestrictionShape {
    /// The API exposes no restriction field: restricting is done in the console.
    #[default]
    None,
    /// `{"enableImapAccess", "restrictToAllowedClients", "allowedClientIds": [..]}`
    Flat,
    /// `{"enableImapAccess", "imapAccessRestriction": {"allowedClients": [{"clientId"}]}}`
    Nested,
}

impl RestrictionShape {
    pub fn parse(s: &str) -> Option<RestrictionShape> {
        match s.trim() {
            "none" => Some(RestrictionShape::None),
            "flat" => Some(RestrictionShape::Flat),
            "nested" => Some(RestrictionShape::Nested),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RestrictionShape::None => "none",
            RestrictionShape::Flat => "flat",
            RestrictionShape::Nested => "nested",
        }
    }
}

/// A decoded IMAP setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapValue {
    pub enabled: Option<bool>,
    /// `None` when no restriction is visible in the value (any shape).
    pub allowed_clients: Option<Vec<String>>,
}

impl ImapValue {
    /// Reads any of the known shapes; unknown extra fields are ignored, not guessed at.
    pub fn decode(v: &Value) -> ImapValue {
        let enabled = v["enableImapAccess"].as_bool();
        let ids = |a: &Value| -> Option<Vec<String>> {
            a.as_array().map(|xs| {
                xs.iter()
                    .filter_map(|x| x.as_str().or_else(|| x["clientId"].as_str()))
                    .map(String::from)
                    .collect()
            })
        };
        let flat = (v["restrictToAllowedClients"].as_bool() == Some(true))
            .then(|| ids(&v["allowedClientIds"]).unwrap_or_default());
        let nested = ids(&v["imapAccessRestriction"]["allowedClients"]);
        ImapValue {
            enabled,
            allowed_clients: flat.or(nested),
        }
    }

    /// The value to write: `restrict_to` only when the shape can carry it.
    pub fn encode(enabled: bool, restrict_to: Option<&str>, shape: RestrictionShape) -> Value {
        match (restrict_to, shape) {
            (Some(id), RestrictionShape::Flat) if enabled => json!({
                "enableImapAccess": true,
                "restrictToAllowedClients": true,
                "allowedClientIds": [id],
            }),
            (Some(id), RestrictionShape::Nested) if enabled => json!({
                "enableImapAccess": true,
                "imapAccessRestriction": {"allowedClients": [{"clientId": id}]},
            }),
            _ => json!({ "enableImapAccess": enabled }),
        }
    }

    /// Whether this value satisfies the target (restriction checked only when asked for).
    pub fn satisfies(&self, enabled: bool, restrict_to: Option<&str>) -> bool {
        self.enabled == Some(enabled)
            && restrict_to.is_none_or(|id| {
                self.allowed_clients
                    .as_ref()
                    .is_some_and(|c| c.len() == 1 && c[0] == id)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_round_trips() {
        let id = super::super::step::IOS_CLIENT_ID;
        for shape in [RestrictionShape::Flat, RestrictionShape::Nested] {
            let v = ImapValue::encode(true, Some(id), shape);
            let d = ImapValue::decode(&v);
            assert!(d.satisfies(true, Some(id)), "{shape:?}: {v}");
        }
        let plain = ImapValue::decode(&ImapValue::encode(true, Some(id), RestrictionShape::None));
        assert!(plain.satisfies(true, None));
        assert!(!plain.satisfies(true, Some(id)));
        assert!(!ImapValue::decode(&json!({})).satisfies(false, None));
    }
}
