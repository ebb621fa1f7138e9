"""Twilio's RecordingStatusCallback: check the request's signature, fetch the recording it names
(dual-channel when Twilio has it), and describe the call for ingestion.

Twilio signs each request: base64(HMAC-SHA1(auth token, full URL + each POST parameter's name and value,
sorted by name)). The callback URL may carry callrec metadata in its query string (direction, agent_id,
customer_number, language); Twilio signs the query with the rest, so it cannot be altered on the way.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import IngestError
from .ingest import Spool

URL_METADATA = ("direction", "agent_id", "customer_number", "language")
# Dual-channel recordings of <Dial record="record-from-answer-dual">: the parent call (the caller) on
# channel 0, the dialled party on channel 1.
DUAL_ROLES = {"inbound": ["customer", "agent"], "outbound": ["agent", "customer"]}


class BadSignature(IngestError):
    code = "bad_signature"
    status = 403


class RecordingUrlRefused(IngestError):
    code = "recording_url_refused"
    status = 422


class RecordingUnavailable(IngestError):
    """The recording host did not give us the audio; Twilio (or an operator) may deliver again."""

    code = "recording_unavailable"
    status = 502


def signature(auth_token: str, url: str, params: Mapping[str, str | list[str]]) -> str:
    payload = url
    for name in sorted(params):
        values = params[name]
        for value in sorted(values) if isinstance(values, list) else [values]:
            payload += name + value
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def check_signature(
    auth_token: str, url: str, params: Mapping[str, str | list[str]], given: str | None
) -> None:
    if not given:
        raise BadSignature("missing X-Twilio-Signature header")
    if not hmac.compare_digest(signature(auth_token, url, params), given):
        raise BadSignature("X-Twilio-Signature does not match this request (check the auth token and URL)")


def media_url(params: Mapping[str, str], allowed_hosts: list[str]) -> str:
    """The recording's WAV URL, dual-channel when it was recorded so; only from an allowed host, so a
    signed-but-misdirected callback cannot make callrec fetch from anywhere."""
    url = params.get("RecordingUrl", "")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RecordingUrlRefused(f"RecordingUrl {url!r} is not an http(s) URL")
    if parts.hostname not in allowed_hosts:
        raise RecordingUrlRefused(
            f"recordings are fetched only from {', '.join(allowed_hosts)}, not {parts.hostname} "
            "(CALLREC_RECORDER_TWILIO_MEDIA_HOSTS)"
        )
    wav = url if parts.path.endswith(".wav") else url + ".wav"
    return wav + ("?RequestedChannels=2" if params.get("RecordingChannels") == "2" else "")


def call_metadata(params: Mapping[str, str], query: Mapping[str, str]) -> dict[str, Any]:
    """CallMetadata fields of a recording callback, with the callback URL's own metadata."""
    metadata: dict[str, Any] = {
        "source": "twilio",
        "external_id": params["RecordingSid"],
        "extra": {
            name: params[name]
            for name in ("CallSid", "AccountSid", "RecordingDuration", "RecordingSource", "RecordingTrack")
            if params.get(name)
        },
    }
    if params.get("RecordingStartTime"):
        with contextlib.suppress(TypeError, ValueError):
            metadata["started_at"] = parsedate_to_datetime(params["RecordingStartTime"]).isoformat()
    metadata.update({name: query[name] for name in URL_METADATA if query.get(name)})
    if params.get("RecordingChannels") == "2":
        metadata["channel_roles"] = DUAL_ROLES.get(metadata.get("direction", ""), DUAL_ROLES["inbound"])
    return metadata


def fetch_recording(client: httpx.Client, url: str, auth: tuple[str, str] | None, spool: Spool) -> None:
    """Stream the recording into the spool (which enforces the size limit)."""
    try:
        with client.stream("GET", url, auth=auth, follow_redirects=True) as response:
            if response.status_code != 200:
                raise RecordingUnavailable(f"the recording host answered {response.status_code} for {url}")
            for chunk in response.iter_bytes(1 << 16):
                spool.write(chunk)
    except httpx.HTTPError as exc:
        raise RecordingUnavailable(f"could not fetch the recording from {url}: {exc}") from exc
