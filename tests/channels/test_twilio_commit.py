"""An inbound text is acknowledged only once it is committed."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.models import Tip
from tests.channels.conftest import SMS_PATH, post_signed, sms_form
from tests.factories import jpeg_with_gps
from tests.test_unit_of_work import failing_request_commits


def test_an_sms_whose_commit_fails_is_not_acknowledged_and_its_photo_stays_at_twilio(
    build_app, twilio_stub, monkeypatch
) -> None:
    app: Flask = build_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    url = twilio_stub.media_url("0042", jpeg_with_gps())
    form = sms_form(
        "They deal from the blue car on Elm Street every night.", media=((url, "image/jpeg"),)
    )
    failed = failing_request_commits(monkeypatch)

    response = post_signed(app.test_client(), SMS_PATH, form)

    assert failed == ["commit"]
    assert response.status_code == 500  # Twilio sends it again; nothing was acknowledged
    with app.app_context():
        assert db.session.scalars(select(Tip)).all() == []
        db.session.rollback()
    assert twilio_stub.seen("DELETE", "/Media/ME0042") == []
    assert twilio_stub.media != {}
