//! Configuration in two stages: [`raw`] deserialises exactly what the user wrote (unknown
//! keys are errors, so a typo never silently falls back to a default), and [`settings`]
//! resolves it once into validated [`Settings`] with paths, defaults and the chosen profile.
pub mod feed;
pub mod migration;
pub mod paths;
pub mod profile;
pub mod raw;
pub mod settings;

pub use feed::{FeedSettings, SourceSettings};
pub use migration::MigrationSettings;
pub use paths::Paths;
pub use profile::{Endpoints, HttpSettings, Profile, SyncToken};
pub use settings::{ConfigError, Settings, Theme, UiSettings};
