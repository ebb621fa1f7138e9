import numpy as np

from storage.records import Word
from transcribe.asr import AsrSegment
from transcribe.assemble import ChannelResult, assemble_segments
from transcribe.audio import Audio
from transcribe.pipeline import drop_silent_segments, is_mono_in_stereo


def seg(start, end, text):
    return AsrSegment(start, end, text, (Word(start, end, text, 0.9),))


def test_each_channel_is_one_speaker_with_its_configured_role_and_time_order():
    speakers, segments = assemble_segments(
        [ChannelResult(0, (seg(0, 2, "hello"), seg(5, 6, "bye"))), ChannelResult(1, (seg(2.5, 4, "hi"),))],
        ["customer", "agent"],
    )
    assert [(s.id, s.role, s.channel) for s in speakers] == [("S0", "customer", 0), ("S1", "agent", 1)]
    assert [(s.text, s.role) for s in segments] == [
        ("hello", "customer"),
        ("hi", "agent"),
        ("bye", "customer"),
    ]


def test_mono_recording_is_one_mixed_speaker():
    speakers, segments = assemble_segments([ChannelResult(None, (seg(0, 1, "a"),))], ["agent", "customer"])
    assert [(s.role, s.channel) for s in speakers] == [("other", None)]
    assert segments[0].speaker == "S0"


def test_channel_without_a_configured_role_is_other():
    speakers, _ = assemble_segments([ChannelResult(0, ()), ChannelResult(1, ())], ["agent"])
    assert [s.role for s in speakers] == ["agent", "other"]


def test_stereo_with_identical_channels_is_detected():
    tone = np.sin(np.linspace(0, 100, 16000)).astype(np.float32)
    assert is_mono_in_stereo(Audio((tone, tone.copy())))
    assert not is_mono_in_stereo(Audio((tone, np.zeros_like(tone))))


def test_segments_over_digital_silence_are_dropped():
    samples = np.zeros(16000 * 4, dtype=np.float32)
    samples[16000:32000] = 0.1 * np.sin(np.linspace(0, 2000, 16000))
    kept = drop_silent_segments([seg(1.0, 2.0, "speech"), seg(3.0, 3.5, "You")], samples, 16000)
    assert [s.text for s in kept] == ["speech"]
