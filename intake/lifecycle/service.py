"""Retention, legal hold and forgetting: what is no longer needed is crypto-shredded for good.

Shredding a row means deleting its wrapped data key: the ciphertext sealed under it is noise to
anyone, with or without the keyring. The ciphertext columns are emptied too (less to carry), and
what statistics count stays in clear on the tip: its tombstone.

- A tip's *identity* is its link to the reporter (who sent it) and a forwarded post's sealed
  link. Unlinking a tip makes its identity unrevealable; the reporter itself (its data key,
  sealed address and blind index) is shredded once no unshredded or held tip needs it (see
  :func:`intake.lifecycle.rules.reporter_due`).
- A tip's *content* is its data key (narrative, location, point, evidence, routing reason, the
  thread's bodies, notes, attachments): shredding it leaves the tombstone (tip number, channel,
  language, category, district, queue, urgency, status, disposition, dates).

Every function flushes and never commits, except the batch runners, which yield after each
batch so the caller commits it (a crash loses at most one batch; a second run carries on).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.audit.service import record_event
from intake.config import Settings
from intake.crypto import KEK_PURPOSES, Keyring
from intake.errors import ForbiddenError, InvalidInputError
from intake.lifecycle.rules import (
    FORGOTTEN,
    RETENTION,
    Policy,
    TipFacts,
    content_due,
    identity_due,
    reporter_due,
)
from intake.models import (
    Attachment,
    ForgetRequest,
    KeyEpoch,
    LegalHold,
    LifecycleRun,
    Message,
    Note,
    OutboxMessage,
    Reporter,
    SearchToken,
    Tip,
    User,
    utcnow,
)
from intake.queues.service import supervises
from intake.state import current_state
from intake.tips.find import find_tip

log = logging.getLogger(__name__)

IDENTITY_SHREDDED = "lifecycle.identity_shredded"
CONTENT_SHREDDED = "lifecycle.content_shredded"
REPORTERS_SHREDDED = "lifecycle.reporters_shredded"
HOLD_SET = "lifecycle.hold_set"
HOLD_RELEASED = "lifecycle.hold_released"
FORGET_REQUESTED = "lifecycle.forget_requested"
FORGET_DEFERRED = "lifecycle.forget_deferred"
HOLD_REASON_MIN = 5
HOLD_REASON_MAX = 300
DAILY_JOB = "retention"
DAILY_EVERY = timedelta(hours=24)
# Outbox rows still waiting to be sent: cancelled when their reporter is shredded.
_UNSENT = ("pending", "failed")


def policy_of(settings: Settings) -> Policy:
    """The retention policy from the service's settings."""
    return Policy(
        identity_days=settings.retention_identity_days,
        tip_days=settings.retention_tip_days,
        unclosed_days=settings.retention_unclosed_days,
    )


def is_held(session: Session, tip: Tip) -> bool:
    """Whether the tip is on legal hold."""
    return session.get(LegalHold, tip.id) is not None


def is_shredded(owner: Tip | Reporter) -> bool:
    """Whether a tip's content or a reporter's identity was crypto-shredded."""
    return owner.wrapped_key is None


def facts_of(session: Session, tip: Tip) -> TipFacts:
    """What the retention rules need of a tip (activity: the later of staff's and tipster's)."""
    return TipFacts(
        status=tip.status,
        closed_at=tip.closed_at,
        last_activity_at=max(tip.updated_at, tip.last_tipster_activity_at),
        legal_hold=is_held(session, tip),
    )


def _has_identity(tip: Tip) -> bool:
    return tip.reporter_id is not None or tip.source_url_ct is not None


# --- shredding one thing ------------------------------------------------------------------------


def _unlink_identity(session: Session, tip: Tip, now: datetime, why: str) -> None:
    """Cut a tip from who sent it: no reveal can name them from this tip any more."""
    had = _has_identity(tip)
    tip.reporter_id = None
    tip.reporter = None
    tip.source_url_ct = None
    # The keyed digest of the link (or text) finds a later forward of the same post: not kept.
    tip.source_digest = None
    if had:
        record_event(session, IDENTITY_SHREDDED, tip_id=tip.id, details={"why": why})


def shred_reporter(session: Session, reporter: Reporter, now: datetime, why: str) -> int:
    """Crypto-shred a reporter and unlink every tip it sent; returns how many tips it had."""
    tips = list(session.scalars(select(Tip).where(Tip.reporter_id == reporter.id)))
    for tip in tips:
        _unlink_identity(session, tip, now, why)
    reporter.shred()
    reporter.address_ct = None
    # The blind index would still confirm a guessed number ("did 555-0100 tip?"): gone too. A
    # later text from the same number starts a new reporter.
    reporter.address_index = None
    reporter.language = None
    session.execute(delete(ForgetRequest).where(ForgetRequest.reporter_id == reporter.id))
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.reporter_id == reporter.id, OutboxMessage.status.in_(_UNSENT))
        .values(status="cancelled", last_error="reporter shredded")
    )
    session.flush()
    return len(tips)


def _reporter_facts(session: Session, reporter_id: uuid.UUID) -> list[TipFacts]:
    return [
        facts_of(session, t)
        for t in session.scalars(select(Tip).where(Tip.reporter_id == reporter_id))
    ]


def _forget_requested(session: Session, reporter: Reporter) -> bool:
    return session.get(ForgetRequest, reporter.id) is not None


def shred_identity(session: Session, tip: Tip, policy: Policy, now: datetime, why: str) -> bool:
    """Make a tip's identity unrevealable; shred its reporter when nothing else needs it.

    Returns whether the reporter was shredded.
    """
    shredded = False
    reporter = tip.reporter
    if reporter is not None and not is_shredded(reporter):
        others = [
            facts_of(session, t)
            for t in session.scalars(
                select(Tip).where(Tip.reporter_id == reporter.id, Tip.id != tip.id)
            )
        ]
        # This tip is done with the reporter; with no other tip left, so is everyone.
        if not others or reporter_due(
            others,
            policy,
            now,
            last_seen_at=reporter.last_seen_at,
            forget_requested=_forget_requested(session, reporter),
        ):
            shred_reporter(session, reporter, now, why)
            shredded = True
    _unlink_identity(session, tip, now, why)
    session.flush()
    return shredded


def shred_content(session: Session, tip: Tip, policy: Policy, now: datetime, why: str) -> bool:
    """Shred a tip's content (and its identity), leaving the tombstone statistics count.

    Returns whether its reporter was shredded with it.
    """
    shredded = False
    if _has_identity(tip):
        shredded = shred_identity(session, tip, policy, now, why)
    tip.shred()
    tip.narrative_ct = b""
    tip.location_text_ct = None
    tip.point_ct = None
    # The coarse cell is about a kilometre square: often the tipster's own street. Not kept.
    tip.cell = None
    tip.evidence_ct = None
    tip.routing_reason_ct = None
    tip.source_digest = None
    tip.category_runners_up = []
    session.execute(delete(Attachment).where(Attachment.tip_id == tip.id))
    session.execute(delete(Note).where(Note.tip_id == tip.id))
    # The blind search index holds keyed digests of the tip's words: gone with the words, so a
    # shredded tip cannot be found (or linked) by what it said.
    session.execute(delete(SearchToken).where(SearchToken.tip_id == tip.id))
    # Messages stay as dated, directed rows (statistics may count replies); their bodies go.
    session.execute(update(Message).where(Message.tip_id == tip.id).values(body_ct=b""))
    session.expire(tip, ["messages", "attachments"])
    record_event(session, CONTENT_SHREDDED, tip_id=tip.id, details={"why": why})
    session.flush()
    return shredded


# --- retention runs -----------------------------------------------------------------------------


@dataclass
class RetentionCounts:
    """What a run shredded (or, in a dry run, would shred)."""

    tip_content: int = 0
    tip_identity: int = 0
    reporters: int = 0

    def add(self, other: RetentionCounts) -> None:
        """Add another batch's counts."""
        self.tip_content += other.tip_content
        self.tip_identity += other.tip_identity
        self.reporters += other.reporters


def _cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _candidates(policy: Policy, now: datetime, *, content: bool) -> Any:
    """Tips that may be due (the rules decide each one): never a held one."""
    days = policy.tip_days if content else policy.identity_days
    # What is still there to shred: the content's data key, or a link to who sent it.
    left = (
        Tip.wrapped_key.is_not(None)
        if content
        else (Tip.reporter_id.is_not(None) | Tip.source_url_ct.is_not(None))
    )
    held = exists().where(LegalHold.tip_id == Tip.id)
    due = [(Tip.status == "closed") & (Tip.closed_at <= _cutoff(now, days))]
    if policy.unclosed_days > 0:
        old = _cutoff(now, policy.unclosed_days)
        due.append(
            (Tip.status != "closed")
            & (Tip.updated_at <= old)
            & (Tip.last_tipster_activity_at <= old)
        )
    return select(Tip).where(left, ~held, or_(*due)).order_by(Tip.created_at, Tip.id)


def _reporter_candidates(policy: Policy, now: datetime) -> Any:
    """Reporters asked to be forgotten, or silent and left with no tip."""
    has_tip = exists().where(Tip.reporter_id == Reporter.id)
    asked = exists().where(ForgetRequest.reporter_id == Reporter.id)
    # A reporter of a held tip waits: kept out of the query, so it never fills a batch.
    held = (
        select(LegalHold.tip_id)
        .join(Tip, Tip.id == LegalHold.tip_id)
        .where(Tip.reporter_id == Reporter.id)
        .exists()
    )
    return (
        select(Reporter)
        .where(
            Reporter.wrapped_key.is_not(None),
            ~held,
            or_(
                asked,
                ~has_tip & (Reporter.last_seen_at <= _cutoff(now, policy.identity_days)),
            ),
        )
        .order_by(Reporter.created_at, Reporter.id)
    )


def count_due(session: Session, policy: Policy, now: datetime) -> RetentionCounts:
    """What a run at ``now`` would shred, without changing anything (``--dry-run``)."""
    counts = RetentionCounts()
    reporters: set[uuid.UUID] = set()
    for content in (True, False):
        for tip in session.scalars(_candidates(policy, now, content=content)):
            if content and content_due(facts_of(session, tip), policy, now):
                counts.tip_content += 1
            elif content or not identity_due(facts_of(session, tip), policy, now):
                continue
            counts.tip_identity += _has_identity(tip)
            if tip.reporter_id is not None:
                reporters.add(tip.reporter_id)
    for reporter_id in reporters:
        reporter = session.get(Reporter, reporter_id)
        if reporter is None or is_shredded(reporter):
            continue
        # Due tips stay linked until the run: the rules see what the run will see.
        facts = _reporter_facts(session, reporter_id)
        remaining = [f for f in facts if not identity_due(f, policy, now)]
        counts.reporters += not remaining or reporter_due(
            remaining,
            policy,
            now,
            last_seen_at=reporter.last_seen_at,
            forget_requested=_forget_requested(session, reporter),
        )
    for reporter in session.scalars(_reporter_candidates(policy, now)):
        if reporter.id in reporters:
            continue
        counts.reporters += reporter_due(
            _reporter_facts(session, reporter.id),
            policy,
            now,
            last_seen_at=reporter.last_seen_at,
            forget_requested=_forget_requested(session, reporter),
        )
    return counts


def retention_batches(
    session: Session, policy: Policy, now: datetime, *, batch_size: int = 200
) -> Iterator[RetentionCounts]:
    """Apply the policy as of ``now`` in batches; the caller commits after each one it is given.

    Idempotent and resumable: what was shredded carries its stamp and is never picked again.
    """
    for content in (True, False):
        while True:
            query = _candidates(policy, now, content=content).limit(batch_size)
            tips = list(session.scalars(query))
            counts, processed = RetentionCounts(), 0
            for tip in tips:
                facts = facts_of(session, tip)
                had = _has_identity(tip)
                if content and content_due(facts, policy, now):
                    counts.reporters += shred_content(session, tip, policy, now, RETENTION)
                    counts.tip_content += 1
                elif not content and identity_due(facts, policy, now):
                    counts.reporters += shred_identity(session, tip, policy, now, RETENTION)
                else:
                    continue  # the query is coarse; the rules have the last word
                counts.tip_identity += had
                processed += 1
            if not processed:
                break  # nothing (more) is due: every tip dealt with has left the query
            yield counts
    while True:
        reporters = list(session.scalars(_reporter_candidates(policy, now).limit(batch_size)))
        due = [
            r
            for r in reporters
            if reporter_due(
                _reporter_facts(session, r.id),
                policy,
                now,
                last_seen_at=r.last_seen_at,
                forget_requested=_forget_requested(session, r),
            )
        ]
        if not due:
            break
        counts = RetentionCounts()
        for reporter in due:
            why = FORGOTTEN if _forget_requested(session, reporter) else RETENTION
            counts.tip_identity += shred_reporter(session, reporter, now, why)
            counts.reporters += 1
        record_event(session, REPORTERS_SHREDDED, details={"count": len(due)})
        yield counts
        if len(reporters) < batch_size:
            break


def run_retention(
    session: Session, policy: Policy, now: datetime, *, batch_size: int = 200
) -> RetentionCounts:
    """Apply the whole policy, committing each batch (for the worker and tests)."""
    total = RetentionCounts()
    for counts in retention_batches(session, policy, now, batch_size=batch_size):
        session.commit()
        total.add(counts)
    purge_old_page_copies(session)
    return total


def purge_old_page_copies(session: Session) -> bool:
    """SQLite: copy the write-ahead log into the file and empty it, so the pages as they were
    before a shred are gone from disk (freed space is zeroed: ``secure_delete``). False when a
    reader kept the log busy (the next run tries again). PostgreSQL: see docs/operations.md."""
    session.commit()
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()  # type: ignore[union-attr]
    try:
        busy, _, _ = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    if busy:
        log.warning("write-ahead log busy: old page copies stay until the next checkpoint")
    return not busy


def claim_daily_run(session: Session, now: datetime) -> bool:
    """Claim today's retention run; False when another worker ran it in the last 24 hours.

    The claim is one conditional UPDATE (or the first INSERT), committed at once: of several
    workers asking together, exactly one is told yes.
    """
    last = session.scalar(select(LifecycleRun.last_run_at).where(LifecycleRun.name == DAILY_JOB))
    if last is not None and last > now - DAILY_EVERY:
        session.rollback()  # the usual answer, read without taking a write lock
        return False
    claimed = session.execute(
        update(LifecycleRun)
        .where(LifecycleRun.name == DAILY_JOB, LifecycleRun.last_run_at <= now - DAILY_EVERY)
        .values(last_run_at=now)
    )
    if claimed.rowcount:  # type: ignore[attr-defined]
        session.commit()
        return True
    if session.get(LifecycleRun, DAILY_JOB) is not None:
        session.rollback()
        return False
    session.add(LifecycleRun(name=DAILY_JOB, last_run_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


_CHECK_EVERY = 600.0


def run_daily_retention(session: Session, settings: Settings, now: datetime | None = None) -> bool:
    """The worker's hook: run retention when its last run is a day old; never raises.

    Called every worker cycle; without ``now`` it looks at the database once per
    ``_CHECK_EVERY`` seconds of the current app (its state keeps when).
    """
    if now is None:
        state = current_state()
        if time.monotonic() < state.next_retention_check:
            return False
        state.next_retention_check = time.monotonic() + _CHECK_EVERY
    now = now or utcnow()
    try:
        if not claim_daily_run(session, now):
            return False
        counts = run_retention(session, policy_of(settings), now)
    except Exception:
        session.rollback()
        log.exception("retention run failed; the next day's run carries on")
        return False
    log.info(
        "retention run: content=%d identity=%d reporters=%d",
        counts.tip_content,
        counts.tip_identity,
        counts.reporters,
    )
    return True


# --- legal hold and forgetting -------------------------------------------------------------------


def set_legal_hold(
    session: Session, user: User, tip_number: str, *, hold: bool, reason: str
) -> Tip:
    """Put a tip on legal hold, or release it (supervisors, with a reason; audited)."""
    if not supervises(user):
        raise ForbiddenError("Only a supervisor can put a tip on legal hold or release it.")
    reason = (reason or "").strip()
    if not HOLD_REASON_MIN <= len(reason) <= HOLD_REASON_MAX:
        raise InvalidInputError(
            fields={"reason": [f"Say why ({HOLD_REASON_MIN} to {HOLD_REASON_MAX} characters)."]}
        )
    tip = find_tip(session, user, tip_number)
    existing = session.get(LegalHold, tip.id)
    if (existing is not None) == hold:
        return tip
    if hold:
        session.add(LegalHold(tip_id=tip.id, held_at=utcnow(), held_by_user_id=user.id))
    else:
        session.delete(existing)
    session.flush()
    record_event(
        session,
        HOLD_SET if hold else HOLD_RELEASED,
        actor_kind="user",
        actor_user_id=user.id,
        tip_id=tip.id,
        details={"reason": reason},
    )
    return tip


FORGOTTEN_NOW = "forgotten"
FORGET_LATER = "deferred"
NOTHING_TO_FORGET = "nothing"


def forget_contact(session: Session, tip: Tip, *, via: str, now: datetime | None = None) -> str:
    """The tipster's request to forget their contact details now; the tip itself stays.

    Shreds the tip's reporter (for every tip it sent: it is the same person asking). A tip of
    theirs on legal hold keeps it until released; the request is then remembered and carried
    out by the first retention run after the release. Returns what happened.
    """
    return forget_reporter(session, tip.reporter, via=via, now=now, tip_id=tip.id)


def forget_reporter(
    session: Session,
    reporter: Reporter | None,
    *,
    via: str,
    now: datetime | None = None,
    tip_id: uuid.UUID | None = None,
) -> str:
    """Forget a reporter now (a tipster's request from /check, or FORGET by text or DM)."""
    now = now or utcnow()
    details = {"via": via}
    if reporter is None or is_shredded(reporter):
        record_event(
            session, FORGET_REQUESTED, actor_kind="tipster", tip_id=tip_id, details=details
        )
        return NOTHING_TO_FORGET
    held = session.scalar(
        select(func.count())
        .select_from(Tip)
        .join(LegalHold, LegalHold.tip_id == Tip.id)
        .where(Tip.reporter_id == reporter.id)
    )
    if held:
        if session.get(ForgetRequest, reporter.id) is None:
            session.add(ForgetRequest(reporter_id=reporter.id, requested_at=now))
        session.flush()
        record_event(session, FORGET_DEFERRED, actor_kind="tipster", tip_id=tip_id, details=details)
        return FORGET_LATER
    shred_reporter(session, reporter, now, FORGOTTEN)
    record_event(session, FORGET_REQUESTED, actor_kind="tipster", tip_id=tip_id, details=details)
    return FORGOTTEN_NOW


# --- key-encryption-key epochs -------------------------------------------------------------------


@dataclass(frozen=True)
class Epoch:
    """One key-encryption key: how many live data keys it still wraps, since when it wraps none."""

    key_id: str
    purpose: str
    is_active: bool
    live_keys: int
    sealed_values: int
    drained_at: datetime | None
    retirable_at: datetime | None = None

    @property
    def is_drained(self) -> bool:
        """No live data key or sealed value needs it."""
        return self.live_keys == 0 and self.sealed_values == 0


def _sealed_values_under(session: Session, key_id: str) -> int:
    """Short-lived values sealed directly under a KEK (a provider message id to delete)."""
    rows = session.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.kind == "delete",
            OutboxMessage.status.in_(("pending", "sending", "failed")),
        )
    )
    return sum(
        1
        for payload in rows
        if isinstance(payload, dict) and str(payload.get("sid", "")).startswith(f"{key_id}:")
    )


def key_epochs(session: Session, keyring: Keyring, backup_retention_days: int) -> list[Epoch]:
    """Every key-encryption key of the keyring with its state; records newly drained ones.

    A key is recorded drained at the real present, never at an ``--as-of`` day: a day in the
    future would be harmless, one in the past would let a key go while backups still need it.
    """
    now = utcnow()
    epochs = []
    for purpose in KEK_PURPOSES:
        active = keyring.active(purpose).key_id
        for key_id in keyring.key_ids(purpose):
            live = sum(
                session.scalar(select(func.count()).where(model.kek_id == key_id)) or 0
                for model in (Reporter, Tip, User)
            )
            sealed = _sealed_values_under(session, key_id)
            record = session.get(KeyEpoch, key_id)
            drained = live == 0 and sealed == 0 and key_id != active
            if drained and record is None:
                record = KeyEpoch(key_id=key_id, purpose=purpose, drained_at=now)
                session.add(record)
            elif not drained and record is not None:
                # A restored database or a re-added key: the clock starts again.
                session.delete(record)
                record = None
            drained_at = record.drained_at if record is not None else None
            epochs.append(
                Epoch(
                    key_id=key_id,
                    purpose=purpose,
                    is_active=key_id == active,
                    live_keys=live,
                    sealed_values=sealed,
                    drained_at=drained_at,
                    retirable_at=(
                        drained_at + timedelta(days=backup_retention_days)
                        if drained_at is not None
                        else None
                    ),
                )
            )
    session.flush()
    return epochs


class RetireRefusedError(Exception):
    """The key-encryption key may not be destroyed yet; the message says why."""


def check_retirable(epoch: Epoch | None, now: datetime) -> None:
    """Raise RetireRefusedError unless ``epoch`` may be destroyed at ``now``."""
    if epoch is None:
        raise RetireRefusedError("no such identity or content key in the keyring")
    if epoch.is_active:
        raise RetireRefusedError("it is the active key: add a new one and rotate first")
    if not epoch.is_drained:
        raise RetireRefusedError(
            f"{epoch.live_keys} data keys and {epoch.sealed_values} sealed values still use it:"
            " run `flask intake keys rotate`"
        )
    if epoch.retirable_at is None or now < epoch.retirable_at:
        when = epoch.retirable_at.date().isoformat() if epoch.retirable_at else "unknown"
        raise RetireRefusedError(
            f"backups taken before it was drained may still exist (BACKUP_RETENTION_DAYS):"
            f" it can be retired from {when}"
        )


def retire_key_document(document: dict[str, Any], key_id: str) -> dict[str, Any]:
    """A copy of a keyring document without ``key_id``."""
    keys = [k for k in document.get("keys", []) if k.get("id") != key_id]
    return {**document, "keys": keys}
