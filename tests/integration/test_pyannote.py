"""pyannote.audio's pipeline behind callrec's diarizer interface: loaded from a local directory through
`Pipeline.from_pretrained` (a small untrained pipeline built here), run on in-memory audio, offline."""

import os

import pytest

from tests.conftest import FIXTURES
from tests.pyannote_pipeline import build_pipeline
from transcribe.audio import Audio, load_audio
from transcribe.diarize_pyannote import PyannoteDiarizer
from transcribe.weights import ModelUnavailable


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory):
    return build_pipeline(tmp_path_factory.mktemp("pyannote-pipeline"))


@pytest.fixture(scope="module")
def clip():
    audio = load_audio(FIXTURES / "voices" / "pyannote_sample.wav", 1)
    return Audio((audio.channels[0][6 * 16_000 : 16 * 16_000],))  # 10 s of the conversation


def test_a_local_pipeline_loads_and_diarizes_into_callrecs_turns(
    pipeline_dir, clip, voice_encoder, monkeypatch
):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("PYANNOTE_METRICS_ENABLED", raising=False)
    diarizer = PyannoteDiarizer(str(pipeline_dir), encoder=voice_encoder)
    # Offline and without telemetry, whatever the environment said before.
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["PYANNOTE_METRICS_ENABLED"] == "0"
    assert type(diarizer.pipeline).__name__ == "SpeakerDiarization"

    result = diarizer(clip, 2, 3)
    assert result.method == "pyannote"
    assert 2 <= len(result.speakers) <= 3  # the bounds reach the pipeline's clustering
    assert result.speakers[0] == "S0" and set(result.speakers) == {t.speaker for t in result.turns}
    assert all(0.0 <= t.start < t.end <= clip.duration + 0.05 for t in result.turns)
    assert [t.start for t in result.turns] == sorted(t.start for t in result.turns)
    assert set(result.centroids) <= set(result.speakers)  # resemblyzer voiceprints, for agent matching


def test_a_hub_name_is_refused_while_the_hub_is_disabled():
    with pytest.raises(ModelUnavailable, match="hub downloads are disabled"):
        PyannoteDiarizer("pyannote/speaker-diarization-community-1", hub_enabled=False)
