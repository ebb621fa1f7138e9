"""A day's work at the desk in Chromium: the flag queue in order from the keyboard and grouped by call,
sign-in returning to the link, the calls list with filters and saved views, and the player, words and
timeline from the keyboard."""

from __future__ import annotations

import pytest

from tests.desk import PASSWORD
from tests.e2e.desk_pages import open_desk, shot, wait_until

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_reviewer_works_the_queue_in_order_from_the_keyboard(server, browser):
    base, desk, _ = server
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/flags?order=severity")
    page.wait_for_selector("table tbody tr")
    assert "open" in page.inner_text("#flag-counts")
    rows = page.locator("table tbody tr")
    assert rows.count() == 2 and "a1" in page.inner_text("table tbody")  # agent, customer, call time shown
    severities = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(2)]
    rank = {"low": 1, "medium": 2, "high": 3, "critical": 4}
    assert rank[severities[0]] >= rank[severities[1]]  # most severe first
    shot(page, "12-queue-by-severity")
    page.click("#review-in-order")
    page.wait_for_selector("#review-bar")
    shot(page, "13-review-bar")
    first = int(page.evaluate("() => new URLSearchParams(location.hash.split('?')[1]).get('flag')"))
    page.keyboard.press("c")  # confirm, then on to the next open flag
    wait_until(page, f"!location.hash.includes('flag={first}')")
    second = int(page.evaluate("() => new URLSearchParams(location.hash.split('?')[1]).get('flag')"))
    # The next flag's own bar (not the last page's, still shown while the next call loads) takes keys.
    page.wait_for_selector(f"#review-bar[data-flag='{second}']")
    assert {first, second} == {desk.flags["out"], desk.flags["he"]}
    page.keyboard.press("d")  # dismiss the last one: back to the queue, now empty
    wait_until(page, "location.hash.startsWith('#/flags')")
    page.wait_for_selector("p.muted:text('Nothing in the queue.')")
    states = {f["id"]: f["state"] for f in desk.client.get("/v1/flags").json()}
    assert (states[first], states[second]) == ("confirmed", "dismissed")
    assert not page.errors, page.errors


def test_sign_in_returns_to_the_link_and_pages_say_only_what_applies(server, browser):
    base, desk, _ = server
    call_id = desk.calls["he"]
    page = browser.new_page(viewport={"width": 1280, "height": 600})
    page.goto(f"{base}/ui/#/calls/{call_id}?t=3")
    page.wait_for_selector("input[name=username]")
    assert page.locator("#top").is_hidden()  # no header on the sign-in page
    page.fill("input[name=username]", "ari")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#transcript .turn")  # the call the link asked for, not the default page
    assert call_id in page.evaluate("() => location.hash")
    assert page.locator("#flags").count() == 0  # an agent sees no flags section, not "Flags (0)"
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.goto(f"{base}/ui/#/calls")
    page.wait_for_selector("main table")
    assert page.evaluate("() => window.scrollY") == 0  # a new page starts at the top
    page.close()
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/calls/{call_id}")
    page.wait_for_selector("#transcript .turn")
    page.goto(f"{base}/ui/#/audit?actor=rina")  # a bare username finds that person's entries
    page.wait_for_selector("#audit tbody tr")
    actors = {row.split("\t")[2] for row in page.locator("#audit tbody tr").all_inner_texts()}
    assert actors == {"user rina"}
    assert not page.errors, page.errors


def _listed(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(page.eval_on_selector_all("#calls tbody tr", "rows => rows.map(r => r.dataset.call)"))


def test_calls_list_filters_sorts_pages_and_saves_views(server, browser):
    base, desk, _ = server
    he, en, out = desk.calls["he"], desk.calls["en"], desk.calls["out"]
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/calls")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 3")
    # Filter by language and team from the form; the filters go into the address.
    page.select_option("#call-filters select[name=language]", "en")
    page.fill("#call-filters input[name=team]", "north")
    page.click("#call-filters button[type=submit]")
    wait_until(page, "location.hash.includes('team=north')")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 1")
    assert _listed(page) == {en}
    # Save the view, clear the filters, then open the view again by name.
    page.fill("#save-view input[name=view_name]", "North English")
    page.click("#save-view button[type=submit]")
    page.wait_for_selector("#saved-views a[data-view='North English']")
    page.click("#call-filters button[type=button]")  # Clear
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 3")
    page.click("#saved-views a[data-view='North English']")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 1")
    assert _listed(page) == {en}
    # A flag filter; then sort by duration both ways from the column header.
    page.goto(f"{base}/ui/#/calls?flag=complaint")
    page.wait_for_selector(f"#calls tbody tr[data-call='{he}']")
    assert _listed(page) == {he}
    page.goto(f"{base}/ui/#/calls")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 3")
    durations = []
    for expected in ("descending", "ascending"):
        page.click("#calls th a[data-sort=duration]")
        wait_until(page, f"document.querySelector('#calls th[aria-sort={expected}]')")
        wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 3")
        cells = page.eval_on_selector_all("#calls tbody tr", "rows => rows.map(r => r.cells[5].textContent)")
        durations.append(cells)
    assert durations[0] == list(reversed(durations[1])) and len(set(durations[0])) > 1
    # Paging on: pages of one call follow on with "Show more" until none is left.
    page.goto(f"{base}/ui/#/calls?limit=1&sort=duration&order=asc")
    page.wait_for_selector("#more-calls:not([hidden])")
    for shown in (2, 3):
        page.click("#more-calls")
        wait_until(page, f"document.querySelectorAll('#calls tbody tr').length === {shown}")
    assert page.locator("#more-calls").is_hidden() and _listed(page) == {he, en, out}
    page.goto(f"{base}/ui/#/calls?team=south")
    page.wait_for_selector(f"#calls tbody tr[data-call='{out}']")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 1")
    assert _listed(page) == {out}
    assert page.locator("#more-calls").is_hidden()
    shot(page, "calls-list")
    assert not page.errors, page.errors


def test_words_waveform_timeline_and_player_work_from_the_keyboard(server, browser):
    base, desk, _ = server
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/calls/{desk.calls['he']}")
    page.wait_for_selector("#transcript .turn")
    wait_until(page, "document.querySelector('audio').readyState >= 1")
    audio = "document.querySelector('audio')"
    # A Hebrew turn: one tab stop, and the left arrow goes on to the next word (reading order).
    first = page.locator("#transcript .turn.rtl .w").first
    first.focus()
    page.keyboard.press("ArrowLeft")
    second_start = float(page.evaluate("() => document.activeElement.dataset.start"))
    assert page.evaluate("() => document.activeElement.tabIndex") == 0
    assert second_start > float(first.get_attribute("data-start"))
    page.keyboard.press("Enter")
    wait_until(page, f"Math.abs({audio}.currentTime - {second_start}) < 0.3")
    page.evaluate(f"() => {audio}.pause()")
    assert "play from" in page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    # The waveform and the timeline are labelled sliders: arrows move the playback 5 s.
    for control in ("canvas.wave", "svg.timeline"):
        page.evaluate(f"() => {{ {audio}.currentTime = 1; }}")
        page.focus(control)
        assert page.evaluate(f"() => document.querySelector('{control}').getAttribute('aria-label')")
        page.keyboard.press("ArrowRight")
        wait_until(page, f"Math.abs({audio}.currentTime - 6) < 0.3")
        assert "of" in page.evaluate(
            f"() => document.querySelector('{control}').getAttribute('aria-valuetext')"
        )
    # Page keys, away from any control: speed up and down, and space plays and pauses.
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press(">")
    wait_until(page, f"{audio}.playbackRate === 1.25")
    page.keyboard.press("<")
    page.keyboard.press("<")
    wait_until(page, f"{audio}.playbackRate === 0.75")
    page.keyboard.press("Space")
    wait_until(page, f"!{audio}.paused")
    page.keyboard.press("Space")
    wait_until(page, f"{audio}.paused")
    assert page.locator("#follow-playback").is_checked()
    assert not page.errors, page.errors


def test_the_queue_groups_flags_by_call_and_says_refusals_beside_the_controls(server, browser):
    base, desk, _ = server
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/flags?state=all&group=call")
    page.wait_for_selector("tr.call-group")
    headers = page.eval_on_selector_all("tr.call-group", "rows => rows.map(r => r.dataset.groupCall)")
    assert sorted(headers) == sorted({desk.calls["he"], desk.calls["out"]})
    # Each flag row sits under its call's header.
    owners = page.evaluate(
        """() => { let call = null; const out = [];
        for (const row of document.querySelectorAll('main tbody tr')) {
          if (row.classList.contains('call-group')) call = row.dataset.groupCall;
          else out.push([row.dataset.flag, call]); }
        return out; }"""
    )
    assert {int(flag): call for flag, call in owners} == {
        desk.flags["he"]: desk.calls["he"],
        desk.flags["out"]: desk.calls["out"],
    }
    page.click("#bulk-confirm")  # nothing selected
    wait_until(page, "document.querySelector('#bulk-error').textContent.includes('Select flags first')")
    page.check(f"tr[data-flag='{desk.flags['he']}'] input[type=checkbox]")
    page.fill("input[name=assignee]", "nobody-here")
    page.click("#bulk-assign")
    wait_until(page, "document.querySelector('#bulk-error').textContent.includes('nobody-here')")
    assert "nobody-here" in page.inner_text("#bulk-error")
    assert page.locator("#error").is_hidden() or not page.inner_text("#error").strip()
    shot(page, "14-queue-by-call")
    assert not [e for e in page.errors if "422" not in e], page.errors
