"""A delivery where one message fails: the rest is stored, and nothing acknowledged is lost."""

# ruff: noqa: F811 - test arguments named after the fixtures imported from social_stub
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.channels import conversation
from intake.errors import InvalidInputError
from tests.channels.social_stub import (  # noqa: F401 - build_app, social_app, stub are fixtures
    SocialStub,
    build_app,
    payload,
    post_meta,
    raw_payload,
    row_counts,
    social_app,
    stub,
)
from tests.factories import jpeg_with_gps

real_handle_incoming = conversation.handle_incoming


@pytest.fixture
def client(social_app: Flask) -> FlaskClient:
    """A test client of the app."""
    return social_app.test_client()


def failing_for(text: str, error: Exception, *, only_with_images: bool = False) -> Any:
    """handle_incoming that raises ``error`` for messages saying ``text``."""

    def handle(session: Any, keyring: Any, incoming: Any, **options: Any) -> Any:
        if text in incoming.text and (incoming.images or not only_with_images):
            raise error
        return real_handle_incoming(session, keyring, incoming, **options)

    return handle


def test_a_message_that_keeps_failing_is_asked_again_and_the_rest_is_kept(
    client: FlaskClient, social_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        conversation, "handle_incoming", failing_for("second sender", RuntimeError("bug"))
    )
    batch = raw_payload("meta_multi_entry.json")
    response = post_meta(client, batch)
    # Not a 200: the platform must deliver again, or the failed message would be lost.
    assert response.status_code == 503
    assert row_counts(social_app)["tip"] == 1  # the first sender's tip (and its follow-up)
    monkeypatch.setattr(conversation, "handle_incoming", real_handle_incoming)
    assert post_meta(client, batch).status_code == 200
    counts = row_counts(social_app)
    assert counts["tip"] == 2
    assert counts["outbox_message"] == 3  # no acknowledgement sent twice


def test_a_message_failing_with_its_photo_is_kept_without_it(
    client: FlaskClient, social_app: Flask, stub: SocialStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        conversation,
        "handle_incoming",
        failing_for("the plate", RuntimeError("bug"), only_with_images=True),
    )
    stub.whatsapp_media["1003383421387256"] = (jpeg_with_gps(), "image/jpeg")
    assert post_meta(client, payload("whatsapp_image.json")).status_code == 200
    counts = row_counts(social_app)
    assert (counts["tip"], counts["attachment"]) == (1, 0)


def test_a_message_the_pipeline_refuses_is_dropped_with_a_200(
    client: FlaskClient, social_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        conversation, "handle_incoming", failing_for("second sender", InvalidInputError())
    )
    assert post_meta(client, raw_payload("meta_multi_entry.json")).status_code == 200
    assert row_counts(social_app)["tip"] == 1
