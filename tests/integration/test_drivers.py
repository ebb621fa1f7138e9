"""Call drivers: named ones follow the transcript (an import, a correction), a month of generated calls
yields its themes, calls are filed under them (and so are new calls), the calls list, search and the
dashboard use them, a rising driver is announced once; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bench.driver_month import month
from tests.desk import PASSWORD, signed_in
from transcribe.drivers.refresh import rediscover

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

END = datetime(2026, 11, 30, tzinfo=UTC)


def _import(client, segments, language="en", started_at=None, external_id="x"):  # type: ignore[no-untyped-def]
    body = {"external_id": external_id, "duration": 60}
    if started_at is not None:
        body["started_at"] = started_at.isoformat()
    call_id = client.post("/v1/calls", json=body).json()["id"]
    transcript = {"language": language, "duration": 60, "segments": segments}
    imported = client.put(f"/v1/calls/{call_id}/transcript", json=transcript)
    assert imported.status_code == 200, imported.text
    return call_id


def _said(*customer: str) -> list[dict]:
    segments = [{"start": 0, "end": 3, "speaker": "A", "role": "agent", "text": "How can I help?"}]
    for i, text in enumerate(customer):
        segments.append(
            {"start": 4 + 5 * i, "end": 8 + 5 * i, "speaker": "C", "role": "customer", "text": text}
        )
    return segments


def test_named_drivers_follow_the_transcript_and_filter_the_calls_list_and_search(admin_api):
    client, _ = admin_api
    call_id = _import(client, _said("Hi, I was charged twice for the same bill.", "I want a refund please."))
    other = _import(client, _said("My internet is down since this morning."), external_id="y")
    drivers = client.get(f"/v1/calls/{call_id}").json()["drivers"]
    assert {(d["id"], d["source"]) for d in drivers} == {
        ("billing.charged_twice", "named"),
        ("billing.refund", "named"),
    }
    named = client.get(f"/v1/calls/{call_id}").json()["characteristics"]["drivers"]["named"]
    assert {d["id"]: d["evidence"][0]["start"] for d in named} == {
        "billing.charged_twice": 4,
        "billing.refund": 9,
    }
    listed = client.get("/v1/calls", params={"driver": "billing.refund"}).json()["items"]
    assert [c["id"] for c in listed] == [call_id]
    found = client.get("/v1/search", params={"q": "bill driver:billing.charged_twice"}).json()
    assert [r["call_id"] for r in found["results"]] == [call_id]
    assert client.get("/v1/search", params={"q": "internet driver:billing.refund"}).json()["total"] == 0
    assert client.get("/v1/search", params={"q": "internet", "driver": "service.outage"}).json()["total"] == 1
    refused = client.get("/v1/search", params={"q": "bill driver:Not A Driver!"})
    assert refused.status_code == 400
    # A reviewer corrects what was misheard: the driver goes with the words.
    fixed = client.patch(f"/v1/calls/{call_id}/segments/2", json={"text": "Thanks, that is all."})
    assert fixed.status_code == 200, fixed.text
    assert [d["id"] for d in client.get(f"/v1/calls/{call_id}").json()["drivers"]] == [
        "billing.charged_twice"
    ]
    assert client.get("/v1/calls", params={"driver": "billing.refund"}).json()["items"] == []
    assert [d["id"] for d in client.get(f"/v1/calls/{other}").json()["drivers"]] == ["service.outage"]


def test_a_month_of_calls_yields_its_themes_files_calls_under_them_and_announces_the_rising_one(admin_api):
    client, services = admin_api
    hook = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "events": ["driver.rising"]})
    assert hook.status_code == 201, hook.text
    generated = month("tuning", "en", days=28, calls_per_day=8, rising="double_charge", end=END)
    theme_of = {}
    for c in generated:
        segments = [
            {"start": s.start, "end": s.end, "speaker": s.speaker, "role": s.role, "text": s.text}
            for s in c.transcript.segments
        ]
        theme_of[_import(client, segments, started_at=c.started_at, external_id=c.call_id)] = c.theme

    themes, rising = rediscover(services.db, services.settings.transcribe, now=END)
    assert len(themes) >= 4
    for theme in themes:  # each discovered driver is one real theme
        ((_, n),) = Counter(theme_of[i] for i in theme.call_ids).most_common(1)
        assert n >= 0.9 * len(theme.call_ids), theme.name
    (charged,) = [
        t for t in themes if Counter(theme_of[i] for i in t.call_ids).most_common(1)[0][0] == "double_charge"
    ]
    # the theme rose, and with it the built-in driver named for it
    assert {e["driver_id"] for e in rising} == {
        charged.id,
        "billing.charged_twice",
    } and "twice" in charged.name
    # once per period: discovering again the same day announces nothing new
    assert rediscover(services.db, services.settings.transcribe, now=END + timedelta(hours=6))[1] == []
    deliveries = client.get(f"/v1/webhooks/{hook.json()['id']}/deliveries").json()
    assert [d["event"] for d in deliveries] == ["driver.rising", "driver.rising"]

    listed = client.get("/v1/calls", params={"driver": charged.id, "limit": 500}).json()["items"]
    assert {c["id"] for c in listed} == set(charged.call_ids)
    shown = client.get("/v1/drivers/discovered").json()
    assert charged.id in {d["id"] for d in shown} and all(d["phrases"] for d in shown)
    # A call saved after the discovery is filed under the theme it is about.
    later = _import(client, _said("there is a double charge on my bill", "you took the payment twice"),
                    started_at=END - timedelta(hours=1), external_id="later")  # fmt: skip
    assert charged.id in {d["id"] for d in client.get(f"/v1/calls/{later}").json()["drivers"]}

    report = client.get("/v1/drivers", params={"from": "2026-11-23", "to": "2026-11-29"}).json()
    top = {d["id"]: d for d in report["drivers"]}
    assert top[charged.id]["rising"] and top[charged.id]["calls"] > top[charged.id]["previous"]
    assert sum(day["calls"] for day in top[charged.id]["per_day"]) == top[charged.id]["calls"]
    assert not any(d["rising"] for i, d in top.items() if i != charged.id and d["source"] == "discovered")
    dashboard = client.get("/v1/dashboard", params={"from": "2026-11-23", "to": "2026-11-29"}).json()
    assert dashboard["drivers"] == report["drivers"]


def test_who_may_see_and_run_discovery(admin_api):
    client, _ = admin_api
    for username, role in (("ari", "agent"), ("maya", "manager")):
        body = {
            "username": username,
            "password": PASSWORD,
            "role": role,
            "agent_id": "a1" if role == "agent" else None,
        }
        assert client.post("/v1/users", json=body).status_code == 201
    agent, _ = signed_in(client.app, "ari")
    assert agent.get("/v1/drivers").status_code == 403
    manager, csrf = signed_in(client.app, "maya")
    assert manager.get("/v1/drivers").status_code == 200
    assert manager.post("/v1/drivers/discover", headers={"X-CSRF-Token": csrf}).status_code == 403
    ran = client.post("/v1/drivers/discover")
    assert ran.status_code == 200 and ran.json() == {"themes": [], "rising": []}
    assert client.get("/v1/drivers", params={"days": 0}).status_code == 422
