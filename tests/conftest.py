import pytest
from django.db import connection, connections

from tests.pgbouncer import BEHIND_TRANSACTION_POOLER

# Throwaway databases for the deploy tools' and the adoption's tests (tests/scratch_db.py).
from tests.scratch_db import empty_db, migrated_db, migrated_template, scratch_server  # noqa: F401

# A real SMTP server (aiosmtpd) on a loopback port: `smtp_server`, and `smtp` with Django on it.
from tests.smtp_support import smtp, smtp_server  # noqa: F401


@pytest.fixture
def postgres_only(db):
    """Skip the test unless it runs against PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def direct_session(postgres_only):
    """Skip the test when the suite runs behind a transaction pooler: it kills its own backend
    by pid, checks Django's pool, or puts its own pooler in front of the server, and behind the
    pooler a session has no backend of its own and no pool. tests/core/test_transaction_pooler.py
    (run directly, with a pgbouncer of its own) covers those faults behind the pooler."""
    if BEHIND_TRANSACTION_POOLER:
        pytest.skip("needs a direct session to PostgreSQL, not one through a transaction pooler")


@pytest.fixture
def pool_for_all_threads(request, postgres_only, transactional_db):
    """Let each of the test module's THREADS threads hold its own connection at once (the app's
    pool allows 8), on PostgreSQL with committed data."""
    options = connection.settings_dict["OPTIONS"]
    original = options.get("pool")
    if original:
        connection.close()
        connection.close_pool()
        options["pool"] = {**original, "max_size": request.module.THREADS + 4}
    yield
    if original:
        connection.close()
        connection.close_pool()
        options["pool"] = original


CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, headless, with nothing that reaches for the network by itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def chromium():
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are
    # still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            # Connections opened while Playwright ran belong to its thread: close them here.
            connections.close_all()
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def csp_pages(chromium):
    """``csp_pages(width, height)`` opens a Chromium page of that size (1280x720 without one)
    that records every Content-Security-Policy violation in ``page.csp_violations``."""
    pages = []

    def open_page(width: int = 1280, height: int = 720):
        page = chromium.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(20_000)
        violations: list[str] = []
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        # Also catch violations the console might not show (e.g. blocked styles).
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " console.error('Content Security Policy violation: ' + e.violatedDirective"
            " + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber); });"
        )
        page.csp_violations = violations
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def release_pooled_connections():
    """Close what a live server left in the pool, so that the test database can be dropped."""
    yield
    for alias in connections:
        connection = connections[alias]
        if connection.vendor == "postgresql":
            connection.close()
            connection.close_pool()


@pytest.fixture
def artifacts_dir():
    """Where browser tests leave their screenshots (git-ignored, kept by CI)."""
    from pathlib import Path

    directory = Path(__file__).resolve().parent.parent / "test-artifacts"
    directory.mkdir(exist_ok=True)
    return directory
