//! The migration engine's logic, pure: Google's playbook per OU ([`step`]), the state of each
//! step and the evidence behind it ([`state`], [`evidence`], [`verify`]), OU inheritance of
//! Cloud Identity settings ([`inherit`]), changes as values for dry runs ([`plan`]), the pilot
//! and waves with their readiness guards ([`wave`], [`guard`]) and the users left behind
//! ([`funnel`]).
//!
//! No I/O and no clock: callers pass observations and `now` (the server's clock). The store
//! keeps the state, `crate::migrate` gathers observations and sends changes.
pub mod android;
pub mod audit;
pub mod evidence;
pub mod export;
pub mod funnel;
pub mod guard;
pub mod imap;
pub mod inherit;
pub mod plan;
pub mod state;
pub mod step;
pub mod verify;
pub mod wave;

pub use evidence::{Evidence, EvidenceKind};
pub use funnel::{Funnel, UserRow};
pub use guard::{GuardId, GuardResult};
pub use imap::{ImapValue, RestrictionShape};
pub use inherit::{Effective, OuTree, Settings};
pub use plan::{BlockChange, PolicyChange, PolicyMethod};
pub use state::{Assessment, Skip, SkipKind, StepRecord, StepState, TransitionError, Verdict};
pub use step::{Management, MigrationPath, OuDeclaration, StepId, StepKind, IOS_CLIENT_ID};
pub use verify::{OuView, VerifyConfig};
pub use wave::{GuardOverride, OverrideKind, Plan, Wave, WaveError};

#[cfg(test)]
mod proptests;
