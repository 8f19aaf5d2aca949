"""Content-Security-Policy: on every answer, and the pages and the admin still work under it."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from crm.models import Contact
from leads.models import UsersLead

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.usefixtures("release_pooled_connections")


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/choices/", "/early-access/", "/contact/", "/admin/login/", "/healthz"]
)
def test_every_page_carries_the_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_json_answers_carry_the_policy_too(client):
    response = client.get("/api/page-sessions/")  # a 405, in JSON

    assert "Content-Security-Policy" in response


# Email bodies (an .html beside its .txt) are never served under the CSP, and mail clients
# need their styles inline; they still carry no script.
EMAIL_TEMPLATE_DIRS = {"alerts"}


def test_templates_hold_no_inline_script_or_style():
    templates = Path(__file__).resolve().parents[2] / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and "<script >" not in text, template
        if template.relative_to(templates).parts[0] in EMAIL_TEMPLATE_DIRS:
            assert template.with_suffix(".txt").exists(), template
            continue
        assert " style=" not in text and "<style" not in text, template


# --- In a real browser: no CSP violation on the public pages and in the admin ---


@pytest.fixture
def browser_page(csp_pages):
    return csp_pages()


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert response.headers.get("content-security-policy"), url
    page.wait_for_load_state("networkidle")


def test_public_forms_work_under_the_policy(live_server, browser_page):
    page = browser_page
    visit(page, f"{live_server.url}/choices/?utm_source=csp-test")
    # The step-by-step script (a static file) runs: only the first step shows.
    expect(page.get_by_role("button", name="Next").first).to_be_visible()
    assert not page.get_by_label("Email").is_visible()
    for path in ("/", "/early-access/", "/contact/"):
        visit(page, f"{live_server.url}{path}")
    # The stylesheet applied: the header is laid out as a flex row.
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).display") == "flex"

    assert page.csp_violations == []


def test_admin_works_under_the_policy(live_server, browser_page, admin_user):
    call_command("seed_demo")
    page = browser_page
    visit(page, f"{live_server.url}/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/admin/"

    lead = UsersLead.objects.first()
    contact = Contact.objects.first()
    urls = [
        reverse("admin:leads_userslead_changelist"),
        reverse("admin:leads_userslead_change", args=[lead.pk]),
        reverse("admin:crm_contact_changelist"),
        reverse("admin:crm_contact_change", args=[contact.pk]),
        reverse("admin:crm_task_add"),
    ]
    for url in urls:
        visit(page, f"{live_server.url}{url}")
    # The admin's own scripts ran: the date widget added its calendar shortcut.
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()
    # And its stylesheet applied.
    assert page.eval_on_selector("#header", "e => getComputedStyle(e).display") != "inline"

    assert page.csp_violations == []
