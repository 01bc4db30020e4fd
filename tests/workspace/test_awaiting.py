"""A tipster's answer flags the tip "awaiting you" and tells its assignee, content-free."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from intake.models import OutboxMessage, Tip
from intake.submissions.service import add_followup
from intake.workspace.service import ASSIGNEE_CHANNEL, compose_answered
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")
SECRET = "The van is a Ford Transit, plate 7XKD 392."


@pytest.fixture
def team(session, keyring) -> SimpleNamespace:
    return SimpleNamespace(n1=make_user(session, keyring, "det-n1", "detective", ("N1",)))


def _listing(client, user, **params):
    response = client.get("/api/v1/staff/tips", query_string=params, headers=bearer(user))
    assert response.status_code == 200
    return {i["tip_number"]: i["is_awaiting"] for i in response.get_json()["items"]}


def test_a_tipsters_answer_flags_the_tip_and_tells_its_assignee(client, session, keyring, team):
    created = make_tip(session, keyring, N1_POINT, channel="web", narrative="Bikes sold here.")
    quiet = make_tip(session, keyring, N1_POINT, channel="web", narrative="Loud music.")
    path = f"/api/v1/staff/tips/{created.tip_number}"
    assert client.post(f"{path}/claim", headers=bearer(team.n1)).status_code == 200
    reply = client.post(f"{path}/replies", json={"body": "Which bikes?"}, headers=bearer(team.n1))
    assert reply.status_code in (200, 201)
    assert _listing(client, team.n1) == {created.tip_number: False, quiet.tip_number: False}

    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    add_followup(session, keyring, tip, SECRET, channel="web")
    add_followup(session, keyring, tip, "And a second message.", channel="web")
    session.commit()
    assert _listing(client, team.n1)[created.tip_number] is True
    assert list(_listing(client, team.n1, awaiting="true")) == [created.tip_number]

    notices = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == ASSIGNEE_CHANNEL)
    ).all()
    assert len(notices) == 1  # one notice when the tip starts waiting, not one per text
    assert notices[0].payload["user_id"] == team.n1.user.id
    subject, text = compose_answered(notices[0].payload, "https://intake.example")
    for part in ("Ford", "7XKD", "second message"):
        assert part not in subject + text + str(notices[0].payload)
    assert created.tip_number in text

    session.rollback()
    again = client.post(f"{path}/replies", json={"body": "Thanks."}, headers=bearer(team.n1))
    assert again.status_code in (200, 201)
    assert _listing(client, team.n1)[created.tip_number] is False
