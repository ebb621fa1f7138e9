"""Every common recording format probes at upload and normalises in the worker, with real ffmpeg."""

import subprocess

import numpy as np
import pytest

from recorder.errors import AudioTooLong, EmptyUpload, UnsupportedAudio
from recorder.probe import probe_audio
from tests.conftest import CALLS
from transcribe.audio import SAMPLE_RATE, AudioDecodeError, ffmpeg_binary, load_audio

SOURCE = CALLS / "en_billing_dispute.stereo.wav"  # 8 kHz mu-law stereo, 40.66 s

FORMATS = {
    "pcm16_48k_stereo.wav": ["-c:a", "pcm_s16le", "-ar", "48000"],
    "pcm16_8k_mono.wav": ["-c:a", "pcm_s16le", "-ac", "1"],
    "alaw.wav": ["-c:a", "pcm_alaw"],
    "mulaw_mono.wav": ["-c:a", "pcm_mulaw", "-ac", "1"],
    "call.mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-ar", "22050"],
    "call.ogg": ["-c:a", "libopus", "-b:a", "32k", "-ar", "16000"],
    "call.flac": ["-c:a", "flac", "-ar", "44100"],
    "call.m4a": ["-c:a", "aac", "-b:a", "64k", "-ar", "32000"],
}


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    for name, args in FORMATS.items():
        subprocess.run(
            [ffmpeg_binary(), "-v", "error", "-y", "-i", str(SOURCE), *args, str(folder / name)], check=True
        )
    return folder


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_common_formats_probe_and_normalise_to_16k_with_channels_kept(recordings, name):
    path = recordings / name
    info = probe_audio(path)
    expected_channels = 1 if "mono" in name else 2
    assert info.channels == expected_channels
    assert info.duration == pytest.approx(40.66, abs=0.1)
    audio = load_audio(path, info.channels)
    assert audio.sample_rate == SAMPLE_RATE and len(audio.channels) == expected_channels
    assert audio.duration == pytest.approx(40.66, abs=0.1)
    if expected_channels == 2:
        # Agent speaks alone on the left in the first seconds: the right channel must stay quiet there.
        left, right = audio.channels
        first = slice(SAMPLE_RATE * 1, SAMPLE_RATE * 8)
        assert np.abs(left[first]).mean() > 10 * np.abs(right[first]).mean()


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(EmptyUpload):
        probe_audio(path)


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio at all\n" * 50)
    with pytest.raises(UnsupportedAudio):
        probe_audio(path)


def test_random_bytes_behind_a_wav_header_are_refused(tmp_path):
    header = SOURCE.read_bytes()[:12]
    path = tmp_path / "garbage.wav"
    path.write_bytes(header + np.random.default_rng(1).bytes(5000))
    with pytest.raises(UnsupportedAudio):
        probe_audio(path)


def test_truncated_recording_keeps_what_decodes(tmp_path):
    data = SOURCE.read_bytes()
    path = tmp_path / "truncated.wav"
    path.write_bytes(data[: len(data) // 2])
    info = probe_audio(path)
    assert info.duration == pytest.approx(20.3, abs=0.5)


def test_worker_decoder_reports_undecodable_audio(tmp_path):
    path = tmp_path / "bad.mp3"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(AudioDecodeError):
        load_audio(path, 1)


# --- Decode bombs (hardening item 5) ---------------------------------------------------------------


def _wav_at(path, rate: int, seconds: float) -> None:
    import wave

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(rate * seconds))


@pytest.mark.parametrize("rate", [1, 4000, 96000])
def test_sample_rates_outside_telephone_to_studio_are_refused(tmp_path, rate):
    path = tmp_path / "odd.wav"
    _wav_at(path, rate, 8000 / rate)  # a 16 KB file whatever the rate: at 1 Hz it claims 8,000 s
    with pytest.raises(UnsupportedAudio, match=f"sample rate of {rate} Hz"):
        probe_audio(path)


def test_a_recording_past_the_duration_limit_is_refused_while_decoding(tmp_path):
    bomb = tmp_path / "silence.flac"  # silence compresses to almost nothing, as in the 10-hour bomb
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "600",
         "-c:a", "flac", str(bomb)],
        check=True,
    )  # fmt: skip
    assert bomb.stat().st_size < 200_000
    assert probe_audio(bomb, max_duration_s=700).duration == pytest.approx(600, abs=0.1)
    with pytest.raises(AudioTooLong, match="longer than the limit"):
        probe_audio(bomb, max_duration_s=120)


def test_the_worker_decodes_no_more_than_the_calls_probed_length(tmp_path):
    stereo = load_audio(SOURCE, 2)
    capped = load_audio(SOURCE, 2, max_seconds=10)
    assert capped.duration == pytest.approx(10.0, abs=0.01) and stereo.duration == pytest.approx(
        40.66, abs=0.05
    )
    # Read in pieces, the samples are exactly what one whole read gives.
    whole = subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            str(SOURCE),
            "-f",
            "f32le",
            "-ac",
            "2",
            "-ar",
            "16000",
            "pipe:",
        ],
        capture_output=True,
        check=True,
    ).stdout
    interleaved = np.frombuffer(whole, dtype=np.float32).reshape(-1, 2)
    assert np.array_equal(stereo.channels[0], interleaved[:, 0])
    assert np.array_equal(stereo.channels[1], interleaved[:, 1])
    assert np.array_equal(capped.channels[1], interleaved[: len(capped.channels[1]), 1])
