"""Driving the review desk in Debian's Chromium: sign in as a seeded person, wait for what the page
draws, keep screenshots for the test artifacts."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.desk import PASSWORD

CHROMIUM = os.environ.get("CALLREC_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def chromium_path() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        return CHROMIUM
    message = f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium (apt), or set CALLREC_TEST_CHROMIUM"
    if os.environ.get("CALLREC_TEST_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


def open_desk(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # 401 (the session probe before signing in) and 403 (refusals the test asks for) are expected.
    expected = ("status of 401", "status of 403")
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not any(e in m.text for e in expected) else None
        ),
    )
    page.goto(f"{base}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#who")
    page.errors = errors
    return page


def wait_until(page, expression: str, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    """Poll a JavaScript expression from outside the page: Playwright's wait_for_function evaluates a
    string inside it, which the desk's Content-Security-Policy (no eval) rightly refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
