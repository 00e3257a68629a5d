//! The config file exactly as written. Every struct denies unknown fields: a misspelt key
//! is an error that names it, never a silent default. See `config.example.toml`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub default_profile: Option<String>,
    pub log_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub keep_snapshots: Option<usize>,
    #[serde(default)]
    pub ui: RawUi,
    #[serde(default)]
    pub profiles: BTreeMap<String, RawProfile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUi {
    pub theme: Option<String>,
    pub mouse: Option<bool>,
    pub tick_ms: Option<u64>,
    /// No longer used (the live feed refreshes the inventory): read only to say so clearly.
    pub poll_secs: Option<u64>,
    pub keymap: Option<PathBuf>,
    pub confirm_typed_above: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub customer_id: Option<String>,
    pub subject: Option<String>,
    pub key_file: Option<PathBuf>,
    #[serde(default)]
    pub domains: Vec<String>,
    pub readonly: Option<bool>,
    pub google_sync_query_token: Option<String>,
    pub trust_search_index: Option<bool>,
    #[serde(default)]
    pub endpoints: RawEndpoints,
    #[serde(default)]
    pub http: RawHttp,
    #[serde(default)]
    pub migration: super::migration::RawMigration,
    #[serde(default)]
    pub feed: super::feed::RawFeed,
    #[serde(default)]
    pub android: RawAndroid,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAndroid {
    /// A separate service-account key for the Android Management API (the EMM's project);
    /// used as the service account itself, without domain-wide delegation.
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoints {
    pub directory: Option<String>,
    pub reports: Option<String>,
    pub cloudidentity: Option<String>,
    pub gmail: Option<String>,
    pub androidmanagement: Option<String>,
    /// The Android Management enterprise name, `enterprises/{id}`.
    pub enterprise: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    pub timeout_secs: Option<u64>,
    pub max_tries: Option<u32>,
    pub backoff_base_ms: Option<u64>,
    pub backoff_max_ms: Option<u64>,
    pub concurrency: Option<usize>,
    pub directory_requests_per_minute: Option<u32>,
    pub amapi_requests_per_100s: Option<u32>,
    pub partitioned_listing: Option<bool>,
}
