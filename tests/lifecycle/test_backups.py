"""A backup taken before a shred cannot bring the identity back once its epoch's key is gone;
without the keyring a backup shows nothing identifying at all."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from intake.crypto import CryptoError, generate_keyring_document, write_keyring_file
from intake.extensions import db
from intake.identity.service import Contact, read_identity
from intake.lifecycle import service
from intake.lifecycle.rules import Policy
from intake.models import Reporter, Tip, utcnow
from tests.lifecycle.helpers import NAME, NARRATIVE, PHONE, close
from tests.privacy_scan import find_in_sqlite_files
from tests.staff.factories import make_tip


def _backup(database_url: str, tmp_path: Path) -> str:
    """A copy of the database as an operator takes it: SQLite's backup API, or pg_dump."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        copy = tmp_path / "backup.db"
        with sqlite3.connect(url.database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return str(copy)
    plain = url.set(drivername="postgresql")
    dump = tmp_path / "backup.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "-f", str(dump), plain.render_as_string(hide_password=False)],
        check=True,
    )
    name = f"{url.database}_restored"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    restored = plain.set(database=name).render_as_string(hide_password=False)
    subprocess.run(["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True)
    return restored


def _drop_restored(copy: str) -> None:
    if "://" not in copy:
        return
    url = make_url(copy).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def _cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=["intake", *args])
    return result


def test_a_backup_restored_after_the_epoch_key_is_destroyed_opens_no_identity(
    own_app, database_url, tmp_path
):
    keyring_path = tmp_path / "keyring.json"
    write_keyring_file(keyring_path, generate_keyring_document())
    app = own_app(keyring_json=None, keyring_file=str(keyring_path))
    with app.app_context():
        keyring = app.extensions["intake"].keyring
        number = make_tip(
            db.session,
            keyring,
            channel="web",
            narrative=NARRATIVE,
            contact=Contact(phone=PHONE, name=NAME),
        ).tip_number
        old_keys = {p: keyring.active(p).key_id for p in ("identity", "content")}

    copy = _backup(database_url, tmp_path)  # taken before the shred
    try:
        with app.app_context():
            close(db.session, number, days_ago=31, now=utcnow())
            service.run_retention(db.session, Policy(), utcnow())
        # With today's keyring the copy would bring the shredded identity back: the check says so.
        check = _cli(app, "backup", "check", copy)
        assert check.exit_code == 1, check.output
        assert (
            "reporters: 1 data keys, 1 open with this keyring, 1 of them shredded" in check.output
        )

        # The operator's cycle: new keys, restart, re-wrap, wait out the backups, retire.
        assert _cli(app, "keys", "generate", "--add", str(keyring_path)).exit_code == 0
        app = own_app(keyring_json=None, keyring_file=str(keyring_path))
        in_use = _cli(app, "keys", "retire", old_keys["content"], "--as-of", "2099-01-01")
        assert in_use.exit_code == 1 and "still use it" in in_use.output
        rotated = _cli(app, "keys", "rotate")
        assert rotated.exit_code == 0, rotated.output
        too_soon = _cli(
            app, "keys", "retire", old_keys["identity"], "--as-of", date.today().isoformat()
        )
        assert too_soon.exit_code == 1 and "BACKUP_RETENTION_DAYS" in too_soon.output
        active = app.extensions["intake"].keyring.active("identity").key_id
        assert _cli(app, "keys", "retire", active).exit_code == 1
        later = (date.today() + timedelta(days=36)).isoformat()
        for key_id in old_keys.values():
            retired = _cli(app, "keys", "retire", key_id, "--as-of", later)
            assert retired.exit_code == 0, retired.output
        remaining = {k["id"] for k in json.loads(keyring_path.read_text())["keys"]}
        assert not remaining & set(old_keys.values())

        # Restart with the keyring as it is now; restore the old copy and try every identity.
        app = own_app(keyring_json=None, keyring_file=str(keyring_path))
        check = _cli(app, "backup", "check", copy)
        assert check.exit_code == 0, check.output
        assert old_keys["identity"] in check.output
        restored_url = copy if "://" in copy else f"sqlite:///{copy}"
        restored = own_app(
            keyring_json=None, keyring_file=str(keyring_path), database_url=restored_url
        )
        with restored.app_context():
            keyring = restored.extensions["intake"].keyring
            reporters = list(db.session.scalars(select(Reporter)))
            assert reporters and all(r.wrapped_key is not None for r in reporters)
            for reporter in reporters:
                with pytest.raises(CryptoError):
                    read_identity(keyring, reporter)
            for tip in db.session.scalars(select(Tip)):
                with pytest.raises(CryptoError):
                    tip.narrative.read(keyring)
            db.session.remove()
    finally:
        _drop_restored(copy)


def test_a_backup_without_the_keyring_holds_nothing_identifying(
    app, session, keyring, tmp_path, database_url
):
    make_tip(
        session,
        keyring,
        channel="web",
        narrative=NARRATIVE,
        contact=Contact(phone=PHONE, name=NAME, email="ana@example.org"),
    )
    copy = _backup(database_url, tmp_path)
    try:
        if "://" in copy:
            dumped = subprocess.run(
                ["pg_dump", "--data-only", copy], check=True, capture_output=True, text=True
            ).stdout
            hits = [n for n in (PHONE, NAME, NARRATIVE, "ana@example.org") if n in dumped]
        else:
            hits = find_in_sqlite_files(
                f"sqlite:///{copy}", [PHONE, NAME, NARRATIVE, "ana@example.org"]
            )
        assert hits == []
    finally:
        _drop_restored(copy)
