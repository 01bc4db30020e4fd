"""Envelope encryption, associated data, rotation, shredding, blind index."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from intake import crypto
from intake.audit.service import record_event, verify_chain
from intake.crypto import DecryptionError, Keyring, KeyringError, KeyShreddedError
from intake.identity.service import Contact, read_identity
from intake.models import AuditEvent, Reporter, Tip
from intake.models.tip import cell_of
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
        tip_b.narrative.read(keyring)


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
        tip.narrative.read(keyring)


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
            app.extensions["intake"].keyring,
            narrative="old words",
            contact=Contact(email="someone@example.org"),
        )
    result = runner.invoke(args=["intake", "keys", "generate", "--add", str(keyring_file)])
    assert result.exit_code == 0, result.output

    rotated = make_app(keyring_json=None, keyring_file=str(keyring_file))
    new_keyring = rotated.extensions["intake"].keyring
    result = rotated.test_cli_runner().invoke(args=["intake", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    with rotated.app_context():
        tip = db.session.get(Tip, created.tip_id)
        assert tip.kek_id == new_keyring.active("content").key_id
        assert tip.narrative.read(new_keyring) == "old words"
        reporter = db.session.scalar(select(Reporter))
        assert reporter.kek_id == new_keyring.active("identity").key_id
        assert read_identity(new_keyring, reporter) == {"email": "someone@example.org"}
        # Running again has nothing left to do: rotation is resumable and idempotent.
    again = rotated.test_cli_runner().invoke(args=["intake", "keys", "rotate"])
    assert again.exit_code == 0
    assert "newest keys" in again.output
    # The audit key was replaced too: new events use it, older ones still verify.
    assert (
        new_keyring.active("audit").key_id
        != app.extensions["intake"].keyring.active("audit").key_id
    )
    with rotated.app_context():
        record_event(db.session, "tip.viewed")
        db.session.commit()
        assert len(set(db.session.scalars(select(AuditEvent.key_id)))) == 2
        assert verify_chain(db.session) is None


def test_generate_prints_a_complete_keyring(app) -> None:
    result = app.test_cli_runner().invoke(args=["intake", "keys", "generate"])
    assert result.exit_code == 0
    keyring = Keyring.from_json(result.output)
    assert {keyring.active(p).purpose for p in crypto.PURPOSES} == set(crypto.PURPOSES)


def test_a_keyring_without_an_audit_key_derives_one_from_its_receipt_key() -> None:
    document = crypto.generate_keyring_document()
    own = Keyring.from_json(json.dumps(document))
    assert not own.audit_key_is_derived
    document["keys"] = [k for k in document["keys"] if k["purpose"] != "audit"]
    older = Keyring.from_json(json.dumps(document))
    again = Keyring.from_json(json.dumps(document))
    assert older.audit_key_is_derived
    derived = older.active("audit")
    assert derived.key_id == crypto.DERIVED_AUDIT_PREFIX + older.active("receipt").key_id
    assert derived.material == again.active("audit").material  # stable across restarts
    assert derived.material != older.active("receipt").material
    assert older.hmac_key("audit", derived.key_id) == derived
    with pytest.raises(KeyringError):
        older.hmac_key("receipt", derived.key_id)  # a key answers for its own purpose only
    # Once the keyring gets an audit key of its own, the derived one still checks older events.
    upgraded = Keyring.from_json(json.dumps(crypto.add_key(document, "audit")))
    assert not upgraded.audit_key_is_derived
    assert upgraded.hmac_key("audit", derived.key_id) == derived


def test_blind_index_and_receipt_keys_cannot_be_added() -> None:
    document = crypto.generate_keyring_document()
    for purpose in ("blind_index", "receipt"):
        with pytest.raises(KeyringError):
            crypto.add_key(document, purpose)
    assert len(crypto.add_key(document, "audit")["keys"]) == len(document["keys"]) + 1


def test_point_routing_reason_and_evidence_are_sealed_to_their_tip(session, keyring) -> None:
    first = make_tip(session, keyring, narrative="first", lat=44.03127, lon=-70.16485)
    second = make_tip(session, keyring, narrative="second", lat=44.07, lon=-70.18)
    tip_a, tip_b = session.get(Tip, first.tip_id), session.get(Tip, second.tip_id)
    assert tip_a.point.read(keyring) == (44.03127, -70.16485)
    assert tip_a.cell == "44.03,-70.17"
    assert tip_a.routing_reason.read(keyring) and set(tip_a.evidence.read(keyring)) == {
        "category",
        "urgency",
    }
    for column in ("point_ct", "routing_reason_ct", "evidence_ct"):
        setattr(tip_b, column, getattr(tip_a, column))
    for read in (tip_b.point.read, tip_b.routing_reason.read, tip_b.evidence.read):
        with pytest.raises(DecryptionError):
            read(keyring)


@pytest.mark.parametrize(
    ("lat", "lon", "cell"),
    [
        (42.35, -71.06, "42.35,-71.06"),  # 42.35 * 100 is 4234.999... in floating point
        (42.3599, -71.0501, "42.35,-71.06"),
        (-0.001, 0.001, "-0.01,0.00"),
        (90.0, 180.0, "90.00,180.00"),
    ],
)
def test_the_cell_is_the_south_west_corner_of_a_hundredth_of_a_degree(lat, lon, cell) -> None:
    assert cell_of(lat, lon) == cell


def test_an_app_on_a_keyring_without_an_audit_key_says_so_and_chains(
    make_app, caplog, keyring_json
) -> None:
    from intake.extensions import db

    document = json.loads(keyring_json)
    document["keys"] = [k for k in document["keys"] if k["purpose"] != "audit"]
    older = make_app(keyring_json=json.dumps(document))
    assert "keyring has no audit key" in caplog.text
    with older.app_context():
        record_event(db.session, "tip.viewed")
        db.session.commit()
        assert db.session.scalar(select(AuditEvent.key_id)).startswith(crypto.DERIVED_AUDIT_PREFIX)
        assert verify_chain(db.session) is None


def test_a_sealed_value_opens_only_for_its_row(keyring) -> None:
    sealed = crypto.seal_value(keyring, "identity", "SM0123", crypto.aad_for("t", "c", 1))
    assert "SM0123" not in sealed
    assert sealed.startswith(keyring.active("identity").key_id + ":")
    assert crypto.open_value(keyring, sealed, crypto.aad_for("t", "c", 1)) == "SM0123"
    with pytest.raises(DecryptionError):
        crypto.open_value(keyring, sealed, crypto.aad_for("t", "c", 2))
