"""Who is calling: an API key (`Authorization: Bearer <key>`, machines) or a signed-in user's session
cookie (people, in the browser). Either way an endpoint sees an ApiKey-shaped principal with a role."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from storage import api_keys
from storage.api_keys import ApiKey
from storage.teams import visible_agents
from storage.users import session_for

_bearer = HTTPBearer(auto_error=False, description="An API key from `callrec keys create`")
SESSION_COOKIE = "callrec_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _from_session(request: Request) -> ApiKey | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with request.app.state.services.db.session() as session:
        signed_in = session_for(session, token)
    if signed_in is None:
        raise HTTPException(401, "the session has ended: sign in again")
    # A cookie rides along with any request the browser makes, so changes need the page's own token.
    if request.method not in _SAFE_METHODS and request.headers.get(CSRF_HEADER) != signed_in.csrf_token:
        raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header")
    user = signed_in.user
    return ApiKey(user.id, user.username, user.role, "user", user.created_at, False)


def require_role(*roles: str) -> Callable[..., ApiKey]:
    """A dependency that admits keys or users with one of `roles` (admin is always admitted)."""

    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> ApiKey:
        key: ApiKey | None
        if credentials is not None and credentials.scheme.lower() == "bearer":
            with request.app.state.services.db.session() as session:
                key = api_keys.authenticate(session, credentials.credentials)
            if key is None:
                raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        else:
            key = _from_session(request)
        if key is None:
            raise HTTPException(
                401,
                "missing API key: send Authorization: Bearer <key>, or sign in",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if key.role != "admin" and key.role not in roles:
            raise HTTPException(
                403, f"a {key.role} {'user' if key.prefix == 'user' else 'key'} may not do this"
            )
        return key

    return dependency


def actor(key: ApiKey) -> str:
    """How a principal is named in records of who did what."""
    if key.prefix == "user":
        return f"user {key.name}"
    return f"key {key.id} ({key.name})"


admin_only = require_role("admin")
# Compliance officers read and review every call, flag, hold and the audit trail; they do not
# delete calls, manage keys or configure the service.
reviewer = require_role("admin", "compliance")
uploader = require_role("admin", "telephony")
# Managers also review flags and score calls, within their teams (see call_scope).
flag_reviewer = require_role("admin", "compliance", "manager")
qa_reviewer = require_role("admin", "manager")
# Everyone who reads calls; agents only their own, read-only.
reader = require_role("admin", "compliance", "manager", "agent")
# Kept unredacted originals are for admins and compliance officers only.
ORIGINALS_ROLES = ("admin", "compliance")


def call_scope(request: Request, key: ApiKey) -> frozenset[str] | None:
    """The agent ids whose calls this principal may see, or None for every call. Keys act for the
    whole service (admin, compliance); users are scoped by their role and teams."""
    if key.prefix != "user":
        return None if key.role in ("admin", "compliance") else frozenset()
    if not hasattr(request.state, "call_scope"):
        with request.app.state.services.db.session() as session:
            request.state.call_scope = visible_agents(session, key.id)
    scope: frozenset[str] | None = request.state.call_scope
    return scope


def ensure_visible(request: Request, key: ApiKey, agent_id: str | None) -> None:
    """403 for a call outside the principal's scope (its existence is not secret to a colleague)."""
    scope = call_scope(request, key)
    if scope is not None and (agent_id is None or agent_id not in scope):
        whose = "your own calls" if key.role == "agent" else "the calls of your teams"
        raise HTTPException(403, f"this call is outside {whose}")


def origin(request: Request) -> str:
    """Where a request came from, as the audit trail records it."""
    return request.client.host if request.client else ""


def record_access(
    request: Request, key: ApiKey, action: str, target: str, details: dict | None = None
) -> None:
    """Audit a read of call data (a view, a play or download, a search) with who and from where."""
    from storage import audit

    with request.app.state.services.db.session() as session:
        audit.record(session, actor(key), action, target, details or {}, origin(request))
