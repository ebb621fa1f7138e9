"""Overlapping speech marked in the transcript, and the language chosen per channel."""

from __future__ import annotations

import numpy as np

from storage.records import Segment, Speaker, Transcript, Word
from transcribe.formats import to_json
from transcribe.overlaps import speech_overlaps
from transcribe.recognition import CallOptions, channel_languages


def segment(speaker: str, role: str, channel: int, start: float, words: int) -> Segment:
    timed = tuple(Word(start + i * 0.4, start + i * 0.4 + 0.35, f"w{i}", 0.9) for i in range(words))
    return Segment(start, timed[-1].end, speaker, role, channel, " ".join(w.word for w in timed), timed)


def test_cross_talk_is_found_from_word_timings_and_marked_on_both_segments():
    call = Transcript(
        "en",
        20,
        (Speaker("S0", "agent", 0), Speaker("S1", "customer", 1)),
        (
            segment("S0", "agent", 0, 0.0, 10),  # 0 .. 3.95
            segment("S1", "customer", 1, 3.0, 5),  # starts while the agent still talks: 3.0 .. 4.95
            segment("S0", "agent", 0, 8.0, 3),  # alone
            segment("S1", "customer", 1, 9.05, 2),  # 9.05 .. 9.75, after the agent's 8.0 .. 9.15: 0.1 s only
        ),
    )
    (overlap,) = speech_overlaps(call)
    assert (overlap.start, overlap.end, overlap.speakers) == (3.0, 3.95, ("S0", "S1"))
    document = to_json(call)
    assert [s["overlapped"] for s in document["segments"]] == [True, True, False, False]
    assert document["overlaps"] == [{"start": 3.0, "end": 3.95, "speakers": ["S0", "S1"]}]


class FakeTranscriber:
    """Language identification answers by the channel's loudness: what the test wants per side."""

    def __init__(self, answers: dict[float, tuple[str, float]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def detect_language(self, samples: np.ndarray, allowed: list[str]) -> tuple[str, float]:
        self.calls.append(allowed)
        return self.answers[round(float(np.max(samples)), 1)]


def test_each_channel_gets_its_language_and_a_side_that_says_little_follows_the_other():
    hebrew, english, quiet = np.full(10, 0.5), np.full(10, 0.9), np.full(10, 0.1)
    answers = {0.5: ("he", 0.93), 0.9: ("en", 0.88), 0.1: ("ar", 0.31)}
    transcriber = FakeTranscriber(answers)
    options = CallOptions(allowed_languages=("he", "ar", "en"))
    assert channel_languages(transcriber, [hebrew, english], options) == [("he", 0.93), ("en", 0.88)]  # type: ignore[arg-type]
    # The quiet side takes the other side's language, and how sure that identification was.
    assert channel_languages(transcriber, [hebrew, quiet], options) == [("he", 0.93), ("he", 0.93)]  # type: ignore[arg-type]
    assert all(allowed == ["he", "ar", "en"] for allowed in transcriber.calls)
    forced = CallOptions(language="ar")
    assert channel_languages(transcriber, [hebrew, english], forced) == [("ar", None), ("ar", None)]  # type: ignore[arg-type]


def test_long_calls_are_cut_into_pieces_at_a_pause():
    from transcribe.asr import SAMPLE_RATE, chunk_bounds

    rng = np.random.default_rng(1)
    speech = rng.normal(0, 0.3, 100 * SAMPLE_RATE).astype(np.float32)
    speech[int(37.0 * SAMPLE_RATE) : int(38.0 * SAMPLE_RATE)] = 0  # the pause the first cut should find
    speech[int(70.0 * SAMPLE_RATE) : int(70.6 * SAMPLE_RATE)] = 0
    bounds = chunk_bounds(speech, chunk_s=40, search_s=10)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(speech)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))  # no gap, no overlap
    assert all((last - first) / SAMPLE_RATE <= 40 for first, last in bounds)
    assert 37.0 <= bounds[0][1] / SAMPLE_RATE <= 38.0 and 70.0 <= bounds[1][1] / SAMPLE_RATE <= 70.6
    assert chunk_bounds(speech, chunk_s=0) == [(0, len(speech))]


def test_a_source_with_one_language_skips_identification_and_a_calls_own_language_wins():
    from dataclasses import replace
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from storage.records import Call, CallStatus
    from transcribe.pipeline import CallInputs, call_options
    from transcribe.settings import TranscribeSettings

    moment = datetime(2026, 12, 1, tzinfo=UTC)
    call = Call(
        "c1", CallStatus.PROCESSING, 0.0, None, None, "pbx-haifa", None, None, None, None, None,
        ("agent", "customer"), None, {}, "k", "h", 1, "f.wav", "wav", 60.0, 2, 8000, None, None, 1,
        moment, moment,
    )  # fmt: skip
    engines = SimpleNamespace(settings=TranscribeSettings(source_languages={"pbx-haifa": "he"}))
    inputs = CallInputs(call, None, [], [])
    assert call_options(engines, inputs).language == "he"  # type: ignore[arg-type]
    stated = CallInputs(replace(call, language_hint="ar"), None, [], [])
    assert call_options(engines, stated).language == "ar"  # type: ignore[arg-type]
    other = CallInputs(replace(call, source="api"), None, [], [])
    assert call_options(engines, other).language is None  # type: ignore[arg-type]
    # An agent whose calls are all in one language states it too.
    by_agent = SimpleNamespace(settings=TranscribeSettings(agent_languages={"a7": "ar"}))
    agents_call = CallInputs(replace(call, source="api", agent_id="a7"), None, [], [])
    assert call_options(by_agent, agents_call).language == "ar"  # type: ignore[arg-type]
    assert call_options(by_agent, other).language is None  # type: ignore[arg-type]

    class Counting:  # stands in for the transcriber: what is tested is that it is never asked
        calls = 0

        def detect_language(self, samples, allowed):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return "en", 0.9

    silence = [np.zeros(16_000, dtype=np.float32)] * 2
    assert channel_languages(Counting(), silence, call_options(engines, inputs)) == [("he", None)] * 2  # type: ignore[arg-type]
    assert Counting.calls == 0  # no identification pass at all
