//! Helpers for the Google client tests: a simulator, its key written to a private temp
//! file, and a profile whose retries are fast so fault tests take milliseconds.
use std::path::{Path, PathBuf};
use std::time::Duration;

use offsync::config::Profile;
use offsync::google::{Clients, Warning};
use offsync::sim::{self, SimConfig, SimHandle};

pub struct Env {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub profile: Profile,
}

impl Env {
    pub fn clients(&self) -> Clients {
        Clients::new(&self.profile, None).expect("clients").0
    }
}

pub fn write_key(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

/// A profile for `sim` with quick retries (10 ms base, 100 ms cap).
pub fn profile_for(sim: &SimHandle, key_file: PathBuf) -> Profile {
    let c = &sim.credentials;
    let mut p = Profile::for_simulator(
        &sim.base_url,
        key_file,
        &c.admin_email,
        c.domains.clone(),
        Some(c.enterprise.clone()),
    );
    p.http.backoff_base = Duration::from_millis(10);
    p.http.backoff_max = Duration::from_millis(100);
    p.http.timeout = Duration::from_secs(10);
    p.http.directory_requests_per_minute = 600_000;
    p
}

pub async fn env(cfg: SimConfig) -> Env {
    let sim = sim::start(cfg).await.expect("simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let key = write_key(dir.path(), "key.json", &sim.credentials.key_json);
    let profile = profile_for(&sim, key);
    Env { sim, dir, profile }
}

pub fn small() -> SimConfig {
    SimConfig {
        users: 40,
        devices: 150,
        ..SimConfig::default()
    }
}

pub fn no_warnings(w: &[Warning]) {
    assert!(w.is_empty(), "{w:?}");
}
