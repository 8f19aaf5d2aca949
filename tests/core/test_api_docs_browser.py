"""The staff API's docs page in a real (headless Debian Chromium) browser: it renders every
operation and nothing it loads comes from another host."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections

expect = pytest.importorskip("playwright.sync_api").expect

CHROMIUM = Path("/usr/bin/chromium")
OFFLINE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module", autouse=True)
def _release_pooled_connections():
    yield
    for connection in connections.all():
        if connection.vendor == "postgresql":
            connection.close()
            connection.close_pool()


@pytest.fixture
def page(live_server):
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=OFFLINE_FLAGS
            )
            page = browser.new_page()
            yield page
            connections.close_all()
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# The site's Content-Security-Policy (the serving issue's django-csp settings): no inline
# script or style, nothing from another host. The docs page must work under it.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def with_strict_csp(route):
    response = route.fetch()
    route.fulfill(
        response=response,
        headers={**response.headers, "content-security-policy": STRICT_CSP},
    )


def test_docs_render_every_operation_from_this_host_only(live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.route("**/api/docs/", with_strict_csp)

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)

    assert page.locator(".opblock").count() >= 30
    expect(page.get_by_text("/api/crm/contacts/", exact=True).first).to_be_visible()
    expect(page.locator(".btn.authorize")).to_be_visible()  # the Bearer scheme is offered
    here = urlsplit(live_server.url).netloc
    outside = [
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != here
    ]
    assert outside == []
    assert any(url.endswith("/api/schema/") for url in requested)
    assert errors == []
