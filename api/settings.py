"""All of callrec's settings, composed from each package's own settings class.

Every setting is an environment variable (CALLREC_...); the same NAME=value lines can live in a config
file given by --config or CALLREC_CONFIG. The environment wins over the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from recorder.settings import QueueSettings, RecorderSettings, WatchSettings
from storage.settings import StorageSettings
from transcribe.settings import TranscribeSettings


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLREC_API_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    # Where `callrec ingest` finds the server and its key.
    url: str = "http://127.0.0.1:8000"
    key: str = ""
    log_level: str = "info"
    # Session cookies are Secure on https requests; set this behind a TLS-terminating proxy too.
    secure_cookies: bool = False
    # Request bodies other than audio uploads (JSON), and transcript imports; checked before reading.
    max_body_kb: int = 1024
    max_transcript_mb: int = 32
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto is believed (comma-separated, "*" for
    # any). Empty: none, so a client cannot forge the address the sign-in limits and the audit see.
    trusted_proxies: str = ""
    # The interactive API documentation at /docs (served from this server, no CDN).
    docs: bool = True


@dataclass(frozen=True)
class Settings:
    api: ApiSettings
    storage: StorageSettings
    queue: QueueSettings
    recorder: RecorderSettings
    transcribe: TranscribeSettings
    watch: WatchSettings

    @property
    def data_dir(self) -> Path:
        return self.storage.data_dir


def load_settings(config_file: Path | None = None, data_dir: Path | None = None) -> Settings:
    env_file = str(config_file) if config_file else None
    if config_file is not None and not config_file.is_file():
        raise FileNotFoundError(f"config file {config_file} does not exist")
    storage = StorageSettings(_env_file=env_file)  # type: ignore[call-arg]
    if data_dir is not None:
        storage = storage.model_copy(update={"data_dir": data_dir})
    return Settings(
        api=ApiSettings(_env_file=env_file),  # type: ignore[call-arg]
        storage=storage,
        queue=QueueSettings(_env_file=env_file),  # type: ignore[call-arg]
        recorder=RecorderSettings(_env_file=env_file),  # type: ignore[call-arg]
        transcribe=TranscribeSettings(_env_file=env_file),  # type: ignore[call-arg]
        watch=WatchSettings(_env_file=env_file),  # type: ignore[call-arg]
    )
