"""`flask intake oncall ...`, `users notify`, the urgent board and the roster page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.models import AuditEvent, NotifyRoute, OnCallMember, OutboxMessage
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

EMERGENCY = "He has a gun and says he will shoot everyone at Alder Park tonight."
PHONE = "+16175550188"


def _csrf(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def test_roster_and_routes_from_the_command_line(app, session, keyring):
    make_user(session, keyring, "det", "detective", ("N1",))
    make_user(session, keyring, "sup", "supervisor")
    runner = app.test_cli_runner()

    notify = runner.invoke(args=["intake", "users", "notify", "det", "--sms", PHONE])
    assert notify.exit_code == 0, notify.output
    assert PHONE not in notify.output and "by sms" in notify.output
    both = runner.invoke(
        args=["intake", "users", "notify", "det", "--sms", PHONE, "--email", "a@b.org"]
    )
    assert both.exit_code != 0 and "exactly one" in both.output

    first = runner.invoke(args=["intake", "oncall", "set", "N1", "1", "det"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["intake", "oncall", "set", "N1", "2", "sup"])
    assert second.exit_code == 0 and "no notification route for sup" in second.output
    refused = runner.invoke(args=["intake", "oncall", "set", "oversight", "1", "sup"])
    assert refused.exit_code != 0 and "may see queue oversight" in refused.output

    listing = runner.invoke(args=["intake", "oncall", "list"]).output
    assert "N1\ttier 1\tdet\tsms" in listing and "N1\ttier 2\tsup\tNO ROUTE" in listing
    assert PHONE not in listing

    cleared = runner.invoke(args=["intake", "oncall", "clear", "N1", "2"])
    assert cleared.exit_code == 0 and "Removed 1" in cleared.output
    session.expire_all()
    assert [m.tier for m in session.scalars(select(OnCallMember))] == [1]
    route = session.scalar(select(NotifyRoute))
    assert PHONE.encode() not in route.target_ct
    details = [e.details for e in session.scalars(select(AuditEvent))]
    assert PHONE not in repr(details)


def test_the_urgent_board_refreshes_itself_and_acknowledging_clears_it(own_app, session, keyring):
    web = own_app()
    det = make_user(session, keyring, "det", "detective", ("N1",))
    other = make_user(session, keyring, "other", "detective", ("S3",))
    urgent = make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    client = _signed_in(web, session, det)

    board = client.get("/staff/urgent").get_data(as_text=True)
    # Reloads itself: by script, or without scripts by a meta refresh; the user may stop it.
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in board
    assert 'data-refresh="15"' in board and "board.js" in board
    stopped = client.get("/staff/urgent?refresh=off").get_data(as_text=True)
    assert "http-equiv" not in stopped and 'data-refresh="0"' in stopped
    assert urgent.tip_number in board and "gun" not in board
    assert urgent.tip_number not in _signed_in(web, session, other).get("/staff/urgent").get_data(
        as_text=True
    )

    page = client.get(f"/staff/tips/{urgent.tip_number}").get_data(as_text=True)
    assert 'id="acknowledge"' in page
    token = _csrf(client, f"/staff/tips/{urgent.tip_number}")
    done = client.post(f"/staff/tips/{urgent.tip_number}/acknowledge", data={"csrf_token": token})
    assert done.status_code == 302
    assert urgent.tip_number not in client.get("/staff/urgent").get_data(as_text=True)
    assert 'id="acknowledge"' not in client.get(f"/staff/tips/{urgent.tip_number}").get_data(
        as_text=True
    )


def test_a_correction_on_the_tip_page_is_kept(own_app, session, keyring):
    from intake.models import TipCorrection

    web = own_app()
    det = make_user(session, keyring, "det", "detective", ("N1",))
    tip = make_tip(session, keyring, N1_POINT)
    client = _signed_in(web, session, det)
    token = _csrf(client, f"/staff/tips/{tip.tip_number}")
    client.post(
        f"/staff/tips/{tip.tip_number}/urgency", data={"csrf_token": token, "urgency": "emergency"}
    )
    correction = session.scalar(select(TipCorrection))
    assert (correction.field, correction.old_value, correction.new_value) == (
        "urgency",
        "normal",
        "emergency",
    )
    # Made urgent by a person: the chain starts (no roster here, so the supervisors' routes).
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "notification"))


def test_the_roster_page_sets_a_tier(own_app, session, keyring):
    web = own_app()
    sup = make_user(session, keyring, "sup", "supervisor")
    make_user(session, keyring, "det", "detective", ("N1",))
    det_client = _signed_in(web, session, make_user(session, keyring, "det2", "detective", ("N1",)))
    assert det_client.get("/staff/oncall/").status_code == 403
    client = _signed_in(web, session, sup)
    page = client.get("/staff/oncall/").get_data(as_text=True)
    assert "N1" in page and "oversight" not in page.lower().replace("oversight users", "")
    token = _csrf(client, "/staff/oncall/")
    saved = client.post(
        "/staff/oncall/", data={"csrf_token": token, "queue": "N1", "tier": "1", "usernames": "det"}
    )
    assert saved.status_code == 302
    assert [m.user.username for m in session.scalars(select(OnCallMember))] == ["det"]
    session.rollback()  # the read ends: the page's write may take the lock
    refused = client.post(
        "/staff/oncall/",
        data={"csrf_token": token, "queue": "oversight", "tier": "1", "usernames": "det"},
        follow_redirects=True,
    )
    assert "You do not manage this queue" in refused.get_data(as_text=True)


def test_worker_once_escalates_what_is_due(app, session, keyring):
    from datetime import timedelta

    from intake.models import AlertStep
    from intake.oncall import service

    det = make_user(session, keyring, "det", "detective", ("N1",))
    sup = make_user(session, keyring, "sup", "supervisor")
    service.set_notify_route(session, keyring, det.user, "webhook", "http://127.0.0.1:9/det")
    service.set_notify_route(session, keyring, sup.user, "webhook", "http://127.0.0.1:9/sup")
    service.set_tier(session, "N1", 1, ["det"], actor=None)
    service.set_tier(session, "N1", 2, ["sup"], actor=None)
    session.commit()
    make_tip(session, keyring, N1_POINT, narrative=EMERGENCY)
    step = session.scalar(select(AlertStep))
    step.notified_at -= timedelta(seconds=301)  # tier 1 was told over URGENT_ACK_SECONDS ago
    session.commit()

    result = app.test_cli_runner().invoke(args=["intake", "worker", "--once"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    tiers = sorted(
        row.payload["tier"]
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "oncall"))
    )
    assert tiers == [1, 2]
