"""Photos sent with a tip are shown on its page: same access check as the download, audited as
viewed (hidden from the audit log by default), never cached, images only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.models import AuditEvent, Tip
from tests.queues.test_audit_page import _signed_in
from tests.related.test_related import _photo
from tests.staff.factories import N1_POINT, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")


def test_a_tips_photo_is_shown_inline_to_whoever_may_see_the_tip(own_app, session, keyring):
    web = own_app()
    detective = make_user(session, keyring, "det-n1", "detective", ("N1",))
    outsider = make_user(session, keyring, "det-h2", "detective", ("H2",))
    created = make_tip(session, keyring, N1_POINT, narrative="This car.", images=(_photo(4),))
    client = _signed_in(web, session, detective)
    page = client.get(f"/staff/tips/{created.tip_number}").get_data(as_text=True)
    src = re.search(r'<img src="([^"]+/view)" alt="Photo 1 sent with this tip"', page)
    assert src, "the tip page shows the photo"
    shown = client.get(src.group(1))
    assert shown.status_code == 200 and shown.data[:2] == b"\xff\xd8"
    assert shown.headers["Content-Type"] == "image/jpeg"
    assert shown.headers["Content-Disposition"] == "inline"
    assert shown.headers["Cache-Control"] == "no-store"
    tip = session.scalar(select(Tip).where(Tip.tip_number == created.tip_number))
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == tip.id)).all()
    session.rollback()
    assert "attachment.viewed" in actions
    # Another queue's detective gets the same answer as for a photo that does not exist.
    other = _signed_in(web, session, outsider)
    assert other.get(src.group(1)).status_code == 404
    assert other.get(src.group(1).replace(src.group(1).split("/")[-2], "0" * 32)).status_code == 404
    assert client.get(src.group(1).replace(src.group(1).split("/")[-2], "nope")).status_code == 404
