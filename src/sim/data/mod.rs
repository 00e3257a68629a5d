//! The simulated tenant's data and the pure logic over it: no HTTP. Everything under `data/`
//! imports only other `data` modules, `clock` and `config` (`SimConfig`, itself free of
//! handlers). The HTTP handlers in the parent module (`amapi`, `policy`, `gmail`, `console`,
//! `reports`, `directory`, …) import from here and render it on the wire, never the reverse.
//! A resource whose handler lives in `sim/NAME.rs` keeps its stored types and generation in
//! `data/NAME.rs`: one folder rather than a `_data` suffix per file, so the direction of every
//! import is visible in its path (`super::data::…` in a handler; nothing outside `data::`,
//! `clock` or `config` in here).

pub mod amapi;
pub mod console;
pub mod email_index;
pub mod gmail;
pub mod pilot_shape;
pub mod policy;
pub mod reports;
pub mod tenant;
pub mod tenant_data;
pub mod tenant_gen;
