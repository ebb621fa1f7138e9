"""Browsing calls without a keyword: every filter of the calls list, sorting, keyset pages past the
first, and saved views, on SQLite and PostgreSQL (the filters are SQL)."""

from __future__ import annotations

import pytest

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
