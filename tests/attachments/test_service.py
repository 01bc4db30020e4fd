"""The photos of one submission or follow-up share one pixel budget, whatever the channel."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from intake.attachments import rules
from intake.errors import InvalidInputError
from intake.models import Attachment, Tip
from intake.submissions.service import add_followup
from tests.factories import jpeg_with_gps, make_tip

PHOTO_PIXELS = 64 * 48  # jpeg_with_gps()


@pytest.fixture
def two_photo_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "MAX_UPLOAD_PIXELS", 2 * PHOTO_PIXELS)


def test_a_submission_over_its_pixel_budget_is_refused_whole(
    session, keyring, two_photo_budget
) -> None:
    make_tip(session, keyring, images=(jpeg_with_gps(), jpeg_with_gps()))
    with pytest.raises(InvalidInputError) as raised:
        make_tip(session, keyring, images=(jpeg_with_gps(),) * 3)
    session.rollback()
    assert "photo" in (raised.value.fields or {})
    assert session.scalar(select(func.count()).select_from(Tip)) == 1
    assert session.scalar(select(func.count()).select_from(Attachment)) == 2


def test_each_follow_up_has_a_budget_of_its_own(session, keyring, two_photo_budget) -> None:
    created = make_tip(session, keyring, images=(jpeg_with_gps(), jpeg_with_gps()))
    tip = session.get(Tip, created.tip_id)
    add_followup(session, keyring, tip, "two more", channel="web", images=(jpeg_with_gps(),) * 2)
    with pytest.raises(InvalidInputError):
        add_followup(session, keyring, tip, "three", channel="web", images=(jpeg_with_gps(),) * 3)
