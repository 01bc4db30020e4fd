"""The home page's urgent box lists every open emergency the viewer may see, not the first 25."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from intake.models import URGENCY_RANK, Tip
from intake.queues import pages
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import H2_POINT, N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _emergency(session, tip_ids):
    session.execute(
        update(Tip)
        .where(Tip.id.in_(tip_ids))
        .values(urgency="emergency", urgency_rank=URGENCY_RANK["emergency"])
    )
    session.commit()


def test_every_open_emergency_is_on_the_home_page(own_app, session, keyring, monkeypatch):
    web = own_app()
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    mine = [make_tip(session, keyring, N1_POINT) for _ in range(30)]
    theirs = make_tip(session, keyring, H2_POINT)
    _emergency(session, [t.tip_id for t in mine] + [theirs.tip_id])
    client = _signed_in(web, session, detective)

    page = client.get("/staff/").get_data(as_text=True)
    urgent = page.split('id="urgent-h"')[1].split('id="queues-h"')[0]
    assert all(t.tip_number in urgent for t in mine)  # all 30, past the old cut at 25
    assert "30 open emergencies" in urgent
    assert theirs.tip_number not in page  # another district's emergency stays out of sight

    # Past the ceiling the page says there are more instead of rendering every row.
    monkeypatch.setattr(pages, "URGENT_SHOWN_MAX", 10)
    capped = client.get("/staff/").get_data(as_text=True)
    urgent = capped.split('id="urgent-h"')[1].split('id="queues-h"')[0]
    assert sum(t.tip_number in urgent for t in mine) == 10
    assert "there are more" in urgent
