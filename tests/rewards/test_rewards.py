"""A reward goes from proposal to a second supervisor's approval to a claim code to paid, audited
at each step, and the tipster sees each step on /check; nobody learns who collected it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.identity.service import Sender
from intake.models import AuditEvent, Message, OutboxMessage, Reward, Tip
from intake.rewards import service
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user
from tests.stats.conftest import last_complete_month
from tests.submissions.test_pages import csrf_token

pytestmark = pytest.mark.usefixtures("fast_passwords")

PHONE = "+16175550123"


def _check(client, created) -> str:
    page = client.get("/check").get_data(as_text=True)
    response = client.post(
        "/check",
        data={
            "csrf_token": csrf_token(page),
            "tip_number": created.tip_number,
            "receipt": created.receipt,
        },
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def supervisors(session, keyring):
    return make_user(session, keyring, "sup-a", "supervisor"), make_user(
        session, keyring, "sup-b", "supervisor"
    )


def test_a_reward_from_proposal_to_payment(client, session, keyring, supervisors):
    first, second = supervisors
    created = make_tip(session, keyring, N1_POINT)
    assert "Reward" not in _check(client, created)

    proposed = client.post(
        "/api/v1/staff/rewards",
        json={"tip_number": created.tip_number, "amount_cents": 50000, "reason": "Led to arrest"},
        headers=bearer(first),
    )
    assert proposed.status_code == 201, proposed.get_json()
    reward_id = proposed.get_json()["reward_id"]
    assert "has been proposed" in _check(client, created)

    # The proposer cannot approve their own proposal: two people, always.
    own = client.post(
        f"/api/v1/staff/rewards/{reward_id}/decision", json={"approve": True}, headers=bearer(first)
    )
    assert own.status_code == 403
    approved = client.post(
        f"/api/v1/staff/rewards/{reward_id}/decision",
        json={"approve": True},
        headers=bearer(second),
    )
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    page = _check(client, created)
    assert "$500.00" in page and "has been approved" in page
    code = re.search(r'id="claim-code">([^<]+)<', page).group(1)
    # Staff never see the code: not in the listing, not in the audit log.
    listing = client.get("/api/v1/staff/rewards", headers=bearer(first)).get_data(as_text=True)
    assert code not in listing and "Led to arrest" in listing

    paid = client.post(
        "/api/v1/staff/rewards/payments", json={"claim_code": code.lower()}, headers=bearer(first)
    )
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    page = _check(client, created)
    assert "has been paid" in page and code not in page
    again = client.post(
        "/api/v1/staff/rewards/payments", json={"claim_code": code}, headers=bearer(second)
    )
    assert again.status_code == 409

    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("reward.%")).order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == ["reward.proposed", "reward.approved", "reward.paid"]
    assert [e.actor_user_id for e in events] == [first.user.id, second.user.id, first.user.id]
    for event in events:
        assert code not in repr(event.details) and "arrest" not in repr(event.details)
    reward = session.scalar(select(Reward))
    # The row knows who marked it paid, never who collected it; the code is not in clear.
    assert code.encode() not in reward.claim_code_ct
    assert b"Led to arrest" not in reward.reason_ct
    assert reward.paid_by_id == first.user.id


def test_a_declined_reward_is_shown_as_not_approved(client, session, keyring, supervisors):
    first, second = supervisors
    created = make_tip(session, keyring, N1_POINT)
    reward = service.propose_reward(
        session, keyring, first.user, created.tip_number, 10000, "Useful information"
    )
    service.decide_reward(session, keyring, second.user, reward.id, approve=False)
    session.commit()
    assert "not approved" in _check(client, created)
    assert session.scalar(select(Reward.claim_digest)) is None


def test_an_sms_tipster_is_told_there_is_news_without_the_code(session, keyring, supervisors):
    first, second = supervisors
    created = make_tip(session, keyring, N1_POINT, channel="sms", sender=Sender("phone", PHONE))
    reward = service.propose_reward(
        session, keyring, first.user, created.tip_number, 25000, "Information used"
    )
    service.decide_reward(session, keyring, second.user, reward.id, approve=True)
    session.commit()
    outbox = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
    assert len(outbox) == 1
    message = session.get(Message, outbox[0].message_id)
    body = message.body.read(keyring)
    assert body == "There is news on your tip. Check it with your tip number and secret code."
    code = session.scalar(select(Reward)).claim_code.read(keyring)
    assert code not in body and "250" not in body


def test_only_supervisors_handle_rewards_and_only_on_tips_they_see(
    client, session, keyring, supervisors
):
    first, _ = supervisors
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    created = make_tip(session, keyring, N1_POINT)
    body = {"tip_number": created.tip_number, "amount_cents": 100, "reason": "Led to arrest"}
    assert (
        client.post("/api/v1/staff/rewards", json=body, headers=bearer(detective)).status_code
        == 403
    )
    # A complaint about an officer is oversight's: a supervisor cannot put a reward on it.
    conduct = make_tip(
        session, keyring, N1_POINT, narrative="Officer Brandt harassed me, abuse of power."
    )
    tip = session.scalar(select(Tip).where(Tip.tip_number == conduct.tip_number))
    assert tip.queue.code == "oversight"
    body["tip_number"] = conduct.tip_number
    assert client.post("/api/v1/staff/rewards", json=body, headers=bearer(first)).status_code == 404
    bad = client.post(
        "/api/v1/staff/rewards/payments", json={"claim_code": "nope"}, headers=bearer(first)
    )
    assert bad.status_code == 400 and "nope" not in bad.get_data(as_text=True)


def test_reward_totals_appear_in_the_public_statistics(client, session, keyring, supervisors):
    first, second = supervisors
    for _ in range(10):
        created = make_tip(session, keyring, N1_POINT)
        reward = service.propose_reward(
            session, keyring, first.user, created.tip_number, 10000, "Led to an arrest"
        )
        service.decide_reward(session, keyring, second.user, reward.id, approve=True)
        code = reward.claim_code.read(keyring)
        service.pay_reward(session, keyring, first.user, code)
        when = last_complete_month()
        reward.decided_at, reward.paid_at = when, when + timedelta(hours=1)
    session.commit()
    html = client.get(f"/stats?year={last_complete_month().year}").get_data(as_text=True)
    assert re.search(r"Rewards paid</th><td class=\"n\">10</td>", html)
    assert "$1,000.00" in html


def test_a_prosecutor_sees_what_a_supervisor_forwards_and_no_identity(
    client, session, keyring, supervisors
):
    first, _ = supervisors
    prosecutor = make_user(session, keyring, "da", "prosecutor", ("N1",))
    created = make_tip(session, keyring, N1_POINT, channel="sms", sender=Sender("phone", PHONE))
    path = f"/api/v1/staff/tips/{created.tip_number}"
    assert client.get(path, headers=bearer(prosecutor)).status_code == 404
    moved = client.patch(
        path, json={"queue": "prosecutor", "reason": "For the community prosecutor"},
        headers=bearer(first),
    )  # fmt: skip
    assert moved.status_code == 200
    seen = client.get(path, headers=bearer(prosecutor))
    assert seen.status_code == 200 and PHONE not in seen.get_data(as_text=True)
    reveal = client.post(
        f"{path}/reveal", json={"reason": "I want to know who", "code": "000000"},
        headers=bearer(prosecutor),
    )  # fmt: skip
    assert reveal.status_code == 403


def test_the_first_staff_action_is_the_first_response(client, session, keyring, supervisors):
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    created = make_tip(session, keyring, N1_POINT)
    path = f"/api/v1/staff/tips/{created.tip_number}"
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    assert tip.first_response_at is None
    assert client.post(f"{path}/claim", headers=bearer(detective)).status_code == 200
    session.expire_all()
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    first_response = tip.first_response_at
    assert first_response is not None
    assert (
        client.patch(path, json={"status": "investigating"}, headers=bearer(detective)).status_code
        == 200
    )
    session.expire_all()
    assert session.get(Tip, tip.id).first_response_at == first_response


def test_an_api_tipster_reads_the_reward_and_code_with_the_receipt(
    client, session, keyring, supervisors
):
    first, second = supervisors
    created = make_tip(session, keyring, N1_POINT)
    path = f"/api/v1/tips/{created.tip_number}/status"
    assert client.post(path, json={"receipt": created.receipt}).get_json()["rewards"] == []
    reward = service.propose_reward(
        session, keyring, first.user, created.tip_number, 7500, "Information used"
    )
    service.decide_reward(session, keyring, second.user, reward.id, approve=True)
    session.commit()
    [shown] = client.post(path, json={"receipt": created.receipt}).get_json()["rewards"]
    assert shown["status"] == "approved" and shown["amount_cents"] == 7500
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}-\w{4}", shown["claim_code"])
    # Without the receipt: the same 404 as ever, nothing about a reward.
    wrong = client.post(path, json={"receipt": "WRNG-WRNG-WRNG-WRNG"})
    assert wrong.status_code == 404 and "reward" not in wrong.get_data(as_text=True)
