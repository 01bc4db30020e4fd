"""A filtered audit log must not tell a supervisor what oversight does.

Events about tips outside the viewer's queues keep their place in the unfiltered log as
placeholders (time only). Under a staff-member or action filter, a placeholder would say more:
that the oversight investigator acted at that time, or that an identity was revealed then.
"""

from __future__ import annotations

import pytest

from intake.audit import listing
from intake.identity.rules import REVEALED
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

COMPLAINT = "Officer Brandt harassed me at the traffic stop on Elm, it was abuse of power."


@pytest.fixture
def revealed_complaint(client, session, keyring):
    """A supervisor, and an oversight investigator who opened and revealed a complaint."""
    sup = make_user(session, keyring, "sup", "supervisor")
    ia = make_user(session, keyring, "ia", "oversight")
    conduct = make_tip(session, keyring, N1_POINT, narrative=COMPLAINT, channel="web")
    assert conduct.queue_code == "oversight"
    headers = bearer(ia)
    assert (
        client.get(f"/api/v1/staff/tips/{conduct.tip_number}", headers=headers).status_code == 200
    )
    revealed = client.post(
        f"/api/v1/staff/tips/{conduct.tip_number}/reveal",
        json={"reason": "Complainant interview", "totp": totp_now(ia)},
        headers=headers,
    )
    assert revealed.status_code == 200
    return sup, ia


@pytest.mark.parametrize("filters", [{"actor": "ia"}, {"action": REVEALED}])
def test_a_filtered_audit_log_shows_no_placeholder_for_hidden_queues(
    session, revealed_complaint, filters
):
    sup, _ = revealed_complaint
    page = listing.list_audit(session, sup.user, **filters)
    assert [i.action for i in page.items if i.action == listing.RESTRICTED_ACTION] == []


def test_the_audit_page_filtered_by_the_investigator_says_nothing_of_them(
    own_app, session, revealed_complaint
):
    sup, _ = revealed_complaint
    web = _signed_in(own_app(), session, sup)
    for query in ("user=ia", f"action={REVEALED}"):
        page = web.get(f"/staff/audit/?{query}")
        assert page.status_code == 200
        assert "outside your queues" not in page.get_data(as_text=True)


def test_the_unfiltered_log_still_keeps_their_place(session, revealed_complaint):
    sup, _ = revealed_complaint
    page = listing.list_audit(session, sup.user)
    assert any(i.action == listing.RESTRICTED_ACTION for i in page.items)
