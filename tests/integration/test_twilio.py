"""Twilio's recording callback end to end: a signed form post, the recording fetched from a local HTTP
server standing in for Twilio's media host, the call stored once."""

from __future__ import annotations

import base64
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from recorder.twilio import signature
from tests.telephony import MONO, STEREO

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TOKEN = "twilio-auth-token"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
CALLBACK = "http://testserver/v1/telephony/twilio/recording?direction=inbound&agent_id=4001"


class MediaHost(BaseHTTPRequestHandler):
    """Twilio's media host: WAV recordings behind HTTP basic auth, two channels when asked."""

    requests: list[str] = []
    available = True

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        MediaHost.requests.append(self.path)
        expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.end_headers()
            return
        url = urlsplit(self.path)
        if url.path.endswith("/Recordings/RE2.wav"):  # a hop to a host not on the allow-list
            port = self.server.server_address[1]
            self.send_response(302)
            self.send_header(
                "Location", f"http://localhost:{port}{url.path.replace('RE2', 'RE1')}?{url.query}"
            )
            self.end_headers()
            return
        if not MediaHost.available or not url.path.endswith("/Recordings/RE1.wav"):
            self.send_response(404)
            self.end_headers()
            return
        dual = parse_qs(url.query).get("RequestedChannels") == ["2"]
        body = (STEREO if dual else MONO).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "audio/x-wav")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def twilio(admin_api):
    client, services = admin_api
    server = ThreadingHTTPServer(("127.0.0.1", 0), MediaHost)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    MediaHost.requests, MediaHost.available = [], True
    services.settings = replace(
        services.settings,
        recorder=services.settings.recorder.model_copy(
            update={
                "twilio_auth_token": SecretStr(TOKEN),
                "twilio_account_sid": ACCOUNT,
                "twilio_media_hosts": ["127.0.0.1"],
                "twilio_media_http": True,  # the stand-in media host has no TLS
            }
        ),
    )
    media = f"http://127.0.0.1:{server.server_address[1]}/2010-04-01/Accounts/{ACCOUNT}/Recordings"
    yield client, services, media
    server.shutdown()


def callback(media: str, **overrides: str) -> dict[str, str]:
    return {
        "AccountSid": ACCOUNT,
        "CallSid": "CA1",
        "RecordingSid": "RE1",
        "RecordingUrl": f"{media}/RE1",
        "RecordingStatus": "completed",
        "RecordingDuration": "22",
        "RecordingChannels": "2",
        "RecordingStartTime": "Sun, 22 Nov 2026 09:30:15 +0000",
        "RecordingSource": "DialVerb",
        **overrides,
    }


def post(
    client, form: dict[str, str], url: str = CALLBACK, sign_with: str = TOKEN, signed: dict | None = None
):
    headers = {"X-Twilio-Signature": signature(sign_with, url, signed or form), "Authorization": ""}
    return client.post(url.removeprefix("http://testserver"), data=form, headers=headers)


def test_a_signed_callback_fetches_the_dual_channel_recording_and_stores_it_once(twilio):
    client, _, media = twilio
    response = post(client, callback(media))
    assert response.status_code == 201, response.text
    call = client.get(f"/v1/calls/{response.json()['id']}").json()
    assert (call["source"], call["external_id"]) == ("twilio", "RE1")
    assert (call["direction"], call["agent_id"]) == ("inbound", "4001")
    assert call["channel_roles"] == ["customer", "agent"] and call["audio"]["channels"] == 2
    assert call["audio"]["sha256"] and call["audio"]["size"] == STEREO.stat().st_size
    assert call["started_at"].startswith("2026-11-22T09:30:15")
    assert call["extra"]["CallSid"] == "CA1"
    assert MediaHost.requests == [
        "/2010-04-01/Accounts/" + ACCOUNT + "/Recordings/RE1.wav?RequestedChannels=2"
    ]
    # Twilio retries a callback it thinks failed: the same recording is not fetched or stored again.
    again = post(client, callback(media))
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    assert len(MediaHost.requests) == 1
    assert len(client.get("/v1/calls").json()["items"]) == 1


def test_a_mono_recording_keeps_one_channel(twilio):
    client, _, media = twilio
    response = post(client, callback(media, RecordingSid="RE1", RecordingChannels="1"))
    assert response.status_code == 201
    assert client.get(f"/v1/calls/{response.json()['id']}").json()["audio"]["channels"] == 1
    assert not MediaHost.requests[0].endswith("RequestedChannels=2")


@pytest.mark.parametrize(
    "tamper",
    ["wrong token", "changed field", "changed query", "no signature"],
)
def test_a_bad_signature_is_refused_and_nothing_is_fetched_or_stored(twilio, tamper):
    client, _, media = twilio
    form = callback(media)
    if tamper == "wrong token":
        response = post(client, form, sign_with="not-the-token")
    elif tamper == "changed field":
        response = post(client, {**form, "RecordingUrl": f"{media}/RE2"}, signed=form)
    elif tamper == "changed query":
        signed_url = CALLBACK
        headers = {"X-Twilio-Signature": signature(TOKEN, signed_url, form), "Authorization": ""}
        response = client.post(
            CALLBACK.replace("4001", "9999").removeprefix("http://testserver"), data=form, headers=headers
        )
    else:
        response = client.post(
            CALLBACK.removeprefix("http://testserver"), data=form, headers={"Authorization": ""}
        )
    assert response.status_code == 403 and response.json()["error"] == "bad_signature"
    assert MediaHost.requests == []
    assert client.get("/v1/calls").json()["items"] == []


def test_unfetchable_or_misdirected_recordings_are_refused_with_the_reason(twilio):
    client, services, media = twilio
    MediaHost.available = False
    response = post(client, callback(media))
    assert response.status_code == 502 and response.json()["error"] == "recording_unavailable"
    elsewhere = post(client, callback(media, RecordingUrl="http://169.254.169.254/latest/meta-data"))
    assert elsewhere.status_code == 422 and "fetched only from 127.0.0.1" in elsewhere.json()["detail"]
    absent = post(client, callback(media, RecordingStatus="absent"))
    assert absent.status_code == 200 and "absent" in absent.json()["ignored"]
    assert client.get("/v1/calls").json()["items"] == []
    assert not [p for p in services.objects.root.rglob("*") if p.is_file()]
    MediaHost.available = True
    assert post(client, callback(media)).status_code == 201  # redelivered once the host is back


def test_the_webhook_is_off_until_a_token_is_configured(admin_api):
    client, _ = admin_api
    response = client.post("/v1/telephony/twilio/recording", data={"RecordingSid": "RE1"})
    assert response.status_code == 404 and "TWILIO_AUTH_TOKEN" in response.json()["detail"]


def test_a_redirect_off_the_allow_list_or_a_plain_http_url_is_not_fetched(twilio):
    client, services, media = twilio
    hop = post(client, callback(media, RecordingSid="RE2", RecordingUrl=f"{media}/RE2"))
    assert hop.status_code == 422 and "not localhost" in hop.json()["detail"]
    assert [p for p in MediaHost.requests if "RE1" in p] == []  # the redirect target was never asked
    services.settings = replace(
        services.settings, recorder=services.settings.recorder.model_copy(update={"twilio_media_http": False})
    )
    clear = post(client, callback(media))
    assert clear.status_code == 422 and "not an https URL" in clear.json()["detail"]
    assert MediaHost.requests == [
        "/2010-04-01/Accounts/" + ACCOUNT + "/Recordings/RE2.wav?RequestedChannels=2"
    ]
    assert client.get("/v1/calls").json()["items"] == []
