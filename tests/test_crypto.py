"""Envelope encryption, associated data, rotation, shredding, blind index."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from intake import crypto
from intake.crypto import DecryptionError, Keyring, KeyringError, KeyShreddedError
from intake.models import Reporter, Tip
from intake.submissions.service import Contact, read_identity
from tests.factories import make_tip


def test_seal_binds_ciphertext_to_table_column_and_row() -> None:
    key = crypto.new_data_key()
    blob = crypto.seal(key, b"secret", crypto.aad_for("tip", "narrative", "row-1"))
    assert crypto.unseal(key, blob, crypto.aad_for("tip", "narrative", "row-1")) == b"secret"
    for aad in (
        crypto.aad_for("tip", "narrative", "row-2"),
        crypto.aad_for("tip", "location_text", "row-1"),
        crypto.aad_for("message", "narrative", "row-1"),
    ):
        with pytest.raises(DecryptionError):
            crypto.unseal(key, blob, aad)


def test_tampered_or_truncated_ciphertext_fails() -> None:
    key = crypto.new_data_key()
    aad = crypto.aad_for("t", "c", 1)
    blob = bytearray(crypto.seal(key, b"secret", aad))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        crypto.unseal(key, bytes(blob), aad)
    with pytest.raises(DecryptionError):
        crypto.unseal(key, b"\x01short", aad)


def test_keyring_requires_every_purpose_and_rejects_malformed_input() -> None:
    document = crypto.generate_keyring_document()
    document["keys"] = [k for k in document["keys"] if k["purpose"] != "receipt"]
    with pytest.raises(KeyringError, match="receipt"):
        Keyring.from_json(json.dumps(document))
    with pytest.raises(KeyringError):
        Keyring.from_json("{not json")


def test_ciphertext_swapped_between_tips_does_not_open(session, keyring) -> None:
    first = make_tip(session, keyring, narrative="first narrative")
    second = make_tip(session, keyring, narrative="second narrative")
    tip_a = session.get(Tip, first.tip_id)
    tip_b = session.get(Tip, second.tip_id)
    tip_b.narrative_ct = tip_a.narrative_ct
    with pytest.raises(DecryptionError):
        tip_b.narrative(keyring)


def test_identity_and_content_use_different_key_encryption_keys(session, keyring) -> None:
    created = make_tip(session, keyring, contact=Contact(phone="+1 617 555 0100"))
    tip = session.get(Tip, created.tip_id)
    assert tip.kek_id == keyring.active("content").key_id
    assert tip.reporter.kek_id == keyring.active("identity").key_id
    assert read_identity(keyring, tip.reporter) == {"phone": "+16175550100"}


def test_shredding_a_tip_key_makes_its_content_unreadable(session, keyring) -> None:
    created = make_tip(session, keyring, narrative="to be shredded")
    tip = session.get(Tip, created.tip_id)
    tip.shred()
    session.commit()
    session.expire_all()
    tip = session.get(Tip, created.tip_id)
    with pytest.raises(KeyShreddedError):
        tip.narrative(keyring)


def test_blind_index_is_deterministic_and_keyed() -> None:
    one = Keyring.from_json(json.dumps(crypto.generate_keyring_document()))
    two = Keyring.from_json(json.dumps(crypto.generate_keyring_document()))
    assert crypto.blind_index(one, "sms", "+16175550100") == crypto.blind_index(
        one, "sms", "+16175550100"
    )
    assert crypto.blind_index(one, "sms", "+16175550100") != crypto.blind_index(
        two, "sms", "+16175550100"
    )
    assert "6175550100" not in crypto.blind_index(one, "sms", "+16175550100")


def test_rotation_rewraps_data_keys_and_old_data_still_opens(
    app, make_app, keyring_json, tmp_path
) -> None:
    from intake.extensions import db

    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(keyring_json)
    runner = app.test_cli_runner()
    with app.app_context():
        created = make_tip(
            db.session,
            app.extensions["intake.keyring"],
            narrative="old words",
            contact=Contact(email="someone@example.org"),
        )
    result = runner.invoke(args=["intake", "keys", "generate", "--add", str(keyring_file)])
    assert result.exit_code == 0, result.output

    rotated = make_app(keyring_json=None, keyring_file=str(keyring_file))
    new_keyring = rotated.extensions["intake.keyring"]
    result = rotated.test_cli_runner().invoke(args=["intake", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    with rotated.app_context():
        tip = db.session.get(Tip, created.tip_id)
        assert tip.kek_id == new_keyring.active("content").key_id
        assert tip.narrative(new_keyring) == "old words"
        reporter = db.session.scalar(select(Reporter))
        assert reporter.kek_id == new_keyring.active("identity").key_id
        assert read_identity(new_keyring, reporter) == {"email": "someone@example.org"}
        # Running again has nothing left to do: rotation is resumable and idempotent.
    again = rotated.test_cli_runner().invoke(args=["intake", "keys", "rotate"])
    assert again.exit_code == 0
    assert "newest keys" in again.output


def test_generate_prints_a_complete_keyring(app) -> None:
    result = app.test_cli_runner().invoke(args=["intake", "keys", "generate"])
    assert result.exit_code == 0
    keyring = Keyring.from_json(result.output)
    assert {keyring.active(p).purpose for p in crypto.PURPOSES} == set(crypto.PURPOSES)


def test_a_sealed_value_opens_only_for_its_row(keyring) -> None:
    sealed = crypto.seal_value(keyring, "identity", "SM0123", crypto.aad_for("t", "c", 1))
    assert "SM0123" not in sealed
    assert sealed.startswith(keyring.active("identity").key_id + ":")
    assert crypto.open_value(keyring, sealed, crypto.aad_for("t", "c", 1)) == "SM0123"
    with pytest.raises(DecryptionError):
        crypto.open_value(keyring, sealed, crypto.aad_for("t", "c", 2))
