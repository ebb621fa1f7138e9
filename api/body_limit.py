"""Request body limits, enforced before a route reads a byte.

FastAPI reads and parses a JSON body before it runs the route's authentication, so without a cap a
stranger could make the API hold any amount of memory. JSON bodies are small; only audio uploads (which
stream to a spool file after their own authentication) and transcript imports are large."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_UPLOADS = (
    ("POST", re.compile(r"^/v1/calls/?$")),
    ("POST", re.compile(r"^/v1/agents/[^/]+/voice/?$")),
)
# Transcripts, and written contacts (a chat or an e-mail thread), may be larger than other JSON.
_TRANSCRIPTS = (
    ("PUT", re.compile(r"^/v1/calls/[^/]+/transcript/?$")),
    ("POST", re.compile(r"^/v1/contacts/?$")),
)
# Routes a stranger may send a body to: signing in, and Twilio's signed callback.
_PUBLIC = (re.compile(r"^/v1/session/?$"), re.compile(r"^/v1/telephony/"))


class BodyTooLarge(HTTPException):
    code = "body_too_large"


class BodyLimit:
    def __init__(self, app: App, json_bytes: int, transcript_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.transcript_bytes = transcript_bytes
        self.upload_bytes = upload_bytes

    def limit_for(self, method: str, path: str) -> int:
        if any(method == m and pattern.match(path) for m, pattern in _UPLOADS):
            return self.upload_bytes
        if any(method == m and pattern.match(path) for m, pattern in _TRANSCRIPTS):
            return self.transcript_bytes
        return self.json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        path: str = scope["path"]
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        has_body = (declared.isdigit() and int(declared) > 0) or b"transfer-encoding" in headers
        credentials = b"authorization" in headers or b"callrec_session=" in headers.get(b"cookie", b"")
        if (
            has_body
            and not credentials
            and path.startswith("/v1/")
            and not any(p.match(path) for p in _PUBLIC)
        ):
            await _reply(
                send, 401, "unauthorized", "missing API key: send Authorization: Bearer <key>, or sign in"
            )
            return
        limit = self.limit_for(scope["method"], path)
        if declared.isdigit() and int(declared) > limit:
            await _reply(send, 413, BodyTooLarge.code, _too_large(limit))
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI passes an HTTPException raised while it reads the body on to the handlers.
                    raise BodyTooLarge(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> str:
    size = f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 1024} KiB"
    return f"the request body is larger than this route's limit of {size}"


async def _reply(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps({"error": code, "detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    # The body is not read: the server closes the connection rather than drain it.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
