"""Teams and the four roles of people (admin, compliance, manager, agent) against every endpoint:
managers see their teams' calls, agents their own, read-only; everything else is refused with 403."""

from __future__ import annotations

import re

import pytest

from tests.desk import PEOPLE, Desk, seed, signed_in

# Scoping is SQL (lists, search, flags, dashboard): those run on both backends; the matrix of who may
# call what is decided before any query, so it runs on SQLite.
both_backends = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
OK, NO = "ok", 403
SEEDED_MONTH = {"from": "2026-11-01", "to": "2026-11-30"}  # the seeded calls happened on 2026-11-20

# (method, path, body, {role: expected}); {he}, {out}: calls inside / outside the manager's team,
# {flag_he}, {flag_out}: their flags, {card}: the scorecard. "ok" is any 2xx.
MATRIX = [
    ("GET", "/v1/calls", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/calls/{he}", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/calls/{out}", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/calls/{he}/transcript", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    (
        "GET",
        "/v1/calls/{out}/transcript?format=srt",
        None,
        dict(admin=OK, compliance=OK, manager=NO, agent=NO),
    ),
    ("GET", "/v1/calls/{he}/transcript?original=true", None, dict(manager=NO, agent=NO)),
    ("GET", "/v1/calls/{he}/audio", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/calls/{out}/audio", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/calls/{he}/audio?original=true", None, dict(manager=NO, agent=NO)),
    ("GET", "/v1/calls/{he}/peaks", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/calls/{out}/peaks", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/search?q=refund", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/flags", None, dict(admin=OK, compliance=OK, manager=OK, agent=NO)),
    (
        "PATCH",
        "/v1/flags/{flag_he}",
        {"comment": "seen"},
        dict(admin=OK, compliance=OK, manager=OK, agent=NO),
    ),
    (
        "PATCH",
        "/v1/flags/{flag_out}",
        {"comment": "seen"},
        dict(admin=OK, compliance=OK, manager=NO, agent=NO),
    ),
    (
        "POST",
        "/v1/flags/bulk",
        {"ids": ["{flag_he}", "{flag_out}"], "assigned_to": "maya"},
        dict(admin=OK, compliance=OK, manager=NO, agent=NO),
    ),
    ("GET", "/v1/dashboard", None, dict(admin=OK, compliance=OK, manager=OK, agent=NO)),
    ("GET", "/v1/drivers", None, dict(admin=OK, compliance=OK, manager=OK, agent=NO)),
    ("GET", "/v1/drivers/discovered", None, dict(admin=OK, compliance=OK, manager=OK, agent=NO)),
    ("POST", "/v1/drivers/discover", None, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/scorecards", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    (
        "POST",
        "/v1/scorecards",
        {"name": "n-{role}", "criteria": [{"name": "c", "weight": 1}]},
        dict(admin=OK, compliance=NO, manager=NO, agent=NO),
    ),
    (
        "POST",
        "/v1/calls/{he}/reviews",
        {"scorecard_id": "{card}", "scores": {"Greeting": 4, "Resolution": 5}},
        dict(admin=OK, compliance=NO, manager=OK, agent=NO),
    ),
    (
        "POST",
        "/v1/calls/{out}/reviews",
        {"scorecard_id": "{card}", "scores": {"Greeting": 4, "Resolution": 5}},
        dict(admin=OK, compliance=NO, manager=NO, agent=NO),
    ),
    ("GET", "/v1/calls/{he}/reviews", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("DELETE", "/v1/scorecards/{card}", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/calls/{out}/reviews", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/agents/a1/reviews", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/agents/b2/reviews", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/audit", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/holds", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/watchlist", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/rules", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/users", None, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/teams", None, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("PUT", "/v1/teams/{role}", {"agents": ["a1"]}, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("PATCH", "/v1/calls/{he}/segments/0", {"text": "changed"}, dict(compliance=NO, manager=NO, agent=NO)),
    ("POST", "/v1/calls/{out}/retry", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("POST", "/v1/calls/{out}/transcribe", {"language": "he"}, dict(compliance=NO, manager=NO, agent=NO)),
    ("DELETE", "/v1/calls/{out}", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/webhooks", None, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("GET", "/metrics", None, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/flags/counts", None, dict(admin=OK, compliance=OK, manager=OK, agent=NO)),
    ("POST", "/v1/calls", {"external_id": "x"}, dict(compliance=NO, manager=NO, agent=NO)),
    (
        "POST",
        "/v1/contacts",
        {"medium": "chat", "messages": [{"role": "customer", "at": "2026-11-20T10:00:00Z", "text": "hi"}]},
        dict(compliance=NO, manager=NO, agent=NO),
    ),  # fmt: skip
    ("PUT", "/v1/calls/{he}/transcript", {"segments": []}, dict(compliance=NO, manager=NO, agent=NO)),
    ("POST", "/v1/rules/preview", {"rule": "x"}, dict(manager=NO, agent=NO)),
    ("GET", "/v1/calls/{he}/voices", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("POST", "/v1/calls/{he}/voices/S0/watch", {"note": "x"}, dict(manager=NO, agent=NO)),
    ("DELETE", "/v1/watchlist/1", None, dict(manager=NO, agent=NO)),
    (
        "POST",
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/x", "events": ["call.done"]},
        dict(compliance=NO, manager=NO, agent=NO),
    ),
    ("DELETE", "/v1/webhooks/1", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/webhooks/1/deliveries", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("POST", "/v1/webhooks/deliveries/1/retry", None, dict(compliance=NO, manager=NO, agent=NO)),
    (
        "POST",
        "/v1/holds",
        {"call_id": "{he}", "reason": "x"},
        dict(admin=OK, compliance=OK, manager=NO, agent=NO),
    ),
    ("DELETE", "/v1/holds/1", None, dict(manager=NO, agent=NO)),
    ("DELETE", "/v1/customers/0500000000", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("GET", "/v1/audit/verify", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/audit/export", None, dict(admin=OK, compliance=OK, manager=NO, agent=NO)),
    ("GET", "/v1/retention/due", None, dict(manager=NO, agent=NO)),
    ("GET", "/v1/agents/a1/voice", None, dict(admin=OK, compliance=NO, manager=NO, agent=NO)),
    ("POST", "/v1/agents/a1/voice", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("DELETE", "/v1/agents/a1/voice", None, dict(compliance=NO, manager=NO, agent=NO)),
    (
        "POST",
        "/v1/users",
        {"username": "u-{role}", "password": "x" * 12, "role": "compliance"},
        dict(admin=OK, compliance=NO, manager=NO, agent=NO),
    ),
    ("POST", "/v1/users/ari/disable", None, dict(compliance=NO, manager=NO, agent=NO)),
    ("DELETE", "/v1/teams/south", None, dict(compliance=NO, manager=NO, agent=NO)),
    # Saved views are everyone's own (test_calls_list.py): reading one's own is always allowed.
    ("GET", "/v1/views", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    (
        "POST",
        "/v1/views",
        {"name": "mine", "query": "language=he"},
        dict(admin=OK, compliance=OK, manager=OK, agent=OK),
    ),
    ("DELETE", "/v1/views/1", None, dict(compliance=404, manager=404, agent=404)),  # nobody's own
    (
        "PUT",
        "/v1/scorecards/{card}",
        {"name": "Standard", "criteria": [{"name": "Greeting", "weight": 1}, {"name": "Tone", "weight": 1}]},
        dict(admin=OK, compliance=NO, manager=NO, agent=NO),
    ),
    # {review}: the admin's review of the team's call; only its agent answers it, only its
    # reviewer or an admin answers a dispute (there is none: 409 once past the role checks).
    (
        "POST",
        "/v1/reviews/{review}/response",
        {"kind": "acknowledge"},
        dict(admin=NO, compliance=NO, manager=NO, agent=OK),
    ),
    (
        "POST",
        "/v1/reviews/{review}/answer",
        {"text": "x"},
        dict(admin=409, compliance=NO, manager=NO, agent=NO),
    ),
    ("GET", "/v1/reviews/disputed", None, dict(admin=OK, compliance=OK, manager=OK, agent=OK)),
    ("GET", "/v1/qa/agreement", None, dict(admin=OK, compliance=NO, manager=OK, agent=NO)),
]
# Endpoints outside the matrix, and why: each has its own tests.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),  # no data
    ("POST", "/v1/telephony/twilio/recording"),  # Twilio's signature, not a person (test_twilio.py)
    ("GET", "/v1/session"),
    ("POST", "/v1/session"),
    ("DELETE", "/v1/session"),  # signing in (test_users.py)
}
ROLE_USER = {role: username for username, (role, _) in PEOPLE.items()}


@pytest.fixture
def desk(admin_api):
    client, services = admin_api
    world = seed(client, services)
    people = {role: signed_in(client.app, username) for role, username in ROLE_USER.items()}
    return world, people


def _fill(value, world: Desk, role: str):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {k: _fill(v, world, role) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world, role) for v in value]
    if not isinstance(value, str):
        return value
    names = {"{he}": world.calls["he"], "{out}": world.calls["out"], "{role}": role,
             "{flag_he}": world.flags["he"], "{flag_out}": world.flags["out"], "{card}": world.scorecard,
             "{review}": getattr(world, "review", 0)}  # fmt: skip
    if value in names and not isinstance(names[value], str):
        return names[value]
    for name, replacement in names.items():
        value = value.replace(name, str(replacement))
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_role_matrix(desk, method, path, body, expected):
    world, people = desk
    if "{review}" in path:  # a review of the team's call, by the admin
        admin, csrf = people["admin"]
        review = admin.post(
            f"/v1/calls/{world.calls['he']}/reviews",
            json={"scorecard_id": world.scorecard, "scores": {"Greeting": 3, "Resolution": 3}},
            headers={"X-CSRF-Token": csrf},
        )
        world.review = review.json()["id"]  # type: ignore[attr-defined]
    for role, outcome in expected.items():
        browser, csrf = people[role]
        response = browser.request(
            method, _fill(path, world, role), json=_fill(body, world, role), headers={"X-CSRF-Token": csrf}
        )
        if outcome == OK:
            assert 200 <= response.status_code < 300, (role, response.status_code, response.text)
        else:
            assert response.status_code == outcome, (role, response.status_code, response.text)
            assert response.json()["detail"], role


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}|(?<=/)[^/{}]*\{[^}]*\}", "{}", path.split("?")[0])


@sqlite_only
def test_the_matrix_covers_every_endpoint_of_the_api(admin_api):
    client, _ = admin_api
    known = {
        (method, re.sub(r"/(a1|ari|S0|south|0|1|0500000000)(?=/|$)", "/{}", _shape(path)))
        for method, path, _, _ in MATRIX
    }
    endpoints = {
        (method.upper(), _shape(path))
        for path, operations in client.app.openapi()["paths"].items()
        for method in operations
    }
    missing = endpoints - known - {(m, _shape(p)) for m, p in PUBLIC}
    assert not missing, f"endpoints without a row in the role matrix: {sorted(missing)}"


@both_backends
def test_lists_search_flags_and_dashboard_hold_only_what_the_role_may_see(desk):
    world, people = desk
    he, en, out = world.calls["he"], world.calls["en"], world.calls["out"]
    every = {he, en, out}
    for role, visible in (("compliance", every), ("manager", {he, en}), ("agent", {he, en})):
        browser, _ = people[role]
        listed = {c["id"] for c in browser.get("/v1/calls").json()["items"]}
        assert listed == visible, role
        found = {
            r["call_id"] for r in browser.get("/v1/search", params={"q": "refund OR החזר"}).json()["results"]
        }
        assert found == visible & found and found, role
        assert out not in found or role == "compliance"
    manager, _ = people["manager"]
    results = manager.get("/v1/search", params={"q": "refund OR החזר"}).json()["results"]
    assert {(r["call"]["agent_id"], r["call"]["direction"]) for r in results} == {("a1", "inbound")}
    assert {f["call_id"] for f in manager.get("/v1/flags", params={"state": "open"}).json()} == {he}
    in_scope = manager.get("/v1/flags/counts").json()
    assert sum(n for states in in_scope.values() for n in states.values()) == len(
        manager.get("/v1/flags").json()
    )
    agents = manager.get("/v1/dashboard", params=SEEDED_MONTH).json()["agents"]
    assert [a["agent_id"] for a in agents] == ["a1"] and agents[0]["calls"] == 2
    officer, _ = people["compliance"]
    assert {a["agent_id"] for a in officer.get("/v1/dashboard", params=SEEDED_MONTH).json()["agents"]} == {
        "a1",
        "b2",
    }
    agent, _ = people["agent"]
    assert agent.get(f"/v1/calls/{he}").json()["flags"] == []  # agents do not see what was flagged
    # Nor, by filtering, which of their calls carry a flag (the he call has one).
    for refused in (
        agent.get("/v1/calls", params={"flag": "complaint"}),
        agent.get("/v1/search", params={"q": "refund OR החזר", "flag": "complaint"}),
        agent.get("/v1/search", params={"q": "refund flag:complaint"}),
    ):
        assert refused.status_code == 403 and "flag" in refused.json()["detail"]
    assert manager.get("/v1/calls", params={"flag": "complaint"}).status_code == 200


@both_backends
def test_a_refused_bulk_review_changes_nothing_and_reviews_are_audited(desk):
    world, people = desk
    manager, csrf = people["manager"]
    refused = manager.post(
        "/v1/flags/bulk", json={"ids": [world.flags["he"], world.flags["out"]], "state": "dismissed"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert refused.status_code == 403
    officer, officer_csrf = people["compliance"]
    assert {f["state"] for f in officer.get("/v1/flags").json()} == {"open"}
    typo = manager.post(
        "/v1/flags/bulk", json={"ids": [world.flags["he"]], "state": "confirmed", "assigned_to": "mayaa"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert typo.status_code == 422 and "not an active user" in typo.json()["detail"]
    assert {f["state"] for f in officer.get("/v1/flags").json()} == {"open"}  # all or nothing
    done = manager.post(
        "/v1/flags/bulk", json={"ids": [world.flags["he"]], "state": "confirmed", "comment": "rude", "assigned_to": "maya"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    flag = done.json()[0]
    assert (flag["state"], flag["assigned_to"], flag["reviewed_by"]) == ("confirmed", "maya", "user maya")
    assert [f["id"] for f in officer.get("/v1/flags", params={"assigned_to": "maya"}).json()] == [
        world.flags["he"]
    ]
    assert [f["id"] for f in officer.get("/v1/flags", params={"assigned_to": ""}).json()] == [
        world.flags["out"]
    ]
    audit = officer.get("/v1/audit").json()
    reviewed = [e for e in audit if e["action"] == "flag.review"]
    assert reviewed and reviewed[0]["actor"] == "user maya" and reviewed[0]["details"]["state"] == "confirmed"
    assert officer.get("/v1/audit/verify").json()["ok"] is True


@both_backends
def test_qa_scores_are_weighted_checked_and_followed_over_time(desk):
    world, people = desk
    manager, csrf = people["manager"]
    headers = {"X-CSRF-Token": csrf}
    url = f"/v1/calls/{world.calls['he']}/reviews"
    body = {"scorecard_id": world.scorecard, "scores": {"Greeting": 5, "Resolution": 2},
            "comments": [{"at": 3.5, "text": "good greeting"}]}  # fmt: skip
    review = manager.post(url, json=body, headers=headers)
    assert review.status_code == 201, review.text
    assert review.json()["score"] == pytest.approx(100 * (1 * 5 / 5 + 3 * 2 / 5) / 4)  # 55.0
    missing = manager.post(url, json={**body, "scores": {"Greeting": 5}}, headers=headers)
    assert missing.status_code == 422 and "missing: Resolution" in missing.json()["detail"]
    too_many = manager.post(url, json={**body, "scores": {"Greeting": 9, "Resolution": 1}}, headers=headers)
    assert too_many.status_code == 422 and "outside 0-5" in too_many.json()["detail"]
    late = manager.post(url, json={**body, "comments": [{"at": 9999, "text": "x"}]}, headers=headers)
    assert late.status_code == 422
    manager.post(f"/v1/calls/{world.calls['en']}/reviews", json={**body, "scores": {"Greeting": 5, "Resolution": 5}},
                 headers=headers)  # fmt: skip
    agent, _ = people["agent"]
    scores = [r["score"] for r in agent.get("/v1/agents/a1/reviews").json()]
    assert scores == [55.0, 100.0]
    assert manager.get("/v1/dashboard", params=SEEDED_MONTH).json()["agents"][0]["qa_average"] == 77.5


@sqlite_only
def test_teams_and_agent_users_from_the_command_line(desk, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from api.cli import app

    world, _ = desk
    runner = CliRunner()
    made = runner.invoke(
        app, ["users", "create", "zed", "--role", "agent", "--password-stdin"], input="x" * 12 + "\n"
    )
    assert made.exit_code == 2 and "--agent-id" in made.output
    made = runner.invoke(
        app,
        ["users", "create", "zed", "--role", "agent", "--agent-id", "b2", "--password-stdin"],
        input="x" * 12 + "\n",
    )
    assert made.exit_code == 0, made.output
    wrong = runner.invoke(app, ["teams", "set", "south", "--manager", "zed"])
    assert wrong.exit_code == 2 and "not a manager" in wrong.output
    assert runner.invoke(app, ["teams", "set", "east", "--agent", "c3", "--manager", "maya"]).exit_code == 0
    listed = runner.invoke(app, ["teams", "list"]).output
    assert "east\tagents: c3\tmanagers: maya" in listed and "north\tagents: a1\tmanagers: maya" in listed


@both_backends
def test_the_audit_trail_is_searched_and_exported_and_the_export_is_audited(desk):
    import csv
    import io
    import json
    from datetime import UTC, datetime, timedelta

    world, people = desk
    officer, _ = people["compliance"]
    manager, _ = people["manager"]
    manager.get(f"/v1/calls/{world.calls['he']}")
    manager.get("/v1/search", params={"q": "refund"})
    views = officer.get("/v1/audit", params={"action": "call.", "actor": "user maya"}).json()
    assert [(e["action"], e["target"]) for e in views] == [("call.view", world.calls["he"])]
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert officer.get("/v1/audit", params={"since": later}).json() == []
    exported = officer.get("/v1/audit/export", params={"format": "csv", "actor": "user maya"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["action"] for r in rows] == ["session.sign_in", "call.view", "search"]
    assert json.loads(rows[2]["details"])["q"] == "refund" and len(rows[0]["hash"]) == 64
    lines = officer.get("/v1/audit/export", params={"format": "jsonl", "action": "search"}).text.splitlines()
    assert [json.loads(line)["actor"] for line in lines] == ["user maya"]
    exports = officer.get("/v1/audit", params={"action": "audit.export"}).json()
    assert [e["details"]["format"] for e in exports] == ["csv", "jsonl"] and exports[0][
        "actor"
    ] == "user rina"
    assert officer.get("/v1/audit/verify").json()["ok"] is True


def test_the_csv_export_shows_formulas_and_hidden_characters_as_plain_text(desk):
    """A username like =HYPERLINK(...) became a live formula in a spreadsheet opening the export."""
    import csv
    import io

    world, people = desk
    officer, _ = people["compliance"]
    hostile = '=HYPERLINK("http://evil.example","x")\u202etxt.exe'
    attempt = world.client.post("/v1/session", json={"username": hostile, "password": "wrong"})
    assert attempt.status_code == 401  # the attempt is audited with the name as its target
    exported = officer.get("/v1/audit/export", params={"format": "csv", "action": "session."}).text
    rows = list(csv.DictReader(io.StringIO(exported)))
    target = next(r["target"] for r in rows if "HYPERLINK" in r["target"])
    assert target == "'" + hostile.replace("\u202e", "")  # text, not a formula; no reordering mark
    assert "\u202e" not in exported
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values() if cell)
