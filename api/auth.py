"""API key authentication: `Authorization: Bearer <key>` on every endpoint but health."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from storage import api_keys
from storage.api_keys import ApiKey

_bearer = HTTPBearer(auto_error=False, description="An API key from `callrec keys create`")


def require_role(*roles: str) -> Callable[..., ApiKey]:
    """A dependency that admits keys with one of `roles` (admin is always admitted)."""

    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> ApiKey:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                401,
                "missing API key: send Authorization: Bearer <key>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        with request.app.state.services.db.session() as session:
            key = api_keys.authenticate(session, credentials.credentials)
        if key is None:
            raise HTTPException(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        if key.role != "admin" and key.role not in roles:
            raise HTTPException(403, f"a {key.role} key may not do this")
        return key

    return dependency


def actor(key: ApiKey) -> str:
    """How an API key is named in records of who did what."""
    return f"key {key.id} ({key.name})"


admin_only = require_role("admin")
# Compliance officers read and review every call, flag, hold and the audit trail; they do not
# delete calls, manage keys or configure the service.
reviewer = require_role("admin", "compliance")


def record_access(
    request: Request, key: ApiKey, action: str, target: str, details: dict | None = None
) -> None:
    """Audit a read of call data (a view, a play or download, a search) with who and from where."""
    from storage import audit

    origin = request.client.host if request.client else ""
    with request.app.state.services.db.session() as session:
        audit.record(session, actor(key), action, target, details or {}, origin)


uploader = require_role("admin", "telephony")
