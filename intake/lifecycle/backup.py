"""What a database copy (a backup) could open with today's keyring, compared with the live one.

A copy holds only ciphertext and wrapped data keys. With the keyring it is a full restore; the
check tells the operator whether it would also bring back what was shredded since it was taken
(data keys wrapped under a key-encryption key that is still in the keyring).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from intake import crypto
from intake.crypto import Keyring
from intake.models import Reporter, Tip
from intake.models.sealed import KeyOwner


@dataclass
class OwnerCounts:
    """Data keys of one kind in the copy: how many, how many open, how many resurrect."""

    total: int = 0
    openable: int = 0
    # Open in the copy but shredded in the live database: a restore would bring them back.
    resurrectable: int = 0


@dataclass
class BackupReport:
    """The check's result, by kind of data key."""

    reporters: OwnerCounts = field(default_factory=OwnerCounts)
    tips: OwnerCounts = field(default_factory=OwnerCounts)
    unknown_key_ids: set[str] = field(default_factory=set)

    @property
    def resurrects(self) -> bool:
        """Whether restoring the copy would bring back something shredded."""
        return bool(self.reporters.resurrectable or self.tips.resurrectable)


def copy_url(file_or_url: str) -> str:
    """A SQLAlchemy URL for a database copy: a SQLite file path or a database URL."""
    if "://" in file_or_url:
        if file_or_url.startswith("postgresql://"):
            return "postgresql+psycopg://" + file_or_url.removeprefix("postgresql://")
        return file_or_url
    path = Path(file_or_url).resolve()
    if not path.is_file():
        raise FileNotFoundError(file_or_url)
    # Read-only: checking a copy must never change it.
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def check_copy(url: str, keyring: Keyring, live: Session) -> BackupReport:
    """Try every wrapped data key of the copy at ``url`` with ``keyring``; compare with ``live``."""
    shredded_reporters = set(
        live.scalars(select(Reporter.id).where(Reporter.wrapped_key.is_(None)))
    )
    shredded_tips = set(live.scalars(select(Tip.id).where(Tip.wrapped_key.is_(None))))
    known = {k for p in crypto.KEK_PURPOSES for k in keyring.key_ids(p)}
    report = BackupReport()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            owners: tuple[tuple[type[KeyOwner], OwnerCounts, set[uuid.UUID]], ...] = (
                (Reporter, report.reporters, shredded_reporters),
                (Tip, report.tips, shredded_tips),
            )
            for model, counts, shredded in owners:
                table = model.__tablename__
                rows = connection.execute(
                    text(
                        f"SELECT id, kek_id, wrapped_key FROM {table} "  # noqa: S608 - fixed names
                        "WHERE wrapped_key IS NOT NULL"
                    )
                )
                for row_id, kek_id, wrapped in rows:
                    counts.total += 1
                    if kek_id not in known:
                        report.unknown_key_ids.add(str(kek_id))
                        continue
                    ident = row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id))
                    if model.stored_key_opens(keyring, ident, kek_id, wrapped):
                        counts.openable += 1
                        counts.resurrectable += ident in shredded
    finally:
        engine.dispose()
    return report
