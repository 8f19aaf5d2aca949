"""A background import's page in a real browser (Debian's Chromium): it reloads itself under
the site's Content-Security-Policy while the import runs, and stops once it is done."""

import pytest
from django.contrib.auth import get_user_model
from django.utils.timezone import now

from exports.models import ImportJob

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("release_pooled_connections"),
]

PASSWORD = "a-long-staff-password"


def test_the_import_page_follows_the_worker_until_it_is_done(chromium, live_server, artifacts_dir):
    user = get_user_model().objects.create_superuser("importer", "importer@example.com", PASSWORD)
    job = ImportJob.objects.create(
        user=user,
        model_label="crm.Contact",
        file_name="big.csv",
        status=ImportJob.Status.RUNNING,
        attempts=1,
        rows_total=1500,
        rows_done=500,
        started_at=now(),
        checked_at=now(),
    )
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        page.goto(f"{live_server.url}/admin/")
        page.get_by_label("Username").fill("importer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/admin/exports/importjob/{job.pk}/change/")
        expect(page.locator("body")).to_contain_text("500 of 1,500 rows written")

        # The worker saves its next batch: the page shows it without anyone reloading it.
        ImportJob.objects.filter(pk=job.pk).update(rows_done=1000)
        expect(page.locator("body")).to_contain_text("1,000 of 1,500 rows written", timeout=10_000)
        ImportJob.objects.filter(pk=job.pk).update(
            rows_done=1500, status=ImportJob.Status.DONE, created_count=1200, updated_count=300
        )
        expect(page.locator("body")).to_contain_text(
            "1,200 new, 300 updated, 0 skipped, 0 errors", timeout=10_000
        )
        page.screenshot(path=str(artifacts_dir / "import-progress-done.png"), full_page=True)
        assert page.locator("[data-import-running]").count() == 0  # it stops reloading
    finally:
        context.close()
    assert refused == []
