"""What a long call publishes while it is being recognised: only what is safe to show."""

from storage.records import Word
from transcribe.assemble import ChannelResult
from transcribe.partial import HOLD_BACK_S, PUBLISH_EVERY_S, PartialTranscript, redact_partial
from transcribe.recognised import AsrSegment


def segment(start: float, text: str) -> AsrSegment:
    words = tuple(Word(start + i * 0.3, start + i * 0.3 + 0.25, w, 0.9) for i, w in enumerate(text.split()))
    return AsrSegment(start, start + 2.0, text, words)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_newest_seconds_wait_and_a_finished_side_is_published_whole():
    published, clock = [], Clock()
    partial = PartialTranscript(published.append, ("agent", "customer"), 1800.0, "tiny.en", clock)
    partial.start_side(0, "en", None)
    for second in range(0, 40, 4):
        partial.heard(segment(second, f"words at {second}"))
    assert published == []  # no time has passed: nothing published yet
    clock.now = PUBLISH_EVERY_S
    partial.heard(segment(40, "the latest words"))
    shown = published[-1].segments
    assert shown and all(s.end <= 42 - HOLD_BACK_S for s in shown)  # the last 15 s wait
    assert {s.role for s in shown} == {"agent"} and published[-1].duration == 1800.0
    partial.finish_side(ChannelResult(0, (segment(0, "final"), segment(40, "the latest words")), "en"))
    assert [s.text for s in published[-1].segments] == ["final", "the latest words"]
    partial.start_side(1, "en", None)
    clock.now += PUBLISH_EVERY_S
    partial.heard(segment(1, "customer early"))  # within the hold-back: nothing new to show
    assert len(published) == 2


def test_partial_text_is_redacted_and_every_digit_masked():
    from storage.records import Segment, Speaker, Transcript

    text = "my card is 4111 1111 1111 1111 and my order 52"
    words = tuple(Word(i, i + 0.5, w, 0.9) for i, w in enumerate(text.split()))
    transcript = Transcript(
        "en", 30.0, (Speaker("S0", "customer", 1),), (Segment(0, 12, "S0", "customer", 1, text, words),)
    )
    shown = redact_partial(transcript, redaction=True)
    segment_text = shown.segments[0].text
    assert "4111" not in segment_text and not any(ch.isdigit() for ch in segment_text)
    assert not any(ch.isdigit() for w in shown.segments[0].words for ch in w.word)
    assert redact_partial(transcript, redaction=False) == transcript  # redaction off: as heard
    arabic = Transcript(
        "ar", 5.0, (Speaker("S0", "customer", 1),), (Segment(0, 3, "S0", "customer", 1, "رقمي ٤٥٦", ()),)
    )
    assert not any(ch.isdigit() for ch in redact_partial(arabic, redaction=True).segments[0].text)
