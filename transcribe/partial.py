"""What recognition has heard so far on a long call, published while the rest is still being recognised,
so the first minutes are searchable before the call is done. The final transcript (speakers, roles,
redaction, analysis) replaces it in one transaction.

Nothing unredacted is published: the newest HOLD_BACK_S of each side wait (a card number or a name may
run on into audio not heard yet), personal data is found and replaced as in the final pass, and, since
a number may still be cut by the hold-back, every digit left is masked until the final pass.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from storage.records import Transcript, Word

from .assemble import ChannelResult, assemble_segments
from .recognised import AsrSegment
from .redact.pii import find_pii, redact

PUBLISH_EVERY_S = 5.0  # wall-clock seconds between publications
HOLD_BACK_S = 15.0  # call seconds at the end of what was heard that are not published yet
DIGIT = re.compile(r"\d")  # every script's decimal digits (Arabic-Indic included)
MASK = "#"

Publish = Callable[[Transcript], None]


class PartialTranscript:
    """Collects each side's segments as recognition hears them and publishes what is safe to show."""

    def __init__(
        self,
        publish: Publish,
        channel_roles: Sequence[str],
        duration: float,
        model: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.publish, self.channel_roles, self.duration, self.model = publish, channel_roles, duration, model
        self.clock = clock
        self.finished: list[ChannelResult] = []
        self.side: ChannelResult | None = None
        self.heard_so_far: list[AsrSegment] = []
        self.last_published_at = clock()
        self.published = 0  # segments in the last publication

    def start_side(self, channel: int | None, language: str | None, probability: float | None) -> None:
        self.side = ChannelResult(channel, (), language, probability)
        self.heard_so_far = []

    def heard(self, segment: AsrSegment) -> None:
        self.heard_so_far.append(segment)
        if self.clock() - self.last_published_at >= PUBLISH_EVERY_S:
            self.flush()

    def finish_side(self, result: ChannelResult) -> None:
        """A side's processed segments: all of them are safe now (no more audio will follow)."""
        self.finished.append(result)
        self.side, self.heard_so_far = None, []
        self.flush()

    def flush(self) -> None:
        self.last_published_at = self.clock()
        results = list(self.finished)
        if self.side is not None and self.heard_so_far:
            cutoff = self.heard_so_far[-1].end - HOLD_BACK_S
            safe = tuple(s for s in self.heard_so_far if s.end <= cutoff)
            results.append(replace(self.side, segments=safe))
        if not results:
            return
        speakers, segments = assemble_segments(results, self.channel_roles)
        if len(segments) == self.published:
            return
        self.published = len(segments)
        language = next((r.language for r in results if r.language), None) or ""
        self.publish(Transcript(language, round(self.duration, 3), speakers, segments, self.model))


def redact_partial(transcript: Transcript, redaction: bool) -> Transcript:
    """Personal data replaced as in the final pass, then every digit left masked (see the module)."""
    if not redaction:
        return transcript
    redacted = redact(transcript, find_pii(transcript))
    return replace(
        redacted,
        segments=tuple(
            replace(
                s,
                text=DIGIT.sub(MASK, s.text),
                words=tuple(Word(w.start, w.end, DIGIT.sub(MASK, w.word), w.probability) for w in s.words),
            )
            for s in redacted.segments
        ),
    )
