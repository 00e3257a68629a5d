//! What every command that opens the profile's database does first: build the change
//! engine over it and reconcile interrupted batches, then say what is still open and how
//! to resume or abandon it. Nothing is re-sent here.
use std::sync::{Arc, Mutex};

use color_eyre::eyre::WrapErr;

use crate::change::{BatchStatus, Engine};
use crate::config::{Profile, Settings};
use crate::google::Clients;
use crate::store::Store;

/// The engine over the profile's database; client problems (a broken key) are kept in
/// the engine and reported when it needs to send or read back.
pub fn engine(settings: &Settings, profile: &Profile) -> color_eyre::Result<Engine> {
    let db = settings.paths.database(&profile.name);
    let store = Store::open(&db)
        .wrap_err_with(|| format!("opening the database of profile `{}`", profile.name))?;
    let clients = Clients::new(profile, None).map(|(c, warnings)| {
        for w in warnings {
            eprintln!("offsync: warning: {w}");
        }
        c
    });
    Ok(Engine::new(
        clients.map_err(Arc::new),
        Some(Arc::new(Mutex::new(store))),
    ))
}

/// Reconciles interrupted batches and prints the ones still open to stderr.
pub async fn reconcile(engine: &Engine) -> color_eyre::Result<Vec<BatchStatus>> {
    let open = engine
        .reconcile()
        .await
        .wrap_err("checking interrupted change batches")?;
    for b in &open {
        eprintln!("offsync: interrupted {}", b.describe());
        for (id, why) in b.unknown.iter().take(10) {
            eprintln!("  {id}: unknown: {why}");
        }
        if b.unknown.len() > 10 {
            eprintln!("  … and {} more unknown", b.unknown.len() - 10);
        }
        let id = b.batch.id;
        eprintln!(
            "  hint: `offsync act --resume {id} --yes` sends the {} not applied; `offsync act --abandon {id}` closes the batch",
            b.resumable
        );
    }
    Ok(open)
}
