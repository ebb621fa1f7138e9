"""Storage settings: where records and recordings live."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .encryption import Keyring
from .retention import RetentionPolicy


class StorageSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLREC_STORAGE_", extra="ignore", populate_by_name=True)

    # One folder for all embedded state (SQLite file, local objects, embedded Redis).
    data_dir: Path = Field(Path("data"), validation_alias=AliasChoices("CALLREC_DATA_DIR", "data_dir"))
    # Empty means "embedded default under data_dir".
    database_url: str = ""
    # file:///abs/path, or s3://bucket?endpoint=host:9000&secure=false&region=us-east-1
    objects_url: str = ""
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    # Encryption at rest of a local object folder: a keyring of `id:base64-32-bytes` lines, inline or in a
    # file (`callrec objects new-key` prints a line). S3/MinIO: `&sse=s3` or `&sse=kms&kms_key=ID` in the URL.
    encryption_key: SecretStr | None = None
    encryption_key_file: Path | None = None
    # Retention policies, first match wins, e.g.
    # [{"name": "flagged", "flagged": true, "transcript_days": 2555},
    #  {"name": "default", "audio_days": 90, "transcript_days": 365}]
    retention_policies: list[RetentionPolicy] = []
    # The audit trail's key, outside the database: inline, or a file; by default `audit.key` in the data
    # folder, made on first use. Every API, worker and CLI of one service needs the same key.
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None
    # Workers store the chain's head under audit/anchors/ this often (when it moved).
    audit_anchor_s: float = Field(3600, gt=0)
    # One search's time limit in the database engine; a costlier query is refused with 422.
    search_time_limit_s: float = Field(10.0, gt=0, le=300)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'callrec.db').resolve()}"

    def keyring(self) -> Keyring | None:
        if self.encryption_key is not None:
            return Keyring.parse(self.encryption_key.get_secret_value())
        if self.encryption_key_file is not None:
            return Keyring.load(self.encryption_key_file)
        return None

    def resolved_objects_url(self) -> str:
        if self.objects_url:
            return self.objects_url
        return f"file://{(self.data_dir / 'objects').resolve()}"
