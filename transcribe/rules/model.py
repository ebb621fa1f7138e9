"""The rule types: a rule is an id, a category, a severity, languages, and a tree of conditions."""

from __future__ import annotations

from dataclasses import dataclass, field

CATEGORIES = ("agent_conduct", "suspicious_customer", "complaint", "compliance")
MEDIA = ("call", "chat", "email")  # a contact's medium: recorded speech, or written
SEVERITIES = ("low", "medium", "high", "critical")
ROLES = ("agent", "customer", "other", "any")
OPERATORS = (">", ">=", "<", "<=", "==", "!=")
METADATA_FIELDS = ("direction", "source", "agent_id", "customer_number", "duration", "language", "medium")


@dataclass(frozen=True, slots=True)
class Phrases:
    """Phrases said (or, with absent, never said) by a role, inside a time window, at least min_count times."""

    phrases: tuple[tuple[str, ...], ...]  # normalised words of each phrase
    role: str = "any"
    first_s: float | None = None  # only the first N seconds of the call
    last_s: float | None = None  # only the last N seconds
    absent: bool = False
    min_count: int = 1
    fuzzy: int = 0  # edits allowed per word of five letters or more (ASR errors)


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    op: str
    value: float


@dataclass(frozen=True, slots=True)
class Metadata:
    field: str
    op: str  # an operator, or "in"
    value: str | float | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class History:
    """This caller's calls within the last within_days, this one included: at least `minimum` calls from
    the same customer number or the same customer voice, or (counting customer_numbers) one voice
    heard under at least `minimum` different customer numbers."""

    same: str  # "customer_number" | "voice"
    minimum: int
    within_days: float
    counting: str = "calls"  # "calls" | "customer_numbers" (only with same: voice)

    @property
    def key(self) -> str:
        return f"{self.same}:{self.counting}:{self.within_days:g}"


@dataclass(frozen=True, slots=True)
class SentimentShare:
    """At least min_share of a role's segments inside the window read `value` (transcribe/sentiment):
    `sentiment: {role: customer, value: negative, last_s: 60, min_share: 0.5}`."""

    value: str  # "positive" | "neutral" | "negative"
    role: str = "customer"
    first_s: float | None = None
    last_s: float | None = None
    min_share: float = 0.5


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    condition: Condition


Condition = Phrases | Metric | Metadata | History | SentimentShare | AllOf | AnyOf | Not
SENTIMENTS = ("positive", "neutral", "negative")


def history_conditions(condition: Condition) -> list[History]:
    """Every history condition in a tree, so the caller can look up exactly the counts it needs."""
    if isinstance(condition, History):
        return [condition]
    if isinstance(condition, AllOf | AnyOf):
        return [h for child in condition.conditions for h in history_conditions(child)]
    if isinstance(condition, Not):
        return history_conditions(condition.condition)
    return []


def has_absence(condition: Condition, negated: bool = False) -> bool:
    """Whether the condition holds because phrases were not said (absent: true, or not: phrases)."""
    if isinstance(condition, Phrases):
        return condition.absent != negated
    if isinstance(condition, AllOf | AnyOf):
        return any(has_absence(child, negated) for child in condition.conditions)
    if isinstance(condition, Not):
        return has_absence(condition.condition, not negated)
    return False


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    category: str
    severity: str
    when: Condition
    languages: tuple[str, ...] = ()  # empty: every language
    description: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""  # file:line it was loaded from
    # Below this transcript confidence the rule raises no flag; the call is marked for a listen instead.
    min_confidence: float | None = None
    # call, chat, email; empty: every medium. Silences, interruptions and "in the first 20 seconds"
    # mean nothing in a chat.
    media: tuple[str, ...] = ()

    @property
    def needs_absence(self) -> bool:
        """The rule concludes from something never being said, which a misheard transcript fakes."""
        return has_absence(self.when)

    def applies_to(self, language: str, medium: str = "call") -> bool:
        return (not self.languages or language in self.languages) and (not self.media or medium in self.media)


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # "segment", "metric", "absent", "metadata"
    start: float | None = None
    end: float | None = None
    role: str | None = None
    text: str | None = None
    matched: tuple[str, ...] = ()
    metric: str | None = None
    value: float | str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
