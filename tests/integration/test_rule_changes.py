"""Rule changes reach the audit trail: a process that loads a changed rule set records what was added,
removed or changed; the same set loaded again (anywhere on disk) records nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from storage import audit
from storage.database import Database
from transcribe.rules.changes import record_rule_set
from transcribe.rules.loader import load_rules

RULE = """rules:
  - id: local.refund_threat
    version: {version}
    category: complaint
    severity: high
    when:
      phrases:
        role: customer
        any: [{phrase}]
"""


def _pack(folder: Path, version: int = 1, phrase: str = "chargeback") -> list:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "local.yaml").write_text(RULE.format(version=version, phrase=phrase), encoding="utf-8")
    return load_rules([folder], include_builtin=False)


def _loaded(db: Database) -> list[dict]:
    with db.session() as session:
        return [e.details for e in audit.list_entries(session, action="rules.loaded")]


def test_rule_set_changes_are_audited_once_each(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'rules.db'}")
    db.migrate()
    assert record_rule_set(db, _pack(tmp_path / "a"), "test") is True
    assert record_rule_set(db, _pack(tmp_path / "a"), "test") is False
    moved = tmp_path / "elsewhere"
    shutil.copytree(tmp_path / "a", moved)
    assert record_rule_set(db, load_rules([moved], include_builtin=False), "test") is False  # same rules
    assert record_rule_set(db, _pack(tmp_path / "a", phrase="lawyer"), "test") is True  # edited, same version
    builtin = load_rules([tmp_path / "a"], include_builtin=True)
    assert record_rule_set(db, builtin, "test") is True
    assert record_rule_set(db, [], "test") is True
    first, edited, with_builtin, emptied = _loaded(db)
    assert first["added"] == ["local.refund_threat"] and first["rules"]["local.refund_threat"]["version"] == 1
    assert (edited["added"], edited["changed"], edited["removed"]) == ([], ["local.refund_threat"], [])
    assert "complaint.billing_dispute" in with_builtin["added"] and with_builtin["changed"] == []
    assert emptied["removed"] == sorted(with_builtin["rules"]) and emptied["rules"] == {}
    with db.session() as session:
        assert audit.verify_chain(session).ok
    db.dispose()
