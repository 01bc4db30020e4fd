"""SQLite writers queue on a file lock: concurrent writers all succeed, none waits forever."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text

from intake.database import LockingConnection, _configure_sqlite, engine_options


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    engine = create_engine(url, **engine_options(url))
    _configure_sqlite(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


def test_concurrent_read_modify_write_transactions_never_lose_an_update(engine) -> None:
    errors: list[Exception] = []

    def work() -> None:
        try:
            for _ in range(50):
                with engine.begin() as connection:
                    n = connection.execute(text("SELECT n FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 200


def test_lock_file_sits_beside_the_database(engine, tmp_path) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE counter SET n = 1"))
    assert (tmp_path / "locks.db.lock").exists()


def test_a_second_writer_in_the_same_thread_times_out_instead_of_hanging(tmp_path) -> None:
    path = str(tmp_path / "same.db")
    first = sqlite3.connect(path, factory=LockingConnection)
    second = sqlite3.connect(path, factory=LockingConnection)
    first.attach_lock_file(path + ".lock")
    second.attach_lock_file(path + ".lock")
    first.acquire_write_lock()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.acquire_write_lock(timeout=0.05)
    first.rollback()  # releases the lock
    second.acquire_write_lock(timeout=0.05)
    second.rollback()
    first.close()
    second.close()


def test_a_transaction_takes_the_write_lock_at_its_first_statement(engine) -> None:
    # The ORM begins when a flush asks for the connection, then prepares its parameters: other
    # writers need not wait for that, only for the statements.
    with engine.connect() as connection:
        connection.begin()
        driver = connection.connection.driver_connection
        assert isinstance(driver, LockingConnection)
        assert not driver._has_write_lock
        connection.execute(text("SELECT n FROM counter"))
        assert driver._has_write_lock
        assert driver.in_transaction  # BEGIN IMMEDIATE came before the first statement
        connection.rollback()
        assert not driver._has_write_lock
