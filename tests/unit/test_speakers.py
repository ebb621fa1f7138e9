"""Mono calls: words to diarized speakers (split at the word where the speaker changes) and roles."""

import numpy as np

from storage.records import Word
from transcribe.diarize import Diarization, Turn
from transcribe.recognised import AsrSegment
from transcribe.roles import mono_roles
from transcribe.speakers import assemble_mono, split_by_speaker

TWO = Diarization((Turn(0.0, 2.0, "S0"), Turn(2.0, 5.0, "S1")), ("S0", "S1"), "builtin")


def words(*spans):
    return tuple(Word(start, end, text, 0.9) for start, end, text in spans)


def test_a_segment_spanning_a_speaker_change_is_split_at_the_word_boundary():
    segment = AsrSegment(
        0.2,
        4.0,
        "hello how can I help yes my card",
        words(
            (0.2, 0.6, "hello"),
            (0.7, 1.0, "how"),
            (1.0, 1.2, "can"),
            (1.2, 1.3, "I"),
            (1.3, 1.9, "help"),
            (2.2, 2.5, "yes"),
            (2.6, 2.8, "my"),
            (2.9, 4.0, "card"),
        ),
    )
    parts = split_by_speaker([segment], TWO)
    assert [(speaker, s.text, s.start, s.end) for speaker, s in parts] == [
        ("S0", "hello how can I help", 0.2, 2.05),  # the change midway between "help" and "yes"
        ("S1", "yes my card", 2.05, 4.0),
    ]


def test_a_word_goes_to_whoever_talks_most_during_it():
    segment = AsrSegment(1.5, 2.9, "straddling", words((1.5, 2.9, "straddling")))  # 0.5 s S0, 0.9 s S1
    assert split_by_speaker([segment], TWO)[0][0] == "S1"


def test_first_speaker_is_the_agent_inbound_and_the_customer_outbound():
    assert mono_roles(TWO, "inbound", [], {}) == {
        "S0": ("agent", "first_speaker"),
        "S1": ("customer", "first_speaker"),
    }
    assert mono_roles(TWO, "outbound", [], {})["S0"] == ("customer", "first_speaker")
    assert mono_roles(TWO, None, [], {})["S0"] == ("agent", "first_speaker")


def test_an_enrolled_agent_voice_overrides_who_spoke_first():
    agent_voice = np.array([1.0, 0.0, 0.0])
    centroids = {"S0": np.array([0.1, 1.0, 0.0]), "S1": np.array([0.95, 0.1, 0.0])}
    roles = mono_roles(TWO, "inbound", [agent_voice], centroids)
    assert roles == {"S0": ("customer", "agent_voiceprint"), "S1": ("agent", "agent_voiceprint")}
    # Nobody sounds like the enrolled agent: back to who spoke first.
    far = {"S0": np.array([0.0, 1.0, 0.0]), "S1": np.array([0.0, 0.0, 1.0])}
    assert mono_roles(TWO, "inbound", [agent_voice], far)["S0"] == ("agent", "first_speaker")


def test_one_speaker_is_role_other_and_the_transcript_says_why():
    one = Diarization((Turn(0.0, 3.0, "S0"),), ("S0",), "builtin")
    roles = mono_roles(one, "inbound", [], {})
    speakers, segments = assemble_mono([AsrSegment(0.0, 1.0, "hi", words((0.0, 1.0, "hi")))], one, roles)
    assert [(s.id, s.role, s.role_source) for s in speakers] == [("S0", "other", "single_speaker")]
    assert segments[0].role == "other" and segments[0].channel is None


def test_two_speakers_equally_like_the_enrolled_agent_fall_back_to_who_spoke_first():
    agent_voice = np.array([1.0, 0.0, 0.0])
    alike = {"S0": np.array([0.9, 0.1, 0.0]), "S1": np.array([0.9, 0.0, 0.1])}
    assert mono_roles(TWO, "outbound", [agent_voice], alike)["S0"] == ("customer", "first_speaker")
