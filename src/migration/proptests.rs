//! Property tests of the state machine and the wave guards.
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::evidence::{Evidence, EvidenceKind};
use super::guard::{GuardId, GuardResult};
use super::state::{Assessment, Skip, SkipKind, StepRecord, StepState, Verdict};
use super::step::StepId;
use super::wave::{GuardOverride, OverrideKind, Plan, Wave, WaveError};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn kind() -> impl Strategy<Value = EvidenceKind> {
    prop_oneof![
        Just(EvidenceKind::PolicyReadBack),
        Just(EvidenceKind::DevicesQuiet),
        Just(EvidenceKind::DevicesStillSyncing),
        Just(EvidenceKind::Replacements),
        Just(EvidenceKind::ImapUsage),
        Just(EvidenceKind::AuditEvent),
        Just(EvidenceKind::Attestation),
    ]
}

fn evidence() -> impl Strategy<Value = Vec<Evidence>> {
    prop::collection::vec(
        (kind(), any::<bool>()).prop_map(|(k, s)| Evidence::new(k, t0(), s, "x")),
        0..3,
    )
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![
        Just(Verdict::Confirmed),
        Just(Verdict::Pending),
        Just(Verdict::NeedsManual),
        Just(Verdict::Contradicted),
        Just(Verdict::TimedOut("late".into())),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Plan,
    Apply(bool),
    Attest,
    Retry,
    Skip(bool),
    Conclude(Verdict, Vec<Evidence>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Plan),
        any::<bool>().prop_map(Op::Apply),
        Just(Op::Attest),
        Just(Op::Retry),
        any::<bool>().prop_map(Op::Skip),
        (verdict(), evidence()).prop_map(|(v, e)| Op::Conclude(v, e)),
    ]
}

fn step() -> impl Strategy<Value = StepId> {
    prop::sample::select(StepId::ALL.to_vec())
}

proptest! {
    /// Whatever happens, a step is `verified` only with primary evidence supporting it, and a
    /// step that was sent is never sent again without going back through `planned`/`failed`.
    #[test]
    fn never_verified_without_evidence(s in step(), ops in prop::collection::vec(op(), 0..30)) {
        let mut r = StepRecord::new("/Pilot", s);
        let mut now = t0();
        for op in ops {
            now += Duration::minutes(7);
            let before = r.state;
            match op {
                Op::Plan => { let _ = r.plan(now); }
                Op::Apply(ok) => {
                    let allowed = r.check_apply(3).is_ok();
                    if allowed {
                        if ok { r.applied(now, Duration::hours(24), None, None).unwrap(); }
                        else { r.apply_failed(now, "503".into()); }
                    } else {
                        prop_assert!(!matches!(before, StepState::Planned)
                            || r.attempts >= 3, "a planned step must be appliable");
                    }
                    if matches!(before, StepState::PendingPropagation | StepState::Verified | StepState::Attested) {
                        prop_assert!(!allowed, "{before:?} was applied again");
                    }
                }
                Op::Attest => {
                    let e = Evidence::new(EvidenceKind::Attestation, now, true, "admin says done");
                    let _ = r.attest(now, Duration::hours(24), e);
                }
                Op::Retry => { let _ = r.retry(now); }
                Op::Skip(with_reason) => {
                    let res = r.skip(now, Skip { kind: SkipKind::Declined, reason: if with_reason { "no Apple Mail".into() } else { "  ".into() } });
                    if !with_reason { prop_assert!(res.is_err()); prop_assert_eq!(r.state, before); }
                }
                Op::Conclude(v, e) => r.conclude(now, Assessment { verdict: v, evidence: e }),
            }
            if r.state == StepState::Verified {
                prop_assert!(r.evidence.iter().any(Evidence::verifies), "verified without evidence: {r:?}");
            }
        }
    }
}

fn guard_results() -> impl Strategy<Value = Vec<GuardResult>> {
    prop::collection::vec(any::<bool>(), 3).prop_map(|passes| {
        GuardId::ALL
            .into_iter()
            .zip(passes)
            .map(|(g, p)| GuardResult {
                guard: g,
                passed: p,
                blockers: if p {
                    vec![]
                } else {
                    vec![format!("{} blocks", g.as_str())]
                },
                more: 0,
            })
            .collect()
    })
}

fn overrides() -> impl Strategy<Value = Vec<GuardOverride>> {
    prop::collection::vec(
        (
            prop::sample::select(GuardId::ALL.to_vec()),
            prop_oneof![
                Just(String::new()),
                Just("  ".to_string()),
                Just("pilot users all on Gmail".to_string())
            ],
        ),
        0..4,
    )
    .prop_map(|xs| {
        xs.into_iter()
            .map(|(g, reason)| GuardOverride {
                guard: g,
                kind: OverrideKind::AcceptedRisk,
                reason,
                by: "admin@x".into(),
                at: t0(),
            })
            .collect()
    })
}

proptest! {
    /// A wave starts only if every failing guard has an override with a reason.
    #[test]
    fn wave_never_starts_past_a_failed_guard(results in guard_results(), ovs in overrides()) {
        let plan = Plan {
            pilot: Some("/Pilot".into()),
            waves: vec![Wave { number: 1, ous: vec!["/Staff".into()], started_at: None, overrides: ovs.clone() }],
        };
        let allowed = plan.check_start(1, &results);
        let every_failure_waived = results.iter().filter(|r| !r.passed).all(|r| {
            ovs.iter().any(|o| o.guard == r.guard && !o.reason.trim().is_empty())
        });
        prop_assert_eq!(allowed.is_ok(), every_failure_waived);
        if let Err(WaveError::Blocked { failing, .. }) = allowed {
            prop_assert!(failing.iter().all(|f| !f.passed && !f.blockers.is_empty()));
        }
    }
}

#[test]
fn waves_start_in_order_and_once() {
    let mut plan = Plan {
        pilot: Some("/Pilot".into()),
        waves: vec![
            Wave {
                number: 1,
                ous: vec!["/Staff".into()],
                started_at: None,
                overrides: vec![],
            },
            Wave {
                number: 2,
                ous: vec!["/Students".into()],
                started_at: None,
                overrides: vec![],
            },
        ],
    };
    assert_eq!(
        plan.check_start(2, &[]),
        Err(WaveError::OutOfOrder {
            wave: 2,
            previous: 1
        })
    );
    plan.waves[0].started_at = Some(t0());
    assert_eq!(plan.check_start(1, &[]), Err(WaveError::AlreadyStarted(1)));
    assert_eq!(plan.check_start(2, &[]), Ok(()));
    assert_eq!(plan.gating_stage(2).unwrap(), vec!["/Staff".to_string()]);
}
