from pathlib import Path

from api.settings import load_settings


def test_embedded_defaults_live_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CALLREC_STORAGE_DATABASE_URL", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert settings.storage.resolved_database_url() == f"sqlite:///{tmp_path.resolve() / 'callrec.db'}"
    assert settings.storage.resolved_objects_url() == f"file://{tmp_path.resolve() / 'objects'}"
    assert settings.queue.redis_url == ""


def test_config_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch):
    config = tmp_path / "callrec.env"
    config.write_text(
        'CALLREC_TRANSCRIBE_MODEL=tiny.en\nCALLREC_QUEUE_RETRIES=7\nCALLREC_TRANSCRIBE_LANGUAGES=["he"]\n'
    )
    monkeypatch.setenv("CALLREC_QUEUE_RETRIES", "2")
    settings = load_settings(config)
    assert settings.transcribe.model == "tiny.en"
    assert settings.transcribe.languages == ["he"]
    assert settings.queue.retries == 2


def test_secrets_are_not_shown_in_settings_repr(monkeypatch):
    monkeypatch.setenv("CALLREC_STORAGE_S3_SECRET_KEY", "very-secret-value")
    settings = load_settings()
    assert "very-secret-value" not in repr(settings)
    assert settings.storage.s3_secret_key.get_secret_value() == "very-secret-value"
