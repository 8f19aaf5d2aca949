"""CORS for the public lead endpoints: configured origins only, no credentials, rate limits."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from leads.models import ContactMessage, LeadEvent, UsersLead
from tests.config.test_settings import run_python

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("release_pooled_connections")]

FRONT_END = "https://comfhutt.example"
STRANGER = "https://evil.example"
CONTACT = {"name": "Asha", "email": "asha@example.com", "message": "Please call me back soon."}
PUBLIC_PATHS = [
    "/api/choices",
    "/api/contact",
    "/api/early-access",
    "/api/choices/",
    "/api/contact/",
    "/api/early-access/",
    "/api/page-sessions/",
]


@pytest.fixture(autouse=True)
def _front_end_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]


def preflight(client: Client, path: str, origin: str):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def post_contact(client: Client, origin: str, path: str = "/api/contact"):
    return client.post(
        path, json.dumps(CONTACT), content_type="application/json", HTTP_ORIGIN=origin
    )


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_preflight_from_the_front_end_is_allowed_without_credentials(client, path):
    response = preflight(client, path, FRONT_END)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "content-type" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_preflight_from_another_origin_is_not_allowed(client, path):
    response = preflight(client, path, STRANGER)

    assert "Access-Control-Allow-Origin" not in response


def test_post_from_the_front_end_carries_cors_headers(client):
    response = post_contact(client, FRONT_END)

    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == FRONT_END
    assert "Access-Control-Allow-Credentials" not in response


def test_post_from_another_origin_gets_no_cors_headers(client):
    response = post_contact(client, STRANGER)

    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_by_default(client, settings):
    settings.CORS_ALLOWED_ORIGINS = []

    response = preflight(client, "/api/contact", FRONT_END)

    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/admin/login/", "/contact/", "/api/crm/contacts/", "/"])
def test_other_paths_get_no_cors_headers(client, path):
    response = preflight(client, path, FRONT_END)
    plain = client.get(path, HTTP_ORIGIN=FRONT_END)

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in plain


def test_preflights_do_not_use_up_the_rate_limit(client, throttle_rate):
    throttle_rate("lead_contact", "1/min")
    for _ in range(5):
        assert preflight(client, "/api/contact", FRONT_END).status_code == 200

    assert post_contact(client, FRONT_END).status_code == 201
    assert ContactMessage.objects.count() == 1


def test_a_rate_limited_answer_still_carries_cors_headers(client, throttle_rate):
    throttle_rate("lead_contact", "1/min")
    assert post_contact(client, FRONT_END).status_code == 201

    limited = post_contact(client, FRONT_END)

    assert limited.status_code == 429
    assert limited["Access-Control-Allow-Origin"] == FRONT_END
    assert int(limited["Retry-After"]) >= 0
    assert ContactMessage.objects.count() == 1
    assert UsersLead.objects.count() == 1


def test_allowed_origins_come_from_the_environment():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CORS_ALLOWED_ORIGINS))"
    )
    unset = run_python(code, "config.settings.local", CORS_ALLOWED_ORIGINS="")
    listed = run_python(
        code,
        "config.settings.local",
        CORS_ALLOWED_ORIGINS="https://comfhutt.example,https://www.comfhutt.example",
    )

    assert json.loads(unset.stdout.splitlines()[-1]) == []
    assert json.loads(listed.stdout.splitlines()[-1]) == [
        "https://comfhutt.example",
        "https://www.comfhutt.example",
    ]


# --- In a real browser: a page on another origin posts as the live front-end does ----------

FRONT_END_PORT = int(os.environ.get("CORS_FRONT_END_PORT", "18121"))
FRONT_END_ORIGIN = f"http://127.0.0.1:{FRONT_END_PORT}"
FRONT_END_PAGE = b"<!doctype html><title>ComfHutt</title><p>front-end</p>"
# What the front-end's forms do: fetch with a JSON body, read ok/status and the JSON answer.
SEND = """async ([url, body]) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body),
    });
    let answer = null;
    try { answer = await response.json(); } catch (e) {}
    return {ok: response.ok, status: response.status, body: answer};
  } catch (e) {
    return {failed: String(e)};
  }
}"""
EARLY_ACCESS = {
    "email": "asha@example.com",
    "name": "Asha",
    "investmentIntent": "READY_TO_INVEST",
    "expectedInvestmentRange": "ABOVE_TWO_L",
    "source": "website",
}


@pytest.fixture
def front_end():
    """Serve the front-end's page from its own origin (another port of ours)."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(FRONT_END_PAGE)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", FRONT_END_PORT), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FRONT_END_ORIGIN
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser_page(chromium, live_server, front_end):
    page = chromium.new_page()
    page.goto(front_end)
    yield page
    page.close()


@pytest.mark.django_db(transaction=True)
def test_a_page_on_the_allowed_origin_posts_the_three_forms(browser_page, live_server, settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END_ORIGIN]
    api = live_server.url + "/api"

    choices = browser_page.evaluate(
        SEND,
        [
            f"{api}/choices",
            {"intent": "invest", "nps": 8, "name": "Asha", "email": "asha@example.com"},
        ],
    )
    contact = browser_page.evaluate(SEND, [f"{api}/contact", CONTACT])
    early = browser_page.evaluate(SEND, [f"{api}/early-access", EARLY_ACCESS])
    refused = browser_page.evaluate(
        SEND, [f"{api}/early-access", {**EARLY_ACCESS, "expectedInvestmentRange": "1M"}]
    )

    assert choices["ok"] and contact["ok"]
    assert (early["status"], early["body"]) == (201, {"success": True})
    assert refused["status"] == 400
    assert refused["body"]["success"] is False
    assert "expectedInvestmentRange" in refused["body"]["error"]
    assert UsersLead.objects.count() == 1
    assert LeadEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_page_on_another_origin_is_refused_by_the_browser(browser_page, live_server, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://comfhutt.example"]

    answer = browser_page.evaluate(SEND, [f"{live_server.url}/api/contact", CONTACT])

    assert "failed" in answer
    # The preflight failed, so the browser never sent the POST.
    assert not UsersLead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_browser_can_read_a_rate_limited_answer(
    browser_page, live_server, settings, throttle_rate
):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END_ORIGIN]
    throttle_rate("lead_contact", "1/min")
    url = f"{live_server.url}/api/contact"

    first = browser_page.evaluate(SEND, [url, CONTACT])
    second = browser_page.evaluate(SEND, [url, CONTACT])

    assert first["status"] == 201
    assert second["status"] == 429
    assert ContactMessage.objects.count() == 1
