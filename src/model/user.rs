//! A user as the Directory API describes it (`User` in admin.directory_v1.json), reduced
//! to what offsync needs: the OU join, suspension and admin status.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub primary_email: String,
    #[serde(default = "root_ou")]
    pub org_unit_path: String,
    #[serde(default)]
    pub suspended: bool,
    #[serde(default)]
    pub is_admin: bool,
    /// Alias addresses; a device's email may be an alias of its owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

fn root_ou() -> String {
    "/".to_string()
}
