//! The demo tenant's shape: whatever the seed or size, `/Pilot` holds twelve active users,
//! each on Google Sync with a phone that syncs on its own and no EMM profile, two who never
//! move and three who move only after a reminder; the same seed gives the same tenant; and
//! the shape leaves every other tenant as it was.
use offsync::sim::{DeviceKind, Persona, SimConfig, Tenant, DEMO_EMM_OU, DEMO_TIME_SCALE};

fn pilot_users(t: &Tenant) -> Vec<u32> {
    let pilot = t.ou_by_path("/Pilot").unwrap();
    (0..t.users.len() as u32)
        .filter(|&u| t.users[u as usize].ou == pilot)
        .collect()
}

#[test]
fn the_demo_pilot_has_the_same_make_up_for_every_seed_and_size() {
    for (seed, users, devices) in [
        (7, 2000, 5000),
        (1, 2000, 5000),
        (42, 400, 900),
        (3, 60, 30),
    ] {
        let cfg = SimConfig::demo(seed, users, devices);
        let t = Tenant::generate(&cfg);
        let at = |what: &str| format!("seed {seed}, {users}/{devices}: {what}");
        assert_eq!(t.users.len(), users, "{}", at("user count"));
        assert_eq!(t.devices.len(), devices, "{}", at("device count"));
        let pilot = pilot_users(&t);
        assert_eq!(pilot.len(), 12, "{}", at("pilot size"));
        for &u in &pilot {
            let user = &t.users[u as usize];
            assert!(!user.suspended, "{}", at(&user.email));
            let phones: Vec<_> = t
                .devices
                .iter()
                .filter(|d| d.owners.first() == Some(&u))
                .collect();
            assert!(
                (1..=2).contains(&phones.len()),
                "{}",
                at(&format!("{} has {} phones", user.email, phones.len()))
            );
            for d in phones {
                assert_eq!(d.kind, DeviceKind::GoogleSync, "{}", at(&user.email));
                assert!(d.active && d.sync_every > 0, "{}", at("syncs on its own"));
                assert!(!d.profile().emm, "{}", at("no EMM profile"));
                assert!(!d.user_agent().starts_with("Boxer"), "{}", at("no EMM app"));
            }
        }
        let count = |p: Persona| {
            pilot
                .iter()
                .filter(|u| t.console.personas.get(u) == Some(&p))
                .count()
        };
        assert_eq!(count(Persona::Never), 2, "{}", at("never"));
        assert_eq!(
            count(Persona::AfterReminder),
            3,
            "{}",
            at("after a reminder")
        );
        assert_eq!(count(Persona::Prompt), 7, "{}", at("prompt"));
        assert_eq!(
            t.console.personas.len(),
            12,
            "{}",
            at("only the pilot is pinned")
        );
    }
}

#[test]
fn the_demo_tenant_is_deterministic_and_runs_fast_with_amapi_and_an_emm_ou() {
    // Pinned: an unpinned clock starts at the real now, which moves between two generations.
    let start = chrono::DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let pinned = |seed| {
        let mut c = SimConfig::demo(seed, 400, 900);
        c.clock.start = Some(start);
        c
    };
    let cfg = pinned(7);
    let now = offsync::sim::clock_start(&cfg);
    let a = Tenant::generate(&cfg).dump(now);
    // Not assert_eq: a difference would print two whole tenants.
    assert!(
        a == Tenant::generate(&cfg).dump(now),
        "same seed, same tenant"
    );
    assert!(
        a != Tenant::generate(&pinned(8)).dump(now),
        "another seed, another tenant"
    );
    assert_eq!(cfg.clock.speed, DEMO_TIME_SCALE);
    assert_eq!(cfg.emm_ous, vec![DEMO_EMM_OU.to_string()]);
    assert!(cfg.imap_policy_mutable);
    assert!(a["androidManagement"].is_object(), "AMAPI stays on");
    assert!(a["orgUnits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["orgUnitPath"] == DEMO_EMM_OU));
}

#[test]
fn other_tenants_are_not_shaped() {
    let cfg = SimConfig::default();
    assert!(cfg.pilot.is_none());
    let t = Tenant::generate(&cfg);
    assert!(t.console.personas.is_empty());
    // About 2.5% of users, drawn like everyone else.
    assert_eq!(pilot_users(&t).len(), cfg.users * 25 / 1000);
    // A pinned pilot changes the demo's own draws only: the OU tree and domains stay.
    let demo = Tenant::generate(&SimConfig::demo(cfg.seed, cfg.users, cfg.devices));
    assert_eq!(t.domains, demo.domains);
    assert_eq!(t.customer_id, demo.customer_id);
    let ids = |t: &Tenant| t.org_units.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&t), ids(&demo));
}
