"""Urgent tips are acknowledged or escalate tier by tier (time injected: nothing sleeps)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intake.errors import ConflictError, InvalidInputError, NotFoundError
from intake.models import (
    AlertStep,
    AuditEvent,
    NotifyRoute,
    OutboxMessage,
    Tip,
    TipCorrection,
    UrgentAlert,
)
from intake.oncall import service
from intake.tips import service as tips_service
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

EMERGENCY = "He has a gun and says he will shoot everyone at Alder Park tonight."
ACK = 300


@pytest.fixture
def people(session, keyring) -> SimpleNamespace:
    """An N1 detective (tier 1) and a supervisor (tier 2), each with a webhook route."""
    det = make_user(session, keyring, "det", "detective", ("N1",))
    sup = make_user(session, keyring, "sup", "supervisor")
    other = make_user(session, keyring, "other", "detective", ("S3",))
    for created, url in ((det, "http://127.0.0.1:9/det"), (sup, "http://127.0.0.1:9/sup")):
        service.set_notify_route(session, keyring, created.user, "webhook", url)
    service.set_tier(session, "N1", 1, ["det"], actor=None)
    service.set_tier(session, "N1", 2, ["sup"], actor=None)
    session.commit()
    return SimpleNamespace(det=det, sup=sup, other=other)


def _alert(session, tip_number: str) -> UrgentAlert:
    tip = session.scalar(select(Tip).where(Tip.tip_number == tip_number))
    alert = session.scalar(select(UrgentAlert).where(UrgentAlert.tip_id == tip.id))
    assert alert is not None
    return alert


def _notices(session) -> list[tuple[int, object]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "oncall").order_by(OutboxMessage.id)
    )
    return [(row.payload["tier"], row.payload["user_id"]) for row in rows]


def test_tier_one_is_told_at_once_then_tier_two_when_nobody_acknowledges(session, keyring, people):
    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    assert created.urgency == "emergency"
    alert = _alert(session, created.tip_number)
    assert _notices(session) == [(1, people.det.user.id)]

    assert (
        service.escalate_due(
            session, ack_seconds=ACK, now=alert.raised_at + timedelta(seconds=ACK - 1)
        )
        == 0
    )
    assert _notices(session) == [(1, people.det.user.id)]

    later = alert.raised_at + timedelta(seconds=ACK)
    assert service.escalate_due(session, ack_seconds=ACK, now=later) == 1
    assert _notices(session) == [(1, people.det.user.id), (2, people.sup.user.id)]
    # The same instant swept again (a second worker): nothing more.
    assert service.escalate_due(session, ack_seconds=ACK, now=later) == 0

    steps = session.scalars(select(AlertStep).order_by(AlertStep.step)).all()
    assert [(s.step, s.tier, s.recipients) for s in steps] == [(1, 1, 1), (2, 2, 1)]
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("tip.oncall_notified") == 2


def test_acknowledging_stops_the_chain(session, keyring, people):
    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    alert = _alert(session, created.tip_number)
    acknowledged = service.acknowledge(session, people.det.user, created.tip_number)
    session.commit()
    assert acknowledged.acknowledged_by_user_id == people.det.user.id

    far = alert.raised_at + timedelta(hours=2)
    assert service.escalate_due(session, ack_seconds=ACK, now=far) == 0
    assert _notices(session) == [(1, people.det.user.id)]
    # Acknowledging again changes nothing and is not audited twice.
    again = service.acknowledge(session, people.sup.user, created.tip_number)
    session.commit()
    assert again.acknowledged_by_user_id == people.det.user.id
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("tip.acknowledged") == 1


def test_after_the_top_tier_it_is_told_again(session, keyring, people):
    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    start = _alert(session, created.tip_number).raised_at
    for k in (1, 2):
        service.escalate_due(session, ack_seconds=ACK, now=start + timedelta(seconds=ACK * k))
    assert [tier for tier, _ in _notices(session)] == [1, 2, 2]


def test_a_step_another_worker_sent_first_is_not_sent_again(session, keyring, people):
    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    alert = _alert(session, created.tip_number)
    later = alert.raised_at + timedelta(seconds=ACK)
    # The other worker's step 2 is committed between our read of the alert and our insert.
    session.add(AlertStep(alert_id=alert.id, step=2, tier=2, recipients=1, notified_at=later))
    session.commit()
    assert service.escalate_due(session, ack_seconds=ACK, now=later) == 0
    assert _notices(session) == [(1, people.det.user.id)]


def test_a_unique_step_row_refuses_a_duplicate(session, keyring, people):
    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    alert = _alert(session, created.tip_number)
    session.add(
        AlertStep(alert_id=alert.id, step=1, tier=1, recipients=0, notified_at=alert.raised_at)
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_without_a_roster_the_supervisors_routes_are_used_again(own_app, keyring):
    from intake.extensions import db

    app = own_app(providers={"NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    with app.app_context():
        session = db.session
        created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
        alert = _alert(session, created.tip_number)
        # Step 1: the supervisors' notice the submission queued is not doubled.
        supervisors = select(OutboxMessage).where(OutboxMessage.kind == "notification")
        assert len(session.scalars(supervisors).all()) == 1
        service.escalate_due(session, ack_seconds=ACK, now=alert.raised_at + timedelta(seconds=ACK))
        rows = session.scalars(supervisors).all()
        assert len(rows) == 2 and "not acknowledged" in rows[1].payload["reason"]
        tiers = session.scalars(select(AlertStep.tier).where(AlertStep.alert_id == alert.id))
        assert list(tiers) == [0, 0]


def test_notices_carry_no_content(session, keyring, people):
    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "oncall"))
    assert set(row.payload) == {
        "event",
        "alert_id",
        "tip_number",
        "queue",
        "urgency",
        "tier",
        "step",
        "user_id",
    }
    assert "gun" not in repr(row.payload)
    assert row.payload["tip_number"] == created.tip_number


def test_the_oversight_roster_takes_oversight_users_only(session, keyring, people):
    make_user(session, keyring, "ia", "oversight")
    with pytest.raises(InvalidInputError, match="may see queue oversight"):
        service.set_tier(session, "oversight", 1, ["sup"], actor=None)
    session.rollback()
    with pytest.raises(InvalidInputError, match="may see queue N1"):
        service.set_tier(session, "N1", 1, ["other"], actor=None)
    session.rollback()
    assert [u.username for u in service.set_tier(session, "oversight", 1, ["ia"], actor=None)] == [
        "ia"
    ]


def test_a_route_is_sealed_and_checked(session, keyring, people):
    user = people.det.user
    service.set_notify_route(session, keyring, user, "sms", "(617) 555-0123", region="US")
    session.commit()
    route = session.get(NotifyRoute, user.id)
    assert route.kind == "sms" and b"617" not in route.target_ct
    assert service.route_target(keyring, route) == "+16175550123"
    for kind, bad in (
        ("sms", "not a phone"),
        ("email", "a@b.org\nBcc: x@y.org"),
        ("webhook", "ftp://x"),
    ):
        with pytest.raises(InvalidInputError):
            service.set_notify_route(session, keyring, user, kind, bad)
    with pytest.raises(InvalidInputError):
        service.set_notify_route(
            session, keyring, user, "webhook", "http://pager.example.org", production=True
        )


def test_corrections_are_kept_and_urgency_corrections_start_or_end_the_chain(
    session, keyring, people
):
    created = make_tip(session, keyring, N1_POINT)
    assert created.urgency == "normal"
    tips_service.update_tip(
        session,
        keyring,
        people.det.user,
        created.tip_number,
        tips_service.TipChange(category="weapons"),
    )
    tips_service.update_tip(
        session,
        keyring,
        people.det.user,
        created.tip_number,
        tips_service.TipChange(urgency="emergency"),
    )
    session.commit()
    corrections = session.scalars(select(TipCorrection).order_by(TipCorrection.id)).all()
    assert [(c.field, c.old_value, c.new_value, c.user_id) for c in corrections] == [
        ("category", "drugs", "weapons", people.det.user.id),
        ("urgency", "normal", "emergency", people.det.user.id),
    ]
    assert _notices(session) == [(1, people.det.user.id)]
    alert = _alert(session, created.tip_number)
    assert alert.acknowledged_at is None

    tips_service.update_tip(
        session,
        keyring,
        people.sup.user,
        created.tip_number,
        tips_service.TipChange(urgency="high"),
    )
    session.commit()
    session.refresh(alert)
    assert alert.acknowledged_by_user_id == people.sup.user.id


def test_acknowledging_needs_an_urgent_tip_one_may_see(session, keyring, people):
    ordinary = make_tip(session, keyring, N1_POINT)
    with pytest.raises(ConflictError):
        service.acknowledge(session, people.det.user, ordinary.tip_number)
    urgent = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    with pytest.raises(NotFoundError):
        service.acknowledge(session, people.other.user, urgent.tip_number)


def test_the_acknowledge_api(client, session, keyring, people):
    urgent = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    path = f"/api/v1/staff/tips/{urgent.tip_number}/acknowledge"
    assert client.post(path).status_code == 401
    assert client.post(path, headers=bearer(people.other)).status_code == 404
    answer = client.post(path, headers=bearer(people.det))
    assert answer.status_code == 200
    body = answer.get_json()
    assert (
        body["acknowledged_by"] == "det" and body["steps"] == 1 and body["urgency"] == "emergency"
    )
    assert client.post(path, headers=bearer(people.sup)).get_json()["acknowledged_by"] == "det"
    ordinary = make_tip(session, keyring, N1_POINT)
    refused = client.post(
        f"/api/v1/staff/tips/{ordinary.tip_number}/acknowledge", headers=bearer(people.det)
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"


def test_healthz_counts_stuck_and_dead_alert_notices(client, session, keyring, people):
    make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    assert client.get("/healthz").get_json() == {"status": "ok", "alerts": {"unsent": 0, "dead": 0}}
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "oncall"))
    row.created_at -= timedelta(minutes=5)
    session.add(
        OutboxMessage(kind="notification", channel="supervisors", status="dead", payload={})
    )
    session.commit()
    assert client.get("/healthz").get_json()["alerts"] == {"unsent": 1, "dead": 1}


def test_a_follow_up_that_escalates_a_tip_starts_the_chain(session, keyring, people):
    from intake.submissions.service import add_followup

    created = make_tip(session, keyring, N1_POINT)
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    add_followup(
        session,
        keyring,
        tip,
        "He is here now with a gun, he says he will kill me tonight.",
        channel="web",
    )
    session.commit()
    assert tip.urgency == "emergency"
    assert _notices(session) == [(1, people.det.user.id)]
    assert _alert(session, created.tip_number).reason == "a follow-up escalated it"


def test_a_step_lost_to_a_racing_worker_is_rolled_back_whole(session, keyring, people, monkeypatch):
    from intake.oncall.rules import Step

    created = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    alert = _alert(session, created.tip_number)
    # As if another worker inserted step 1 between this worker's read and its insert.
    monkeypatch.setattr(service, "next_step", lambda **_: Step(1, 1))
    later = alert.raised_at + timedelta(seconds=ACK)
    assert service.escalate_due(session, ack_seconds=ACK, now=later) == 0
    assert _notices(session) == [(1, people.det.user.id)]
    assert session.scalars(select(AuditEvent.action)).all().count("tip.oncall_notified") == 1


def test_the_api_corrects_the_urgency_and_keeps_the_correction(client, session, keyring, people):
    created = make_tip(session, keyring, N1_POINT)
    answer = client.patch(
        f"/api/v1/staff/tips/{created.tip_number}",
        json={"urgency": "high"},
        headers=bearer(people.det),
    )
    assert answer.status_code == 200 and answer.get_json()["urgency"] == "high"
    refused = client.patch(
        f"/api/v1/staff/tips/{created.tip_number}",
        json={"urgency": "panic"},
        headers=bearer(people.det),
    )
    assert refused.status_code == 400 and "panic" not in refused.get_data(as_text=True)
    correction = session.scalar(select(TipCorrection))
    assert (correction.field, correction.old_value, correction.new_value) == (
        "urgency",
        "normal",
        "high",
    )
