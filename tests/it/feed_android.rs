//! Android event kinds end to end against the simulator: a device whose user adds an
//! account outside the enterprise becomes non-compliant (with Google's reason and the
//! specific reason), applies the new policy version, and becomes compliant again once the
//! foreign account is removed; each event names the device, its owner and the owner's OU.
use offsync::feed::follow::stored;
use offsync::feed::{PollOutcome, Poller};
use offsync::model::{Event, EventKind, Severity, Source};
use offsync::sim::AmapiBehaviour as Behaviour;
use offsync::store::Store;
use serde_json::json;

use crate::android_support::{frozen, scene, HOUR, MINUTE};

async fn poll(p: &mut Poller, s: Source) -> usize {
    let r = p.poll(s).await.unwrap();
    assert_eq!(r.outcome, PollOutcome::Committed, "{s}: {r:?}");
    r.new_events
}

fn of_device<'a>(events: &'a [Event], id: &str, kind: EventKind) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| {
            e.kind == kind
                && e.device
                    .as_deref()
                    .is_some_and(|d| d.ends_with(&format!("/devices/{id}")))
        })
        .collect()
}

#[tokio::test]
async fn android_compliance_and_policy_versions_become_events() {
    let s = scene(frozen()).await;
    let db = s.env.dir.path().join("feed.sqlite");
    let mut p = Poller::new(s.env.clients(), Store::open(&db).unwrap());
    assert!(p.lease().unwrap().is_held());
    poll(&mut p, Source::Directory).await;
    assert_eq!(
        poll(&mut p, Source::Android).await,
        2,
        "the devices' and the policies' baselines"
    );

    let require_any = json!({
        "workAccountSetupConfig": { "authenticationType": "GOOGLE_AUTHENTICATED" }
    });
    s.create_policy("foreign", require_any).await;
    let (id, owner) = s.take_device("foreign", Behaviour::ForeignFirst, 5 * HOUR, false);
    let owner_ou = s.env.sim.with_tenant(|t, _| {
        let u = t.users.iter().find(|u| u.email == owner).unwrap();
        t.org_units[u.ou].path.clone()
    });

    // The user adds a personal account first: Google reports it and removes it.
    s.advance(5 * HOUR + 11 * MINUTE);
    poll(&mut p, Source::Android).await;
    let events: Vec<Event> = stored(p.store(), None)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    let bad = of_device(&events, &id, EventKind::AndroidNonCompliant);
    assert_eq!(bad.len(), 1, "{events:#?}");
    let bad = bad[0];
    assert_eq!(bad.severity, Severity::Warning);
    assert!(
        bad.detail
            .contains("USER_ACTION/NEW_ACCOUNT_NOT_IN_ENTERPRISE"),
        "nonComplianceReason and specificNonComplianceReason: {}",
        bad.detail
    );
    assert_eq!(bad.user.as_deref(), Some(owner.as_str()));
    assert_eq!(bad.ou.as_deref(), Some(owner_ou.as_str()));
    let applied = of_device(&events, &id, EventKind::PolicyApplied);
    assert_eq!(
        applied.len(),
        1,
        "the device applied the new policy: {events:#?}"
    );
    assert!(
        applied[0].detail.contains("policies/foreign"),
        "{}",
        applied[0].detail
    );

    // Polled again with nothing new: nothing announced twice.
    assert_eq!(poll(&mut p, Source::Android).await, 0);

    // Then the user adds their enterprise account: compliant again.
    s.advance(5 * HOUR);
    poll(&mut p, Source::Android).await;
    let events: Vec<Event> = stored(p.store(), None)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    let good = of_device(&events, &id, EventKind::AndroidCompliant);
    assert_eq!(good.len(), 1, "{events:#?}");
    assert!(
        good[0].detail.contains("NEW_ACCOUNT_NOT_IN_ENTERPRISE"),
        "{}",
        good[0].detail
    );
    assert!(good[0].at > bad.at, "in the order they happened");
    assert_eq!(
        of_device(&events, &id, EventKind::AndroidNonCompliant).len(),
        1
    );
}

/// A poll reads policies a page at a time, not one `policies.get` per policy: with a
/// policy per user (the simulator's Sales users) the per-policy reads cost thousands of
/// requests an hour at 100k devices.
#[tokio::test]
async fn an_android_poll_costs_one_request_per_page() {
    let s = scene(frozen()).await;
    let (devices, policies) = s.env.sim.with_tenant(|t, now| {
        let listed = t.amapi.devices.iter().filter(|d| d.enrolled <= now).count();
        (listed, t.amapi.policies.len())
    });
    assert!(policies > 3, "the tenant has per-user policies: {policies}");
    let db = s.env.dir.path().join("feed.sqlite");
    let mut p = Poller::new(s.env.clients(), Store::open(&db).unwrap());
    assert!(p.lease().unwrap().is_held());
    poll(&mut p, Source::Directory).await;
    let r = p.poll(Source::Android).await.unwrap();
    assert_eq!(r.outcome, PollOutcome::Committed);
    let pages = |n: usize| n.div_ceil(100).max(1) as u64;
    // Device pages may hold one more device that enrolled meanwhile; never one per policy.
    assert!(
        r.requests <= pages(devices + 1) + pages(policies),
        "{} requests for {devices} devices and {policies} policies",
        r.requests
    );
}
