"""A generated month of calls with known drivers, for bench/drivers_eval.py and the tests: per day and
language, calls whose customer says two or three sentences of one theme (or a one-off reason), with
courtesy filler and the agent's lines between. A one-off reason is said on fewer calls a month than
a driver needs (ONE_OFF_MAX), so it stays one-off. One theme can be made to rise in the last week."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from storage.records import Segment, Speaker, Transcript

SETS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "drivers"
OTHER = "other"
ONE_OFF_MAX = 4  # calls a month with the same one-off reason (discovery needs 5)


@dataclass(frozen=True, slots=True)
class GeneratedCall:
    call_id: str
    language: str
    theme: str  # a theme's id, or OTHER
    started_at: datetime
    transcript: Transcript


def load(split: str) -> dict:
    return yaml.safe_load((SETS / f"{split}.yaml").read_text(encoding="utf-8"))


def _transcript(language: str, customer: list[str], agent: list[str]) -> Transcript:
    segments, at = [], 0.0
    for i, text in enumerate(customer):
        said = agent[i % len(agent)]
        segments.append(Segment(at, at + 3.0, "S1", "agent", 0, said))
        segments.append(Segment(at + 3.5, at + 7.0, "S2", "customer", 1, text))
        at += 8.0
    speakers = (Speaker("S1", "agent", 0), Speaker("S2", "customer", 1))
    return Transcript(language, at, speakers, tuple(segments))


def month(
    split: str,
    language: str,
    seed: int = 7,
    days: int = 30,
    calls_per_day: int = 60,
    rising: str | None = None,
    end: datetime = datetime(2026, 11, 30, tzinfo=UTC),
) -> list[GeneratedCall]:
    """`rising`: a theme with as many calls again as it usually has, each day of the last seven."""
    spec = load(split)[language]
    themes = sorted(spec["themes"])
    rng = random.Random(f"{seed}-{split}-{language}")
    calls = []
    one_offs = {text: ONE_OFF_MAX for text in spec["other"]}
    for day in range(days):
        weights = [1.0 for _ in themes] + [len(themes) / 4]
        extra = round(calls_per_day / sum(weights)) if rising and day >= days - 7 else 0
        for n in range(calls_per_day + extra):
            theme = rng.choices([*themes, OTHER], weights)[0] if n < calls_per_day else str(rising)
            left = sorted(t for t, n in one_offs.items() if n)
            if theme == OTHER and not left:
                theme = rng.choice(themes)
            said = [rng.choice(spec["filler"])]
            if theme == OTHER:
                reason = rng.choice(left)
                one_offs[reason] -= 1
                said.append(reason)
            else:
                said += rng.sample(spec["themes"][theme], rng.randint(2, 3))
            if rng.random() < 0.5:
                said.append(rng.choice(spec["filler"]))
            at = end - timedelta(days=days - day) + timedelta(minutes=20 * n)
            call_id = f"{split}-{language}-{day:02d}-{n:03d}"
            calls.append(
                GeneratedCall(call_id, language, theme, at, _transcript(language, said, spec["agent"]))
            )
    return calls
