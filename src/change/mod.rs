//! The change engine, below the dashboard and the CLI: a change is planned once into an
//! immutable [`Plan`] (targets by resource ID with their before-state, no-ops dropped,
//! the exact requests and GAM lines), shown for confirmation, journaled whole as a batch,
//! executed request by request with each outcome journaled, and recovered after a crash by
//! reading the targets back. `tui/` and `cli/` only plan, confirm and display.
//!
//! Kinds of change are the variants of [`ChangeKind`]; each adds its planning, request and
//! read-back in its own file (device actions: [`device`], Android policies: [`android`], Cloud Identity
//! policy writes of the migration: [`policy`]) and one arm where the engine
//! sends and reads back. It must not import `tui` or `cli`.
pub mod android;
pub mod device;
pub mod engine;
pub mod error;
pub mod plan;
pub mod policy;
pub mod policy_send;
pub mod recover;

pub use engine::{Engine, Report, SharedStore, TargetOutcome};
pub use error::{ChangeError, Failure};
pub use plan::{ChangeKind, Plan, Planner, Request, Skipped, Target, PLAN_VERSION};
pub use policy::{Applied, StepContext};
pub use recover::{BatchStatus, TargetState};
