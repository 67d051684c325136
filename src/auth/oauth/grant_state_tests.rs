//! The grant's rules, request by request.

use super::*;

const NOW: i64 = 1_000_000;
const CLIENT: &str = "mcpcl_client";

fn info() -> GrantInfo {
    GrantInfo {
        client_id: CLIENT.into(),
        github_user_id: 1,
        github_login: "octocat".into(),
        scope: None,
        github_token: "sealed".into(),
        created_at: NOW,
    }
}

fn created() -> Option<Stored> {
    let request = GrantRequest::Create {
        grant: info(),
        code_hash: "code".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        code_challenge: "challenge".into(),
        code_expires_at: NOW + 600,
        sign_in_expires_at: NOW + 600,
    };
    match apply(None, request, NOW) {
        (Change::Save(stored), GrantAnswer::Created) => Some(stored),
        other => panic!("{other:?}"),
    }
}

fn issue(n: u32) -> Issue {
    Issue {
        access_hash: format!("access{n}"),
        refresh_hash: format!("refresh{n}"),
        access_expires_at: NOW + 3600,
    }
}

fn redeem(n: u32) -> GrantRequest {
    GrantRequest::Redeem {
        code_hash: "code".into(),
        client_id: CLIENT.into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        verifier_s256: Some("challenge".into()),
        issue: issue(n),
        allowed: None,
    }
}

fn refresh(presented: &str, n: u32) -> GrantRequest {
    GrantRequest::Refresh {
        refresh_hash: presented.into(),
        client_id: CLIENT.into(),
        issue: issue(n),
        sealed_answer: format!("sealed{n}"),
        allowed: None,
    }
}

/// Applies `request`, storing what it says, and returns the answer.
fn step(stored: &mut Option<Stored>, request: GrantRequest, now: i64) -> GrantAnswer {
    let (change, answer) = apply(stored.clone(), request, now);
    match change {
        Change::Keep => {}
        Change::Save(s) => *stored = Some(s),
        Change::Forget => *stored = None,
    }
    answer
}

fn is_issued(answer: &GrantAnswer) -> bool {
    matches!(answer, GrantAnswer::Issued { .. })
}

#[test]
fn a_code_is_redeemed_once_and_a_replay_revokes() {
    let mut grant = created();
    assert!(is_issued(&step(&mut grant, redeem(1), NOW + 1)));
    match step(&mut grant, redeem(2), NOW + 2) {
        GrantAnswer::Revoked {
            access_hashes,
            reason,
        } => {
            assert_eq!(access_hashes, vec!["access1"]);
            assert!(reason.contains("tokens have been revoked"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Every later attempt is refused, and nothing more is handed out for deletion.
    for request in [redeem(3), refresh("refresh1", 4)] {
        assert!(matches!(
            step(&mut grant, request, NOW + 3),
            GrantAnswer::Refused { .. }
        ));
    }
    assert_eq!(
        step(&mut grant, GrantRequest::Confirm, NOW + 3),
        GrantAnswer::Confirmed { live: false }
    );
}

#[test]
fn a_failed_redemption_uses_the_code_up() {
    let mut grant = created();
    let GrantRequest::Redeem {
        code_hash,
        client_id,
        redirect_uri,
        issue,
        allowed,
        ..
    } = redeem(1)
    else {
        unreachable!()
    };
    let wrong_verifier = GrantRequest::Redeem {
        code_hash,
        client_id,
        redirect_uri,
        verifier_s256: None,
        issue,
        allowed,
    };
    match step(&mut grant, wrong_verifier, NOW + 1) {
        GrantAnswer::Refused { reason } => assert!(reason.contains("PKCE"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // The retry an SDK makes after invalid_grant: still refused, and the reason names the
    // refused exchange instead of tokens that were never issued.
    match step(&mut grant, redeem(2), NOW + 2) {
        GrantAnswer::Revoked { reason, .. } => {
            assert!(reason.contains("refused exchange"), "{reason}");
            assert!(!reason.contains("tokens have been revoked"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wrong_or_expired_code_is_refused_without_revoking() {
    let mut grant = created();
    let GrantRequest::Redeem {
        client_id,
        redirect_uri,
        verifier_s256,
        issue,
        allowed,
        ..
    } = redeem(1)
    else {
        unreachable!()
    };
    let other_code = GrantRequest::Redeem {
        code_hash: "other".into(),
        client_id,
        redirect_uri,
        verifier_s256,
        issue,
        allowed,
    };
    assert!(matches!(
        step(&mut grant, other_code, NOW + 1),
        GrantAnswer::Refused { .. }
    ));
    assert!(matches!(
        step(&mut grant, redeem(1), NOW + 600),
        GrantAnswer::Refused { .. }
    ));
    assert_eq!(
        on_alarm(grant, NOW + 600),
        AlarmAction::Forget {
            delete_access: vec![]
        }
    );
}

#[test]
fn a_rotation_happens_once_and_retries_get_the_same_answer() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    assert!(is_issued(&step(
        &mut grant,
        refresh("refresh1", 2),
        NOW + 10
    )));
    for n in 3..12 {
        match step(&mut grant, refresh("refresh1", n), NOW + 10 + 29) {
            GrantAnswer::Replayed {
                access_hash,
                sealed_answer,
                ..
            } => {
                assert_eq!(access_hash, "access2");
                assert_eq!(sealed_answer, "sealed2");
            }
            other => panic!("{other:?}"),
        }
    }
    // The new token rotates normally.
    assert!(is_issued(&step(
        &mut grant,
        refresh("refresh2", 12),
        NOW + 50
    )));
    // The first one, long after its window: reuse, the grant is revoked.
    match step(&mut grant, refresh("refresh1", 13), NOW + 100) {
        GrantAnswer::Revoked { access_hashes, .. } => {
            assert_eq!(access_hashes, vec!["access1", "access2", "access12"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        step(&mut grant, refresh("refresh12", 14), NOW + 101),
        GrantAnswer::Refused { .. }
    ));
}

#[test]
fn a_retry_after_the_window_revokes() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    step(&mut grant, refresh("refresh1", 2), NOW);
    let late = NOW + REFRESH_RETRY_WINDOW_SECONDS;
    assert!(matches!(
        step(&mut grant, refresh("refresh1", 3), late),
        GrantAnswer::Revoked { .. }
    ));
}

#[test]
fn unknown_or_foreign_refresh_tokens_are_refused_without_revoking() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    assert!(matches!(
        step(&mut grant, refresh("made-up", 2), NOW + 1),
        GrantAnswer::Refused { .. }
    ));
    let foreign = GrantRequest::Refresh {
        refresh_hash: "refresh1".into(),
        client_id: "mcpcl_other".into(),
        issue: issue(3),
        sealed_answer: String::new(),
        allowed: None,
    };
    assert!(matches!(
        step(&mut grant, foreign, NOW + 2),
        GrantAnswer::Refused { .. }
    ));
    assert!(is_issued(&step(
        &mut grant,
        refresh("refresh1", 4),
        NOW + 3
    )));
}

#[test]
fn a_user_removed_from_the_allowlist_gets_nothing_more() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    let request = GrantRequest::Refresh {
        refresh_hash: "refresh1".into(),
        client_id: CLIENT.into(),
        issue: issue(2),
        sealed_answer: String::new(),
        allowed: Some(vec![2, 3]),
    };
    match step(&mut grant, request, NOW + 1) {
        GrantAnswer::Revoked {
            reason,
            access_hashes,
        } => {
            assert!(reason.contains("octocat") && reason.contains("ALLOWED_GITHUB_USERS"));
            assert_eq!(access_hashes, vec!["access1"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoking_a_refresh_token_needs_its_client() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    let revoke = |client: &str, hash: &str| GrantRequest::Revoke {
        refresh_hash: hash.into(),
        client_id: client.into(),
    };
    assert!(matches!(
        step(&mut grant, revoke("mcpcl_other", "refresh1"), NOW),
        GrantAnswer::Refused { .. }
    ));
    assert!(matches!(
        step(&mut grant, revoke(CLIENT, "made-up"), NOW),
        GrantAnswer::Refused { .. }
    ));
    assert!(matches!(
        step(&mut grant, revoke(CLIENT, "refresh1"), NOW),
        GrantAnswer::Revoked { .. }
    ));
}

#[test]
fn the_alarm_cleans_up_revoked_and_lapsed_grants() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    let Some(live) = grant.clone() else {
        panic!("no grant")
    };
    let lapses = NOW + REFRESH_TTL as i64;
    assert_eq!(deadline(&live), lapses);
    assert_eq!(
        on_alarm(grant.clone(), NOW + 5),
        AlarmAction::Reschedule(lapses)
    );
    assert_eq!(
        step(&mut grant.clone(), GrantRequest::Confirm, lapses),
        GrantAnswer::Confirmed { live: false }
    );
    step(&mut grant, redeem(2), NOW + 5);
    // Revoked within its sign-in's ten minutes: remembered until they are over.
    let cleanup = NOW + PENDING_TTL_SECONDS;
    assert_eq!(
        on_alarm(grant.clone(), NOW + 6),
        AlarmAction::Reschedule(cleanup)
    );
    assert_eq!(
        on_alarm(grant.clone(), cleanup),
        AlarmAction::Forget {
            delete_access: vec!["access1".into()]
        }
    );
    assert_eq!(
        on_alarm(grant, NOW + 4000),
        AlarmAction::Forget {
            delete_access: vec![]
        },
        "expired access records need no deleting"
    );
}

#[test]
fn old_refresh_hashes_are_bounded() {
    let mut grant = created();
    step(&mut grant, redeem(0), NOW);
    for n in 1..=(MAX_PREVIOUS_REFRESH as u32 + 20) {
        let presented = format!("refresh{}", n - 1);
        assert!(is_issued(&step(&mut grant, refresh(&presented, n), NOW)));
    }
    match grant {
        Some(Stored::Live(live)) => {
            assert_eq!(live.previous_refresh.len(), MAX_PREVIOUS_REFRESH);
            assert_eq!(
                live.previous_refresh.last().map(String::as_str),
                Some("refresh119")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_grant_revoked_long_after_its_sign_in_is_forgotten_a_minute_later() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    let late = NOW + 2 * PENDING_TTL_SECONDS;
    let revoke = GrantRequest::Revoke {
        refresh_hash: "refresh1".into(),
        client_id: CLIENT.into(),
    };
    assert!(matches!(
        step(&mut grant, revoke, late),
        GrantAnswer::Revoked { .. }
    ));
    assert_eq!(
        on_alarm(grant, late + 1),
        AlarmAction::Reschedule(late + REVOKED_CLEANUP_SECONDS)
    );
}

#[test]
fn a_sign_in_creates_its_grant_once_even_at_its_last_second() {
    let create = |sign_in_expires_at: i64| GrantRequest::Create {
        grant: info(),
        code_hash: "code2".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        code_challenge: "challenge".into(),
        code_expires_at: NOW + 600,
        sign_in_expires_at,
    };
    // Created at NOW by a sign-in that ends at NOW + 600: a copied cookie in its last
    // second finds the grant, and from its end on nothing is created.
    let mut grant = created();
    assert!(matches!(
        step(&mut grant, create(NOW + 600), NOW + 599),
        GrantAnswer::Refused { .. }
    ));
    let mut lapsed = None;
    assert!(matches!(
        step(&mut lapsed, create(NOW + 600), NOW + 600),
        GrantAnswer::Refused { .. }
    ));
    assert_eq!(lapsed, None);
}
