"""Body limits: forwarding takes a base64 photo in JSON; every other JSON endpoint stays small."""

from __future__ import annotations

import base64
import io
import random

import pytest
from PIL import Image
from sqlalchemy import func, select

from intake.models import Attachment, Tip
from tests.staff.factories import bearer, make_tip, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

MAX_UPLOAD = 120_000  # a small upload limit keeps the bodies of these tests small
FORWARD_LIMIT = MAX_UPLOAD * 4 // 3 + 64 * 1024
JSON_LIMIT = 64 * 1024


def _noisy_jpeg(min_bytes: int) -> bytes:
    """A JPEG of at least ``min_bytes`` (noise does not compress)."""
    rng = random.Random(7)
    side = 120
    while True:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=95)
        if len(buffer.getvalue()) >= min_bytes:
            return buffer.getvalue()
        side += 20


@pytest.fixture
def limited(own_app, session, keyring):
    app = own_app(max_upload_bytes=MAX_UPLOAD)
    assert app.extensions["intake"].settings.max_json_bytes == JSON_LIMIT
    social = make_user(session, keyring, "soc", "social_media")
    detective = make_user(session, keyring, "det", "detective", ("N1",))
    return app, social, detective


def test_forwarding_takes_a_photo_larger_than_the_json_limit(limited, session):
    app, social, _ = limited
    photo = _noisy_jpeg(90_000)
    assert len(base64.b64encode(photo)) > JSON_LIMIT and len(photo) <= MAX_UPLOAD
    body = {"platform": "facebook", "text": "A stolen car behind the school.", "attachments": []}
    body["attachments"] = [base64.b64encode(photo).decode()]
    response = app.test_client().post("/api/v1/staff/forwards", json=body, headers=bearer(social))
    assert response.status_code == 201
    number = response.get_json()["tip_number"]
    tip_id = session.scalar(select(Tip.id).where(Tip.tip_number == number))
    assert session.scalar(select(func.count()).where(Attachment.tip_id == tip_id)) == 1


def test_forwarding_refuses_a_body_over_its_own_limit(limited):
    app, social, _ = limited
    client = app.test_client()
    head, tail = '{"platform": "facebook", "text": "hi", "attachments": ["', '"]}'
    for size, expected in ((FORWARD_LIMIT, 400), (FORWARD_LIMIT + 1, 413)):
        padding = "A" * (size - len(head) - len(tail))  # valid base64, not an image
        raw = head + padding + tail
        assert len(raw) == size
        response = client.post(
            "/api/v1/staff/forwards",
            data=raw,
            content_type="application/json",
            headers=bearer(social),
        )
        assert response.status_code == expected
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_a_large_forward_without_a_token_is_refused_before_its_body_is_read(limited):
    app, _, _ = limited
    body = {"platform": "facebook", "text": "hi", "attachments": ["A" * 100_000]}
    assert app.test_client().post("/api/v1/staff/forwards", json=body).status_code == 401


def test_other_json_endpoints_keep_the_small_limit(limited, session, keyring):
    app, _, detective = limited
    client = app.test_client()
    just_over = "x" * (JSON_LIMIT + 1)
    tip = make_tip(session, keyring)
    note = client.post(
        f"/api/v1/staff/tips/{tip.tip_number}/notes",
        json={"body": just_over},
        headers=bearer(detective),
    )
    assert note.status_code == 413
    public = client.post("/api/v1/tips", json={"narrative": just_over})
    assert public.status_code == 413
    # A body the forward view accepts is still too large for its neighbours.
    sized = "x" * (FORWARD_LIMIT - 1000)
    assert (
        client.post(
            f"/api/v1/staff/tips/{tip.tip_number}/replies",
            json={"body": sized},
            headers=bearer(detective),
        ).status_code
        == 413
    )
    small = client.post(
        f"/api/v1/staff/tips/{tip.tip_number}/notes",
        json={"body": "Checked the corner; nothing yet."},
        headers=bearer(detective),
    )
    assert small.status_code == 201


def test_only_the_forward_view_has_the_larger_allowance(app):
    from intake.api import BASE64_UPLOADS

    marked = sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, BASE64_UPLOADS, False)
    )
    assert marked == ["staff_forwards_api.create_forward"]
