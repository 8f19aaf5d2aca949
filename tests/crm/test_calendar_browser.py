"""The appointment calendar in a real browser (Debian's Chromium): the week and the month fit
1366 px and a 390 px phone without scrolling sideways, under the CSP, and a day's "Add" books
an appointment that then shows on that day. Screenshots go to the test artifacts."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Appointment
from tests.crm.factories import AppointmentFactory, ContactFactory, OrganizationFactory

expect = pytest.importorskip("playwright.sync_api").expect

PASSWORD = "calendar-browser-password"

pytestmark = pytest.mark.usefixtures("release_pooled_connections")


@pytest.fixture
def browser(csp_pages):
    return csp_pages


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "calendar")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def _busy_week(monday: date):
    organization = OrganizationFactory(name="Brightsmile Dental Group")
    contacts = [
        ContactFactory(organization=organization, name=name, timezone="")
        for name in ("Asha Verma", "Meera Iyer", "Rahul Nair with a rather long family name")
    ]
    zone = timezone.get_current_timezone()
    for day in range(7):
        for slot, contact in enumerate(contacts[: 1 + day % 3]):
            start = datetime(monday.year, monday.month, monday.day, 9 + 2 * slot, tzinfo=zone)
            AppointmentFactory(
                contact=contact,
                title="Implant consultation and follow-up" if slot else "Check-up",
                start_time=start + timedelta(days=day),
                end_time=start + timedelta(days=day, minutes=45),
            )
    return contacts[0]


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_week_and_month_fit_the_screen(live_server, browser, artifacts_dir, width, height):
    get_user_model().objects.create_superuser("calendar", "calendar@example.com", PASSWORD)
    monday = date(2026, 12, 7)
    _busy_week(monday)
    page = browser(width, height)
    _sign_in(page, live_server)

    for view in ("week", "month"):
        page.goto(f"{live_server.url}/admin/crm/appointment/calendar/?view={view}&date=2026-12-07")
        expect(page.locator(".calendar-entry").first).to_be_visible()
        page.screenshot(path=str(artifacts_dir / f"calendar-{view}-{width}.png"), full_page=True)
        assert _scroll_width(page) <= width, view
        # The stylesheet applied (a static file under the CSP): days in a grid.
        assert page.eval_on_selector(".calendar-grid", "e => getComputedStyle(e).display") == "grid"
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_a_day_books_an_appointment_that_then_shows_on_it(live_server, browser, artifacts_dir):
    get_user_model().objects.create_superuser("calendar", "calendar@example.com", PASSWORD)
    contact = _busy_week(date(2026, 12, 7))
    page = browser(1366, 768)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/crm/appointment/calendar/?date=2026-12-07&owner=me")
    expect(page.locator(".calendar-entry")).to_have_count(0)

    page.locator(".calendar-day").nth(2).get_by_role("link", name="Add").click()
    expect(page.locator("#id_start_time_0")).to_have_value("2026-12-09")
    expect(page.locator("#id_start_time_1")).to_have_value("09:00:00")
    expect(page.locator("#id_end_time_1")).to_have_value("10:00:00")
    page.fill("#id_title", "First visit")
    # The contact picker is the admin's autocomplete (select2): pick by typing a name.
    page.locator(".field-contact .select2-selection").click()
    page.locator(".select2-search__field").fill("Asha")
    page.locator(".select2-results__option", has_text="Asha Verma").click()
    page.screenshot(path=str(artifacts_dir / "calendar-add-1366.png"), full_page=True)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/crm/appointment/")

    appointment = Appointment.objects.get(title="First visit")
    assert appointment.contact == contact
    assert appointment.owner.username == "calendar"
    page.goto(f"{live_server.url}/admin/crm/appointment/calendar/?date=2026-12-07&owner=me")
    wednesday = page.locator(".calendar-day").nth(2)
    expect(wednesday.locator(".calendar-entry")).to_have_count(1)
    expect(wednesday.locator(".calendar-time")).to_have_text("09:00–10:00")
    assert page.csp_violations == []
