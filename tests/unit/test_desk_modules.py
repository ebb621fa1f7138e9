"""The desk's ES modules name what they use: a name one module declares at its top level and another
uses in code must be imported there, from the module that exports it. A missing import would only
fail in the browser, on the path that uses it; this finds it without one."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "api" / "ui" / "static"
DECLARED = re.compile(r"^export (?:async function|function|const|let)\s+([A-Za-z_$][\w$]*)", re.M)
IMPORT = re.compile(r'^import \{ ([^}]*) \} from "\./([\w.]+)";$', re.M)


def _code(text: str) -> str:
    """The text without quoted strings and line comments, spreads spaced out."""
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
    text = re.sub(r"'(?:[^'\\\n]|\\.)*'", "''", text)
    return re.sub(r"//.*", "", text).replace("...", " ")


def _uses(code: str, name: str) -> bool:
    after = r"\(" if name == "$" else r"(?![\w$])"
    return re.search(r"(?<![\w$.])" + re.escape(name) + after, code) is not None


def test_every_name_from_another_module_is_imported_from_the_module_that_exports_it():
    modules = {p.name: p.read_text(encoding="utf-8") for p in STATIC.glob("*.js")}
    exports = {name: set(DECLARED.findall(text)) for name, text in modules.items()}
    assert len(modules) >= 8 and exports["desk.js"] >= {"h", "api", "route", "S"}
    home = {n: module for module, names in exports.items() for n in names}
    problems = []
    for module, text in modules.items():
        imported = {}
        for names, source in IMPORT.findall(text):
            for n in (x.strip() for x in names.split(",")):
                imported[n] = source
                if n not in exports.get(source, set()):
                    problems.append(f"{module} imports {n} from {source}, which does not export it")
        code = _code(IMPORT.sub("", text))
        own = set(re.findall(r"^(?:export )?(?:async function|function|const|let)\s+([\w$]+)", text, re.M))
        for n, where in home.items():
            if where != module and n not in own and _uses(code, n) and n not in imported:
                problems.append(f"{module} uses {n} (from {where}) without importing it")
    assert problems == []


def test_the_page_loads_the_desk_as_a_module():
    assert '<script type="module" src="/ui/app.js"></script>' in (STATIC / "index.html").read_text()
