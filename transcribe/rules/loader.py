"""Load rule packs from YAML, with errors that name the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from storage.text import normalize

from ..characteristics import METRICS
from ..errors import RuleError
from .model import (
    CATEGORIES,
    MEDIA,
    METADATA_FIELDS,
    OPERATORS,
    ROLES,
    SENTIMENTS,
    SEVERITIES,
    AllOf,
    AnyOf,
    Condition,
    History,
    Metadata,
    Metric,
    Not,
    Phrases,
    Rule,
    SentimentShare,
)

BUILTIN_PACKS = Path(__file__).parent / "packs"


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping so errors can point at it."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        # An alias repeats a node by reference: a few hundred bytes of nested aliases expand to millions
        # of nodes (a 508-byte rule took 21 s and 230 MiB). Rules never need them.
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in rule files; write the value out", mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:  # type: ignore[override]
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _fail(where: str, line: Any, problem: str) -> RuleError:
    return RuleError(f"{where}:{line}: {problem}")


def _phrases(spec: dict, where: str) -> Phrases:
    line = spec.get("__line__", "?")
    raw = spec.get("any")
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        raise _fail(where, line, "phrases needs `any:` with a list of phrases")
    phrases = tuple(tuple(normalize(p).split()) for p in raw)
    if any(not p for p in phrases):
        raise _fail(where, line, "a phrase has no words")
    role = spec.get("role", "any")
    if role not in ROLES:
        raise _fail(where, line, f"role must be one of {', '.join(ROLES)}, not {role!r}")
    unknown = set(spec) - {"any", "role", "first_s", "last_s", "absent", "min_count", "fuzzy", "__line__"}
    if unknown:
        raise _fail(where, line, f"unknown phrases option(s): {', '.join(sorted(unknown))}")
    for key in ("first_s", "last_s"):
        if key in spec and (not isinstance(spec[key], int | float) or spec[key] <= 0):
            raise _fail(where, line, f"{key} must be a positive number of seconds")
    min_count = spec.get("min_count", 1)
    if not isinstance(min_count, int) or min_count < 1:
        raise _fail(where, line, "min_count must be a whole number of at least 1")
    return Phrases(
        phrases=phrases,
        role=role,
        first_s=spec.get("first_s"),
        last_s=spec.get("last_s"),
        absent=bool(spec.get("absent", False)),
        min_count=min_count,
        fuzzy=int(spec.get("fuzzy", 0)),
    )


def _condition(spec: Any, where: str, line: Any) -> Condition:
    if not isinstance(spec, dict):
        raise _fail(
            where,
            line,
            "a condition must be a mapping (all, any, not, phrases, metric, metadata, history, sentiment)",
        )
    line = spec.get("__line__", line)
    keys = [k for k in spec if k != "__line__"]
    if len(keys) != 1:
        raise _fail(
            where,
            line,
            f"a condition has exactly one of all/any/not/phrases/metric/metadata/history/sentiment, got {keys}",
        )
    kind, body = keys[0], spec[keys[0]]
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise _fail(where, line, f"`{kind}` needs a list of conditions")
        children = tuple(_condition(child, where, line) for child in body)
        return AllOf(children) if kind == "all" else AnyOf(children)
    if kind == "not":
        return Not(_condition(body, where, line))
    if kind == "phrases":
        if not isinstance(body, dict):
            raise _fail(where, line, "`phrases` needs a mapping with `any:`")
        return _phrases(body, where)
    if kind == "metric":
        if not isinstance(body, dict) or body.get("name") not in METRICS:
            raise _fail(where, line, f"metric name must be one of: {', '.join(METRICS)}")
        if body.get("op") not in OPERATORS or not isinstance(body.get("value"), int | float):
            raise _fail(where, line, f"metric needs op ({' '.join(OPERATORS)}) and a numeric value")
        return Metric(body["name"], body["op"], float(body["value"]))
    if kind == "history":
        if not isinstance(body, dict) or body.get("same") not in ("customer_number", "voice"):
            raise _fail(where, line, "history needs `same: customer_number` or `same: voice`")
        counts = [k for k in ("min_calls", "min_customer_numbers") if k in body]
        if len(counts) != 1:
            raise _fail(where, line, "history needs exactly one of min_calls, min_customer_numbers")
        if counts == ["min_customer_numbers"] and body["same"] != "voice":
            raise _fail(
                where, line, "min_customer_numbers counts the numbers one voice used: needs `same: voice`"
            )
        minimum, days = body[counts[0]], body.get("within_days")
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 2:
            raise _fail(where, line, f"history {counts[0]} must be a whole number of at least 2")
        if not isinstance(days, int | float) or isinstance(days, bool) or days <= 0:
            raise _fail(where, line, "history within_days must be a positive number")
        counting = "calls" if counts == ["min_calls"] else "customer_numbers"
        return History(body["same"], minimum, float(days), counting)
    if kind == "metadata":
        if not isinstance(body, dict) or body.get("field") not in METADATA_FIELDS:
            raise _fail(where, line, f"metadata field must be one of: {', '.join(METADATA_FIELDS)}")
        op = body.get("op", "==")
        if op not in (*OPERATORS, "in"):
            raise _fail(where, line, f"metadata op must be one of {' '.join(OPERATORS)} in")
        value = body.get("value")
        if value is None:
            raise _fail(where, line, "metadata needs a `value`")
        if op == "in":
            if not isinstance(value, list):
                raise _fail(where, line, "metadata `in` needs a list value")
            value = tuple(str(v) for v in value)
        return Metadata(body["field"], op, value)
    if kind == "sentiment":
        return _sentiment(body, where, line)
    raise _fail(where, line, f"unknown condition {kind!r}")


def _sentiment(body: Any, where: str, line: Any) -> SentimentShare:
    if not isinstance(body, dict) or body.get("value") not in SENTIMENTS:
        raise _fail(where, line, f"sentiment needs `value`: one of {', '.join(SENTIMENTS)}")
    role = body.get("role", "customer")
    if role not in ROLES:
        raise _fail(where, line, f"sentiment role must be one of {', '.join(ROLES)}")
    for key in ("first_s", "last_s"):
        if key in body and (
            isinstance(body[key], bool) or not isinstance(body[key], int | float) or body[key] <= 0
        ):
            raise _fail(where, line, f"sentiment {key} must be a positive number of seconds")
    share = body.get("min_share", 0.5)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise _fail(where, line, "sentiment min_share is a share of the segments: above 0, at most 1")
    unknown = set(body) - {"value", "role", "first_s", "last_s", "min_share", "__line__"}
    if unknown:
        raise _fail(where, line, f"sentiment does not know {', '.join(sorted(unknown))}")
    return SentimentShare(body["value"], role, body.get("first_s"), body.get("last_s"), float(share))


def parse_rule(spec: Any, where: str) -> Rule:
    if not isinstance(spec, dict):
        raise RuleError(f"{where}: each rule must be a mapping")
    line = spec.get("__line__", "?")
    unknown = set(spec) - {
        "id",
        "version",
        "category",
        "severity",
        "languages",
        "description",
        "tags",
        "when",
        "min_confidence",
        "media",
        "__line__",
    }
    if unknown:
        raise _fail(where, line, f"unknown rule field(s): {', '.join(sorted(unknown))}")
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise _fail(where, line, "a rule needs an `id`")
    if spec.get("category") not in CATEGORIES:
        raise _fail(where, line, f"rule {rule_id}: category must be one of {', '.join(CATEGORIES)}")
    if spec.get("severity") not in SEVERITIES:
        raise _fail(where, line, f"rule {rule_id}: severity must be one of {', '.join(SEVERITIES)}")
    version = spec.get("version", 1)
    if not isinstance(version, int) or version < 1:
        raise _fail(where, line, f"rule {rule_id}: version must be a whole number of at least 1")
    if "when" not in spec:
        raise _fail(where, line, f"rule {rule_id}: a rule needs `when:`")
    languages = spec.get("languages", [])
    if not isinstance(languages, list):
        raise _fail(where, line, f"rule {rule_id}: languages must be a list")
    media = spec.get("media", [])
    if not isinstance(media, list) or not set(media) <= set(MEDIA):
        raise _fail(where, line, f"rule {rule_id}: media must be a list of {', '.join(MEDIA)}")
    min_confidence = spec.get("min_confidence")
    if min_confidence is not None and (
        isinstance(min_confidence, bool)
        or not isinstance(min_confidence, int | float)
        or not 0 <= min_confidence <= 1
    ):
        raise _fail(where, line, f"rule {rule_id}: min_confidence must be a number from 0 to 1")
    return Rule(
        id=rule_id,
        version=version,
        category=spec["category"],
        severity=spec["severity"],
        when=_condition(spec["when"], where, line),
        languages=tuple(languages),
        description=str(spec.get("description", "")),
        tags=tuple(spec.get("tags", [])),
        source=f"{where}:{line}",
        min_confidence=float(min_confidence) if min_confidence is not None else None,
        media=tuple(media),
    )


def parse_rules(text: str, where: str) -> list[Rule]:
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise RuleError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RuleError(f"{where}: a rule file holds `rules:` with a list of rules")
    return [parse_rule(spec, where) for spec in document["rules"]]


def load_rules(directories: list[Path] | None = None, include_builtin: bool = True) -> list[Rule]:
    """The built-in packs, then the operator's own directories; ids must be unique across all."""
    folders = ([BUILTIN_PACKS] if include_builtin else []) + list(directories or [])
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(f"{folder}: rule directory does not exist")
        for path in sorted(folder.glob("*.y*ml")):
            for rule in parse_rules(path.read_text(encoding="utf-8"), str(path)):
                if rule.id in seen:
                    raise RuleError(f"{rule.source}: rule id {rule.id} is already defined at {seen[rule.id]}")
                seen[rule.id] = rule.source
                rules.append(rule)
    return rules
