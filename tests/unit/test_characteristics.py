import numpy as np
import pytest

from storage.records import Segment, Speaker, Transcript
from tests.scripts import scripted_transcript
from transcribe.audio import Audio
from transcribe.characteristics import measure


def test_rude_agent_interrupts_the_customer_twice_at_the_scripted_times():
    result = measure(scripted_transcript("en_rude_agent"))
    by_agent = [i for i in result["interruptions"] if i["by"] == "agent"]
    assert [(i["at"], i["of"]) for i in by_agent] == [(6.5, "customer"), (12.0, "customer")]
    assert result["metrics"]["interruptions_by_agent"] == 2


def test_account_takeover_customer_interrupts_once_at_17_seconds():
    result = measure(scripted_transcript("en_account_takeover"))
    assert [(i["at"], i["by"], i["of"]) for i in result["interruptions"]] == [(17.0, "customer", "agent")]


def test_billing_dispute_talk_silence_and_turns():
    metrics = measure(scripted_transcript("en_billing_dispute"))["metrics"]
    assert metrics["interruptions"] == 0 and metrics["overlap_time"] == 0
    assert metrics["turns"] == 7
    assert metrics["time_to_agent_first_words"] == 0.5
    assert metrics["talk_share_agent"] + metrics["talk_share_customer"] == pytest.approx(1.0, abs=0.002)
    assert metrics["talk_share_agent"] > metrics["talk_share_customer"]
    assert metrics["silence_time"] == pytest.approx(metrics["duration"] - metrics["talk_time"], abs=0.01)
    assert 150 < metrics["wpm_agent"] < 200


def test_longest_silence_is_found_with_its_position():
    segments = (Segment(0, 5, "S0", "agent", 0, "please hold"), Segment(75, 80, "S0", "agent", 0, "thanks"))
    result = measure(Transcript("en", 80, (Speaker("S0", "agent", 0),), segments))
    assert result["metrics"]["longest_silence"] == 70 and result["longest_silence_at"] == [5, 75]


def test_loudness_spike_from_the_audio():
    rate = 16000
    t = np.arange(rate * 10) / rate
    customer = (0.05 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    customer[rate * 6 : rate * 7] *= 10  # one shouted second, 20 dB up
    agent = np.zeros_like(customer)
    transcript = Transcript(
        "en",
        10,
        (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)),
        (Segment(0, 10, "S1", "customer", 1, "words"),),
    )
    result = measure(transcript, Audio((agent, customer)))
    assert result["metrics"]["loudness_spike_customer"] == pytest.approx(20.0, abs=0.5)
    assert len(result["loudness_dbfs_per_second"]["customer"]) == 10
