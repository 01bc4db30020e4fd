"""Forwards made before digests existed get theirs from `flask intake forwards digest`; shredding a
forward's identity or content removes its digest, so a later forward of the post is not linked."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from intake.lifecycle import service as lifecycle
from intake.lifecycle.rules import Policy
from intake.models import Tip, utcnow
from tests.staff.factories import bearer, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

LINK = "https://www.instagram.com/p/Cx1YZ/?igsh=MzRlODBi"
TEXT = "Comentario: venden droga en la esquina de Elm todas las noches, desde las 10."


def _forward(client, user, **body):
    values = {"platform": "instagram", "text": TEXT, "handle": "@vecina_del_5b", **body}
    response = client.post("/api/v1/staff/forwards", json=values, headers=bearer(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_command_digests_older_forwards_so_new_ones_match(app, client, session, keyring):
    social = make_user(session, keyring, "soc", "social_media")
    with_link = _forward(client, social, url=LINK)["tip_number"]
    text_only = _forward(client, social, text=TEXT + " Otra vez.")["tip_number"]
    before = dict(session.execute(select(Tip.tip_number, Tip.source_digest)).all())
    # As a tip forwarded before the digest column existed.
    session.execute(update(Tip).values(source_digest=None))
    session.commit()

    result = app.test_cli_runner().invoke(args=["intake", "forwards", "digest", "--batch-size=1"])
    assert result.exit_code == 0, result.output
    assert "Digested 2 forwards." in result.output
    session.expire_all()
    assert dict(session.execute(select(Tip.tip_number, Tip.source_digest)).all()) == before
    again = app.test_cli_runner().invoke(args=["intake", "forwards", "digest"])
    assert "Digested 0 forwards." in again.output

    assert _forward(client, social, url=LINK)["forwarded_before"] == with_link
    assert _forward(client, social, text=TEXT + " Otra vez.")["forwarded_before"] == text_only


def test_shredding_a_forward_removes_its_digest(client, session, keyring):
    social = make_user(session, keyring, "soc", "social_media")
    first = _forward(client, social, url=LINK)["tip_number"]
    session.rollback()
    tip = session.scalar(select(Tip).where(Tip.tip_number == first))
    assert tip.source_digest is not None
    lifecycle.shred_content(session, tip, Policy(), utcnow(), "test")
    session.commit()
    session.expire_all()
    assert session.scalar(select(Tip.source_digest).where(Tip.tip_number == first)) is None
    assert _forward(client, social, url=LINK)["forwarded_before"] is None
