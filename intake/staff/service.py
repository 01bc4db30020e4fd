"""Staff accounts: passwords (argon2id), TOTP second factor, enrolment links, scoped expiring
bearer tokens, web sessions, lock-outs per account and client.

Functions take the session explicitly and flush; the request or command that calls them commits.
Secrets are never stored in clear: passwords as argon2id hashes, API tokens, enrolment links and
session ids as SHA-256 digests (they are 256-bit random, so a plain digest cannot be
brute-forced), TOTP secrets sealed under the user's own data key, clients as keyed digests.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from intake.crypto import Keyring, token_digest
from intake.errors import ConflictError, InvalidInputError, NotFoundError
from intake.models import ApiToken, Enrolment, LoginFailure, Queue, StaffSession, User, utcnow
from intake.models.staff import ROLES, TOKEN_SCOPES

log = logging.getLogger(__name__)

# Lock-out per (account, client): after 5 failures from one client, that client waits 1 minute,
# then twice as long after each further failure, at most an hour; a day without failures
# forgets them. Another client (the owner at their desk) is not affected.
MAX_FAILED_LOGINS = 5
FIRST_LOCKOUT = timedelta(minutes=1)
MAX_LOCKOUT = timedelta(hours=1)
FAILURE_MEMORY = timedelta(hours=24)
# API tokens expire; a token is for one integration and as narrow as its work allows.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
DEFAULT_TOKEN_SCOPE = "work"  # noqa: S105 - a scope name, not a secret
# An enrolment link (set a password, enrol TOTP) works once, for a day.
ENROLMENT_LIFETIME = timedelta(hours=24)
SESSION_LIFETIME = timedelta(hours=10)
SESSION_IDLE = timedelta(hours=1)
# The TOTP step may be a few seconds off between phone and server: accept the neighbours.
TOTP_WINDOW = 1
TOTP_ISSUER = "Intake"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
MIN_PASSWORD_DISTINCT = 5

# argon2id with the library's defaults (RFC 9106 low-memory profile); tests swap in a cheap one.
password_hasher = PasswordHasher()
# Verified against when the user is unknown, so both failures cost the same time.
_DUMMY_HASH: str | None = None


class AuthenticationError(Exception):
    """Credentials were wrong, or the account may not log in now (one message for every case)."""


class AccountLockedError(AuthenticationError):
    """Too many failures: the account is locked for this client until ``until``."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__()
        self.until = until


class TotpReusedError(AuthenticationError):
    """A right code whose time step was already used: the next code will work."""


@dataclass(frozen=True)
class NewUser:
    """A created account's secrets, shown once."""

    user: User
    password: str
    totp_secret: str
    totp_uri: str
    api_token: str


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
    user.totp_secret.seal(keyring, secret)


def totp_secret(keyring: Keyring, user: User) -> str | None:
    """The user's decrypted TOTP secret."""
    if user.totp_secret_ct is None or user.wrapped_key is None:
        return None
    return user.totp_secret.read(keyring)


def totp_uri(username: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def create_account(
    session: Session,
    keyring: Keyring,
    username: str,
    role: str,
    *,
    queues: Iterable[str] = (),
    email: str | None = None,
    display_name: str = "",
) -> User:
    """A staff account with no password yet (the user sets it through an enrolment link)."""
    username = username.strip()
    if not username or len(username) > 80:
        raise InvalidInputError("A username of 1 to 80 characters is needed.")
    if role not in ROLES:
        raise InvalidInputError(f"The role must be one of {', '.join(ROLES)}.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError("A user with this name exists.")
    user = User(
        username=username,
        display_name=display_name or username,
        email=email,
        role=role,
        password_hash=None,
        is_active=True,
        is_on_duty=True,
        created_at=utcnow(),
    )
    user.queues = _queues(session, queues)
    session.add(user)
    session.flush()  # the user id binds the sealed TOTP secret
    user.create_data_key(keyring)
    set_totp_secret(keyring, user, pyotp.random_base32())
    session.flush()
    log.info("user %s created role=%s", user.id, role)
    return user


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
    token_scope: str = "reveal",  # noqa: S107 - a scope name, not a secret
) -> NewUser:
    """An account with every factor set and returned: the demo's logins and tests' accounts.

    Administrators create accounts with :func:`create_account` and an enrolment link instead,
    so that nobody but the user ever holds their password and TOTP secret. The token's scope
    is the widest unless told (the role still limits it): these accounts show everything a
    role can do.
    """
    user = create_account(
        session, keyring, username, role, queues=queues, email=email, display_name=display_name
    )
    password = password or new_password()
    user.password_hash = hash_password(password)
    secret = totp_secret(keyring, user)
    assert secret is not None  # create_account sealed one
    token = issue_api_token(session, user, name="created", scope=token_scope)
    session.flush()
    return NewUser(user, password, secret, totp_uri(user.username, secret), token)


def issue_api_token(
    session: Session,
    user: User,
    *,
    name: str = "",
    scope: str = DEFAULT_TOKEN_SCOPE,
    days: int = DEFAULT_TOKEN_DAYS,
) -> str:
    """A new bearer token for the user, of ``scope``, expiring in ``days``; only its digest is
    kept."""
    if scope not in TOKEN_SCOPES:
        raise InvalidInputError(f"The scope must be one of {', '.join(TOKEN_SCOPES)}.")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInputError(f"A token lasts 1 to {MAX_TOKEN_DAYS} days.")
    token = "itk_" + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        ApiToken(
            user_id=user.id,
            token_digest=token_digest(token),
            name=name[:80],
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    log.info("user %s issued an API token scope=%s days=%d", user.id, scope, days)
    return token


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every live API token of the user; returns how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def end_sessions(session: Session, user: User, *, keep: str = "") -> None:
    """Log the user out everywhere (except the session whose cookie is ``keep``)."""
    kept = token_digest(keep) if keep else None
    for row in session.scalars(select(StaffSession).where(StaffSession.user_id == user.id)):
        if row.id_digest != kept:
            session.delete(row)


def disable_user(session: Session, user: User) -> None:
    """Disable an account: no login, no token, no session."""
    user.is_active = False
    revoke_tokens(session, user)
    end_sessions(session, user)


def check_new_password(user: User, password: str) -> None:
    """Refuse a password that is short, the username, or a few characters repeated."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters "
            "(a few unrelated words are easy to remember)."
        )
    if len(set(password)) < MIN_PASSWORD_DISTINCT or user.username.lower() in password.lower():
        raise InvalidInputError("Choose a password that is not your username or a repetition.")


def issue_enrolment(session: Session, keyring: Keyring, user: User) -> str:
    """A one-time enrolment link token; the account's password and TOTP stop working until the
    user sets new ones with it. Earlier links of the user stop working."""
    session.execute(delete(Enrolment).where(Enrolment.user_id == user.id))
    user.password_hash = None
    set_totp_secret(keyring, user, pyotp.random_base32())
    user.last_totp_step = None
    end_sessions(session, user)
    unlock(session, user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        Enrolment(
            token_digest=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + ENROLMENT_LIFETIME,
        )
    )
    log.info("user %s issued an enrolment link", user.id)
    return token


def find_enrolment(session: Session, token: str) -> Enrolment | None:
    """The live enrolment for a link token, or None (expired, used, or the user disabled)."""
    if not token or len(token) > 100:
        return None
    row = session.get(Enrolment, token_digest(token))
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row


def complete_enrolment(
    session: Session, keyring: Keyring, enrolment: Enrolment, password: str, code: str
) -> User:
    """Set the password and confirm the TOTP entry with a code from it; the link is used up."""
    user = enrolment.user
    check_new_password(user, password)
    secret = totp_secret(keyring, user)
    step = matching_totp_step(secret, "".join(code.split())) if secret is not None else None
    if step is None or not _claim_totp_step(session, user, step):
        raise InvalidInputError(
            "The code does not match: add the key to your authenticator app and use its code."
        )
    user.password_hash = hash_password(password)
    session.delete(enrolment)
    log.info("user %s enrolled", user.id)
    return user


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


def find_token(session: Session, token: str) -> ApiToken | None:
    """The unrevoked token row of an active user for a bearer token, expired or not, or None."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_digest == token_digest(token)))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    if row.expires_at > utcnow():
        now = utcnow()
        # One write a minute at most: the token's use is visible without a write per request.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now
    return row


def is_expired(row: ApiToken) -> bool:
    """Whether an API token is past its expiry."""
    return row.expires_at <= utcnow()


def user_for_token(session: Session, token: str) -> User | None:
    """The active user holding a live (unrevoked, unexpired) bearer token, or None."""
    row = find_token(session, token)
    return None if row is None or is_expired(row) else row.user


# --- web login ---------------------------------------------------------------------------------


def _is_locked(session: Session, user: User, client: str) -> bool:
    return _locked_until(session, user, client) is not None


def _locked_until(session: Session, user: User, client: str) -> datetime | None:
    row = session.get(LoginFailure, (user.id, client))
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        return row.locked_until
    return None


def _failure_row(session: Session, user: User, client: str) -> LoginFailure:
    # Two failures racing from one client must not both INSERT the pair: insert-or-nothing,
    # then lock the row (PostgreSQL; SQLite serialises whole transactions).
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(LoginFailure)
        .values(user_id=user.id, client_digest=client, failure_count=0, last_failed_at=utcnow())
        .on_conflict_do_nothing()
    )
    return session.scalars(
        select(LoginFailure)
        .where(LoginFailure.user_id == user.id, LoginFailure.client_digest == client)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _fail(session: Session, user: User, client: str) -> None:
    now = utcnow()
    row = _failure_row(session, user, client)
    if now - row.last_failed_at > FAILURE_MEMORY:
        row.failure_count, row.locked_until = 0, None
    row.failure_count += 1
    row.last_failed_at = now
    if row.failure_count >= MAX_FAILED_LOGINS:
        doublings = min(row.failure_count - MAX_FAILED_LOGINS, 10)
        delay = min(FIRST_LOCKOUT * 2**doublings, MAX_LOCKOUT)
        row.locked_until = now + delay
        # The user id only: the client is a keyed digest, and even that stays out of logs.
        log.warning(
            "user %s locked out for one client for %d s after %d failures",
            user.id,
            int(delay.total_seconds()),
            row.failure_count,
        )


def _forget_failures(session: Session, user: User, client: str) -> None:
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.user_id == user.id, LoginFailure.client_digest == client
        )
    )


def unlock(session: Session, user: User) -> int:
    """Clear every lock-out and failure count of the user; returns how many clients were locked."""
    locked = locked_clients(session, user)
    session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id))
    return locked


def locked_clients(session: Session, user: User) -> int:
    """How many clients are locked out of the user's account now."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.user_id == user.id, LoginFailure.locked_until > utcnow())
        )
        or 0
    )


def locked_out_users(session: Session) -> list[tuple[User, int]]:
    """Accounts with clients locked out now, and how many clients each (for operators)."""
    rows = session.execute(
        select(User, func.count())
        .join(LoginFailure, LoginFailure.user_id == User.id)
        .where(LoginFailure.locked_until > utcnow())
        .group_by(User.id)
        .order_by(User.username)
    ).all()
    return [(user, int(count)) for user, count in rows]


def check_password(session: Session, username: str, password: str, *, client: str = "") -> User:
    """The user if the password is right; AuthenticationError otherwise.

    ``client`` is a keyed digest of the caller's address: failures are counted, and lock out,
    per account and client.
    """
    # No username holds a NUL (PostgreSQL's text cannot): such a name is simply unknown.
    name = username.strip()
    user = None if "\0" in name else session.scalar(select(User).where(User.username == name))
    ok = _verify_password(user.password_hash if user is not None else None, password)
    if user is None or not user.is_active:
        raise AuthenticationError()
    if _is_locked(session, user, client):
        raise AccountLockedError()
    if not ok:
        _fail(session, user, client)
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


def check_totp(
    session: Session, keyring: Keyring, user: User, code: str, *, client: str = ""
) -> None:
    """Accept a current TOTP code once or raise AuthenticationError (failures counted per
    account and client, like passwords; success forgets the client's failures).

    A code whose time step is not newer than the last accepted one is refused: someone who saw
    it (over a shoulder, from a phishing page) cannot reuse it within its window.
    """
    if (until := _locked_until(session, user, client)) is not None:
        raise AccountLockedError(until)
    secret = totp_secret(keyring, user)
    code = "".join(code.split())
    step = matching_totp_step(secret, code) if secret is not None else None
    if step is None or not _claim_totp_step(session, user, step):
        if step is not None:
            log.warning("user %s offered a TOTP code already used", user.id)
        _fail(session, user, client)
        # The password is already proven here, so saying which failure it was helps the owner
        # and tells a guesser nothing new; the password step keeps its single message.
        if (until := _locked_until(session, user, client)) is not None:
            raise AccountLockedError(until)
        raise TotpReusedError() if step is not None else AuthenticationError()
    _forget_failures(session, user, client)
    user.last_login_at = utcnow()


def _check_factors(
    session: Session, keyring: Keyring, user: User, password: str, code: str, client: str
) -> None:
    # The account page asks for both factors again: a borrowed or stolen session alone cannot
    # change them. Failures count towards the same lock-out as the login's.
    if _is_locked(session, user, client):
        raise AccountLockedError()
    if not _verify_password(user.password_hash, password):
        _fail(session, user, client)
        raise AuthenticationError()
    check_totp(session, keyring, user, code, client=client)


def change_password(
    session: Session,
    keyring: Keyring,
    user: User,
    *,
    current_password: str,
    code: str,
    new_password: str,
    client: str = "",
    keep_session: str = "",
) -> None:
    """Change the password with both current factors; other sessions of the user end."""
    check_new_password(user, new_password)
    _check_factors(session, keyring, user, current_password, code, client)
    user.password_hash = hash_password(new_password)
    end_sessions(session, user, keep=keep_session)
    log.info("user %s changed their password", user.id)


def new_totp_secret() -> str:
    """A fresh TOTP secret for re-enrolment."""
    return pyotp.random_base32()


def reenrol_totp(
    session: Session,
    keyring: Keyring,
    user: User,
    *,
    current_password: str,
    code: str,
    new_secret: str,
    new_code: str,
    client: str = "",
    keep_session: str = "",
) -> None:
    """Replace the TOTP secret: both current factors, and a code from the new entry."""
    if len(new_secret) < 32 or not new_secret.isalnum() or not new_secret.isupper():
        raise InvalidInputError("The new key is not one this page made: reload it.")
    _check_factors(session, keyring, user, current_password, code, client)
    step = matching_totp_step(new_secret, "".join(new_code.split()))
    if step is None:
        raise InvalidInputError("The code from the new entry does not match: try again.")
    set_totp_secret(keyring, user, new_secret)
    # Codes of the new secret at steps already passed stay refused, like the old secret's.
    user.last_totp_step = max(step, user.last_totp_step or step)
    end_sessions(session, user, keep=keep_session)
    log.info("user %s enrolled a new TOTP secret", user.id)


def start_session(session: Session, user: User) -> str:
    """A new server-side session (second factor still to do); returns the cookie value."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id_digest=token_digest(token),
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
    row = session.get(StaffSession, token_digest(token))
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
            id_digest=token_digest(token),
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
    row = session.get(StaffSession, token_digest(token)) if token else None
    if row is not None:
        session.delete(row)
