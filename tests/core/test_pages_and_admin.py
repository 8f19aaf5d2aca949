import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def test_home_page_renders(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Staff sign-in" in html
    # A visitor is offered each thing they can do, not only the staff link.
    for name in ("leads:choices", "leads:early_access", "leads:contact"):
        assert f'class="button" href="{reverse(name)}"' in html


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_admin_changelist_search_and_add_pages_open(admin_client, model):
    call_command("seed_demo")
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "example"}).status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in (200, 403)
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200


def test_demo_login_command_creates_a_working_staff_login(settings, tmp_path, monkeypatch, client):
    from workspace.management.commands import ensure_demo_login

    settings.DEBUG = True
    monkeypatch.setattr(ensure_demo_login, "LOGIN_FILE", tmp_path / ".demo-login")

    call_command("ensure_demo_login")
    first = (tmp_path / ".demo-login").read_text()
    call_command("ensure_demo_login")

    assert (tmp_path / ".demo-login").read_text() == first
    logins = dict(line.split(":", 1) for line in first.splitlines())
    assert {"admin", "sales", "support", "instructor", "manager"} <= set(logins)
    assert client.login(username="admin", password=logins["admin"])
    assert client.get(reverse("admin:index")).status_code == 200


def test_demo_login_prints_the_address_make_run_serves(settings, tmp_path, monkeypatch):
    from io import StringIO

    from workspace.management.commands import ensure_demo_login

    settings.DEBUG = True
    monkeypatch.setattr(ensure_demo_login, "LOGIN_FILE", tmp_path / ".demo-login")
    out = StringIO()
    call_command("ensure_demo_login", address="127.0.0.1:8123", stdout=out)
    assert "http://127.0.0.1:8123/admin/" in out.getvalue()
    assert "8000" not in out.getvalue()
