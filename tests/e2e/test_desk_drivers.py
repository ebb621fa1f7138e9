"""Call drivers, summaries and written contacts at the desk in Chromium: the dashboard's drivers this
period, a driver opening its calls, the call page saying why the customer called and where, its
summary, and a chat read as a conversation."""

from __future__ import annotations

import pytest

from tests.e2e.desk_pages import open_desk, shot, wait_until
from tests.integration.test_contacts import CHAT
from transcribe.reanalyse import reanalyse_call

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_driver_on_the_dashboard_opens_its_calls_and_the_call_says_where_it_was_said(server, browser):
    base, desk, services = server
    with services.db.session() as session:  # the seeded calls were saved without the analysis: run it
        for call_id in desk.calls.values():
            reanalyse_call(session, services.rules, call_id, 0.9, "test", services.drivers)
    page = open_desk(browser, base, "adam")
    page.goto(f"{base}/ui/#/dashboard?from=2026-11-01&to=2026-11-30")  # the seeded calls happened 2026-11-20
    row = "#drivers-table tr[data-driver='billing.charged_twice']"
    page.wait_for_selector(row)
    # the English and the Hebrew billing disputes; the rude-agent call is about the internet
    assert page.inner_text(f"{row} td:nth-child(3)") == "2"
    assert page.locator("#drivers-table tr[data-driver='service.outage']").count() == 1
    shot(page, "drivers-dashboard")
    page.click(f"{row} a")
    page.wait_for_selector(f"#calls tbody tr[data-call='{desk.calls['en']}']")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 2")
    assert page.locator(f"#calls tbody tr[data-call='{desk.calls['out']}']").count() == 0
    assert page.input_value("#call-filters input[name=driver]") == "billing.charged_twice"
    page.click(f"#calls tbody tr[data-call='{desk.calls['en']}'] a")
    chip = "#drivers .chip[data-driver='billing.charged_twice']"
    page.wait_for_selector(chip)
    assert "Charged twice" in page.inner_text(chip)
    # the summary: why, what the agent did, how it ended, each playing from where it was said
    assert "charged twice" in page.inner_text("#summary ul.said >> nth=0")
    assert "refund" in page.inner_text("#summary ul.said >> nth=1")
    assert page.inner_text("#summary-outcome").startswith("Resolved")
    shot(page, "call-summary")
    page.click(f"{chip} a[aria-label^='where']")  # to where the customer said it
    wait_until(page, "document.querySelector('audio') && document.querySelector('audio').currentTime > 5")
    assert not page.errors, page.errors


def test_a_chat_reads_as_a_conversation_and_its_summary_goes_to_the_message(server, browser):
    base, desk, _ = server
    posted = desk.client.post("/v1/contacts", json=CHAT)
    assert posted.status_code == 201, posted.text
    chat_id = posted.json()["id"]
    page = open_desk(browser, base, "adam")
    page.goto(f"{base}/ui/#/calls?medium=chat")
    page.wait_for_selector(f"#calls tbody tr[data-call='{chat_id}'] .chip[data-medium='chat']")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 1")  # the seeded calls are calls
    page.click(f"#calls tbody tr[data-call='{chat_id}'] a")
    page.wait_for_selector("#conversation article.message")
    assert page.locator("#conversation article.message").count() == 5
    assert page.locator("audio").count() == 0  # no player for a written contact
    assert page.get_attribute("#message-0 p", "dir") == "rtl"
    assert "4580" not in page.inner_text("#conversation")  # the typed card number, redacted
    shot(page, "chat-conversation")
    page.click("#summary h3:text('Follow-ups') + ul button.seek")  # the promise, in its message
    wait_until(page, "document.activeElement && document.activeElement.id === 'message-3'")
    assert "current" in page.get_attribute("#message-3", "class")
    assert page.inner_text("#summary-outcome").startswith("Resolved")
    assert not page.errors, page.errors
