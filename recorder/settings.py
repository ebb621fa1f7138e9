"""Ingestion and queue settings."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from .metadata import ROLE_NAMES


class RecorderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLREC_RECORDER_", extra="ignore")

    max_upload_mb: int = 1024
    # Channel roles of a dual-channel recording, channel 0 first, unless the call's metadata says otherwise.
    channel_roles: list[str] = ["agent", "customer"]
    # Per-source overrides, e.g. {"asterisk": ["customer", "agent"]}.
    source_channel_roles: dict[str, list[str]] = {}

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
