"""The web form with every optional field filled, as a resident who gives everything would."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from intake.models import Tip
from tests.factories import jpeg_with_gps
from tests.submissions.test_pages import open_form, post_tip


def test_every_optional_field_with_email_and_phone_is_saved(client, session) -> None:
    response = post_tip(
        client,
        open_form(client),
        location_text="Alder Park",
        lat="45.5231",
        lon="-122.6765",
        occurred_at="2026-11-30T21:15",
        contact_phone="(503) 555-0142",
        contact_email="resident.tipster@example.org",
        contact_name="Ana Resident",
        photo=(io.BytesIO(jpeg_with_gps()), "porch.jpg"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    number = re.search(r'id="tip-number">([^<]+)<', html).group(1)
    tip = session.scalar(select(Tip).where(Tip.tip_number == number))
    assert tip is not None
    assert tip.reporter_id is not None
    assert len(tip.attachments) == 1


def test_a_malformed_email_redisplays_the_form_and_saves_nothing(client, session) -> None:
    response = post_tip(client, open_form(client), contact_email="not an address")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This email address does not look right." in html
    assert session.scalar(select(Tip)) is None
