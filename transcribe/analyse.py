"""The analyse step: characteristics of the call, then the rules over transcript, metrics and metadata."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from storage.records import Call, RaisedFlag, Transcript

from .audio import Audio
from .characteristics import measure
from .confidence import Confidence, transcript_confidence
from .drivers.keyphrases import call_keyphrases
from .drivers.named import NamedDriver, named_drivers
from .rules.evaluate import CallFacts, evaluate
from .rules.model import Evidence, Rule, history_conditions
from .sentiment.call import sentiment_summary
from .summary.extract import summarise


def call_metadata(call: Call, transcript: Transcript) -> dict[str, str | float | None]:
    return {
        "direction": call.direction,
        "source": call.source,
        "agent_id": call.agent_id,
        "customer_number": call.customer_number,
        "duration": call.duration or transcript.duration,
        "language": transcript.language,
        "medium": call.medium,
    }


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in asdict(evidence).items():
        if value is None or (isinstance(value, tuple | str) and not value):
            continue
        fields[key] = list(value) if isinstance(value, tuple) else value
    return fields


def history_facts(
    rules: Sequence[Rule],
    call: Call,
    count: Callable[[str, float], int],
    count_voice: Callable[[float], tuple[int, int]] = lambda days: (0, 0),
) -> dict[str, int]:
    """The caller-history counts the rules ask for: `count(customer_number, days)` counts the number's
    calls, `count_voice(days)` the calls with this call's customer voice and the numbers they came from."""
    wanted = {h.key: h for rule in rules for h in history_conditions(rule.when)}
    facts = {}
    for key, h in wanted.items():
        if h.same == "customer_number":
            if call.customer_number:
                facts[key] = count(call.customer_number, h.within_days)
        else:
            calls, numbers = count_voice(h.within_days)
            facts[key] = calls if h.counting == "calls" else numbers
    return facts


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the rules concluded: flags raised, and those withheld because the transcript cannot be
    trusted for them (the call goes to a person to listen instead)."""

    flags: list[RaisedFlag]
    withheld: list[str]  # rule ids
    confidence: Confidence

    @property
    def listen_reason(self) -> str | None:
        if not self.withheld:
            return None
        why = ", ".join(self.confidence.reasons) or f"confidence {self.confidence.score:.2f}"
        return f"transcript not trusted ({why}); withheld: {', '.join(self.withheld)}"


def is_trusted_for(rule: Rule, confidence: Confidence) -> bool:
    """An absence ("never said the disclosure") is only evidence on a transcript that can be trusted;
    a rule may ask for a minimum confidence of its own."""
    if rule.min_confidence is not None and confidence.score < rule.min_confidence:
        return False
    return not (rule.needs_absence and confidence.is_low)


def assess(
    rules: Sequence[Rule],
    transcript: Transcript,
    metrics: dict[str, float],
    metadata: dict[str, str | float | None],
    history: dict[str, int] | None = None,
) -> Assessment:
    confidence = transcript_confidence(transcript)
    hits = evaluate(rules, CallFacts(transcript, metrics, metadata, history or {}))
    flags, withheld = [], []
    for h in hits:
        if not is_trusted_for(h.rule, confidence):
            withheld.append(h.rule.id)
            continue
        flags.append(
            RaisedFlag(
                h.rule.id,
                h.rule.version,
                h.rule.category,
                h.rule.severity,
                [evidence_json(e) for e in h.evidence],
            )
        )
    return Assessment(flags, withheld, confidence)


def raise_flags(
    rules: Sequence[Rule],
    transcript: Transcript,
    metrics: dict[str, float],
    metadata: dict[str, str | float | None],
    history: dict[str, int] | None = None,
) -> list[RaisedFlag]:
    return assess(rules, transcript, metrics, metadata, history).flags


def analyse(
    call: Call,
    transcript: Transcript,
    audio: Audio | None,
    rules: Sequence[Rule],
    history: dict[str, int] | None = None,
    loudness: dict[str, list[float]] | None = None,
    drivers: Sequence[NamedDriver] = (),
) -> tuple[dict[str, Any], Assessment]:
    """Characteristics (with the transcript's confidence, sentiment, call drivers, the extractive summary
    and whether the stereo file held one mix), then the rules."""
    characteristics = measure(transcript, audio, loudness)
    assessment = assess(
        rules, transcript, characteristics["metrics"], call_metadata(call, transcript), history
    )
    characteristics["confidence"] = assessment.confidence.as_json()
    characteristics["sentiment"] = sentiment_summary(transcript)
    named = named_drivers(transcript, drivers)
    characteristics["drivers"] = {
        "named": named,
        # what discovery clusters, and what files the call under a discovered driver
        "keyphrases": call_keyphrases(transcript.segments, transcript.language),
    }
    characteristics["summary"] = summarise(transcript, named, characteristics["sentiment"])
    characteristics["mono_in_stereo"] = is_mono_in_stereo_call(call, transcript)
    return characteristics, assessment


def is_mono_in_stereo_call(call: Call, transcript: Transcript) -> bool:
    """A two-channel recording transcribed as one mix: its channels carried the same audio."""
    return (
        call.channels == 2
        and bool(transcript.speakers)
        and all(s.channel is None for s in transcript.speakers)
    )
