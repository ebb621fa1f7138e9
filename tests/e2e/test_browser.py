"""The review desk in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no
browser is downloaded): signing in, search, playing from a clicked word, a Hebrew call laid out right
to left, confirming a flag, live job progress, the dashboard, and a manager refused a call outside
their teams."""

from __future__ import annotations

import pytest

from storage import calls as call_records
from tests.e2e.desk_pages import open_desk, shot, wait_until

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_sign_in_search_and_play_from_a_clicked_word(server, browser):
    base, desk, _ = server
    page = browser.new_page()
    page.goto(f"{base}/")
    page.fill("input[name=username]", "rina")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector(".login .form-error:text('Wrong username or password')")  # beside the form
    shot(page, "01-sign-in")
    page.close()

    page = open_desk(browser, base, "rina")
    assert "rina (compliance)" in page.inner_text("#who")
    page.fill("input[name=q]", "refund OR החזר")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("#total")
    assert page.inner_text("#total").startswith("2 calls")
    assert page.locator(".result mark").count() >= 2
    assert "agent a1" in page.inner_text(f".result[data-call='{desk.calls['en']}']")
    shot(page, "02-search")
    page.locator(f".result[data-call='{desk.calls['en']}'] a.time").first.click()
    page.wait_for_selector("#transcript .turn")
    wait_until(page, "document.querySelector('canvas.wave').dataset.ready === 'waveform'")
    assert page.locator(".w.low").count() == 1  # the word the model was unsure of is marked
    word = page.locator("#transcript .turn").nth(2).locator(".w").nth(3)
    start = float(word.get_attribute("data-start"))
    word.click()
    wait_until(page, "!document.querySelector('audio').paused")
    wait_until(page, f"document.querySelector('audio').currentTime > {start + 0.3}")
    page.wait_for_selector(".w.now")
    now = float(page.locator(".w.now").get_attribute("data-start"))
    assert now >= start - 0.01  # the highlight follows playback from the clicked word
    assert page.locator("#characteristics svg rect").count() > 5
    shot(page, "03-call")
    # One download fed the waveform and the player: one play in the audit trail, beside the view.
    audit = desk.client.get("/v1/audit", params={"actor": "user rina", "target": desk.calls["en"]}).json()
    assert sorted(e["action"] for e in audit) == ["call.audio", "call.transcript", "call.view"]
    assert not page.errors, page.errors


def test_a_hebrew_call_is_laid_out_right_to_left(server, browser):
    base, desk, _ = server
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/calls/{desk.calls['he']}")
    page.wait_for_selector("#transcript .turn")
    turn = page.locator("#transcript .turn").first
    assert turn.get_attribute("dir") == "rtl"
    assert turn.evaluate("t => getComputedStyle(t.querySelector('.words')).direction") == "rtl"
    # Right to left: the first word sits to the right of the second, flush with the turn's right edge.
    first, second = (turn.locator(".w").nth(i).bounding_box() for i in (0, 1))
    box = turn.bounding_box()
    assert first["x"] > second["x"]
    assert box["x"] + box["width"] - (first["x"] + first["width"]) < 40
    # Labels and numbers stay left to right inside the right-to-left turn.
    assert turn.locator(".who").evaluate("e => getComputedStyle(e).direction") == "ltr"
    # Mixed languages in one call: a Hebrew turn with English and digits stays right to left (the
    # Hebrew word before "49" sits to its right), the English turn after it is left to right.
    mixed, english = page.locator("#transcript .turn").nth(-2), page.locator("#transcript .turn").nth(-1)
    assert mixed.get_attribute("dir") == "rtl" and english.get_attribute("dir") == "ltr"
    words = {w.inner_text(): w.bounding_box() for w in mixed.locator(".w").all()}
    assert words["של"]["x"] > words["49"]["x"] > words["בוטל"]["x"]
    assert english.locator(".w").first.bounding_box()["x"] < english.locator(".w").last.bounding_box()["x"]
    # The timeline marks how each segment reads: the double charge red, the thanks green.
    page.wait_for_selector("svg.timeline rect.sentiment")
    assert page.locator("svg.timeline rect.sentiment.negative").count() >= 1
    assert page.locator("svg.timeline rect.sentiment.positive").count() >= 1
    shot(page, "04-hebrew-call")
    # The flag's evidence seeks the player.
    evidence = page.locator("#flags .flag button.seek").first
    evidence.click()
    wait_until(page, "document.querySelector('audio').currentTime > 1")
    assert not page.errors, page.errors


def test_a_compliance_officer_confirms_a_flag_from_the_queue(server, browser):
    base, desk, services = server
    page = open_desk(browser, base, "rina")
    page.goto(f"{base}/ui/#/flags")
    page.wait_for_selector("table tbody tr")
    assert page.locator("table tbody tr").count() == 2
    shot(page, "05-flag-queue")
    page.check(f"tr[data-flag='{desk.flags['out']}'] input[type=checkbox]")
    page.fill("input[name=bulk-comment]", "agent was rude, coaching booked")
    page.click("#bulk-confirm")
    page.wait_for_selector(f"tr[data-flag='{desk.flags['he']}']")  # the queue shows open flags again
    wait_until(page, f"!document.querySelector(\"tr[data-flag='{desk.flags['out']}']\")")
    flags = {f["id"]: f for f in desk.client.get("/v1/flags").json()}
    confirmed = flags[desk.flags["out"]]
    assert (confirmed["state"], confirmed["comment"], confirmed["reviewed_by"]) == (
        "confirmed", "agent was rude, coaching booked", "user rina",
    )  # fmt: skip
    assert flags[desk.flags["he"]]["state"] == "open"
    page.check(f"tr[data-flag='{desk.flags['he']}'] input[type=checkbox]")
    page.fill("input[name=assignee]", "maya")
    page.click("#bulk-assign")
    page.wait_for_selector(f"tr[data-flag='{desk.flags['he']}'] td:text-is('maya')")
    assigned = {f["id"]: f for f in desk.client.get("/v1/flags").json()}[desk.flags["he"]]
    assert (assigned["assigned_to"], assigned["state"]) == ("maya", "open")
    page.select_option("select[name=state]", "confirmed")
    page.click("form.inline button[type=submit]")
    page.wait_for_selector(f"tr[data-flag='{desk.flags['out']}'] td.state:text('confirmed')")
    # The review is in the audit trail, whose chain still verifies.
    page.goto(f"{base}/ui/#/audit?action=flag.")
    page.wait_for_selector("#audit tbody tr")
    assert page.inner_text("#chain").startswith("Hash chain intact")
    rows = page.locator("#audit tbody tr").all_inner_texts()
    assert any("user rina" in r and "flag.review" in r and "coaching booked" in r for r in rows), rows
    assert any('"assigned_to":"maya"' in r for r in rows), rows
    shot(page, "10-audit")
    assert not page.errors, page.errors


def test_a_manager_is_refused_a_call_outside_their_teams_and_sees_their_dashboard(server, browser):
    base, desk, _ = server
    page = open_desk(browser, base, "maya")
    page.goto(f"{base}/ui/#/calls/{desk.calls['out']}")
    page.wait_for_selector("#refused")
    assert "outside the calls of your teams" in page.inner_text("#refused")
    shot(page, "06-manager-refused")
    page.goto(f"{base}/ui/#/calls/{desk.calls['he']}")
    page.wait_for_selector("#transcript .turn")
    # A QA review with a comment at a time in the call.
    page.wait_for_selector("form.qa-form")
    # Criteria start blank: a review with one left unscored is not sent.
    assert page.input_value("input[name=Greeting]") == ""
    page.fill("input[name=Resolution]", "3")
    page.click("form.qa-form button[type=submit]")
    assert page.locator("#qa .review").count() == 0
    page.fill("input[name=Greeting]", "5")
    page.locator("form.qa-form input[placeholder^=comment]").fill("greeting was warm")
    page.click("form.qa-form button:text('Add comment')")
    page.click("form.qa-form button[type=submit]")
    page.wait_for_selector("#qa .review strong.score")
    assert float(page.inner_text("#qa .review strong.score")) == 100 * (1 * 5 / 5 + 3 * 3 / 5) / 4  # 70.0
    assert "3 / 5" in page.inner_text("#qa .review table.breakdown")  # the saved review's breakdown
    stored = desk.client.get(f"/v1/calls/{desk.calls['he']}/reviews").json()
    assert [(c["text"], c["at"]) for c in stored[0]["comments"]] == [("greeting was warm", 0.0)]
    assert stored[0]["reviewer"] == "user maya"
    page.goto(f"{base}/ui/#/dashboard?from=2026-11-01&to=2026-11-30")  # the seeded calls happened 2026-11-20
    page.wait_for_selector("#agents tbody tr")
    assert page.locator("#agents tbody tr").count() == 1  # only team north's agent
    assert page.inner_text("#stat-processed") == "2"
    assert page.locator("svg.chart rect").count() >= 2
    shot(page, "07-dashboard")
    # Any bar drills down to the calls behind it.
    page.click("#chart-calls svg a[data-day='2026-11-20'][data-key='done']")
    page.wait_for_selector(f"#calls tbody tr[data-call='{desk.calls['he']}']")
    wait_until(page, "document.querySelectorAll('#calls tbody tr').length === 2")
    assert "from=2026-11-20" in page.evaluate("() => location.hash")
    assert page.locator("nav a:text('Users & teams')").count() == 0
    assert not page.errors, page.errors


def test_a_call_still_processing_shows_its_stage_and_progress_live(server, browser):
    base, desk, services = server
    call_id = desk.calls["en"]
    with services.db.session() as session:
        call_records.mark_processing(session, call_id)
        call_records.set_progress(session, call_id, "transcribing", 0.25)
    page = open_desk(browser, base, "adam")
    page.goto(f"{base}/ui/#/calls/{call_id}")
    page.wait_for_selector("#live")
    assert "transcribing 25%" in page.inner_text("#live")
    with services.db.session() as session:
        call_records.set_progress(session, call_id, "diarizing", 0.6)
    wait_until(page, "document.querySelector('#live').innerText.includes('diarizing 60%')")
    # A long call shows what has been heard so far while the rest is recognised.
    from storage.records import Segment, Speaker, Transcript
    from storage.transcripts import save_partial_transcript

    heard = Transcript(
        "en",
        40.0,
        (Speaker("S0", "agent", 0),),
        (Segment(1.0, 3.0, "S0", "agent", 0, "Thanks for calling", ()),),
    )
    with services.db.session() as session:
        assert save_partial_transcript(session, call_id, heard)
    wait_until(page, "document.querySelector('#heard-so-far').innerText.includes('Thanks for calling')")
    assert "Heard so far (1 segment)" in page.inner_text("#heard-so-far")
    shot(page, "08-progress")
    with services.db.session() as session:
        call_records.mark_done(session, call_id)
    page.wait_for_selector("#transcript .turn")  # the page turns into the call once it is done
    page.goto(f"{base}/ui/#/admin")
    page.wait_for_selector("h1:text-is('Teams')")
    assert "north" in page.inner_text("main") and "maya" in page.inner_text("main")
    page.fill("input[name=scorecard]", "Sales")
    page.fill("input[name=criteria]", "Opening:1:5, Offer:2:10")
    page.click("button:text('Add scorecard')")
    page.wait_for_selector("td:text('Sales')")
    cards = {c["name"]: c["criteria"] for c in desk.client.get("/v1/scorecards").json()}
    assert cards["Sales"] == [
        {"name": "Opening", "weight": 1.0, "max_points": 5, "auto": None},
        {"name": "Offer", "weight": 2.0, "max_points": 10, "auto": None},
    ]
    shot(page, "09-admin")
    assert not page.errors, page.errors


def test_an_admin_corrects_a_segment_and_asks_for_the_call_again_in_another_language(server, browser):
    base, desk, services = server
    call_id = desk.calls["en"]
    page = open_desk(browser, base, "adam")
    page.goto(f"{base}/ui/#/calls/{call_id}")
    page.wait_for_selector("#transcript .turn")
    assert "roles by channel" in page.inner_text("#role-source")
    assert page.locator("#edited").count() == 0
    page.locator("#transcript .turn").nth(1).locator("button.edit-turn").click()
    form = page.locator("form.turn-edit")
    form.locator("textarea").fill("x" * 20_001)  # longer than a segment may be: refused, said beside the form
    form.locator("button[type=submit]").click()
    page.wait_for_selector("form.turn-edit .form-error:not(:empty)")
    assert "20000" in page.inner_text("form.turn-edit .form-error").replace(",", "")
    form.locator("textarea").fill("I would like my money back please")
    form.locator("select[name=role]").select_option("other")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#edited")
    assert "edited by user adam (correction)" in page.inner_text("#edited")
    shot(page, "11-corrected")
    second = page.locator("#transcript .turn").nth(1)
    assert "I would like my money back please" in second.inner_text()
    assert second.inner_text().startswith("other")
    edits = desk.client.get("/v1/audit", params={"action": "call.segment_edit", "target": call_id}).json()
    assert edits and edits[0]["details"]["changed"] == ["text", "role"]
    # Moving the agent's first turn to the customer's speaker gives it the customer's role.
    page.locator("#transcript .turn").nth(0).locator("button.edit-turn").click()
    page.locator("form.turn-edit select[name=speaker]").select_option("S1")
    page.locator("form.turn-edit button[type=submit]").click()
    wait_until(page, "document.querySelector('#transcript .turn').innerText.startsWith('customer · S1')")
    moved = desk.client.get("/v1/audit", params={"action": "call.segment_edit", "target": call_id}).json()
    assert {"segment": 0, "changed": ["speaker"]} in [e["details"] for e in moved]
    page.select_option("#transcribe-again select[name=language]", "he")
    page.click("#transcribe-again button[type=submit]")
    page.wait_for_selector("#live")  # queued again: the page follows the job
    with services.db.session() as session:
        again = call_records.get_call(session, call_id)
    assert again.status.value == "queued" and again.language_hint == "he"
    unexpected = [e for e in page.errors if "status of 422" not in e]  # the refusal the test asked for
    assert not unexpected, unexpected
