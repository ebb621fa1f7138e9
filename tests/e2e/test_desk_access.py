"""Every page of the review desk, checked inside the page by axe-core (shipped in the
axe-playwright-python package, run against Debian's Chromium) for serious or critical accessibility
failures, and laid out at 390 px (a phone) with nothing scrolling sideways but the tables inside
their own box."""

from __future__ import annotations

import json
from pathlib import Path

import axe_playwright_python
import pytest

from tests.e2e.desk_pages import open_desk, shot, wait_until
from tests.integration.test_contacts import CHAT

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
# Each page and what shows it has finished drawing.
IMPACTS = tuple(__import__("os").environ.get("AXE_IMPACTS", "serious,critical").split(","))
PAGES = [
    ("search", "#/search?q=refund", "#results .result"),
    ("calls", "#/calls", "#calls tbody tr"),
    ("call-he", "#/calls/{he}", "#transcript .turn"),
    ("call-en", "#/calls/{en}", "#transcript .turn"),
    ("flags", "#/flags", "main table tbody tr"),
    ("dashboard", "#/dashboard", "svg.chart"),
    ("agent", "#/agents/a1", "main h1"),
    ("audit", "#/audit", "#audit tbody tr"),
    ("admin", "#/admin", "main table"),
    ("chat", "#/calls/{chat}", "#conversation article.message"),
]


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    # The script is evaluated over the debugging protocol, which the page's CSP (no eval) does not govern.
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in json.loads(result)["violations"]
        if v["impact"] in IMPACTS
    ]


@pytest.mark.parametrize("width", [1400, 390])
def test_every_page_passes_axe_and_fits_the_screen(server, browser, width):
    base, desk, _ = server
    chat = desk.client.post("/v1/contacts", json=CHAT)
    assert chat.status_code == 201, chat.text
    desk.calls["chat"] = chat.json()["id"]
    page = open_desk(browser, base, "adam")
    page.set_viewport_size({"width": width, "height": 900})
    failures = {}
    for name, link, ready in PAGES:
        page.goto(f"{base}/ui/{link.format(**desk.calls)}")
        page.wait_for_selector(ready)
        wait_until(page, "!document.querySelector('.loading')")
        problems = serious_violations(page)
        # Nothing pushes the page sideways: wide tables scroll inside their own box.
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            problems.append(f"the page scrolls sideways by {overflow} px")
        if problems:
            failures[name] = problems
        if width == 390:
            shot(page, f"{name}-390")
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
    # The sign-in page as well.
    signed_out = browser.new_page(viewport={"width": width, "height": 900})
    signed_out.goto(f"{base}/")
    signed_out.wait_for_selector("input[name=username]")
    assert serious_violations(signed_out) == []
    assert not page.errors, page.errors
