"""The staff API: visibility by queue, listing order, filters, the tip workflow, reveal, audit."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from intake.audit.service import verify_chain
from intake.identity.service import Contact, Sender
from intake.models import AuditEvent, OutboxMessage, Reporter, Tip, User
from tests.factories import jpeg_with_gps
from tests.staff.factories import H2_POINT, N1_POINT, bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHONE = "+16175550123"


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    """One account per role; two detectives of two districts."""
    return SimpleNamespace(
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
        h2=make_user(session, keyring, "det-h2", "detective", ("H2",)),
        sup=make_user(session, keyring, "sup", "supervisor"),
        social=make_user(session, keyring, "soc", "social_media"),
        admin=make_user(session, keyring, "adm", "admin"),
    )


def test_detectives_of_two_districts_see_only_their_own_queues(client, session, keyring, team):
    n1_tip = make_tip(session, keyring, N1_POINT)
    h2_tip = make_tip(session, keyring, H2_POINT)

    queues = client.get("/api/v1/staff/queues", headers=bearer(team.n1)).get_json()["items"]
    assert [q["code"] for q in queues] == ["N1"]
    assert queues[0]["open_count"] == 1

    listing = client.get("/api/v1/staff/tips", headers=bearer(team.n1)).get_json()
    assert [t["tip_number"] for t in listing["items"]] == [n1_tip.tip_number]

    for path in (
        f"/api/v1/staff/tips/{h2_tip.tip_number}",
        "/api/v1/staff/queues/H2/tips",
    ):
        assert client.get(path, headers=bearer(team.n1)).status_code == 404
    assert (
        client.post(
            f"/api/v1/staff/tips/{h2_tip.tip_number}/claim", headers=bearer(team.n1)
        ).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/staff/tips/{h2_tip.tip_number}", headers=bearer(team.h2)).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/staff/tips/{n1_tip.tip_number}", headers=bearer(team.sup)).status_code
        == 200
    )


def test_listing_items_carry_routing_facts_and_no_content(client, session, keyring, team):
    created = make_tip(
        session, keyring, N1_POINT, narrative="A man sells crack on Elm every night."
    )
    response = client.get("/api/v1/staff/queues/N1/tips", headers=bearer(team.n1))
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert item["tip_number"] == created.tip_number
    assert {
        "tip_number",
        "channel",
        "category",
        "urgency",
        "status",
        "queue",
        "district",
        "created_at",
    } <= set(item)
    assert item["queue"] == "N1" and item["district"] == "N1" and item["channel"] == "api"
    assert "crack" not in response.get_data(as_text=True)
    # The point is seen only on the tip itself.
    assert not {"lat", "lon", "point", "cell"} & set(item)
    assert "44.08" not in response.get_data(as_text=True)
    detail = client.get(f"/api/v1/staff/tips/{created.tip_number}", headers=bearer(team.n1))
    assert (detail.get_json()["lat"], detail.get_json()["lon"]) == N1_POINT


def _age(session, tip_number: str, minutes: int) -> None:
    session.execute(
        update(Tip)
        .where(Tip.tip_number == tip_number)
        .values(created_at=datetime.now(UTC) - timedelta(minutes=minutes))
    )
    session.commit()


def test_listing_is_urgent_first_then_newest_across_cursor_pages(client, session, keyring, team):
    old_normal = make_tip(session, keyring, N1_POINT, narrative="Graffiti on the wall again.")
    _age(session, old_normal.tip_number, 50)
    emergency = make_tip(
        session, keyring, N1_POINT, narrative="He has a gun and says he will shoot people tonight."
    )
    _age(session, emergency.tip_number, 40)
    new_normal = [
        make_tip(session, keyring, N1_POINT, narrative=f"Loud party number {i}.") for i in range(3)
    ]
    for minutes, tip in zip((30, 20, 10), new_normal, strict=True):
        _age(session, tip.tip_number, minutes)
    assert emergency.urgency == "emergency" and old_normal.urgency == "normal"

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(
            f"/api/v1/staff/queues/N1/tips?{query}", headers=bearer(team.n1)
        ).get_json()
        seen += [t["tip_number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = (
        [emergency.tip_number]
        + [t.tip_number for t in reversed(new_normal)]
        + [old_normal.tip_number]
    )
    assert seen == expected


def test_listing_filters(client, session, keyring, team):
    sms = make_tip(session, keyring, N1_POINT, channel="sms", sender=Sender("phone", PHONE))
    web = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="Someone broke into my car."
    )
    _age(session, web.tip_number, 60 * 24 * 3)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/staff/queues/N1/tips?{query}", headers=bearer(team.n1))
        assert response.status_code == 200, response.get_json()
        return [t["tip_number"] for t in response.get_json()["items"]]

    assert numbers("channel=sms") == [sms.tip_number]
    assert numbers(f"category={web.category}") == [web.tip_number]
    assert numbers("status=closed") == []
    assert set(numbers("status=open")) == {sms.tip_number, web.tip_number}
    assert numbers("urgency=emergency") == []
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert numbers(f"created_from={since.replace('+', '%2B')}") == [sms.tip_number]
    assert numbers(f"created_to={since.replace('+', '%2B')}") == [web.tip_number]
    bad = client.get("/api/v1/staff/queues/N1/tips?cursor=nonsense", headers=bearer(team.n1))
    assert bad.status_code == 400


def test_tip_detail_has_content_thread_and_history_but_never_the_identity(
    client, session, keyring, team
):
    created = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="sms",
        narrative="Drug deals behind the laundromat on Elm Street.",
        location_text="Elm Street laundromat",
        sender=Sender("phone", PHONE),
        images=(jpeg_with_gps(),),
    )
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    response = client.get(f"/api/v1/staff/tips/{created.tip_number}", headers=bearer(team.n1))
    assert response.status_code == 200
    body = response.get_json()
    assert body["narrative"] == "Drug deals behind the laundromat on Elm Street."
    assert body["location_text"] == "Elm Street laundromat"
    assert body["category"] == created.category and body["routing_reason"]
    assert isinstance(body["category_evidence"], list)
    assert body["attachments"][0]["content_type"] == "image/jpeg"
    # The view is chained when its request commits: the next read shows it in the history.
    assert [h["action"] for h in body["history"]] == ["tip.submitted"]
    again = client.get(f"/api/v1/staff/tips/{created.tip_number}", headers=bearer(team.n1))
    assert [h["action"] for h in again.get_json()["history"]] == ["tip.submitted", "tip.viewed"]
    text = response.get_data(as_text=True)
    assert PHONE not in text and "5550123" not in text
    assert str(tip.reporter_id) not in text and tip.reporter_id.hex not in text
    assert tip.reporter.address_index not in text
    assert "reporter" not in text and "identity" not in text

    download = client.get(body["attachments"][0]["download"], headers=bearer(team.n1))
    assert download.status_code == 200 and download.data[:2] == b"\xff\xd8"
    assert b"PhoneModel" not in download.data
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.tip_id == tip.id).order_by(AuditEvent.seq)
    ).all()
    assert actions == ["tip.submitted", "tip.viewed", "tip.viewed", "attachment.downloaded"]


def test_status_transitions_disposition_and_reopening(client, session, keyring, team):
    created = make_tip(session, keyring, N1_POINT)
    path = f"/api/v1/staff/tips/{created.tip_number}"

    def patch(user, **body):
        return client.patch(path, json=body, headers=bearer(user))

    assert patch(team.n1, status="investigating").status_code == 409
    assert patch(team.n1, status="triaged").get_json()["status"] == "triaged"
    claimed = client.post(f"{path}/claim", headers=bearer(team.n1)).get_json()
    assert claimed["status"] == "assigned" and claimed["assignee"] == "det-n1"
    assert patch(team.n1, status="investigating").status_code == 200
    assert patch(team.n1, status="closed").status_code == 409  # no disposition
    assert patch(team.n1, status="closed", disposition="nonsense").status_code == 400
    closed = patch(team.n1, status="closed", disposition="referred").get_json()
    assert closed["status"] == "closed" and closed["disposition"] == "referred"
    assert patch(team.n1, status="investigating").status_code == 409  # only supervisors reopen
    reopened = patch(team.sup, status="investigating").get_json()
    assert reopened["status"] == "investigating" and reopened["disposition"] is None

    history = client.get(path, headers=bearer(team.sup)).get_json()["history"]
    changes = [
        (h["details"]["from"], h["details"]["to"])
        for h in history
        if h["action"] == "tip.status_changed"
    ]
    assert changes == [
        ("new", "triaged"),
        ("assigned", "investigating"),
        ("investigating", "closed"),
        ("closed", "investigating"),
    ]


def test_category_correction_and_supervisor_reroute(client, session, keyring, team):
    created = make_tip(session, keyring, N1_POINT)
    path = f"/api/v1/staff/tips/{created.tip_number}"
    fixed = client.patch(path, json={"category": "burglary"}, headers=bearer(team.n1)).get_json()
    assert fixed["category"] == "burglary"
    assert client.patch(path, json={"category": "nope"}, headers=bearer(team.n1)).status_code == 400

    assert (
        client.patch(
            path, json={"queue": "H2", "reason": "It is in H2"}, headers=bearer(team.n1)
        ).status_code
        == 403
    )
    assert client.patch(path, json={"queue": "H2"}, headers=bearer(team.sup)).status_code == 400
    moved = client.patch(
        path,
        json={"queue": "H2", "reason": "Location is across the line"},
        headers=bearer(team.sup),
    )
    assert moved.status_code == 200 and moved.get_json()["queue"] == "H2"
    assert client.get(path, headers=bearer(team.n1)).status_code == 404
    assert client.get(path, headers=bearer(team.h2)).status_code == 200
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tip.rerouted"))
    assert event.details == {"from": "N1", "to": "H2", "reason": "Location is across the line"}
    assert event.actor_user_id == team.sup.user.id
    shown = client.get(path, headers=bearer(team.h2)).get_json()["routing_reason"]
    assert shown == "moved by a supervisor: Location is across the line"


def test_notes_are_internal(client, session, keyring, team):
    created = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="Cars racing every night."
    )
    path = f"/api/v1/staff/tips/{created.tip_number}"
    assert (
        client.post(
            f"{path}/notes", json={"body": "Check the cameras."}, headers=bearer(team.n1)
        ).status_code
        == 201
    )
    assert (
        client.post(f"{path}/notes", json={"body": ""}, headers=bearer(team.n1)).status_code == 400
    )
    detail = client.get(path, headers=bearer(team.n1)).get_json()
    assert [(n["author"], n["body"]) for n in detail["notes"]] == [("det-n1", "Check the cameras.")]
    status = client.post(
        f"/api/v1/tips/{created.tip_number}/status", json={"receipt": created.receipt}
    ).get_data(as_text=True)
    assert "Check the cameras." not in status


def test_reply_reaches_a_web_tipster_through_the_status_page(client, session, keyring, team):
    created = make_tip(
        session, keyring, N1_POINT, channel="web", narrative="My neighbour deals drugs."
    )
    response = client.post(
        f"/api/v1/staff/tips/{created.tip_number}/replies",
        json={"body": "Which door is it? Please answer here."},
        headers=bearer(team.n1),
    )
    assert response.status_code == 201
    assert response.get_json()["delivery_status"] == "available"
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all() == []

    status = client.post(
        f"/api/v1/tips/{created.tip_number}/status", json={"receipt": created.receipt}
    )
    messages = status.get_json()["messages"]
    assert [(m["direction"], m["body"]) for m in messages] == [
        ("outbound", "Which door is it? Please answer here.")
    ]


def test_reply_to_an_sms_tipster_goes_through_the_outbox(client, session, keyring, team):
    created = make_tip(session, keyring, N1_POINT, channel="sms", sender=Sender("phone", PHONE))
    response = client.post(
        f"/api/v1/staff/tips/{created.tip_number}/replies",
        json={"body": "Thank you. What colour was the car?"},
        headers=bearer(team.n1),
    )
    assert response.status_code == 201 and response.get_json()["delivery_status"] == "pending"
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reply"))
    assert row.channel == "sms" and row.message_id is not None
    thread = client.get(
        f"/api/v1/staff/tips/{created.tip_number}", headers=bearer(team.n1)
    ).get_json()["messages"]
    assert thread[-1]["direction"] == "outbound" and thread[-1]["delivery_status"] == "pending"
    assert thread[-1]["author"] == "det-n1"


def test_reveal_needs_a_supervisor_and_a_reason_and_is_audited(client, session, keyring, team):
    created = make_tip(
        session,
        keyring,
        N1_POINT,
        channel="web",
        contact=Contact(phone=PHONE, email="witness@example.org", name="Ana Witness"),
    )
    path = f"/api/v1/staff/tips/{created.tip_number}/reveal"
    assert (
        client.post(
            path, json={"reason": "Court order 2024-17"}, headers=bearer(team.n1)
        ).status_code
        == 403
    )
    assert client.post(path, json={"totp": "000000"}, headers=bearer(team.sup)).status_code == 400
    assert client.post(path, json={"reason": "   "}, headers=bearer(team.sup)).status_code == 400
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.revealed")) is None
    )

    response = client.post(
        path,
        json={"reason": "Court order 2024-17", "totp": totp_now(team.sup)},
        headers=bearer(team.sup),
    )
    assert response.status_code == 200
    assert response.get_json()["identity"] == {
        "phone": PHONE,
        "email": "witness@example.org",
        "name": "Ana Witness",
    }
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.revealed"))
    assert event.actor_user_id == team.sup.user.id and event.created_at is not None
    assert event.details["reason"] == "Court order 2024-17"
    stored = json.dumps(event.details)
    assert PHONE not in stored and "witness@example.org" not in stored and "Ana" not in stored


def test_a_stranger_giving_the_same_phone_never_changes_an_earlier_tipsters_identity(
    client, session, keyring, team
):
    def submit(contact: dict[str, str]) -> str:
        response = client.post(
            "/api/v1/tips",
            json={"narrative": "A man sells crack on Elm every night.", "contact": contact},
        )
        assert response.status_code == 201
        return str(response.get_json()["tip_number"])

    def reveal(number: str) -> dict[str, str]:
        # Each reveal needs a fresh code; the test cannot wait 30 s for the next TOTP step.
        session.execute(update(User).where(User.id == team.sup.user.id).values(last_totp_step=None))
        session.commit()
        response = client.post(
            f"/api/v1/staff/tips/{number}/reveal",
            json={"reason": "Court order 2024-17", "totp": totp_now(team.sup)},
            headers=bearer(team.sup),
        )
        assert response.status_code == 200
        return dict(response.get_json()["identity"])

    first = submit({"phone": PHONE, "name": "Ana Witness", "email": "ana@example.org"})
    second = submit({"phone": PHONE, "name": "Mallory Stranger", "email": "m@example.net"})
    third = submit({"email": "ana@example.org", "name": "Someone Else"})

    assert reveal(first) == {"phone": PHONE, "name": "Ana Witness", "email": "ana@example.org"}
    assert reveal(second) == {"phone": PHONE, "name": "Mallory Stranger", "email": "m@example.net"}
    assert reveal(third) == {"email": "ana@example.org", "name": "Someone Else"}
    # Each web or API contact is its own record, findable by nobody through its address.
    reporters = session.scalars(select(Reporter)).all()
    assert len(reporters) == 3
    assert [r.address_index for r in reporters] == [None, None, None]


def test_audit_log_is_for_supervisors_and_filters_by_tip(client, session, keyring, team):
    first = make_tip(session, keyring, N1_POINT)
    make_tip(session, keyring, N1_POINT)
    client.get(f"/api/v1/staff/tips/{first.tip_number}", headers=bearer(team.n1))
    assert client.get("/api/v1/staff/audit", headers=bearer(team.n1)).status_code == 403
    response = client.get(f"/api/v1/staff/audit?tip={first.tip_number}", headers=bearer(team.sup))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["action"] for i in items] == ["tip.viewed", "tip.submitted"]
    assert {i["tip_number"] for i in items} == {first.tip_number}
    assert items[0]["actor"] == "det-n1"
    assert verify_chain(session) is None


def test_forwarded_post_becomes_a_tip_with_its_source_and_a_sealed_handle(
    client, session, keyring, team
):
    image = base64.b64encode(jpeg_with_gps()).decode()
    body = {
        "platform": "instagram",
        "url": "https://www.instagram.com/p/Cxyz123/",
        "handle": "@quiet_neighbour_77",
        "text": "Comment: they keep guns in the blue van on Harbor Road.",
        "posted_at": "2024-05-01T18:30:00Z",
        "attachments": [image],
    }
    assert (
        client.post("/api/v1/staff/forwards", json=body, headers=bearer(team.n1)).status_code == 403
    )
    response = client.post("/api/v1/staff/forwards", json=body, headers=bearer(team.social))
    assert response.status_code == 201
    number = response.get_json()["tip_number"]
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip.channel == "forward" and tip.source_platform == "instagram"
    assert tip.source_posted_at == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
    assert len(tip.attachments) == 1
    detail = client.get(f"/api/v1/staff/tips/{number}", headers=bearer(team.sup)).get_json()
    assert detail["has_source_url"] is True and "Cxyz123" not in json.dumps(detail)
    assert detail["channel"] == "forward"
    assert "quiet_neighbour" not in json.dumps(detail)
    listing = client.get("/api/v1/staff/tips?channel=forward", headers=bearer(team.sup)).get_json()
    assert [i["tip_number"] for i in listing["items"]] == [number]
    revealed = client.post(
        f"/api/v1/staff/tips/{number}/reveal",
        json={"reason": "Threat assessment needed", "totp": totp_now(team.sup)},
        headers=bearer(team.sup),
    ).get_json()
    assert revealed["identity"]["address"] == "@quiet_neighbour_77"
    assert revealed["channel"] == "forward"
    assert revealed["source_url"] == "https://www.instagram.com/p/Cxyz123/"
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip.id)).all()
    assert "tip.forwarded" in actions


def test_forward_validation(client, team):
    headers = bearer(team.social)
    ok = client.post(
        "/api/v1/staff/forwards", json={"platform": "x", "text": "hi"}, headers=headers
    )
    assert ok.status_code == 201
    assert (
        client.post("/api/v1/staff/forwards", json={"platform": "x"}, headers=headers).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/staff/forwards",
            json={"platform": "x", "text": "hi", "url": "javascript:alert(1)"},
            headers=headers,
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/staff/forwards",
            json={"platform": "x", "text": "hi", "attachments": ["!!"]},
            headers=headers,
        ).status_code
        == 400
    )


def test_tokens_are_required_and_revocable(client, session, keyring, team):
    from intake.staff.service import revoke_tokens

    assert client.get("/api/v1/staff/queues").status_code == 401
    assert (
        client.get("/api/v1/staff/queues", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert client.get("/api/v1/staff/queues", headers=bearer(team.n1)).status_code == 200
    revoke_tokens(session, team.n1.user)
    session.commit()
    assert client.get("/api/v1/staff/queues", headers=bearer(team.n1)).status_code == 401
