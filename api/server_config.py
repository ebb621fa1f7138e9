"""uvicorn's configuration for the API, in one place for `callrec api`, `callrec up` and the tests:
forwarded headers only from configured proxies, and an access log that names no customer."""

from __future__ import annotations

import logging
import re

import uvicorn
from fastapi import FastAPI

from .settings import ApiSettings

# Query parameters whose values can hold a customer's number or a search for one.
_SENSITIVE = re.compile(r"(?<=[?&])(q|customer|customer_number)=[^&\s]*")
# A path segment that is a phone number (DELETE /v1/customers/{number}).
_NUMBER_IN_PATH = re.compile(r"(/customers/)[^/?\s]+")


class AccessLogRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            path = _NUMBER_IN_PATH.sub(r"\1…", _SENSITIVE.sub(r"\1=…", record.args[2]))
            record.args = (*record.args[:2], path, *record.args[3:])
        return True


def server_config(app: FastAPI, settings: ApiSettings, host: str, port: int) -> uvicorn.Config:
    trusted = settings.trusted_proxies.strip()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        # uvicorn's own default believes X-Forwarded-For from loopback.
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )
    access = logging.getLogger("uvicorn.access")  # configured by uvicorn.Config above
    if not any(isinstance(f, AccessLogRedaction) for f in access.filters):
        access.addFilter(AccessLogRedaction())
    return config
