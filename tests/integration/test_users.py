"""People signing in to the review desk: argon2 passwords, session cookies with CSRF protection,
sign-in rate limiting, disabling, and the audit of it all."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app
from storage.tables import UserRow
from tests.telephony import STEREO

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PASSWORD = "correct horse battery"


@pytest.fixture
def desk(admin_api):
    client, services = admin_api
    created = client.post("/v1/users", json={"username": "rina", "password": PASSWORD, "role": "compliance"})
    assert created.status_code == 201, created.text
    browser = TestClient(client.app)  # no API key: a person with a browser
    yield client, services, browser


def sign_in(browser: TestClient, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return browser.post("/v1/session", json={"username": "rina", "password": password})


def test_a_signed_in_officer_works_with_the_cookie_and_csrf_guards_changes(desk):
    client, services, browser = desk
    with services.db.session() as session:
        stored = session.scalar(select(UserRow.password_hash).where(UserRow.username == "rina"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert browser.get("/v1/calls").status_code == 401
    signed = sign_in(browser)
    assert signed.status_code == 200 and signed.json()["user"]["role"] == "compliance"
    cookie = signed.headers["set-cookie"]
    assert "callrec_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    csrf = signed.json()["csrf_token"]
    assert browser.get("/v1/calls").status_code == 200  # reads need only the cookie
    assert browser.get("/v1/session").json()["user"]["username"] == "rina"
    with open(STEREO, "rb") as audio:
        call_id = client.post(
            "/v1/calls",
            files={"audio": ("c.wav", audio)},
            data={"metadata": json.dumps({"external_id": "u1"})},
        ).json()["id"]
    hold = {"call_id": call_id, "reason": "review"}
    refused = browser.post("/v1/holds", json=hold)  # what a forged cross-site form would send
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
    assert browser.post("/v1/holds", json=hold, headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert browser.post("/v1/holds", json=hold, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert (
        browser.delete(f"/v1/calls/{call_id}", headers={"X-CSRF-Token": csrf}).status_code == 403
    )  # admin's
    entries = client.get("/v1/audit").json()
    assert ("user rina", "hold.place") in [(e["actor"], e["action"]) for e in entries]
    assert ("user rina", "session.sign_in") in [(e["actor"], e["action"]) for e in entries]

    browser.delete("/v1/session")
    assert browser.get("/v1/calls").status_code == 401


def test_wrong_passwords_are_refused_then_rate_limited_and_disabling_ends_sessions(desk):
    client, _, browser = desk
    for _ in range(5):
        assert sign_in(browser, "wrong password!!").status_code == 401
    limited = sign_in(browser)
    assert limited.status_code == 429 and "too many" in limited.json()["detail"]
    other = TestClient(client.app)
    assert other.post("/v1/session", json={"username": "nobody", "password": "x" * 12}).status_code == 401

    client.app.state.services.redis.flushdb()  # the window passes
    assert sign_in(browser).status_code == 200
    assert browser.get("/v1/calls").status_code == 200
    assert client.post("/v1/users/rina/disable").json()["active"] is False
    assert browser.get("/v1/calls").status_code == 401  # the session ended with the account
    assert sign_in(browser).status_code == 401


def test_users_are_created_and_listed_by_admins_and_from_the_command_line(desk, tmp_path):
    client, services, browser = desk
    bad = client.post("/v1/users", json={"username": "x", "password": "short", "role": "compliance"})
    assert bad.status_code == 422 and "12 characters" in bad.json()["detail"]
    assert (
        client.post(
            "/v1/users", json={"username": "y", "password": PASSWORD, "role": "telephony"}
        ).status_code
        == 422
    )
    assert (
        client.post("/v1/users", json={"username": "rina", "password": PASSWORD, "role": "admin"}).status_code
        == 422
    )
    assert sign_in(browser).status_code == 200
    csrf = browser.get("/v1/session").json()["csrf_token"]
    refused = browser.post(
        "/v1/users",
        json={"username": "z", "password": PASSWORD, "role": "admin"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 403 and refused.json()["detail"] == "a compliance user may not do this"

    url = services.db.engine.url.render_as_string(hide_password=False)
    env = {"CALLREC_STORAGE_DATABASE_URL": url}
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["users", "create", "dana", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
    )
    assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["users", "list"], env=env).output
    assert "dana\tadmin\tactive" in listed and "rina\tcompliance\tactive" in listed
    assert runner.invoke(app, ["users", "disable", "dana"], env=env).exit_code == 0
    again = runner.invoke(
        app,
        ["users", "create", "rina", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
    )
    assert again.exit_code == 2 and "exists already" in again.output
