"""The staff API's docs page in a real (headless Debian Chromium) browser: it renders every
operation and nothing it loads comes from another host."""

from urllib.parse import urlsplit

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

# The shared chromium fixture (tests/conftest.py) already runs with the offline flags: no
# background networking, component updates, sync or first-run requests.
pytestmark = pytest.mark.usefixtures("release_pooled_connections")


@pytest.fixture
def page(chromium, live_server):
    page = chromium.new_page()
    yield page
    page.close()


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
