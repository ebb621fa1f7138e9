"""The analyse step: characteristics of the call, then the rules over transcript, metrics and metadata."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from storage.flags import RaisedFlag
from storage.records import Call, Transcript

from .audio import Audio
from .characteristics import measure
from .rules.evaluate import CallFacts, evaluate
from .rules.model import Evidence, Rule, history_conditions


def call_metadata(call: Call, transcript: Transcript) -> dict[str, str | float | None]:
    return {
        "direction": call.direction,
        "source": call.source,
        "agent_id": call.agent_id,
        "customer_number": call.customer_number,
        "duration": call.duration or transcript.duration,
        "language": transcript.language,
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


def raise_flags(
    rules: Sequence[Rule],
    transcript: Transcript,
    metrics: dict[str, float],
    metadata: dict[str, str | float | None],
    history: dict[str, int] | None = None,
) -> list[RaisedFlag]:
    hits = evaluate(rules, CallFacts(transcript, metrics, metadata, history or {}))
    return [
        RaisedFlag(
            h.rule.id,
            h.rule.version,
            h.rule.category,
            h.rule.severity,
            [evidence_json(e) for e in h.evidence],
        )
        for h in hits
    ]


def analyse(
    call: Call,
    transcript: Transcript,
    audio: Audio | None,
    rules: Sequence[Rule],
    history: dict[str, int] | None = None,
) -> tuple[dict[str, Any], list[RaisedFlag]]:
    characteristics = measure(transcript, audio)
    flags = raise_flags(
        rules, transcript, characteristics["metrics"], call_metadata(call, transcript), history
    )
    return characteristics, flags
