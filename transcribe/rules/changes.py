"""Rule changes in the audit trail. Rules live in YAML packs, edited outside callrec; each process
that loads them compares the set with the last one recorded and records what was added, removed or
changed, so the trail shows which rules were in force from when."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from storage import audit
from storage.database import Database

from .model import Rule

ACTION = "rules.loaded"


def rule_digest(rule: Rule) -> str:
    """What the rule does, not where its file lies: the same pack gives the same digest anywhere."""
    return hashlib.sha256(repr(replace(rule, source="")).encode()).hexdigest()[:16]


def record_rule_set(db: Database, rules: Sequence[Rule], actor: str) -> bool:
    """Audit the loaded rule set if it differs from the last one recorded; True when it did."""
    current = {rule.id: {"version": rule.version, "digest": rule_digest(rule)} for rule in rules}
    with db.session() as session:
        last = audit.last_details(session, ACTION)
        previous = (last or {}).get("rules", {})
        if previous == current:
            return False
        details = {
            "rules": current,
            "added": sorted(set(current) - set(previous)),
            "removed": sorted(set(previous) - set(current)),
            "changed": sorted(i for i in set(current) & set(previous) if current[i] != previous[i]),
        }
        audit.record(session, actor, ACTION, "", details)
    return True
