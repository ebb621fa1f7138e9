"""Browsing calls without a keyword: every filter of the calls list, sorting, keyset pages past the
first, saved views, and the dashboard by the day calls happened, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from storage.tables import CallRow
from tests.desk import Desk, seed, signed_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def world(admin_api) -> Desk:  # type: ignore[no-untyped-def]
    client, services = admin_api
    return seed(client, services)


def _ids(client, **params) -> set[str]:  # type: ignore[no-untyped-def]
    response = client.get("/v1/calls", params=params)
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["items"]}


def test_each_filter_narrows_the_list_to_the_calls_it_names(world):
    client, calls = world.client, world.calls
    he, en, out = calls["he"], calls["en"], calls["out"]
    assert _ids(client) == {he, en, out}
    assert _ids(client, language="he") == {he}
    assert _ids(client, team="north") == {he, en}
    assert _ids(client, team="south") == {out}
    assert _ids(client, flag="complaint") == {he}
    assert _ids(client, flag_state="open") == {he, out}
    # A dismissed flag no longer marks its category, but can be asked for by state.
    assert client.patch(f"/v1/flags/{world.flags['out']}", json={"state": "dismissed"}).status_code == 200
    assert _ids(client, flag="agent_conduct") == set()
    assert _ids(client, flag="agent_conduct", flag_state="dismissed") == {out}
    assert _ids(client, flag_state="open") == {he}
    # Calls happened on 2026-11-20 10:00 UTC (their started_at), whatever day they were received.
    assert _ids(client, started_after="2026-11-20T00:00:00Z", started_before="2026-11-21T00:00:00Z") == {
        he,
        en,
        out,
    }
    assert _ids(client, started_after="2026-11-21T00:00:00Z") == set()
    durations = {c["id"]: c["audio"]["duration"] for c in client.get("/v1/calls").json()["items"]}
    longest = max(durations, key=durations.__getitem__)
    assert _ids(client, min_duration=durations[longest]) == {longest}
    assert longest not in _ids(client, max_duration=durations[longest] - 0.01)
    # QA score: only reviewed calls, within the range.
    review = {"scorecard_id": world.scorecard, "scores": {"Greeting": 5, "Resolution": 2}}
    posted = client.post(f"/v1/calls/{en}/reviews", json=review)
    assert posted.status_code in (200, 201), posted.text
    score = posted.json()["score"]
    assert _ids(client, min_qa=0) == {en}
    assert _ids(client, min_qa=score + 1) == set()
    assert _ids(client, max_qa=score) == {en}
    # Filters combine.
    assert _ids(client, team="north", language="en") == {en}


def test_filters_stay_within_what_the_person_may_see_and_refuse_nonsense(world, admin_api):
    client, _ = admin_api
    manager, _ = signed_in(client.app, "maya")  # manages north (a1) only
    assert _ids(manager, team="south") == set()
    assert _ids(manager) == {world.calls["he"], world.calls["en"]}
    agent, _ = signed_in(client.app, "ari")
    assert agent.get("/v1/calls", params={"flag_state": "open"}).status_code == 403
    for params, expected in (
        ({"team": "nobody"}, 422),
        ({"min_qa": 101}, 422),
        ({"min_duration": -1}, 422),
        ({"sort": "loudness"}, 422),
        ({"cursor": "not-a-cursor"}, 400),
    ):
        response = client.get("/v1/calls", params=params)
        assert response.status_code == expected, (params, response.text)
        assert response.json()["detail"]


@pytest.mark.parametrize("sort", ["duration", "started", "created"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sorted_pages_follow_on_without_gaps_or_repeats(world, sort, order):
    client = world.client
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "order": order, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/calls", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(c["id"] for c in seen) == sorted(world.calls.values())
    key = {
        "duration": lambda c: c["audio"]["duration"],
        "started": lambda c: c["started_at"],
        "created": lambda c: c["created_at"],
    }[sort]
    values = [key(c) for c in seen]
    assert values == sorted(values, reverse=order == "desc")
    # A cursor belongs to its sort: reusing it under another is refused, not misread.
    first = client.get("/v1/calls", params={"sort": sort, "limit": 1}).json()["next_cursor"]
    other = "duration" if sort != "duration" else "created"
    assert client.get("/v1/calls", params={"sort": other, "cursor": first}).status_code == 400


def test_saved_views_are_private_replaceable_and_bounded(world, admin_api):
    client, _ = admin_api
    maya, csrf = signed_in(client.app, "maya")
    maya.headers["X-CSRF-Token"] = csrf
    saved = maya.post("/v1/views", json={"name": "Hebrew complaints", "query": "language=he&flag=complaint"})
    assert saved.status_code == 200, saved.text
    replaced = maya.post("/v1/views", json={"name": "Hebrew complaints", "query": "language=he"})
    assert replaced.json()["id"] == saved.json()["id"]
    (view,) = maya.get("/v1/views").json()
    assert view["query"] == "language=he"
    # What the view names is what the list returns.
    assert _ids(maya, **dict(p.split("=") for p in view["query"].split("&"))) == {world.calls["he"]}
    # Nobody else sees or deletes it.
    assert client.get("/v1/views").json() == []
    assert client.delete(f"/v1/views/{view['id']}").status_code == 404
    for body in (
        {"name": "x", "query": "langauge=he"},  # not a filter
        {"name": "x", "query": "cursor=abc"},  # a place in a listing, not a filter
        {"name": "x", "query": "a&&b=="},
        {"name": "", "query": ""},
        {"name": "x" * 65, "query": ""},
        {"name": "x", "query": "language=he&" * 200},
    ):
        response = maya.post("/v1/views", json=body)
        assert response.status_code == 422, (body, response.text)
    for n in range(49):
        assert maya.post("/v1/views", json={"name": f"v{n}", "query": ""}).status_code == 200
    refused = maya.post("/v1/views", json={"name": "one too many", "query": ""})
    assert refused.status_code == 422 and "at most 50" in refused.json()["detail"]
    assert maya.delete(f"/v1/views/{view['id']}").status_code == 204
    assert len(maya.get("/v1/views").json()) == 49


def test_the_dashboard_counts_calls_on_the_day_they_happened_in_the_operators_zone(world, admin_api):
    client, services = admin_api
    late = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)  # already 21 November in Jerusalem (UTC+2)
    with services.db.session() as session:
        session.execute(update(CallRow).where(CallRow.id == world.calls["out"]).values(started_at=late))
    month = {"from": "2026-11-01", "to": "2026-11-30"}

    def per_day(tz: str) -> tuple[dict, dict]:
        figures = client.get("/v1/dashboard", params={**month, "tz": tz})
        assert figures.status_code == 200, figures.text
        body = figures.json()
        assert body["time_zone"] == tz and (body["from"], body["to"]) == ("2026-11-01", "2026-11-30")
        calls = {d["day"]: d.get("done", 0) for d in body["calls_per_day"]}
        flags = {d["day"]: {k: v for k, v in d.items() if k != "day"} for d in body["flags_per_day"]}
        return calls, flags

    calls, flags = per_day("UTC")
    assert calls == {"2026-11-20": 3}
    assert flags == {"2026-11-20": {"complaint": 1, "agent_conduct": 1}}
    calls, flags = per_day("Asia/Jerusalem")
    assert calls == {"2026-11-20": 2, "2026-11-21": 1}
    assert flags == {"2026-11-20": {"complaint": 1}, "2026-11-21": {"agent_conduct": 1}}
    # A range that ends before the call happened leaves it out; the received day does not count.
    only_20th = client.get(
        "/v1/dashboard", params={"from": "2026-11-20", "to": "2026-11-20", "tz": "Asia/Jerusalem"}
    )
    assert only_20th.json()["processed"] == 2
    for params in (
        {"tz": "Mars/Olympus"},
        {"from": "2026-11-30", "to": "2026-11-01"},
        {"from": "2025-01-01", "to": "2026-11-30"},
    ):
        refused = client.get("/v1/dashboard", params=params)
        assert refused.status_code == 422 and refused.json()["detail"], params
