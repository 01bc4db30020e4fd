"""Staff test data: accounts with tokens, tips placed in a chosen district."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from intake.crypto import Keyring
from intake.staff import service as staff_service
from intake.staff.service import NewUser
from intake.submissions.service import SubmittedTip, TipSubmission, submit_tip

# Points inside the demo city's districts (Port Alder).
N1_POINT = (44.08, -70.15)
H2_POINT = (44.08, -70.05)
S3_POINT = (44.02, -70.15)


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A cheap argon2id for tests (production keeps the library's defaults)."""
    monkeypatch.setattr(
        staff_service,
        "password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    monkeypatch.setattr(staff_service, "_DUMMY_HASH", None)
    yield


def make_user(
    session: Session, keyring: Keyring, username: str, role: str, queues: tuple[str, ...] = ()
) -> NewUser:
    """A committed staff account."""
    created = staff_service.create_user(session, keyring, username, role, queues=queues)
    session.commit()
    return created


def bearer(created: NewUser) -> dict[str, str]:
    """Authorization header of a user's API token."""
    return {"Authorization": f"Bearer {created.api_token}"}


def totp_now(created: NewUser) -> str:
    """The user's current TOTP code."""
    return pyotp.TOTP(created.totp_secret).now()


def make_tip(
    session: Session,
    keyring: Keyring,
    point: tuple[float, float] | None = N1_POINT,
    **fields: Any,
) -> SubmittedTip:
    """A tip through the real pipeline, located at ``point``; committed."""
    values: dict[str, Any] = {
        "channel": "api",
        "narrative": "People are selling drugs by the corner.",
    }
    if point is not None:
        values["lat"], values["lon"] = point
    values.update(fields)
    created = submit_tip(session, keyring, TipSubmission(**values))
    session.commit()
    return created


@pytest.fixture
def own_app(make_app: Any) -> Any:
    """``make_app`` (which closes its apps' connection pools after the test)."""
    return make_app
