"""Ingestion and queue settings."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .metadata import ROLE_NAMES


class RecorderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLREC_RECORDER_", extra="ignore")

    max_upload_mb: int = 1024
    # The longest recording accepted (seconds of audio, whatever the file's size); the worker holds
    # one call's audio in memory, about 0.23 GB per channel-hour.
    max_duration_s: float = Field(4 * 3600, gt=0)
    # Channel roles of a dual-channel recording, channel 0 first, unless the call's metadata says otherwise.
    channel_roles: list[str] = ["agent", "customer"]
    # Per-source overrides, e.g. {"asterisk": ["customer", "agent"]}.
    source_channel_roles: dict[str, list[str]] = {}
    # Twilio's recording callback (POST /v1/telephony/twilio/recording): off until a token is set.
    twilio_auth_token: SecretStr | None = None
    # Sent as HTTP basic auth when fetching recordings (Twilio's "enforce HTTP auth on media URLs").
    twilio_account_sid: str = ""
    twilio_media_hosts: list[str] = ["api.twilio.com"]
    # Plain http media URLs would carry the account's credentials in clear: refused unless set.
    twilio_media_http: bool = False
    # callrec's URL as the telephony provider sees it (behind a proxy the request URL differs);
    # signatures are checked against it. Empty: the URL the request arrived on.
    public_url: str = ""
    # Outgoing webhooks: a failed delivery is tried again after each of these delays, then given up.
    webhook_backoff_s: list[float] = [10, 60, 300, 1800, 7200, 21600]
    webhook_timeout_s: float = 10.0
    # Networks webhooks may reach although they are loopback, link-local or private (CIDR, e.g.
    # ["10.20.0.0/16"] for an internal receiver); by default only public addresses.
    webhook_allowed_networks: list[str] = []

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad one
        return value

    def roles_for(self, source: str) -> list[str]:
        roles = self.source_channel_roles.get(source, self.channel_roles)
        unknown = [r for r in roles if r not in ROLE_NAMES]
        if unknown:
            raise ValueError(f"unknown channel role(s) {unknown} for source {source!r}")
        return roles


class QueueSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLREC_QUEUE_", extra="ignore")

    # Empty: `callrec up` starts an embedded Redis under the data directory.
    redis_url: str = ""
    job_timeout_s: int = 3600
    retries: int = 3
    retry_intervals_s: list[int] = [30, 120, 600]
    # "auto": the GPU queue while a GPU worker is alive, the CPU queue otherwise; or "gpu" / "cpu".
    route: str = "auto"


class WatchSettings(BaseSettings):
    """The folder watcher (`callrec recorder watch`) and the bucket drop read these."""

    model_config = SettingsConfigDict(env_prefix="CALLREC_WATCH_", extra="ignore")

    # "freepbx" (built in) or a template such as "{direction}_{agent_id}_{customer_number}_{date}_{time}".
    pattern: str = "freepbx"
    source: str = "pbx"
    # Time zone of the local times in file names and CDR rows.
    timezone: str = "UTC"
    # Numbers this short are PBX extensions (agents), longer ones outside parties.
    max_extension_digits: int = 6
    # A file is complete once its size and mtime stay unchanged this long ...
    settle_s: float = 5.0
    # ... and, for a WAV, once its header agrees with its length (writers fix the header on close). A WAV
    # whose header never agrees is taken as is after this long unchanged.
    open_wav_grace_s: float = 600.0
    # A MixMonitor leg whose partner never appears is ingested alone after this long.
    lone_leg_wait_s: float = 120.0
    poll_s: float = 2.0
    # Roles of the -in and -out legs by call direction. MixMonitor records on the channel it runs on:
    # FreePBX runs it on the caller's channel, so -in is the customer inbound and the agent outbound.
    leg_roles: dict[str, list[str]] = {
        "inbound": ["customer", "agent"],
        "outbound": ["agent", "customer"],
        "internal": ["agent", "other"],
        "unknown": ["customer", "agent"],
    }
    # Ingest recordings written into the object store under incoming/ (`callrec up` runs the scan).
    bucket_drop: bool = True
    # Asterisk's Master.csv (or any CSV with a uniqueid column), matched by the recording's uniqueid.
    cdr_csv: str = ""
