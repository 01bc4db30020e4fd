"""Retention with the default policy: identities go 30 days after closing, content after 365,
held tips keep everything, tombstones still count, and shredding is for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from intake import crypto
from intake.crypto import CryptoError
from intake.identity.service import Contact, Sender
from intake.lifecycle import service
from intake.lifecycle.rules import Policy
from intake.models import AuditEvent, Message, Reporter, SearchToken, Tip
from intake.submissions.service import add_followup
from tests.lifecycle.helpers import NAME, NARRATIVE, NOW, PHONE, close, tip_by_number
from tests.privacy_scan import find_in_database
from tests.staff.factories import bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

POLICY = Policy()  # the defaults: 30, 365, 0


def _web_tip(session, keyring) -> str:
    return make_tip(
        session,
        keyring,
        channel="web",
        narrative=NARRATIVE,
        contact=Contact(phone=PHONE, name=NAME),
    ).tip_number


def _reveal(client, sup, number):
    return client.post(
        f"/api/v1/staff/tips/{number}/reveal",
        json={"reason": "Court order 2027-17", "totp": totp_now(sup)},
        headers=bearer(sup),
    )


def test_31_days_after_closing_no_supervisor_can_reveal_the_identity(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _web_tip(session, keyring)
    close(session, number, days_ago=31)
    reporter_id = tip_by_number(session, number).reporter_id

    counts = service.run_retention(session, POLICY, NOW)

    assert (counts.tip_identity, counts.reporters, counts.tip_content) == (1, 1, 0)
    tip = tip_by_number(session, number)
    reporter = session.get(Reporter, reporter_id)
    assert tip.reporter_id is None and tip.source_url_ct is None
    assert reporter.wrapped_key is None and reporter.address_ct is None
    assert reporter.address_index is None and reporter.language is None
    assert tip.narrative.read(keyring) == NARRATIVE  # the detectives keep the tip
    session.commit()
    detail = client.get(f"/api/v1/staff/tips/{number}", headers=bearer(sup))
    assert detail.json["has_contact"] is False and detail.json["narrative"] == NARRATIVE
    revealed = _reveal(client, sup, number)
    assert revealed.status_code == 200
    assert PHONE not in revealed.get_data(as_text=True)
    assert NAME not in revealed.get_data(as_text=True)
    assert find_in_database(session, [PHONE, NAME]) == []


def test_30_days_is_not_yet_31(session, keyring):
    number = _web_tip(session, keyring)
    close(session, number, days_ago=29)
    assert service.run_retention(session, POLICY, NOW).tip_identity == 0
    assert tip_by_number(session, number).reporter_id is not None


def test_366_days_after_closing_only_the_tombstone_is_left(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    number = _web_tip(session, keyring)
    tip = tip_by_number(session, number)
    add_followup(session, keyring, tip, "He moved them on Friday.", channel="web")
    session.commit()
    kept = {
        "channel": tip.channel,
        "category_code": tip.category_code,
        "district_id": tip.district_id,
        "urgency": tip.urgency,
        "queue_id": tip.queue_id,
    }
    close(session, number, days_ago=366)

    counts = service.run_retention(session, POLICY, NOW)

    assert counts.tip_content == 1
    tip = tip_by_number(session, number)
    assert tip.wrapped_key is None and tip.kek_id is None and tip.narrative_ct == b""
    assert {k: getattr(tip, k) for k in kept} == kept
    assert (tip.status, tip.disposition, tip.closed_at) == (
        "closed",
        "information_only",
        NOW - timedelta(days=366),
    )
    assert tip.cell is None and tip.point_ct is None and tip.location_text_ct is None
    session.commit()
    detail = client.get(f"/api/v1/staff/tips/{number}", headers=bearer(sup))
    assert detail.status_code == 200
    assert detail.json["content_shredded"] is True and detail.json["narrative"] == ""
    assert detail.json["has_contact"] is False
    assert [m["body"] for m in detail.json["messages"]] == [""]
    assert find_in_database(session, [NARRATIVE, "He moved them on Friday.", PHONE]) == []
    # Nor can the tombstone be found by what it said: its blind search tokens went with it.
    assert (
        session.scalar(
            select(func.count()).select_from(SearchToken).where(SearchToken.tip_id == tip.id)
        )
        == 0
    )
    found = client.get("/api/v1/staff/tips", query_string={"q": "Friday"}, headers=bearer(sup))
    assert found.status_code == 200 and found.json["items"] == []
    # Writing to a tombstone is refused, never a server error.
    note = client.post(
        f"/api/v1/staff/tips/{number}/notes", json={"body": "late note"}, headers=bearer(sup)
    )
    assert note.status_code == 409 and note.json["error"]["code"] == "conflict"


def test_statistics_still_count_every_tip(session, keyring):
    numbers = [_web_tip(session, keyring) for _ in range(3)]
    for number, days in zip(numbers, (5, 31, 366), strict=True):
        close(session, number, days_ago=days)
    before = session.execute(
        select(
            Tip.category_code, Tip.district_id, Tip.status, Tip.disposition, func.count()
        ).group_by(Tip.category_code, Tip.district_id, Tip.status, Tip.disposition)
    ).all()
    service.run_retention(session, POLICY, NOW)
    after = session.execute(
        select(
            Tip.category_code, Tip.district_id, Tip.status, Tip.disposition, func.count()
        ).group_by(Tip.category_code, Tip.district_id, Tip.status, Tip.disposition)
    ).all()
    assert sorted(after) == sorted(before) and sum(r[-1] for r in after) == 3


def test_shredding_destroys_the_data_key_for_good(session, keyring):
    """No copy of the wrapped key is left, and no key of the keyring opens the ciphertext."""
    number = _web_tip(session, keyring)
    tip = tip_by_number(session, number)
    reporter = tip.reporter
    wrapped = [bytes(tip.wrapped_key), bytes(reporter.wrapped_key)]
    ciphertexts = [
        (bytes(tip.narrative_ct), crypto.aad_for("tip", "narrative", tip.id)),
        (bytes(reporter.address_ct), crypto.aad_for("reporter", "address", reporter.id)),
    ]
    session.commit()
    close(session, number, days_ago=400)

    service.run_retention(session, POLICY, NOW)

    needles = [w.decode("latin-1") for w in wrapped]
    assert find_in_database(session, needles) == []
    every_key = [keyring.kek(k) for p in crypto.KEK_PURPOSES for k in keyring.key_ids(p)]
    for blob, aad in ciphertexts:
        for kek in every_key:
            with pytest.raises(CryptoError):
                crypto.unseal(kek, blob, aad)


def test_a_held_tip_keeps_everything_until_released(client, session, keyring):
    sup = make_user(session, keyring, "sup", "supervisor")
    det = make_user(session, keyring, "det", "detective", queues=("N1",))
    number = _web_tip(session, keyring)
    close(session, number, days_ago=400)
    url = f"/api/v1/staff/tips/{number}"

    refused = client.patch(
        url, json={"legal_hold": True, "reason": "Subpoena"}, headers=bearer(det)
    )
    assert refused.status_code == 403
    no_reason = client.patch(url, json={"legal_hold": True}, headers=bearer(sup))
    assert no_reason.status_code == 400 and "reason" in no_reason.json["error"]["fields"]
    held = client.patch(
        url, json={"legal_hold": True, "reason": "Civil suit 27-114"}, headers=bearer(sup)
    )
    assert held.status_code == 200 and held.json["legal_hold"] is True

    assert service.run_retention(session, POLICY, NOW) == service.RetentionCounts()
    tip = tip_by_number(session, number)
    assert tip.narrative.read(keyring) == NARRATIVE and tip.reporter_id is not None
    session.commit()
    assert PHONE in _reveal(client, sup, number).get_data(as_text=True)
    assert client.get(url, headers=bearer(sup)).json["legal_hold"] is True

    released = client.patch(
        url, json={"legal_hold": False, "reason": "Suit settled"}, headers=bearer(sup)
    )
    assert released.status_code == 200 and released.json["legal_hold"] is False
    assert service.run_retention(session, POLICY, NOW).tip_content == 1
    events = session.execute(
        select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.seq)
    ).all()
    actions = [a for a, _ in events]
    assert "lifecycle.hold_set" in actions and "lifecycle.hold_released" in actions
    assert "lifecycle.content_shredded" in actions and "lifecycle.identity_shredded" in actions
    assert all(PHONE not in str(d) and NAME not in str(d) for _, d in events)


def test_a_reporter_of_several_tips_goes_when_the_last_one_is_done(session, keyring):
    sender = Sender("phone", PHONE)
    first = make_tip(session, keyring, channel="sms", sender=sender, narrative="first tip here")
    second = make_tip(session, keyring, channel="sms", sender=sender, narrative="second tip now")
    reporter_id = tip_by_number(session, first.tip_number).reporter_id
    assert tip_by_number(session, second.tip_number).reporter_id == reporter_id
    close(session, first.tip_number, days_ago=31)
    tip_by_number(session, second.tip_number).last_tipster_activity_at = NOW
    session.commit()

    service.run_retention(session, POLICY, NOW)

    # The closed tip no longer names its sender; the open one still can reach them.
    assert tip_by_number(session, first.tip_number).reporter_id is None
    assert tip_by_number(session, second.tip_number).reporter_id == reporter_id
    assert session.get(Reporter, reporter_id).wrapped_key is not None

    later = NOW + timedelta(days=31)
    close(session, second.tip_number, days_ago=31, now=later)
    service.run_retention(session, POLICY, later)
    reporter = session.get(Reporter, reporter_id)
    assert reporter.wrapped_key is None and reporter.address_index is None


def test_runs_are_idempotent_and_resume_batch_by_batch(session, keyring):
    numbers = [_web_tip(session, keyring) for _ in range(3)]
    for number in numbers:
        close(session, number, days_ago=400)
    batches = list(service.retention_batches(session, POLICY, NOW, batch_size=1))
    session.commit()
    assert sum(b.tip_content for b in batches) == 3
    assert service.run_retention(session, POLICY, NOW) == service.RetentionCounts()
    content_events = session.scalar(
        select(func.count()).where(AuditEvent.action == "lifecycle.content_shredded")
    )
    assert content_events == 3


def test_dry_run_prints_counts_and_changes_nothing(app, session, keyring):
    number = _web_tip(session, keyring)
    close(session, number, days_ago=31)
    runner = app.test_cli_runner()
    as_of = NOW.date().isoformat()
    dry = runner.invoke(args=["intake", "retention", "run", "--as-of", as_of, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "contact link of 1 tips, 1 reporters" in dry.output
    assert tip_by_number(session, number).reporter_id is not None
    session.commit()
    real = runner.invoke(args=["intake", "retention", "run", "--as-of", as_of])
    assert real.exit_code == 0, real.output
    assert tip_by_number(session, number).reporter_id is None
    assert PHONE not in real.output and NARRATIVE not in real.output


def test_the_daily_run_is_claimed_by_one_worker_a_day(session):
    assert service.claim_daily_run(session, NOW)
    assert not service.claim_daily_run(session, NOW + timedelta(hours=23))
    assert service.claim_daily_run(session, NOW + timedelta(hours=24))


def test_the_worker_hook_runs_retention(app, session, keyring):
    number = _web_tip(session, keyring)
    close(session, number, days_ago=31)
    settings = app.extensions["intake"].settings
    assert service.run_daily_retention(session, settings, NOW)
    assert tip_by_number(session, number).reporter_id is None
    assert not service.run_daily_retention(session, settings, NOW + timedelta(hours=1))


def test_unclosed_tips_are_kept_unless_configured(session, keyring):
    number = _web_tip(session, keyring)
    tip = tip_by_number(session, number)
    tip.created_at = tip.last_tipster_activity_at = NOW - timedelta(days=1000)
    session.flush()
    tip.updated_at = NOW - timedelta(days=1000)
    session.commit()
    assert service.run_retention(session, POLICY, NOW) == service.RetentionCounts()
    assert service.run_retention(session, Policy(unclosed_days=90), NOW).tip_content == 1
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_on_sqlite_no_copy_of_a_shredded_key_is_left_in_the_files(
    app, session, keyring, database_url
):
    """Freed pages and the write-ahead log would keep the old bytes: zeroed and checkpointed."""
    import json as json_module
    import subprocess
    import sys

    from tests.privacy_scan import _SCAN_FILES

    if not database_url.startswith("sqlite:///"):
        pytest.skip("a PostgreSQL server's files are the operator's (docs/security.md)")
    number = _web_tip(session, keyring)
    tip = tip_by_number(session, number)
    wrapped = {"tip key": bytes(tip.wrapped_key), "reporter key": bytes(tip.reporter.wrapped_key)}
    session.commit()
    close(session, number, days_ago=400)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["intake", "retention", "run", "--as-of", NOW.date().isoformat()])
    assert result.exit_code == 0, result.output
    path = database_url.removeprefix("sqlite:///")
    scan = subprocess.run(
        [sys.executable, "-c", _SCAN_FILES],
        input=json_module.dumps(
            [[path, f"{path}-wal"], [], [[k, v.hex()] for k, v in wrapped.items()]]
        ),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json_module.loads(scan.stdout) == []
