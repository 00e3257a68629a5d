//! The date-sensitive paths with the simulator's clock far from this machine's: a year behind
//! and a year ahead. offsync must take "now" from the server (its `Date` header), never from
//! the machine, so the answers are the same whatever the day the suite runs.
use chrono::{Duration, Utc};
use offsync::google::inventory::load_inventory;
use offsync::sim::{ClockConfig, SimConfig};

use crate::google_util::env;

fn skewed(days: i64, usage_lag_days: u32) -> SimConfig {
    SimConfig {
        users: 30,
        devices: 80,
        usage_lag_days,
        clock: ClockConfig {
            start: Some(Utc::now() + Duration::days(days)),
            speed: 1.0,
        },
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn ages_and_windows_follow_the_servers_clock() {
    for days in [-365, 365] {
        let e = env(skewed(days, 2)).await;
        let clients = e.clients();
        let inv = load_inventory(&clients, None, |_| {}).await.unwrap();
        let sim_now = e.sim.now();
        let fetched = inv.fetched_at.expect("fetched_at");
        assert!(
            (fetched - sim_now).num_seconds().abs() <= 2,
            "fetched_at {fetched} is not the server's time {sim_now} (skew {days} d)"
        );
        let now = inv.server_now(Utc::now());
        assert!(
            (now - e.sim.now()).num_seconds().abs() <= 2,
            "skew {days} d"
        );
        // The 30-day window over sync times, from the simulator's own ground truth.
        let truth = e.sim.tenant_snapshot();
        let cutoff = sim_now - Duration::days(30);
        let expected = truth["mobiledevices"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["lastSync"].as_str())
            .filter(|t| t.parse::<chrono::DateTime<Utc>>().unwrap() >= cutoff)
            .count();
        let active = inv
            .devices
            .iter()
            .filter(|d| d.last_sync.is_some_and(|t| t >= now - Duration::days(30)))
            .count();
        assert!(expected > 0, "the tenant has recently synced devices");
        assert_eq!(active, expected, "skew {days} d");
        let ages = inv
            .devices
            .iter()
            .map(|d| offsync::model::export::relative(d.last_sync, now))
            .collect::<Vec<_>>();
        assert!(ages.iter().any(|a| a.ends_with("ago")), "{ages:?}");
        e.sim.shutdown().await;
    }
}

#[tokio::test]
async fn usage_report_steps_back_to_the_newest_day_google_names() {
    for days in [-365, 365] {
        // Usage lags four days here: asking for two days ago is refused, and Google names
        // the newest day it has.
        let e = env(skewed(days, 4)).await;
        let clients = e.clients();
        // One answer first, so the client knows the server's clock.
        clients.directory.customer().await.unwrap();
        let want = (clients.client.server_now() - Duration::days(2)).date_naive();
        let (day, rows) = clients.reports.gmail_usage_latest(want).await.unwrap();
        assert_eq!(
            day,
            (e.sim.now() - Duration::days(4)).date_naive(),
            "skew {days} d"
        );
        assert!(!rows.is_empty());
        e.sim.shutdown().await;
    }
}

#[tokio::test]
async fn check_passes_whatever_the_servers_date() {
    for days in [-365, 365] {
        let e = env(skewed(days, 3)).await;
        let admin = e.sim.credentials.admin_email.clone();
        offsync::cli::check::run(
            &crate::google_check::config(&e),
            offsync::cli::check::CheckArgs {
                gmail_user: Some(admin),
            },
        )
        .await
        .unwrap_or_else(|err| panic!("check fails with the server {days} days off: {err}"));
        e.sim.shutdown().await;
    }
}
