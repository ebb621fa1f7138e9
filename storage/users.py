"""Users who sign in to the review desk in a browser, and their sessions (machines use API keys).

Passwords are kept as argon2id hashes. A session is a random token in an HttpOnly cookie, stored
hashed; each has its own CSRF token, which state-changing requests must echo in a header.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import UserError
from .records import record_of
from .tables import UserRow, UserSessionRow, utcnow

# Roles a person can hold; telephony is for machines (API keys) only. What managers and agents see
# is decided by teams (storage/teams.py).
USER_ROLES = ("admin", "compliance", "manager", "agent")
SESSION_HOURS = 12
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str
    display_name: str
    active: bool
    created_at: datetime
    agent_id: str | None = None  # an agent user's telephony agent id


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    session_id: int
    csrf_token: str
    expires_at: datetime


def _user(row: UserRow) -> User:
    return record_of(User, row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    agent_id: str | None = None,
) -> User:
    if role not in USER_ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(USER_ROLES)}")
    if (role == "agent") != bool(agent_id):
        raise UserError("an agent user needs --agent-id (their telephony agent id), and only agents have one")
    if not username or len(username) > 128 or not username.isprintable() or " " in username:
        raise UserError("a username is 1 to 128 printable characters without spaces")
    if len(password) < 12:
        raise UserError("a password needs at least 12 characters")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise UserError(f"user {username!r} exists already")
    row = UserRow(
        username=username, password_hash=_hasher.hash(password), role=role,
        display_name=display_name or username, active=True, agent_id=agent_id or None,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return _user(row)


def list_users(session: Session) -> list[User]:
    return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.id))]


def is_active_user(session: Session, username: str) -> bool:
    return session.scalar(select(UserRow.id).where(UserRow.username == username, UserRow.active)) is not None


def disable_user(session: Session, username: str) -> User:
    """Disable the user and end every session of theirs at once."""
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise UserError(f"no user {username!r}")
    row.active = False
    session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == row.id))
    session.flush()
    return _user(row)


def password_hash_for(session: Session, username: str) -> tuple[int | None, str]:
    """The id of the active user `username` (None for an unknown or disabled one) and the hash to
    check a password against: a dummy one where there is no user, so timing does not tell which
    usernames exist. Read in its own short session: the check itself takes a CPU-bound moment, and
    holding a database connection through it let a burst of sign-ins exhaust the pool."""
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        return None, _dummy_hash()
    return (row.id if row.active else None), row.password_hash


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def start_session(session: Session, user_id: int, password: str, origin: str) -> tuple[SignedIn, str] | None:
    """A new session and its cookie token for a user whose password was just checked (None if the
    user was disabled meanwhile)."""
    row = session.get(UserRow, user_id)
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    record = UserSessionRow(
        token_hash=_token_hash(token), user_id=row.id, csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + timedelta(hours=SESSION_HOURS), origin=origin[:255],
    )  # fmt: skip
    session.add(record)
    session.flush()
    return SignedIn(_user(row), record.id, record.csrf_token, record.expires_at), token


def session_for(session: Session, token: str) -> SignedIn | None:
    """The live session of an active user behind a cookie token, or None."""
    record = session.scalar(select(UserSessionRow).where(UserSessionRow.token_hash == _token_hash(token)))
    if record is None or record.expires_at <= utcnow():
        return None
    row = session.get(UserRow, record.user_id)
    if row is None or not row.active:
        return None
    return SignedIn(_user(row), record.id, record.csrf_token, record.expires_at)


def sign_out(session: Session, token: str) -> None:
    session.execute(delete(UserSessionRow).where(UserSessionRow.token_hash == _token_hash(token)))


@cache
def _dummy_hash() -> str:
    """Made on the first sign-in, not at import: every command and worker imports this module."""
    return _hasher.hash(secrets.token_urlsafe(16))
