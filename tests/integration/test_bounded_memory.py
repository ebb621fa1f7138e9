"""Steps that read a whole channel do it a block at a time (so worker memory does not grow with the
call's length, bench/worker_memory.py): on real recordings, with blocks far shorter than the call,
they conclude what the whole-array computations conclude."""

import numpy as np
import pytest

from tests.conftest import CALLS, FIXTURES
from transcribe import audio as audio_module
from transcribe import diarize
from transcribe.audio import Audio, load_audio, mean_square
from transcribe.characteristics import loudness_per_second
from transcribe.recognition import is_mono_in_stereo

STEREO = CALLS / "en_billing_dispute.stereo.wav"
REAL_SPEECH = FIXTURES / "voices" / "pyannote_sample.wav"


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 1.3 s (a length that divides nothing evenly) instead of a minute."""
    monkeypatch.setattr(audio_module, "BLOCK", int(1.3 * audio_module.SAMPLE_RATE))
    monkeypatch.setattr(audio_module.blocks, "__defaults__", (audio_module.BLOCK,))


def test_decoded_samples_live_in_a_file_mapping_not_in_worker_memory():
    audio = load_audio(STEREO, 2)
    for channel in audio.channels:
        assert isinstance(channel.base, np.memmap)
        assert channel.dtype == np.float32 and len(channel) == len(audio.channels[0])
    assert audio.channels[0].std() != audio.channels[1].std()  # the sides stay apart
    audio.channels[0][:10] = 1.0  # copy-on-write: a step may write into its samples
    assert load_audio(STEREO, 2).channels[0][:10].max() < 1.0


def test_mix_mean_square_and_loudness_agree_with_whole_array_computations(small_blocks):
    audio = load_audio(STEREO, 2)
    whole_mix = np.mean(np.stack(audio.channels), axis=0)
    assert np.allclose(audio.mix(), whole_mix, atol=1e-7)
    left = audio.channels[0].astype(np.float64)
    assert mean_square(audio.channels[0]) == pytest.approx(float(np.mean(left * left)), rel=1e-9)
    seconds = len(left) // 16_000
    frames = left[: seconds * 16_000].reshape(seconds, 16_000)
    expected = [round(float(v), 1) for v in 20 * np.log10(np.maximum(np.sqrt(np.mean(frames**2, 1)), 1e-6))]
    assert loudness_per_second(audio.channels[0], 16_000) == expected


def test_mono_in_stereo_is_still_told_from_two_real_sides(small_blocks):
    two_sides = load_audio(STEREO, 2)
    assert not is_mono_in_stereo(two_sides)
    mix = two_sides.mix()
    assert is_mono_in_stereo(Audio((mix, (0.5 * mix).astype(np.float32))))  # one mix, a side quieter
    noisy = (mix + np.random.default_rng(1).normal(0, 0.05, len(mix))).astype(np.float32)
    assert not is_mono_in_stereo(Audio((mix, noisy)))


def test_speech_regions_found_in_pieces_match_the_whole_recording(monkeypatch):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    samples = load_audio(REAL_SPEECH, 1).channels[0]
    whole = diarize.speech_regions(samples, 16_000)
    options = VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    silero = [(s["start"] / 16_000, s["end"] / 16_000) for s in get_speech_timestamps(samples, options)]
    assert whole == silero  # inside one piece, the regions are exactly Silero's
    monkeypatch.setattr(diarize, "VAD_PIECE_S", 7)
    pieces = diarize.speech_regions(samples, 16_000)
    assert abs(len(pieces) - len(whole)) <= 2
    spoken = sum(e - s for s, e in whole)
    assert sum(e - s for s, e in pieces) == pytest.approx(spoken, rel=0.05)
    assert all(b[0] > a[1] for a, b in zip(pieces, pieces[1:], strict=False))  # no overlaps after merging


def test_diarization_windows_embed_as_with_resemblyzers_whole_array_volume_step(voice_encoder):
    from resemblyzer.audio import normalize_volume

    samples = load_audio(REAL_SPEECH, 1).channels[0] * np.float32(0.01)  # quiet: the step raises it
    starts, length = [0, 16_000 * 5, 16_000 * 12], int(1.5 * 16_000)
    ours = voice_encoder.embed_windows(samples, starts, length)
    louder = normalize_volume(samples.astype(np.float32), -30, increase_only=True)
    assert 10 * np.log10(mean_square(louder)) == pytest.approx(-30, abs=0.01)
    theirs = voice_encoder.embed_windows(louder, starts, length)  # already at -30 dBFS: gain 1
    assert ours.shape == (3, 256)
    assert np.allclose(ours, theirs, atol=1e-4)
