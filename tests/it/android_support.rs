//! Helpers for the Android account-upgrade scenarios: a frozen-clock simulator (time moves only
//! when a test advances it), offsync's own clients, and a device put into a known situation.
use std::time::Duration;

use offsync::android::{self as headless, AndroidView};
use offsync::change::{Engine, Planner, SharedStore};
use offsync::google::amapi::Amapi;
use offsync::migration::android::{classify, plan, AccountEdit, UpgradeState};
use offsync::sim::{AmapiBehaviour as Behaviour, ClockConfig, Phase, SimConfig};
use offsync::store::Store;
use serde_json::Value;

use super::google_util::{env, Env};

pub const MINUTE: Duration = Duration::from_secs(60);
pub const HOUR: Duration = Duration::from_secs(3_600);
pub const DAY: Duration = Duration::from_secs(86_400);

pub fn frozen() -> SimConfig {
    SimConfig {
        users: 60,
        devices: 240,
        clock: ClockConfig {
            start: None,
            speed: 0.0,
        },
        ..SimConfig::default()
    }
}

pub struct Scene {
    pub env: Env,
    pub am: Amapi,
    /// The journal and the first-seen table, as the engine holds them.
    pub store: SharedStore,
}

pub async fn scene(cfg: SimConfig) -> Scene {
    let env = env(cfg).await;
    let am = env
        .clients()
        .amapi
        .expect("the simulator has an enterprise");
    Scene {
        env,
        am,
        store: std::sync::Arc::new(std::sync::Mutex::new(Store::open_in_memory().unwrap())),
    }
}

impl Scene {
    /// The simulator's ground truth for device `id`.
    pub fn truth(&self, id: &str) -> Value {
        let snap = self.env.sim.tenant_snapshot();
        snap["androidManagement"]["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("device {id} not in the dump"))
    }

    pub async fn view(&self) -> AndroidView {
        headless::load(&self.am).await.expect("enterprise loads")
    }

    /// The state offsync reads for device `id`; `None` when it is not listed.
    pub async fn state(&self, id: &str) -> Option<UpgradeState> {
        let v = self.view().await;
        let d = v.devices.iter().find(|d| d.id() == id)?;
        let p = v
            .policies
            .iter()
            .find(|p| Some(&p.name) == d.policy_name.as_ref());
        Some(classify(d, p))
    }

    /// Plans `edit` on `policy` with facts from the tenant and sends it through the change
    /// engine (journaled), as `offsync android set --yes` does.
    pub async fn apply(&self, policy: &str, edit: &AccountEdit) {
        let current = self.am.policy(policy).await.unwrap();
        let email = edit.required_account_email.clone().flatten();
        let clients = self.env.clients();
        let facts = headless::facts(&clients.directory, &self.am, policy, email.as_deref())
            .await
            .unwrap();
        let plan = plan(&current, edit, &facts).unwrap_or_else(|e| panic!("{e:?}"));
        let planner = Planner {
            profile: "sim".into(),
            customer_id: "my_customer".into(),
            actor: "test".into(),
        };
        let change = planner.android_policy(&plan, &current, self.am.client().server_now());
        let engine = Engine::new(Ok(clients), Some(self.store.clone()));
        let report = engine.execute(&change, |_| {}).await.unwrap();
        assert_eq!(
            (report.applied, report.failed.len()),
            (1, 0),
            "{:?}",
            report.failed
        );
    }

    pub fn status(&self, v: &AndroidView) -> offsync::migration::android::Status {
        headless::status(v, &self.store.lock().unwrap(), "sim").unwrap()
    }

    /// Creates policy `id` with `body` (a new policy: the body is the whole policy).
    pub async fn create_policy(&self, id: &str, body: Value) {
        let token = super::sim_util::admin_token(&self.env.sim).await;
        let path = format!("v1/{}/policies/{id}", self.env.sim.credentials.enterprise);
        let (status, resp) =
            super::sim_util::send(&self.env.sim, &token, reqwest::Method::PATCH, &path, &body)
                .await;
        assert_eq!(status, 200, "{resp}");
    }

    /// A device of a user in `ou` on the `default` policy, moved to `policy` as a fresh
    /// managed-Google-Play-account device; returns (device id, owner email).
    pub fn take_device(
        &self,
        policy: &str,
        behaviour: Behaviour,
        reaction: Duration,
        account_on_device: bool,
    ) -> (String, String) {
        let policy = policy.to_string();
        self.env.sim.with_tenant(move |t, now| {
            let i = t
                .amapi
                .devices
                .iter()
                .position(|d| d.policy == "default" && d.enrolled < now && d.wiped_at.is_none())
                .expect("a device on the default policy");
            let email = t.users[t.amapi.devices[i].user as usize].email.clone();
            let d = &mut t.amapi.devices[i];
            d.policy = policy;
            d.behaviour = behaviour;
            d.reaction = reaction.as_secs() as i64;
            d.on_device = if account_on_device {
                vec![d.user]
            } else {
                vec![]
            };
            d.account = None;
            d.phase = Phase::NotRequired;
            d.applied_version = 0;
            d.non_compliant_since = None;
            d.blocked_at = None;
            (d.id.clone(), email)
        })
    }

    pub fn advance(&self, by: Duration) {
        self.env.sim.advance(by);
    }
}
