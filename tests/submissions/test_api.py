"""The public JSON API: submit, check with the receipt, follow up, and refuse bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from intake.models import AuditEvent, InboundEvent, Message, Reporter, Tip

NARRATIVE = "Two men are selling heroin from a grey van parked behind Harbor Market most nights."


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def submit(client, **body):
    payload = {"narrative": NARRATIVE, **body}
    return client.post("/api/v1/tips", json=payload)


def test_submit_returns_tip_number_and_receipt_and_routes_by_place(
    client, session, keyring
) -> None:
    response = submit(client, location={"text": "behind Harbor Market"})
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["tip_number"]) == 9 and body["tip_number"][4] == "-"
    assert len(body["receipt"].replace("-", "")) == 16
    assert body["status"] == "received"
    assert body["category"] == "drugs"
    assert body["emergency_advice"] is None
    tip = session.scalar(select(Tip).where(Tip.tip_number == body["tip_number"]))
    assert tip.channel == "api"
    assert tip.queue.code == "H2"
    assert "Harbor Market" in tip.routing_reason.read(keyring)
    assert _count(session, AuditEvent) == 1


def test_point_routes_to_the_district_containing_it(client, session) -> None:
    body = submit(client, location={"lat": 44.03, "lon": -70.16}).get_json()
    tip = session.scalar(select(Tip).where(Tip.tip_number == body["tip_number"]))
    assert tip.queue.code == "S3"
    assert tip.location_source == "pin"


def test_a_place_named_only_in_the_narrative_routes_the_tip(client, session) -> None:
    body = submit(client).get_json()  # the narrative says "behind Harbor Market"
    tip = session.scalar(select(Tip).where(Tip.tip_number == body["tip_number"]))
    assert tip.queue.code == "H2"
    assert tip.location_source == "gazetteer"


def test_tip_without_location_goes_to_triage_with_a_reason(client, session, keyring) -> None:
    body = submit(client, narrative="Someone sells heroin from a grey van most nights").get_json()
    tip = session.scalar(select(Tip).where(Tip.tip_number == body["tip_number"]))
    assert tip.queue.code == "triage"
    assert "no usable location" in tip.routing_reason.read(keyring).lower()


def test_emergency_tells_the_tipster_to_call_911_in_their_language(client, session) -> None:
    english = submit(client, narrative="He just told me he is coming tonight to kill me").get_json()
    assert english["urgency"] == "emergency"
    assert "911" in english["emergency_advice"]
    spanish = submit(
        client, narrative="Mi ex viene esta noche a matarme, tiene una pistola", language="es"
    ).get_json()
    assert spanish["urgency"] == "emergency"
    assert "llame al 911" in spanish["emergency_advice"]


def test_status_shows_the_thread_and_followups_join_it(client) -> None:
    created = submit(client).get_json()
    number, receipt = created["tip_number"], created["receipt"]
    added = client.post(
        f"/api/v1/tips/{number}/followups",
        json={"receipt": receipt, "body": "The van is a Ford with a dent."},
    )
    assert added.status_code == 201
    status = client.post(f"/api/v1/tips/{number}/status", json={"receipt": receipt})
    assert status.status_code == 200
    body = status.get_json()
    assert body["status"] == "received"
    assert [m["body"] for m in body["messages"]] == ["The van is a Ford with a dent."]
    assert body["messages"][0]["direction"] == "inbound"


def test_receipt_is_accepted_however_it_is_typed(client) -> None:
    created = submit(client).get_json()
    typed = created["receipt"].replace("-", " ").lower()
    number = created["tip_number"].replace("-", "").lower()
    response = client.post(f"/api/v1/tips/{number}/status", json={"receipt": typed})
    assert response.status_code == 200


def test_wrong_receipt_and_unknown_tip_get_the_same_404_byte_for_byte(client) -> None:
    created = submit(client).get_json()
    wrong = client.post(
        f"/api/v1/tips/{created['tip_number']}/status", json={"receipt": "AAAA-BBBB-CCCC-DDDD"}
    )
    unknown = client.post("/api/v1/tips/ZZZZ-9999/status", json={"receipt": created["receipt"]})
    garbage = client.post("/api/v1/tips/not-a-number/status", json={"receipt": "x"})
    assert wrong.status_code == unknown.status_code == garbage.status_code == 404
    assert wrong.data == unknown.data == garbage.data
    assert wrong.get_json()["error"]["code"] == "not_found"


def test_guessing_receipts_is_rate_limited_per_tip_number(client) -> None:
    created = submit(client).get_json()
    statuses = [
        client.post(
            f"/api/v1/tips/{created['tip_number']}/status",
            json={"receipt": f"AAAA-BBBB-CCCC-{i:04d}"},
        ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [404] * 10
    assert statuses[-1] == 429
    limited = client.post(
        f"/api/v1/tips/{created['tip_number']}/status", json={"receipt": created["receipt"]}
    )
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"


def test_idempotency_key_returns_the_same_tip_and_receipt(client, session) -> None:
    headers = {"Idempotency-Key": "retry-key-0123456789abcdef"}
    first = client.post("/api/v1/tips", json={"narrative": NARRATIVE}, headers=headers)
    second = client.post("/api/v1/tips", json={"narrative": NARRATIVE}, headers=headers)
    assert first.status_code == second.status_code == 201
    one, two = first.get_json(), second.get_json()
    assert (one["tip_number"], one["receipt"]) == (two["tip_number"], two["receipt"])
    assert (one["is_replay"], two["is_replay"]) == (False, True)
    assert _count(session, Tip) == 1
    assert _count(session, InboundEvent) == 1


def test_the_same_idempotency_key_with_another_body_gets_409_and_no_receipt(
    client, session
) -> None:
    headers = {"Idempotency-Key": "retry-key-0123456789abcdef"}
    first = client.post(
        "/api/v1/tips", json={"narrative": NARRATIVE, "language": "en"}, headers=headers
    )
    assert first.status_code == 201
    receipt = first.get_json()["receipt"]

    for other in (
        {"narrative": "Something else entirely happened at the pier last night."},
        {"narrative": NARRATIVE, "language": "es"},
        {"narrative": NARRATIVE, "contact": {"name": "Someone"}},
    ):
        response = client.post("/api/v1/tips", json=other, headers=headers)
        assert response.status_code == 409
        error = response.get_json()["error"]
        assert error["status"] == 409 and error["code"] == "idempotency_key_reused"
        assert receipt not in response.get_data(as_text=True)
    # The same request (key order and spacing aside) still replays.
    again = client.post(
        "/api/v1/tips",
        data=json.dumps({"language": "en", "narrative": NARRATIVE}, indent=2),
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 201 and again.get_json()["receipt"] == receipt
    assert _count(session, Tip) == 1


def test_an_idempotency_key_expires_after_a_day(client, session) -> None:
    headers = {"Idempotency-Key": "retry-key-0123456789abcdef"}
    first = client.post("/api/v1/tips", json={"narrative": NARRATIVE}, headers=headers)
    event = session.scalar(select(InboundEvent))
    event.received_at = event.received_at - timedelta(hours=24, seconds=1)
    session.commit()

    second = client.post("/api/v1/tips", json={"narrative": NARRATIVE}, headers=headers)

    assert second.status_code == 201
    assert second.get_json()["is_replay"] is False
    assert second.get_json()["tip_number"] != first.get_json()["tip_number"]
    assert _count(session, Tip) == 2
    assert _count(session, InboundEvent) == 1


def test_the_idempotency_record_keeps_a_digest_not_the_request(client, session) -> None:
    headers = {"Idempotency-Key": "retry-key-0123456789abcdef"}
    client.post(
        "/api/v1/tips",
        json={"narrative": NARRATIVE, "contact": {"email": "w@example.org"}},
        headers=headers,
    )
    event = session.scalar(select(InboundEvent))
    assert event.request_digest is not None and len(event.request_digest) == 64
    assert "example.org" not in event.request_digest and "heroin" not in event.request_digest


def test_malformed_idempotency_key_is_refused(client, session) -> None:
    response = client.post(
        "/api/v1/tips", json={"narrative": NARRATIVE}, headers={"Idempotency-Key": "short"}
    )
    assert response.status_code == 400
    assert _count(session, Tip) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "narrative"),
        ({"narrative": ""}, "narrative"),
        ({"narrative": "x" * 10_001}, "narrative"),
        ({"narrative": "ok", "location": {"lat": 91, "lon": 0}}, "location"),
        ({"narrative": "ok", "contact": {"email": "not-an-email"}}, "contact"),
        ({"narrative": "ok", "language": "fr"}, "language"),
        ({"narrative": 12}, "narrative"),
    ],
)
def test_invalid_fields_get_400_naming_the_field(client, session, body, field) -> None:
    response = client.post("/api/v1/tips", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert field in error["fields"]
    assert _count(session, Tip) == 0


def test_errors_never_echo_what_was_sent(client) -> None:
    secret = "+16175559876"
    responses = [
        client.post("/api/v1/tips", json={"narrative": "x", secret: "y"}),
        client.post("/api/v1/tips", json={"narrative": "ok", "contact": {"phone": secret * 5}}),
        client.post("/api/v1/tips", json={"narrative": "ok", "contact": {"email": secret}}),
        client.post(
            "/api/v1/tips", data='{"narrative": "' + secret, content_type="application/json"
        ),
        client.post("/api/v1/tips", json=[secret]),
        client.post("/api/v1/tips", json={"narrative": "ok", "location": {secret: 1}}),
    ]
    for response in responses:
        assert response.status_code == 400
        assert set(response.get_json()) == {"error"}
        assert secret not in response.get_data(as_text=True)
        assert "6175559876" not in response.get_data(as_text=True)


def test_unknown_fields_are_refused_without_naming_them(client) -> None:
    response = client.post("/api/v1/tips", json={"narrative": "ok", "ssn": "123"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "_unknown": ["Unknown fields are not accepted."]
    }


def test_malformed_json_is_400(client) -> None:
    response = client.post("/api/v1/tips", data="{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The request body is not valid JSON."


def test_wrong_content_type_is_415(client) -> None:
    response = client.post(
        "/api/v1/tips", data="narrative=hello", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_oversized_body_is_413_before_it_is_read(client, session) -> None:
    body = json.dumps({"narrative": "x" * (70 * 1024)})
    response = client.post("/api/v1/tips", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert _count(session, Tip) == 0


def test_invalid_phone_writes_nothing(client, session) -> None:
    response = submit(client, contact={"phone": "12"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "contact": {"phone": ["Not a valid phone number."]}
    }
    assert (_count(session, Tip), _count(session, Reporter), _count(session, AuditEvent)) == (
        0,
        0,
        0,
    )


def test_followup_with_wrong_receipt_adds_nothing(client, session) -> None:
    created = submit(client).get_json()
    response = client.post(
        f"/api/v1/tips/{created['tip_number']}/followups",
        json={"receipt": "AAAA-BBBB-CCCC-DDDD", "body": "more"},
    )
    assert response.status_code == 404
    assert _count(session, Message) == 0


def test_followup_reporting_danger_now_escalates_the_tip(client, session) -> None:
    created = submit(client).get_json()
    assert created["urgency"] != "emergency"
    client.post(
        f"/api/v1/tips/{created['tip_number']}/followups",
        json={
            "receipt": created["receipt"],
            "body": "He is outside my door right now with a gun, he says he will kill me",
        },
    )
    tip = session.scalar(select(Tip).where(Tip.tip_number == created["tip_number"]))
    assert tip.urgency == "emergency"


def test_openapi_document_describes_the_public_api(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/tips" in spec["paths"]
    assert "/api/v1/tips/{tip_number}/status" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/tips"]


def test_unknown_api_path_is_a_json_404(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_repeated_tip_number_saves_nothing_and_a_retry_succeeds(client, session, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from intake.submissions import service

    first = submit(client).get_json()
    monkeypatch.setattr(service, "new_tip_number", lambda: first["tip_number"])
    with pytest.raises(IntegrityError):
        submit(client, narrative="A second tip that draws the same number")
    session.rollback()
    assert _count(session, Tip) == 1
    assert _count(session, AuditEvent) == 1
    monkeypatch.undo()
    assert submit(client, narrative="A second tip that draws the same number").status_code == 201
    assert _count(session, Tip) == 2


@pytest.fixture
def unsure_urgency_model(monkeypatch):
    """The learnt urgency model is unsure about every tip it does not deny (its band widened)."""
    from intake.classify import rules

    monkeypatch.setattr(rules, "EMERGENCY_PROBABILITY", 2.0)
    monkeypatch.setattr(rules, "POSSIBLE_PROBABILITY", 0.0)


def _supervisor_alerts(session, tip):
    from intake.models import OutboxMessage

    return session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.tip_id == tip.id, OutboxMessage.kind == "notification"
        )
    ).all()


def test_a_possible_emergency_alerts_and_tells_the_tipster_to_call_911(
    client, session, unsure_urgency_model
) -> None:
    body = submit(client).get_json()
    assert body["urgency"] == "possible_emergency"
    assert "911" in body["emergency_advice"]
    tip = session.scalar(select(Tip).where(Tip.tip_number == body["tip_number"]))
    assert tip.urgency_rank == 1  # after emergency (0), before high (2)
    alerts = _supervisor_alerts(session, tip)
    assert alerts
    assert all(a.payload["reason"] == "possible emergency (check now)" for a in alerts)


def test_a_followup_that_may_be_an_emergency_escalates_and_alerts(client, session) -> None:
    from intake.classify import rules

    created = submit(client).get_json()
    tip = session.scalar(select(Tip).where(Tip.tip_number == created["tip_number"]))
    assert tip.urgency not in ("emergency", "possible_emergency")
    assert _supervisor_alerts(session, tip) == []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rules, "EMERGENCY_PROBABILITY", 2.0)
        patch.setattr(rules, "POSSIBLE_PROBABILITY", 0.0)
        added = client.post(
            f"/api/v1/tips/{created['tip_number']}/followups",
            json={"receipt": created["receipt"], "body": "The van is back with the same two men."},
        )
    assert added.status_code == 201
    session.expire_all()
    tip = session.scalar(select(Tip).where(Tip.tip_number == created["tip_number"]))
    assert (tip.urgency, tip.urgency_rank) == ("possible_emergency", 1)
    reasons = [a.payload["reason"] for a in _supervisor_alerts(session, tip)]
    expected = "follow-up reports a possible emergency (check now)"
    assert reasons and all(r == expected for r in reasons)
