"""Language identification hands its speech regions and first window to recognition: each side's
speech is found once and its first 30 s encoded once, and what is recognised is what it was when
recognition did both itself (real base model, real recorded speech and the scripted stereo call)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import CALLS, FIXTURES
from transcribe import first_window
from transcribe.audio import load_audio
from transcribe.recognition import CallOptions, Timings, transcribe_audio

RECORDINGS = [
    (FIXTURES / "voices" / "pyannote_sample.wav", 1),
    (CALLS / "en_billing_dispute.stereo.wav", 2),
]


@pytest.mark.parametrize(("path", "channels"), RECORDINGS, ids=lambda v: getattr(v, "stem", str(v)))
def test_each_sides_first_window_is_encoded_once_and_the_words_are_the_same(
    base_transcriber, path, channels, monkeypatch
):
    memo = base_transcriber.default.memo
    audio = load_audio(path, channels=channels)
    before = memo.hits
    searched = []
    real = first_window._find_speech
    monkeypatch.setattr(first_window, "_find_speech", lambda *a, **k: searched.append(1) or real(*a, **k))
    identified = transcribe_audio(audio, base_transcriber, CallOptions(language=None), Timings())
    assert memo.hits - before == channels  # recognition took identification's window on every side
    assert len(searched) == channels  # and its speech regions: VAD ran once per side
    assert identified.language == "en"
    # Without identification, recognition encodes every window itself: the same words come out.
    given = transcribe_audio(audio, base_transcriber, CallOptions(language="en"), Timings())
    assert memo.hits - before == channels
    assert [s.text for s in identified.segments] == [s.text for s in given.segments]


def test_a_window_never_identified_is_encoded_as_always(base_transcriber):
    from faster_whisper.audio import pad_or_trim

    memo = base_transcriber.default.memo
    whisper = base_transcriber.default.whisper
    window = pad_or_trim(whisper.feature_extractor(np.zeros(16000, np.float32)))
    before = memo.hits
    assert whisper.encode(window) is not None and memo.hits == before
