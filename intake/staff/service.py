"""Staff accounts: passwords (argon2id), TOTP second factor, bearer tokens, web sessions.

Functions take the session explicitly and flush; the request or command that calls them commits.
Secrets are never stored in clear: passwords as argon2id hashes, API tokens and session ids as
SHA-256 digests (they are 256-bit random, so a plain digest cannot be brute-forced), TOTP secrets
sealed under the user's own data key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from intake.crypto import Keyring
from intake.errors import ConflictError, InvalidInputError, NotFoundError
from intake.models import ApiToken, Queue, StaffSession, User, utcnow
from intake.models.staff import ROLES

log = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=10)
SESSION_IDLE = timedelta(hours=1)
# The TOTP step may be a few seconds off between phone and server: accept the neighbours.
TOTP_WINDOW = 1
TOTP_ISSUER = "Intake"
MIN_PASSWORD_LENGTH = 12

# argon2id with the library's defaults (RFC 9106 low-memory profile); tests swap in a cheap one.
password_hasher = PasswordHasher()
# Verified against when the user is unknown, so both failures cost the same time.
_DUMMY_HASH: str | None = None


class AuthenticationError(Exception):
    """Credentials were wrong, or the account may not log in now (one message for every case)."""


class AccountLockedError(AuthenticationError):
    """Too many failures: the account is locked for a while."""


@dataclass(frozen=True)
class NewUser:
    """A created account's secrets, shown once."""

    user: User
    password: str
    totp_secret: str
    totp_uri: str
    api_token: str


def digest(secret: str) -> str:
    """SHA-256 hex of a random token (API token or session id)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_password() -> str:
    """A random initial password."""
    return secrets.token_urlsafe(15)


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return password_hasher.hash(password)


def _verify_password(stored: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if stored is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = password_hasher.hash(secrets.token_urlsafe(16))
        stored = _DUMMY_HASH
        password = password + "\0never"
    try:
        return password_hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- users -------------------------------------------------------------------------------------


def find_user(session: Session, username: str) -> User:
    """The user by name, or NotFoundError."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError("No such user.")
    return user


def _queues(session: Session, codes: Iterable[str]) -> list[Queue]:
    codes = list(dict.fromkeys(codes))
    found = {q.code: q for q in session.scalars(select(Queue).where(Queue.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise InvalidInputError(f"Unknown queue: {', '.join(missing)}.")
    return [found[c] for c in codes]


def set_totp_secret(keyring: Keyring, user: User, secret: str) -> None:
    """Seal a TOTP secret under the user's data key."""
    if user.wrapped_key is None:
        user.create_data_key(keyring)
    user.totp_secret_ct = user.seal_text(keyring, "user", "totp_secret", user.id, secret)


def totp_secret(keyring: Keyring, user: User) -> str | None:
    """The user's decrypted TOTP secret."""
    if user.totp_secret_ct is None or user.wrapped_key is None:
        return None
    return user.open_text(keyring, "user", "totp_secret", user.id, user.totp_secret_ct)


def totp_uri(username: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def create_user(
    session: Session,
    keyring: Keyring,
    username: str,
    role: str,
    *,
    queues: Iterable[str] = (),
    email: str | None = None,
    display_name: str = "",
    password: str | None = None,
) -> NewUser:
    """Create a staff account with a password, a TOTP secret and one API token."""
    username = username.strip()
    if not username or len(username) > 80:
        raise InvalidInputError("A username of 1 to 80 characters is needed.")
    if role not in ROLES:
        raise InvalidInputError(f"The role must be one of {', '.join(ROLES)}.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError("A user with this name exists.")
    password = password or new_password()
    user = User(
        username=username,
        display_name=display_name or username,
        email=email,
        role=role,
        password_hash=hash_password(password),
        is_active=True,
        is_on_duty=True,
        failed_login_count=0,
        created_at=utcnow(),
    )
    user.queues = _queues(session, queues)
    session.add(user)
    session.flush()  # the user id binds the sealed TOTP secret
    user.create_data_key(keyring)
    secret = pyotp.random_base32()
    set_totp_secret(keyring, user, secret)
    token = issue_api_token(session, user, name="created")
    session.flush()
    log.info("user %s created role=%s", user.id, role)
    return NewUser(user, password, secret, totp_uri(username, secret), token)


def issue_api_token(session: Session, user: User, *, name: str = "") -> str:
    """A new bearer token for the user; only its digest is kept."""
    token = "itk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_digest=digest(token), name=name[:80]))
    return token


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every live API token of the user; returns how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere."""
    for row in session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)):
        session.delete(row)


def disable_user(session: Session, user: User) -> None:
    """Disable an account: no login, no token, no session."""
    user.is_active = False
    revoke_tokens(session, user)
    end_sessions(session, user)


def reset_password(session: Session, user: User, password: str | None = None) -> str:
    """Set a new password (random if none given), unlock, and end the user's sessions."""
    password = password or new_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    end_sessions(session, user)
    return password


def reset_totp(session: Session, keyring: Keyring, user: User) -> str:
    """A new TOTP secret (the old authenticator stops working); returns it."""
    secret = pyotp.random_base32()
    set_totp_secret(keyring, user, secret)
    end_sessions(session, user)
    return secret


def add_queue(session: Session, user: User, code: str) -> None:
    """Give the user a queue."""
    queue = _queues(session, [code])[0]
    if queue not in user.queues:
        user.queues.append(queue)


def remove_queue(session: Session, user: User, code: str) -> None:
    """Take a queue from the user."""
    queue = _queues(session, [code])[0]
    if queue in user.queues:
        user.queues.remove(queue)


# --- API tokens --------------------------------------------------------------------------------


def user_for_token(session: Session, token: str) -> User | None:
    """The active user holding a live bearer token, or None."""
    if not token:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_digest == digest(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    now = utcnow()
    # One write a minute at most: the token's use is visible without a write per request.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row.user


# --- web login ---------------------------------------------------------------------------------


def _is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def _fail(user: User) -> None:
    user.failed_login_count = (user.failed_login_count or 0) + 1
    if user.failed_login_count >= MAX_FAILED_LOGINS:
        user.locked_until = utcnow() + LOCKOUT
        user.failed_login_count = 0
        log.warning("user %s locked after repeated login failures", user.id)


def check_password(session: Session, username: str, password: str) -> User:
    """The user if the password is right; AuthenticationError otherwise (failures counted)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    ok = _verify_password(user.password_hash if user is not None else None, password)
    if user is None or not user.is_active:
        raise AuthenticationError()
    if _is_locked(user):
        raise AccountLockedError()
    if not ok:
        _fail(user)
        raise AuthenticationError()
    if password_hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def matching_totp_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (within the accepted window) whose code is ``code``, newest first, or None."""
    # Only ASCII digits: other scripts' digits pass ``isdigit`` but cannot be compared in
    # constant time (and no authenticator shows them).
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if at is None else at)
    for step in range(current + TOTP_WINDOW, current - TOTP_WINDOW - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_totp_step(session: Session, user: User, step: int) -> bool:
    # One conditional UPDATE: of two logins racing with the same code, only one moves the step.
    result = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.last_totp_step.is_(None), User.last_totp_step < step),
        )
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False
    set_committed_value(user, "last_totp_step", step)
    return True


def check_totp(session: Session, keyring: Keyring, user: User, code: str) -> None:
    """Accept a current TOTP code once or raise AuthenticationError (failures counted).

    A code whose time step is not newer than the last accepted one is refused: someone who saw
    it (over a shoulder, from a phishing page) cannot reuse it within its window.
    """
    if _is_locked(user):
        raise AccountLockedError()
    secret = totp_secret(keyring, user)
    code = "".join(code.split())
    step = matching_totp_step(secret, code) if secret is not None else None
    if step is None or not _claim_totp_step(session, user, step):
        if step is not None:
            log.warning("user %s offered a TOTP code already used", user.id)
        _fail(user)
        raise AuthenticationError()
    user.failed_login_count = 0
    user.last_login_at = utcnow()


def start_session(session: Session, user: User) -> str:
    """A new server-side session (second factor still to do); returns the cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id_digest=digest(token),
            user_id=user.id,
            is_second_factor_done=False,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return token


def find_session(session: Session, token: str) -> StaffSession | None:
    """The live session for a cookie value, or None (expired and idle ones are removed)."""
    if not token:
        return None
    row = session.get(StaffSession, digest(token))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now or now - row.last_seen_at > SESSION_IDLE or not row.user.is_active:
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
    return row


def complete_second_factor(session: Session, row: StaffSession) -> str:
    """Mark the second factor done under a fresh session id (no fixation); returns the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id_digest=digest(token),
            user_id=row.user_id,
            is_second_factor_done=True,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.delete(row)
    return token


def end_session(session: Session, token: str) -> None:
    """Log out one session."""
    row = session.get(StaffSession, digest(token)) if token else None
    if row is not None:
        session.delete(row)
