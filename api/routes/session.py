"""/v1/session: signing in and out of the review desk; /v1/users: the people who may (admins)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from storage import audit
from storage.api_keys import ApiKey
from storage.users import (
    SESSION_HOURS,
    USER_ROLES,
    User,
    create_user,
    disable_user,
    list_users,
    password_hash_for,
    session_for,
    sign_out,
    start_session,
)

from ..auth import SESSION_COOKIE, actor, admin_only, origin
from ..schemas import ErrorOut, model_of
from ..sign_in_limits import password_checks, sign_in_attempt

router = APIRouter(prefix="/v1", tags=["session"])
ERRORS: dict[int | str, dict] = {code: {"model": ErrorOut} for code in (401, 403, 404, 422, 429)}


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(model_of(User, "UserFields")):  # type: ignore[misc]
    """A desk user, as stored (never the password)."""


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Echo it in the X-CSRF-Token header of every change")
    expires_at: datetime


class NewUser(Credentials):
    role: str = Field(description=" or ".join(USER_ROLES))
    display_name: str = Field("", max_length=255)
    agent_id: str | None = Field(None, max_length=128, description="An agent user's telephony agent id")


def _user_out(user: User) -> UserOut:
    return UserOut(**asdict(user))


@router.post("/session", response_model=SessionOut, responses=ERRORS)
def sign_in_route(body: Credentials, request: Request, response: Response) -> SessionOut:
    """Sign in with a username and password; the session is an HttpOnly cookie."""
    services = request.app.state.services
    address = origin(request)
    with sign_in_attempt(services.redis, address, body.username) as attempt:
        with services.db.session() as session:
            user_id, password_hash = password_hash_for(session, body.username)
        matches = password_checks.check(password_hash, body.password)
        result = None
        if matches and user_id is not None:
            with services.db.session() as session:
                result = start_session(session, user_id, body.password, address)
        with services.db.session() as session:
            audit.record(
                session, f"user {body.username}", "session.sign_in", body.username,
                {"ok": result is not None}, address,
            )  # fmt: skip
        if result is None:
            raise HTTPException(401, "wrong username or password")
        attempt.succeeded()
    signed_in, token = result
    secure = request.url.scheme == "https" or services.settings.api.secure_cookies
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, secure=secure, samesite="lax", max_age=SESSION_HOURS * 3600
    )
    return SessionOut(
        user=_user_out(signed_in.user), csrf_token=signed_in.csrf_token, expires_at=signed_in.expires_at
    )


@router.get("/session", response_model=SessionOut, responses=ERRORS)
def current_session(request: Request) -> SessionOut:
    token = request.cookies.get(SESSION_COOKIE)
    with request.app.state.services.db.session() as session:
        signed_in = session_for(session, token) if token else None
    if signed_in is None:
        raise HTTPException(401, "not signed in")
    return SessionOut(
        user=_user_out(signed_in.user), csrf_token=signed_in.csrf_token, expires_at=signed_in.expires_at
    )


@router.delete("/session", status_code=204)
def sign_out_route(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with request.app.state.services.db.session() as session:
            signed_in = session_for(session, token)
            sign_out(session, token)
            if signed_in:
                audit.record(
                    session, f"user {signed_in.user.username}", "session.sign_out", "", {}, origin(request)
                )
    response.delete_cookie(SESSION_COOKIE)


@router.post("/users", status_code=201, response_model=UserOut, responses=ERRORS)
def add_user(body: NewUser, request: Request, key: ApiKey = Depends(admin_only)) -> UserOut:
    with request.app.state.services.db.session() as session:
        user = create_user(session, body.username, body.password, body.role, body.display_name, body.agent_id)
        audit.record(session, actor(key), "user.create", user.username, {"role": user.role}, origin(request))
    return _user_out(user)


@router.get("/users", response_model=list[UserOut], responses=ERRORS)
def users(request: Request, key: ApiKey = Depends(admin_only)) -> list[UserOut]:
    with request.app.state.services.db.session() as session:
        return [_user_out(user) for user in list_users(session)]


@router.post("/users/{username}/disable", response_model=UserOut, responses=ERRORS)
def disable(username: str, request: Request, key: ApiKey = Depends(admin_only)) -> UserOut:
    """Disable a user; their sessions end at once."""
    with request.app.state.services.db.session() as session:
        user = disable_user(session, username)
        audit.record(session, actor(key), "user.disable", username, {}, origin(request))
    return _user_out(user)
