"""faster-whisper's batched pipeline (the GPU path, run here on the CPU with the real tiny.en model):
the same call comes out whole, with word timings, as in sequential decoding."""

from __future__ import annotations

import pytest

from tests.conftest import CALLS
from transcribe.asr import Transcriber
from transcribe.audio import load_audio
from transcribe.recognition import CallOptions, Timings, transcribe_audio
from transcribe.settings import TranscribeSettings


@pytest.fixture(scope="module")
def batched(model_cache):  # type: ignore[no-untyped-def]
    return Transcriber(TranscribeSettings(model="tiny.en", cache_dir=model_cache, batch_size=4))


def test_batched_decoding_keeps_every_sentence_and_word_timings(batched, tiny_transcriber):
    audio = load_audio(CALLS / "en_billing_dispute.stereo.wav", 2)
    options = CallOptions(channel_roles=("agent", "customer"), language="en")
    assert batched.batch_size == 4 and tiny_transcriber.batch_size == 0  # CPU default: sequential
    together = transcribe_audio(audio, batched, options, Timings())
    one_by_one = transcribe_audio(audio, tiny_transcriber, options, Timings())
    for transcript in (together, one_by_one):
        customer = " ".join(s.text for s in transcript.segments if s.role == "customer").lower()
        agent = " ".join(s.text for s in transcript.segments if s.role == "agent").lower()
        assert "credit card this month" in customer and "thank you so much" in customer
        assert "recorded for quality purposes" in agent and "anything else" in agent
        assert all(s.words and s.words[0].start >= s.start - 0.5 for s in transcript.segments)
    words = [w for s in together.segments for w in s.words]
    # Within a tenth of the sequential word count: fixed 30 s windows once lost whole sentences here.
    assert len(words) >= 0.9 * sum(len(s.words) for s in one_by_one.segments)


def test_a_call_recognised_in_pieces_keeps_its_words_and_their_times(model_cache, tiny_transcriber):
    pieces = Transcriber(TranscribeSettings(model="tiny.en", cache_dir=model_cache, chunk_s=14))
    audio = load_audio(CALLS / "en_billing_dispute.stereo.wav", 2)
    options = CallOptions(channel_roles=("agent", "customer"), language="en")
    transcript = transcribe_audio(audio, pieces, options, Timings())
    customer = " ".join(s.text for s in transcript.segments if s.role == "customer").lower()
    agent = " ".join(s.text for s in transcript.segments if s.role == "agent").lower()
    assert "credit card this month" in customer and "thank you so much" in customer
    assert "can you please confirm your account number" in agent
    for role in ("agent", "customer"):
        starts = [w.start for s in transcript.segments if s.role == role for w in s.words]
        assert starts == sorted(starts) and starts[0] >= 0 and starts[-1] <= audio.duration
    late = next(s for s in transcript.segments if "thank you so much" in s.text.lower())
    assert 30.0 <= late.start <= 32.0  # said at 31.0 s: times carry the piece's offset
