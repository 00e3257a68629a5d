//! The Workspace nouns every layer shares: devices, users, organisational units, device
//! queries and the joined inventory. Pure data and pure functions: no I/O, no clock
//! (callers pass `now`), so the CLI, the TUI and the tests all agree on what a filter means.
pub mod action;
pub mod android;
pub mod device;
pub mod event;
pub mod feed_state;
pub mod intern;
pub mod inventory;
pub mod org_unit;
pub mod query;
pub mod tenant;
pub mod user;

pub use action::DeviceAction;
pub use device::{Device, DeviceStatus, DeviceType};
pub use event::{Event, EventKind, Severity, Source};
pub use intern::{Interner, Shared};
pub use inventory::{DeviceFilter, Inventory, OuCounts, OwnerIndex};
pub use org_unit::{OrgUnit, OuPath};
pub use query::{Clause, Field, Query, QueryError};
pub use tenant::Tenant;
pub use user::User;
pub mod export;
pub use export::ExportFormat;
