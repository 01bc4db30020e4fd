"""A claim code pays once, even when two cashiers enter it at the same moment.

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
