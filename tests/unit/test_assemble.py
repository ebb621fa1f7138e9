import numpy as np

from storage.records import Word
from transcribe.assemble import ChannelResult, assemble_segments
from transcribe.audio import Audio
from transcribe.recognised import AsrSegment
from transcribe.recognition import drop_silent_segments, is_mono_in_stereo


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


def test_word_times_are_fitted_to_speech_and_segments_widened_to_it_without_overlap():
    from storage.records import Word
    from transcribe.recognised import AsrSegment
    from transcribe.recognition import SpeechRegions, clip_words_to_speech, extend_to_speech, split_at_pauses

    speech = SpeechRegions([(3.0, 5.0), (1.0, 2.0), (8.0, 9.0)])
    drifted = AsrSegment(
        0.5, 2.8, "one two", (Word(0.5, 1.5, "one", 0.9), Word(2.1, 2.8, "two", 0.9))
    )  # "one" starts before speech; "two" lies in no region and keeps its times
    (fitted,) = clip_words_to_speech([drifted], speech)
    assert [(w.start, w.end) for w in fitted.words] == [(1.0, 1.5), (2.1, 2.8)]
    assert (fitted.start, fitted.end) == (1.0, 2.8)
    # A pause of a second or more between words starts a new segment.
    long = AsrSegment(
        3.1, 8.6, "a b c", (Word(3.1, 3.4, "a", 0.9), Word(3.5, 3.9, "b", 0.9), Word(8.2, 8.6, "c", 0.9))
    )
    first, second = split_at_pauses([long])
    assert (first.text, first.start, first.end, second.text) == ("a b", 3.1, 3.9, "c")
    # Widened to the speech region each end is in, but never into the next segment.
    neighbour = AsrSegment(4.5, 4.9, "x", (Word(4.5, 4.9, "x", 0.9),))
    widened = extend_to_speech([first, neighbour, second], speech)
    assert [(s.start, s.end) for s in widened] == [(3.0, 4.5), (4.5, 5.0), (8.0, 9.0)]
