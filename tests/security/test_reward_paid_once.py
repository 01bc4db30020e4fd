"""A claim code pays once, even when two cashiers enter it at the same moment; a reward is
decided once, even when two supervisors decide it at the same moment.

Both requests read the reward as approved before either writes. The second then marked it paid
again (a second payment, a second ``reward.paid`` event) instead of answering "paid already".
The stale read is made here deterministically: the row is paid behind the session's back.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from intake.errors import ConflictError
from intake.models import AuditEvent, Reward
from intake.rewards import service
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_a_claim_code_paid_meanwhile_is_not_paid_again(session, keyring):
    first = make_user(session, keyring, "sup-a", "supervisor")
    second = make_user(session, keyring, "sup-b", "supervisor")
    created = make_tip(session, keyring, N1_POINT)
    reward = service.propose_reward(
        session, keyring, first.user, created.tip_number, 25000, "Information used"
    )
    service.decide_reward(session, keyring, second.user, reward.id, approve=True)
    session.commit()
    code = reward.claim_code.read(keyring)
    assert reward.status == "approved"  # what both cashiers' requests read
    # The other cashier's request pays it and commits first.
    session.execute(
        update(Reward)
        .where(Reward.id == reward.id)
        .values(status="paid", paid_by_id=first.user.id)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError):
        service.pay_reward(session, keyring, second.user, code)
    paid_events = select(func.count()).where(AuditEvent.action == "reward.paid")
    assert session.scalar(paid_events) == 0


def test_an_approved_code_is_still_paid(session, keyring):
    first = make_user(session, keyring, "sup-a", "supervisor")
    second = make_user(session, keyring, "sup-b", "supervisor")
    created = make_tip(session, keyring, N1_POINT)
    reward = service.propose_reward(
        session, keyring, first.user, created.tip_number, 5000, "Arrest made"
    )
    service.decide_reward(session, keyring, second.user, reward.id, approve=True)
    session.commit()
    code = reward.claim_code.read(keyring)
    paid = service.pay_reward(session, keyring, first.user, code)
    assert (paid.status, paid.paid_by_id) == ("paid", first.user.id)
    with pytest.raises(ConflictError):
        service.pay_reward(session, keyring, second.user, code)


@pytest.mark.parametrize("approve", [True, False])
def test_a_reward_decided_meanwhile_is_not_decided_again(session, keyring, approve):
    """Two supervisors deciding at once: the second gets "decided already", no second code."""
    first = make_user(session, keyring, "sup-a", "supervisor")
    second = make_user(session, keyring, "sup-b", "supervisor")
    third = make_user(session, keyring, "sup-c", "supervisor")
    created = make_tip(session, keyring, N1_POINT)
    reward = service.propose_reward(
        session, keyring, first.user, created.tip_number, 25000, "Information used"
    )
    session.commit()
    assert reward.status == "proposed"  # what both supervisors' requests read
    # The other supervisor's request approves it and commits first.
    session.execute(
        update(Reward)
        .where(Reward.id == reward.id)
        .values(status="approved", decided_by_id=third.user.id, claim_digest="f" * 64)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError):
        service.decide_reward(session, keyring, second.user, reward.id, approve=approve)
    session.expire_all()
    stored = session.get(Reward, reward.id)
    assert (stored.status, stored.decided_by_id) == ("approved", third.user.id)
    assert stored.claim_digest == "f" * 64
    decided = select(func.count()).where(
        AuditEvent.action.in_(("reward.approved", "reward.declined"))
    )
    assert session.scalar(decided) == 0


def test_a_proposed_reward_is_still_declined_and_approved(session, keyring):
    first = make_user(session, keyring, "sup-a", "supervisor")
    second = make_user(session, keyring, "sup-b", "supervisor")
    created = make_tip(session, keyring, N1_POINT)
    declined = service.propose_reward(
        session, keyring, first.user, created.tip_number, 1000, "Information used"
    )
    service.decide_reward(session, keyring, second.user, declined.id, approve=False)
    approved = service.propose_reward(
        session, keyring, first.user, created.tip_number, 2000, "Arrest made here"
    )
    service.decide_reward(session, keyring, second.user, approved.id, approve=True)
    session.commit()
    session.expire_all()
    assert (declined.status, declined.decided_by_id) == ("declined", second.user.id)
    assert declined.claim_digest is None
    assert (approved.status, approved.decided_by_id) == ("approved", second.user.id)
    assert approved.claim_digest is not None and approved.claim_code.read(keyring)
