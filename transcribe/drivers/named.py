"""Drivers operators name with phrases (YAML packs, like rules): a call has a named driver when its
customer says one of the driver's phrases, in any of the driver's languages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from storage.records import Transcript
from storage.terms import query_forms, word_forms
from storage.text import normalize

from ..errors import RuleError
from ..rules.evaluate import find_phrase
from .keyphrases import customer_turns

BUILTIN_PACKS = Path(__file__).parent / "packs"
MAX_EVIDENCE = 3  # where it was said, per driver: enough to click through
MAX_FILE_BYTES = 1_000_000
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True, slots=True)
class NamedDriver:
    id: str
    name: str
    phrases: tuple[tuple[str, ...], ...]  # folded words, every language together
    source: str  # file


def _driver(spec: Any, where: str, n: int) -> NamedDriver:
    if not isinstance(spec, dict):
        raise RuleError(f"{where}: driver {n} must be a mapping with id, name and phrases")
    driver_id, name, phrases = spec.get("id"), spec.get("name"), spec.get("phrases")
    if not isinstance(driver_id, str) or not 1 <= len(driver_id) <= 64 or set(driver_id) - _ID_CHARS:
        raise RuleError(f"{where}: driver {n}: id must be 1-64 of a-z 0-9 . _ - (got {driver_id!r})")
    if driver_id.startswith("auto."):
        raise RuleError(f"{where}: driver {driver_id}: ids starting auto. are for discovered drivers")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        raise RuleError(f"{where}: driver {driver_id}: name must be 1-100 characters")
    if not isinstance(phrases, dict) or not phrases:
        raise RuleError(f"{where}: driver {driver_id}: phrases must map languages to lists of phrases")
    folded = []
    for language, said in phrases.items():
        if not isinstance(said, list) or not said or not all(isinstance(p, str) for p in said):
            raise RuleError(f"{where}: driver {driver_id}: phrases.{language} must be a list of phrases")
        for phrase in said:
            words = tuple(normalize(phrase).split())
            if not words:
                raise RuleError(f"{where}: driver {driver_id}: a phrase in {language} has no words")
            folded.append(words)
    return NamedDriver(driver_id, name.strip(), tuple(dict.fromkeys(folded)), where)


def load_drivers(
    directories: Sequence[Path] | None = None, include_builtin: bool = True
) -> list[NamedDriver]:
    """The built-in pack, then the operator's folders; ids must be unique across all."""
    folders = ([BUILTIN_PACKS] if include_builtin else []) + list(directories or [])
    drivers: list[NamedDriver] = []
    seen: dict[str, str] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(f"{folder}: driver directory does not exist")
        for path in sorted(folder.glob("*.y*ml")):
            if path.stat().st_size > MAX_FILE_BYTES:
                raise RuleError(f"{path}: a driver file is at most {MAX_FILE_BYTES} bytes")
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise RuleError(f"{path}: not valid YAML: {exc}") from exc
            if not isinstance(document, dict) or not isinstance(document.get("drivers"), list):
                raise RuleError(f"{path}: a driver file holds `drivers:` with a list of drivers")
            for n, spec in enumerate(document["drivers"], 1):
                driver = _driver(spec, str(path), n)
                if driver.id in seen:
                    raise RuleError(f"{path}: driver id {driver.id} is already defined in {seen[driver.id]}")
                seen[driver.id] = str(path)
                drivers.append(driver)
    return drivers


def named_drivers(transcript: Transcript, drivers: Sequence[NamedDriver]) -> list[dict[str, Any]]:
    """The named drivers the customer gave, each with where they said it (start, end, text)."""
    said = []
    for s in customer_turns(transcript.segments):
        tokens = normalize(s.text).split()
        said.append((s, tokens, {form for t in tokens for form in word_forms(t)}))
    found = []
    for driver in drivers:
        firsts = [(phrase, frozenset(query_forms(phrase[0]))) for phrase in driver.phrases]
        evidence = [
            {"start": s.start, "end": s.end, "text": s.text}
            for s, tokens, forms in said
            if any(
                # the full match only where the phrase's first word was said at all
                not first.isdisjoint(forms) and find_phrase(phrase, tokens)
                for phrase, first in firsts
            )
        ]
        if evidence:
            found.append({"id": driver.id, "name": driver.name, "evidence": evidence[:MAX_EVIDENCE]})
    return found
