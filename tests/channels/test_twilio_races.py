"""Texts that race each other in two app processes: every one is answered, none is a 500.

Each test runs two apps on the same database (two gunicorn workers) in two threads. On
PostgreSQL both requests are held at their first write until the other has made every read it
makes before writing, so each decides on what it read before the other wrote: the race is forced,
not left to timing. On SQLite a transaction holds the write lock from its first statement, so the
two requests run one after the other and the same answers are expected.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from intake.extensions import db
from intake.models import InboundEvent, Message, Reporter, Tip
from tests.channels.conftest import SMS_PATH, post_signed, reply_of, sms_form
from tests.channels.test_twilio_inbound import DRUGS_EN, counts, text

SENDER = "+16175550188"


@contextmanager
def writes_held_until_both_have_read(apps: list[Flask]) -> Iterator[None]:
    """Hold each request's first INSERT or UPDATE until the other request reaches its own."""
    with apps[0].app_context():
        if db.engine.dialect.name != "postgresql":
            yield  # SQLite serialises whole transactions: nothing to interleave
            return
    barrier = threading.Barrier(len(apps))
    passed = threading.local()

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if getattr(passed, "done", False) or not statement.lstrip().startswith(
            ("INSERT", "UPDATE")
        ):
            return
        passed.done = True
        barrier.wait(timeout=10)

    engines = []
    for app in apps:
        with app.app_context():
            engines.append(db.engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", hold)


def post_at_once(apps: list[Flask], forms: list[dict[str, str]]) -> list[Any]:
    """Post ``forms[i]`` to ``apps[i]``, all at once; the responses (or what a request raised,
    which a served app would answer with a 500) in the same order."""
    responses: list[Any] = [None] * len(apps)

    def send(index: int) -> None:
        try:
            responses[index] = post_signed(apps[index].test_client(), SMS_PATH, forms[index])
        except Exception as error:  # noqa: BLE001 - a testing app raises what would be a 500
            responses[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(apps))]
    with writes_held_until_both_have_read(apps):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    return responses


def stored(app: Flask) -> tuple[list[Tip], list[Reporter], list[Message]]:
    """Every tip (oldest first), reporter and inbound message, detached."""
    with app.app_context():
        tips = list(db.session.scalars(select(Tip).order_by(Tip.created_at)))
        reporters = list(db.session.scalars(select(Reporter)))
        messages = list(db.session.scalars(select(Message).where(Message.direction == "inbound")))
        for tip in tips:
            _ = tip.tip_number, tip.reporter_id
        db.session.expunge_all()
        return tips, reporters, messages


def test_two_first_texts_from_one_new_number_share_one_reporter(build_app: Any) -> None:
    apps = [build_app(), build_app()]

    responses = post_at_once(
        apps, [sms_form(DRUGS_EN, SENDER), sms_form("He drives a green pickup.", SENDER)]
    )

    assert [getattr(r, "status_code", r) for r in responses] == [200, 200]
    tips, reporters, messages = stored(apps[0])
    assert len(reporters) == 1
    assert {tip.reporter_id for tip in tips} == {reporters[0].id}
    # Each text is in a tip the sender was told about: two tips, or one tip and its follow-up.
    assert len(tips) + len(messages) == 2
    numbers = {tip.tip_number for tip in tips}
    for response in responses:
        reply = reply_of(response)
        assert reply is not None and any(number in reply for number in numbers)
    # The next text from that number joins the newest of them, as for any known sender.
    assert text(apps[0].test_client(), "They moved next door.", SENDER) == (
        f"Added to tip {tips[-1].tip_number}. Thank you."
    )


def test_a_redelivery_racing_its_first_delivery_makes_one_tip(build_app: Any) -> None:
    apps = [build_app(), build_app()]
    form = sms_form(DRUGS_EN, SENDER)

    responses = post_at_once(apps, [form, dict(form)])

    assert [getattr(r, "status_code", r) for r in responses] == [200, 200]
    [tip], _, _ = stored(apps[0])
    assert counts(apps[0]) == {
        "tip": 1,
        "reporter": 1,
        "message": 0,
        "inbound_event": 1,
        "answer": 1,
    }
    for response in responses:
        assert f"Tip {tip.tip_number} received" in (reply_of(response) or "")


def test_two_texts_from_a_known_number_at_once_are_both_kept(build_app: Any) -> None:
    apps = [build_app(), build_app()]
    first = reply_of(post_signed(apps[0].test_client(), SMS_PATH, sms_form(DRUGS_EN, SENDER)))
    assert first is not None and "received" in first
    # NEW: the next text starts a tip (an UPDATE of the reporter) while the other joins a thread.
    assert text(apps[0].test_client(), "NEW", SENDER) is not None

    responses = post_at_once(
        apps,
        [
            sms_form("Someone broke into three cars on Oak Street last night.", SENDER),
            sms_form("It happens mostly on Fridays.", SENDER),
        ],
    )

    assert [getattr(r, "status_code", r) for r in responses] == [200, 200]
    tips, reporters, messages = stored(apps[0])
    assert len(reporters) == 1
    assert len(tips) + len(messages) == 3
    with apps[0].app_context():
        assert db.session.scalar(select(db.func.count()).select_from(InboundEvent)) == 4
