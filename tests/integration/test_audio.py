"""Every common recording format probes at upload and normalises in the worker, with real ffmpeg."""

import subprocess

import numpy as np
import pytest

from recorder.errors import EmptyUpload, UnsupportedAudio
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
