"""Sealed columns derive their associated data from table, column and row; what was sealed with
the associated data spelled by hand (every ciphertext stored so far) opens through them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from intake import crypto
from intake.crypto import DecryptionError, Keyring, KeyShreddedError
from intake.models import (
    Attachment,
    InboundEvent,
    Message,
    Note,
    NotifyRoute,
    OutboxMessage,
    Reporter,
    Reward,
    Tip,
    User,
)
from intake.models.sealed import TEXT, Sealed, SealedField
from tests.factories import make_tip

#: (table, column, row attribute) of every sealed column. Stored ciphertexts are bound to these:
#: changing one (renaming a table, a column or the attribute) orphans every one of them.
PINNED = {
    ("tip", "narrative", "id"),
    ("tip", "location_text", "id"),
    ("tip", "point", "id"),
    ("tip", "routing_reason", "id"),
    ("tip", "evidence", "id"),
    ("tip", "source_url", "id"),
    ("message", "body", "id"),
    ("note", "body", "id"),
    ("attachment", "data", "id"),
    ("reward", "reason", "id"),
    ("reward", "claim_code", "id"),
    ("reporter", "address", "id"),
    ("user", "totp_secret", "id"),
    ("notify_route", "target", "user_id"),
    ("inbound_event", "replay", "event_key"),
    ("outbox_message", "payload.sid", "id"),
}


def test_every_sealed_column_keeps_the_associated_data_it_was_sealed_with() -> None:
    declared = {(f.table, f.column, f.row) for f in SealedField.declared}
    assert declared == PINNED
    row_id = uuid.UUID("0b6f3c7e-0c3a-4a53-9d43-59d2f6a3c1d1")
    assert Tip.narrative.associated_data(row_id) == (
        b"intake|tip|narrative|0b6f3c7e-0c3a-4a53-9d43-59d2f6a3c1d1"
    )
    assert NotifyRoute.target.associated_data(7) == b"intake|notify_route|target|7"
    assert OutboxMessage.payload_sid.associated_data(3) == b"intake|outbox_message|payload.sid|3"


def _tip(keyring: Keyring) -> Tip:
    tip = Tip()
    tip.create_data_key(keyring)
    return tip


def _user(keyring: Keyring) -> User:
    user = User(id=41)
    user.create_data_key(keyring)
    return user


def _old_seal(
    owner: Any, keyring: Keyring, table: str, column: str, row_id: object
) -> Callable[[bytes], bytes]:
    """Sealing as every call site did before the columns: the triple spelled by hand."""

    def seal(plaintext: bytes) -> bytes:
        return crypto.seal(owner.aead(keyring), plaintext, crypto.aad_for(table, column, row_id))

    return seal


#: Builds a row, stores in it a ciphertext sealed the old way, reads it through the column.
Case = Callable[[Keyring], Any]


def _tip_case(column: str, plaintext: bytes, read: Callable[[Tip, Keyring], Any]) -> Case:
    def case(keyring: Keyring) -> Any:
        tip = _tip(keyring)
        setattr(tip, f"{column}_ct", _old_seal(tip, keyring, "tip", column, tip.id)(plaintext))
        return read(tip, keyring)

    return case


def _under_tip(model: type[Any], table: str, column: str, storage: str) -> Case:
    def case(keyring: Keyring) -> Any:
        tip = _tip(keyring)
        row = model(tip=tip)
        setattr(row, storage, _old_seal(tip, keyring, table, column, row.id)(b"old words"))
        return getattr(row, column).read(keyring)

    return case


def _route(keyring: Keyring) -> Any:
    user = _user(keyring)
    route = NotifyRoute(user_id=user.id, user=user)
    aad_row = user.id  # the route is bound to its user's id, as oncall sealed it
    route.target_ct = _old_seal(user, keyring, "notify_route", "target", aad_row)(b"old words")
    return route.target.read(keyring)


def _totp(keyring: Keyring) -> Any:
    user = _user(keyring)
    user.totp_secret_ct = _old_seal(user, keyring, "user", "totp_secret", user.id)(b"old words")
    return user.totp_secret.read(keyring)


def _reporter(keyring: Keyring) -> Any:
    reporter = Reporter()
    reporter.create_data_key(keyring)
    identity = json.dumps({"phone": "+16175550100", "name": "old words"}, sort_keys=True)
    seal = _old_seal(reporter, keyring, "reporter", "address", reporter.id)
    reporter.address_ct = seal(identity.encode())
    return reporter.address.read(keyring)["name"]


def _attachment(keyring: Keyring) -> Any:
    tip = _tip(keyring)
    attachment = Attachment(tip=tip)
    attachment.data_ct = _old_seal(tip, keyring, "attachment", "data", attachment.id)(b"old words")
    return attachment.data.read(keyring).decode()


def _replay(keyring: Keyring) -> Any:
    event = InboundEvent(provider="api", event_key="digest-of-the-key")
    key = crypto.derive_sealing_key(keyring, "client-secret")
    aad = crypto.aad_for("inbound_event", "replay", "digest-of-the-key")
    event.replay_ct = crypto.seal(key, b"old words", aad)
    return event.replay.read(keyring, "client-secret")


def _sid(keyring: Keyring) -> Any:
    row = OutboxMessage(id=12, payload={})
    aad = crypto.aad_for("outbox_message", "payload.sid", 12)
    row.payload = {"sid": crypto.seal_value(keyring, "identity", "old words", aad)}
    return row.payload_sid.read(keyring)


OLD_WAY: dict[str, Case] = {
    "tip.narrative": _tip_case("narrative", b"old words", lambda t, k: t.narrative.read(k)),
    "tip.location_text": _tip_case(
        "location_text", b"old words", lambda t, k: t.location_text.read(k)
    ),
    "tip.source_url": _tip_case("source_url", b"old words", lambda t, k: t.source_url.read(k)),
    "tip.routing_reason": _tip_case(
        "routing_reason", b"old words", lambda t, k: t.routing_reason.read(k)
    ),
    "tip.point": _tip_case("point", b"[42.35, -71.06]", lambda t, k: t.point.read(k)),
    "tip.evidence": _tip_case(
        "evidence",
        json.dumps({"category": ["old words"], "urgency": []}).encode(),
        lambda t, k: t.evidence.read(k)["category"][0],
    ),
    "message.body": _under_tip(Message, "message", "body", "body_ct"),
    "note.body": _under_tip(Note, "note", "body", "body_ct"),
    "reward.reason": _under_tip(Reward, "reward", "reason", "reason_ct"),
    "reward.claim_code": _under_tip(Reward, "reward", "claim_code", "claim_code_ct"),
    "notify_route.target": _route,
    "user.totp_secret": _totp,
    "reporter.address": _reporter,
    "attachment.data": _attachment,
    "inbound_event.replay": _replay,
    "outbox_message.payload.sid": _sid,
}


def test_the_cases_cover_every_sealed_column() -> None:
    assert {f"{t}.{c}" for t, c, _ in PINNED} == set(OLD_WAY)


@pytest.mark.parametrize("name", sorted(OLD_WAY))
def test_a_value_sealed_the_old_way_opens_through_its_column(name: str, keyring_json: str) -> None:
    value = OLD_WAY[name](Keyring.from_json(keyring_json))
    assert value == ((42.35, -71.06) if name == "tip.point" else "old words")


def test_a_stored_row_sealed_the_old_way_opens_after_a_reload(session, keyring) -> None:
    created = make_tip(session, keyring, narrative="Filed before the columns existed.")
    tip = session.get(Tip, created.tip_id)
    note = Note(tip=tip, tip_id=tip.id, body_ct=b"")
    note.body_ct = _old_seal(tip, keyring, "note", "body", note.id)(b"A note from last year.")
    tip.narrative_ct = _old_seal(tip, keyring, "tip", "narrative", tip.id)(b"Sealed by hand.")
    session.add(note)
    session.commit()
    session.expunge_all()  # a new instance: the data key is unwrapped from the row again
    tip = session.get(Tip, created.tip_id)
    note = session.get(Note, note.id)
    assert tip.narrative.read(keyring) == "Sealed by hand."
    assert note.body.read(keyring) == "A note from last year."


def test_a_ciphertext_moved_to_another_row_or_column_does_not_open(keyring_json: str) -> None:
    keyring = Keyring.from_json(keyring_json)
    tip = _tip(keyring)
    first, second = Note(tip=tip), Note(tip=tip)
    first.body.seal(keyring, "only for the first note")
    assert first.body.read(keyring) == "only for the first note"
    second.body_ct = first.body_ct  # same data key, another row
    with pytest.raises(DecryptionError):
        second.body.read(keyring)
    message = Message(id=first.id, tip=tip)
    message.body_ct = first.body_ct  # same key, same row id, another table
    with pytest.raises(DecryptionError):
        message.body.read(keyring)
    tip.narrative.seal(keyring, "the narrative")
    tip.location_text_ct = tip.narrative_ct  # same row, another column
    with pytest.raises(DecryptionError):
        tip.location_text.read(keyring)


def test_a_wrong_row_fails_for_the_other_kinds_of_sealed_column(keyring_json: str) -> None:
    keyring = Keyring.from_json(keyring_json)
    event = InboundEvent(provider="api", event_key="one")
    event.replay.seal(keyring, "client-secret", "0000-0000-0000")
    other = InboundEvent(provider="api", event_key="two", replay_ct=event.replay_ct)
    with pytest.raises(DecryptionError):
        other.replay.read(keyring, "client-secret")
    with pytest.raises(DecryptionError):
        event.replay.read(keyring, "another client's secret")
    row = OutboxMessage(id=1, payload={})
    row.payload_sid.seal(keyring, "SM0123")
    assert row.payload_sid.read(keyring) == "SM0123"
    with pytest.raises(DecryptionError):
        OutboxMessage(id=2, payload=row.payload).payload_sid.read(keyring)
    assert OutboxMessage(id=3, payload={}).payload_sid.read(keyring) is None


def test_empty_columns_read_as_the_empty_value_and_shredded_keys_fail(keyring_json: str) -> None:
    keyring = Keyring.from_json(keyring_json)
    tip = _tip(keyring)
    assert tip.location_text.read(keyring) is None and not tip.location_text.is_set
    assert tip.routing_reason.read(keyring) == ""
    tip.location_text.seal(keyring, "by the park")
    tip.routing_reason.seal(keyring, "x" * 400)
    assert tip.location_text.is_set and len(tip.routing_reason.read(keyring)) == 300
    tip.location_text.seal(keyring, None)
    assert tip.location_text_ct is None
    tip.narrative.seal(keyring, "gone soon")
    tip.shred()
    with pytest.raises(KeyShreddedError):
        tip.narrative.read(keyring)


def test_a_sealed_column_cannot_be_assigned_clear_text() -> None:
    with pytest.raises(AttributeError, match="sealed"):
        Tip().narrative = "in clear"  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        Tip(narrative="in clear")


def test_a_sealed_column_without_its_ciphertext_column_fails_where_it_is_declared() -> None:
    # Python 3.11 reports an error of __set_name__ as a RuntimeError caused by it.
    with pytest.raises((TypeError, RuntimeError)) as raised:

        class Demo:
            __tablename__ = "demo"
            id = 1
            narrative_ct = b""
            narrative = Sealed(TEXT, storage="narative_ct")

    error = raised.value.__cause__ or raised.value
    assert isinstance(error, TypeError) and "'narative_ct'" in str(error)
    assert all(f.table != "demo" for f in SealedField.declared)
