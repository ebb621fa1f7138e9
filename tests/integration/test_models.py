"""Model loading: packaged offline models, folders, and no hub unless enabled."""

import hashlib
import os

import pytest

from tests.conftest import CALLS
from transcribe.asr import Transcriber
from transcribe.audio import load_audio
from transcribe.settings import TranscribeSettings
from transcribe.weights import (
    BASE_SHA256,
    ModelUnavailable,
    assemble_base_model,
    configure_privacy,
    resolve_model,
)


def test_base_model_is_joined_once_and_verified(tmp_path):
    folder = assemble_base_model(tmp_path)
    digest = hashlib.sha256((folder / "model.bin").read_bytes()).hexdigest()
    assert digest == BASE_SHA256
    assert {p.name for p in folder.iterdir()} >= {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert assemble_base_model(tmp_path) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mtime  # reused, not rebuilt


def test_a_tampered_cache_is_rebuilt(tmp_path):
    folder = assemble_base_model(tmp_path)
    (folder / ".sha256").write_text("0" * 64)
    rebuilt = assemble_base_model(tmp_path)
    assert (rebuilt / ".sha256").read_text() == BASE_SHA256


def test_folder_packaged_and_hub_names_resolve(tmp_path):
    tiny = resolve_model("tiny.en", tmp_path, hub_enabled=False)
    assert tiny.is_local and os.path.isfile(os.path.join(tiny.location, "model.bin"))
    assert resolve_model(tiny.location, tmp_path, hub_enabled=False).location == tiny.location
    hub = resolve_model("large-v3-turbo", tmp_path, hub_enabled=True)
    assert (hub.location, hub.is_local) == ("large-v3-turbo", False)
    with pytest.raises(ModelUnavailable, match="HUB_ENABLED"):
        resolve_model("large-v3-turbo", tmp_path, hub_enabled=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="model.bin"):
        resolve_model(str(tmp_path / "empty"), tmp_path, hub_enabled=False)


def test_privacy_settings_turn_off_telemetry_and_hub(monkeypatch):
    for name in ("HF_HUB_OFFLINE", "PYANNOTE_METRICS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    configure_privacy(hub_enabled=False)
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["PYANNOTE_METRICS_ENABLED"] == "0"


def test_cpu_gets_int8_and_language_detection_is_limited(base_transcriber):
    assert (base_transcriber.device, base_transcriber.compute_type) == ("cpu", "int8")
    audio = load_audio(CALLS / "en_billing_dispute.stereo.wav", 2)
    assert base_transcriber.detect_language(audio.mix(), ["he", "ar", "en"])[0] == "en"
    # Limited to he/ar, an English call is labelled with one of them, never "en".
    assert base_transcriber.detect_language(audio.mix(), ["he", "ar"])[0] in ("he", "ar")


def test_english_only_model_refuses_other_languages(tiny_transcriber):
    audio = load_audio(CALLS / "en_billing_dispute.stereo.wav", 2)
    with pytest.raises(ValueError, match="English-only"):
        tiny_transcriber.transcribe(audio.channels[1], "he")


def test_language_routing_loads_the_routed_model_once(model_cache):
    settings = TranscribeSettings(model="tiny.en", language_models={"xx": "base"}, cache_dir=model_cache)
    transcriber = Transcriber(settings)
    assert transcriber.model_for("en").source.name == "tiny.en"
    routed = transcriber.model_for("xx")
    assert routed.source.name == "base" and transcriber.model_for("xx") is routed


def test_custom_vocabulary_brings_out_names_the_model_would_mishear(tiny_transcriber):
    from transcribe.recognition import CallOptions, Timings, transcribe_audio

    greeting = load_audio(CALLS / "en_billing_dispute.stereo.wav", 2).channels[0][: 16_000 * 9]
    plain = " ".join(s.text for s in tiny_transcriber.transcribe(greeting, "en"))
    hinted = " ".join(s.text for s in tiny_transcriber.transcribe(greeting, "en", None, ["Acme", "Dana"]))
    assert "Dana" not in plain and "Acme" not in plain  # "My name is Mayno", "calling me to board"
    assert "Dana" in hinted and "Acme" in hinted
    # The call's vocabulary (settings: for all calls and per source) reaches the recogniser.
    call = transcribe_audio(
        load_audio(CALLS / "en_billing_dispute.stereo.wav", 2),
        tiny_transcriber,
        CallOptions(language="en", vocabulary=("Acme", "Dana")),
        Timings(),
    )
    assert "Dana" in " ".join(s.text for s in call.segments if s.role == "agent")
