"""Errors live in one module per package and carry a code; api/errors.py alone maps codes to HTTP."""

import ast
import importlib
import pkgutil
from pathlib import Path

import api.upload  # noqa: F401  (defines the upload's own refusal)
import recorder
import storage
from api.errors import STATUS
from recorder.errors import IngestError, QueueUnavailable
from storage.errors import StorageError

ROOT = Path(__file__).resolve().parents[2]


def subclasses(base: type) -> set[type]:
    found = set(base.__subclasses__())
    for child in list(found):
        found |= subclasses(child)
    return found | {base}


def test_every_domain_error_code_has_one_http_status():
    for package in (storage, recorder):
        for module in pkgutil.iter_modules(package.__path__):
            if module.name != "migrations":
                importlib.import_module(f"{package.__name__}.{module.name}")
    errors = subclasses(StorageError) | subclasses(IngestError) | subclasses(QueueUnavailable)
    assert len(errors) > 25
    missing = {e.__name__: e.code for e in errors if e.code not in STATUS}
    assert missing == {}
    assert not [e.__name__ for e in errors if "status" in vars(e)], "HTTP statuses belong in api/errors.py"
    assert STATUS["call_not_found"] == 404 and STATUS["legal_hold"] == 409


def test_exceptions_are_defined_only_in_each_packages_errors_module():
    defined = []
    for package in ("recorder", "transcribe", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "errors.py" or "migrations" in path.parts:
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                bases = [ast.unparse(b) for b in node.bases] if isinstance(node, ast.ClassDef) else []
                if any(b.endswith(("Error", "Exception", "NotFound", "Unavailable")) for b in bases):
                    defined.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert defined == []
