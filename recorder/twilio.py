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

from .errors import BadSignature, RecordingUnavailable, RecordingUrlRefused
from .ingest import Spool

URL_METADATA = ("direction", "agent_id", "customer_number", "language")
# Dual-channel recordings of <Dial record="record-from-answer-dual">: the parent call (the caller) on
# channel 0, the dialled party on channel 1.
DUAL_ROLES = {"inbound": ["customer", "agent"], "outbound": ["agent", "customer"]}


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


def check_media_url(url: str, allowed_hosts: list[str], allow_http: bool = False) -> None:
    """Only https (the account's credentials ride along), and only from an allowed host, so a
    signed-but-misdirected callback, or a redirect, cannot make callrec fetch from anywhere."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise RecordingUrlRefused(
            f"recording URL {url!r} is not an https URL"
            + ("" if allow_http else " (plain http needs CALLREC_RECORDER_TWILIO_MEDIA_HTTP=true)")
        )
    if parts.hostname not in allowed_hosts:
        raise RecordingUrlRefused(
            f"recordings are fetched only from {', '.join(allowed_hosts)}, not {parts.hostname} "
            "(CALLREC_RECORDER_TWILIO_MEDIA_HOSTS)"
        )


def media_url(params: Mapping[str, str], allowed_hosts: list[str], allow_http: bool = False) -> str:
    """The recording's WAV URL, dual-channel when it was recorded so."""
    url = params.get("RecordingUrl", "")
    check_media_url(url, allowed_hosts, allow_http)
    wav = url if urlsplit(url).path.endswith(".wav") else url + ".wav"
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


MAX_REDIRECTS = 5


def fetch_recording(
    client: httpx.Client,
    url: str,
    auth: tuple[str, str] | None,
    spool: Spool,
    allowed_hosts: list[str],
    allow_http: bool = False,
) -> None:
    """Stream the recording into the spool (which enforces the size limit). Redirects are followed
    by hand, each hop checked like the first; credentials go to the callback's own host only."""
    first_host = urlsplit(url).hostname
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_media_url(url, allowed_hosts, allow_http)
            hop_auth = auth if urlsplit(url).hostname == first_host else None
            with client.stream("GET", url, auth=hop_auth, follow_redirects=False) as response:
                if response.is_redirect and "location" in response.headers:
                    url = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code != 200:
                    raise RecordingUnavailable(
                        f"the recording host answered {response.status_code} for {url}"
                    )
                for chunk in response.iter_bytes(1 << 16):
                    spool.write(chunk)
                return
        raise RecordingUnavailable(f"more than {MAX_REDIRECTS} redirects fetching the recording")
    except httpx.HTTPError as exc:
        raise RecordingUnavailable(f"could not fetch the recording from {url}: {exc}") from exc
