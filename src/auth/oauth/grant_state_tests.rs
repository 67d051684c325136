//! The grant's rules, request by request.

use super::*;
use crate::auth::oauth::grant_protocol::audience;

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
    created_with(false)
}

/// `redirect_uri_omitted`: the authorization request gave no redirect_uri.
fn created_with(redirect_uri_omitted: bool) -> Option<Stored> {
    let request = GrantRequest::Create {
        grant: info(),
        code_hash: "code".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        redirect_uri_omitted,
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
        audience: audience("https://mcp.example"),
    }
}

fn check(n: u32) -> GrantRequest {
    GrantRequest::Check {
        access_hash: format!("access{n}"),
    }
}

/// Whether access token `n` works at `now`.
fn works(stored: &mut Option<Stored>, n: u32, now: i64) -> bool {
    matches!(step(stored, check(n), now), GrantAnswer::Access(_))
}

fn redeem(n: u32) -> GrantRequest {
    GrantRequest::Redeem {
        code_hash: "code".into(),
        client_id: CLIENT.into(),
        redirect_uri: Some("http://127.0.0.1/cb".into()),
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
        GrantAnswer::Revoked { reason, .. } => {
            assert!(reason.contains("tokens have been revoked"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Every later attempt is refused, and the access token it issued works no more.
    for request in [redeem(3), refresh("refresh1", 4), check(1)] {
        assert!(matches!(
            step(&mut grant, request, NOW + 3),
            GrantAnswer::Refused { .. }
        ));
    }
}

/// `redeem(n)` without a redirect_uri.
fn redeem_without_redirect_uri(n: u32) -> GrantRequest {
    let mut request = redeem(n);
    if let GrantRequest::Redeem { redirect_uri, .. } = &mut request {
        *redirect_uri = None;
    }
    request
}

#[test]
fn redirect_uri_may_be_left_out_at_token_only_if_the_authorization_request_left_it_out() {
    // RFC 6749, 4.1.3: "REQUIRED, if the redirect_uri parameter was included in the
    // authorization request".
    let mut given = created_with(false);
    match step(&mut given, redeem_without_redirect_uri(1), NOW + 1) {
        GrantAnswer::Refused { reason } => {
            assert!(reason.contains("redirect_uri is required"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let mut omitted = created_with(true);
    assert!(matches!(
        step(&mut omitted, redeem_without_redirect_uri(1), NOW + 1),
        GrantAnswer::Issued { .. }
    ));
    // Given at /token though left out at /authorize: it must still be the one used.
    let mut omitted = created_with(true);
    assert!(matches!(
        step(&mut omitted, redeem(1), NOW + 1),
        GrantAnswer::Issued { .. }
    ));
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
    assert_eq!(on_alarm(grant, NOW + 600), AlarmAction::Forget);
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
        GrantAnswer::Revoked { .. } => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        step(&mut grant, refresh("refresh12", 14), NOW + 101),
        GrantAnswer::Refused { .. }
    ));
    for n in [1, 2, 12] {
        assert!(!works(&mut grant, n, NOW + 101), "access{n}");
    }
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
        GrantAnswer::Revoked { reason, .. } => {
            assert!(reason.contains("octocat") && reason.contains("ALLOWED_GITHUB_USERS"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!works(&mut grant, 1, NOW + 1));
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
    assert!(!works(&mut grant.clone(), 1, lapses));
    step(&mut grant, redeem(2), NOW + 5);
    // Revoked within its sign-in's ten minutes: remembered until they are over.
    let cleanup = NOW + PENDING_TTL_SECONDS;
    assert_eq!(
        on_alarm(grant.clone(), NOW + 6),
        AlarmAction::Reschedule(cleanup)
    );
    assert!(!works(&mut grant.clone(), 1, NOW + 6));
    assert_eq!(on_alarm(grant, cleanup), AlarmAction::Forget);
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
fn a_grant_revoked_long_after_its_sign_in_is_forgotten_at_once() {
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
    assert_eq!(deadline(grant.as_ref().unwrap()), late);
    assert_eq!(on_alarm(grant, late), AlarmAction::Forget);
}

#[test]
fn a_sign_in_creates_its_grant_once_even_at_its_last_second() {
    let create = |sign_in_expires_at: i64| GrantRequest::Create {
        grant: info(),
        code_hash: "code2".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        redirect_uri_omitted: false,
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

#[test]
fn an_access_token_works_while_its_grant_lives_and_until_it_expires() {
    let mut grant = created();
    assert!(!works(&mut grant, 1, NOW), "not issued yet");
    step(&mut grant, redeem(1), NOW);
    match step(&mut grant, check(1), NOW + 1) {
        GrantAnswer::Access(access) => {
            assert_eq!(access.client_id, CLIENT);
            assert_eq!(access.audience, audience("https://MCP.example"));
            assert_eq!(access.expires_at, NOW + 3600);
            assert_eq!(access.github_user_id, 1);
            assert_eq!(access.github_login, "octocat");
            assert_eq!(access.github_token, "sealed");
        }
        other => panic!("{other:?}"),
    }
    assert!(!works(&mut grant, 7, NOW + 1), "unknown");
    // A refresh issues another token; the first lives its hour.
    step(&mut grant, refresh("refresh1", 2), NOW + 1000);
    assert!(works(&mut grant, 1, NOW + 3599));
    assert!(works(&mut grant, 2, NOW + 3599));
    // Checking writes nothing.
    let (change, _) = apply(grant.clone(), check(2), NOW + 3599);
    assert_eq!(change, Change::Keep);
    assert!(!works(&mut grant, 1, NOW + 3600), "expired");
}

#[test]
fn revoking_an_access_token_needs_its_client_and_ends_only_that_token() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    step(&mut grant, refresh("refresh1", 2), NOW + 1);
    let revoke = |client: &str, n: u32| GrantRequest::RevokeAccess {
        access_hash: format!("access{n}"),
        client_id: client.into(),
    };
    assert!(matches!(
        step(&mut grant, revoke("mcpcl_other", 1), NOW + 2),
        GrantAnswer::Refused { .. }
    ));
    assert!(works(&mut grant, 1, NOW + 2));
    assert!(matches!(
        step(&mut grant, revoke(CLIENT, 1), NOW + 2),
        GrantAnswer::Revoked { .. }
    ));
    assert!(!works(&mut grant, 1, NOW + 2));
    assert!(
        works(&mut grant, 2, NOW + 2),
        "the grant and its other token live on"
    );
    assert!(is_issued(&step(
        &mut grant,
        refresh("refresh2", 3),
        NOW + 3
    )));
}

#[test]
fn a_grant_keeps_a_bounded_number_of_access_tokens() {
    let mut grant = created();
    step(&mut grant, redeem(0), NOW);
    let last = MAX_LIVE_ACCESS as u32 + 20;
    for n in 1..=last {
        let presented = format!("refresh{}", n - 1);
        assert!(is_issued(&step(&mut grant, refresh(&presented, n), NOW)));
    }
    match &grant {
        Some(Stored::Live(live)) => assert_eq!(live.access.len(), MAX_LIVE_ACCESS),
        other => panic!("{other:?}"),
    }
    assert!(works(&mut grant, last, NOW));
    assert!(works(&mut grant, last + 1 - MAX_LIVE_ACCESS as u32, NOW));
    assert!(
        !works(&mut grant, last - MAX_LIVE_ACCESS as u32, NOW),
        "pushed out"
    );
}

#[test]
fn records_stored_before_access_tokens_named_their_grant_still_load() {
    let live = r#"{"state":"live","grant":{"client_id":"c","github_user_id":1,"github_login":"o","scope":null,"github_token":"s","created_at":1},"code":{"hash":"h","redirect_uri":"r","challenge":"x","expires_at":2,"redeemed":true},"refresh_hash":"rh","previous_refresh":[],"retry":null,"access":[{"hash":"a","expires_at":3}],"expires_at":4}"#;
    match serde_json::from_str::<Stored>(live) {
        Ok(Stored::Live(live)) => assert_eq!(live.access[0].audience, ""),
        other => panic!("{other:?}"),
    }
    let revoked = r#"{"state":"revoked","access":[{"hash":"a","expires_at":3}],"cleanup_at":5}"#;
    let legacy = AccessEntry {
        hash: "a".into(),
        expires_at: 3,
        audience: String::new(),
    };
    assert!(legacy.is_legacy());
    assert_eq!(
        serde_json::from_str::<Stored>(revoked).ok(),
        Some(Stored::Revoked {
            access: vec![legacy],
            cleanup_at: 5
        })
    );
}

#[test]
fn revoking_hands_over_the_tokens_issued_before_tokens_named_their_grant() {
    let mut grant = created();
    step(&mut grant, redeem(1), NOW);
    // An entry stored by the version before: no audience, and a KV record.
    if let Some(Stored::Live(live)) = &mut grant {
        live.access.insert(
            0,
            AccessEntry {
                hash: "old".into(),
                expires_at: NOW + 100,
                audience: String::new(),
            },
        );
    }
    match step(&mut grant, refresh("refresh1", 2), NOW + 200) {
        GrantAnswer::Issued { .. } => {}
        other => panic!("{other:?}"),
    }
    if let Some(Stored::Live(live)) = &mut grant {
        live.access.insert(
            0,
            AccessEntry {
                hash: "old2".into(),
                expires_at: NOW + 3000,
                audience: String::new(),
            },
        );
    }
    // More tokens of ours than a grant keeps: the oldest give way, the legacy one stays, so
    // that revoking hands it over.
    if let Some(Stored::Live(live)) = &mut grant {
        for n in 4..(MAX_LIVE_ACCESS as u32 + 10) {
            live.access.push(AccessEntry {
                hash: format!("access{n}"),
                expires_at: NOW + 3000,
                audience: audience("https://mcp.example"),
            });
        }
    }
    match step(&mut grant, refresh("refresh2", 200), NOW + 250) {
        GrantAnswer::Issued { .. } => {}
        other => panic!("{other:?}"),
    }
    if let Some(Stored::Live(live)) = &grant {
        assert!(live.access.iter().any(|a| a.hash == "old2"));
        assert_eq!(live.access.len(), MAX_LIVE_ACCESS + 1);
    }
    // A legacy entry vouches for nothing, even if a token names it.
    assert!(matches!(
        step(
            &mut grant,
            GrantRequest::Check {
                access_hash: "old2".into()
            },
            NOW + 260
        ),
        GrantAnswer::Refused { .. }
    ));
    match step(&mut grant, refresh("refresh1", 3), NOW + 300) {
        GrantAnswer::Revoked { legacy_access, .. } => assert_eq!(legacy_access, vec!["old2"]),
        other => panic!("{other:?}"),
    }
    // Kept in the revoked record, written so that the version before can read it.
    let json = serde_json::to_string(grant.as_ref().unwrap()).unwrap();
    assert!(json.contains(r#""access":[{"hash":"old2""#), "{json}");
    // Revoking one token hands over nothing.
    let mut other = created();
    step(&mut other, redeem(1), NOW);
    let revoke = GrantRequest::RevokeAccess {
        access_hash: "access1".into(),
        client_id: CLIENT.into(),
    };
    match step(&mut other, revoke, NOW + 1) {
        GrantAnswer::Revoked { legacy_access, .. } => assert!(legacy_access.is_empty()),
        other => panic!("{other:?}"),
    }
}
